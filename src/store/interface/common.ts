/** What every repository shares: the conflict error, pages, tags on resources, the configuration epoch. */

export class StoreConflictError extends Error {
  constructor(what: string) {
    super(`${what} already exists`);
    this.name = 'StoreConflictError';
  }
}

export interface Page<T> {
  items: T[];
  /** Cursor for the next page; null at the end. */
  next: string | null;
}

export interface Tag {
  key: string;
  value: string;
}

export interface TagStore {
  /** Tags of a resource ordered by key. */
  list(accountId: string, resourceArn: string): Promise<Tag[]>;
  /** Adds or overwrites the given keys. */
  put(accountId: string, resourceArn: string, tags: Tag[]): Promise<void>;
  remove(accountId: string, resourceArn: string, keys: string[]): Promise<void>;
  removeAll(accountId: string, resourceArn: string): Promise<void>;
}

export interface MetaStore {
  /**
   * A counter bumped by every change that cached configuration depends on (keys, accounts, identities),
   * so every process and node can drop its caches when it moves.
   */
  getEpoch(): Promise<number>;
  bumpEpoch(): Promise<number>;
}

/** Users of the web console: an account's admins and members, and Sesame's operators (no account). */

export type ConsoleRole = 'admin' | 'member' | 'operator';

export interface ConsoleUserRecord {
  id: string;
  /** The account the user belongs to; null for an operator. */
  accountId: string | null;
  /** Lowercase sign-in address (unique). */
  email: string;
  role: ConsoleRole;
  /** scrypt hash (`scrypt$N$r$p$salt$hash`), null until the setup link was used. */
  passwordHash: string | null;
  /** When the password was last set: sessions issued before it end. */
  passwordChangedAt: number | null;
  /** SHA-256 of the one-time setup token, and when it expires. */
  setupTokenHash: string | null;
  setupExpiresAt: number | null;
  createdAt: number;
}

export interface ConsoleUserStore {
  /** Throws StoreConflictError when the email is taken. */
  create(user: ConsoleUserRecord): Promise<void>;
  get(id: string): Promise<ConsoleUserRecord | null>;
  byEmail(email: string): Promise<ConsoleUserRecord | null>;
  bySetupToken(tokenHash: string): Promise<ConsoleUserRecord | null>;
  modify(id: string, change: (u: ConsoleUserRecord) => ConsoleUserRecord): Promise<ConsoleUserRecord | null>;
  /** Users of an account (null: operators), by email. */
  list(accountId: string | null): Promise<ConsoleUserRecord[]>;
}

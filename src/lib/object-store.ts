/**
 * Sesame's embedded object store: buckets as directories under the data directory, each object a file (its
 * key's `/` are directories). A write goes to a temporary file that is fsynced and renamed over the key, so an
 * object is either absent or whole, also after a crash. Keys are checked so that none can leave its bucket.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

export interface StoredObject {
  key: string;
  size: number;
  lastModified: number;
  /** The MD5 of the content, hex (S3's ETag for a single-part object). */
  etag: string;
}

/** Whether a key can be stored: 1–1024 bytes, no NUL, no `.`/`..` segment, not starting with `/`. */
export function validObjectKey(key: string): boolean {
  if (key.length === 0 || Buffer.byteLength(key) > 1024 || key.includes('\u0000') || key.startsWith('/'))
    return false;
  return key.split('/').every((s) => s !== '.' && s !== '..' && s !== '');
}

const TEMP_PREFIX = '.sesame-tmp-';

interface DirectorySync {
  running: boolean;
  waiting: { resolve: () => void; reject: (err: unknown) => void }[];
}

export class FileObjectStore {
  readonly #root: string;
  /** Directories this process has made or found (no mkdir per object). */
  readonly #dirs = new Set<string>();
  readonly #dirSyncs = new Map<string, DirectorySync>();

  constructor(root: string) {
    this.#root = root;
  }

  #path(bucket: string, key: string): string {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`not a bucket name: ${bucket}`);
    if (!validObjectKey(key)) throw new Error(`not an object key: ${key}`);
    return join(this.#root, bucket, ...key.split('/'));
  }

  async put(bucket: string, key: string, body: Buffer): Promise<StoredObject> {
    const path = this.#path(bucket, key);
    const dir = dirname(path);
    if (!this.#dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.#dirs.add(dir);
    }
    const temp = join(dir, `${TEMP_PREFIX}${randomUUID()}`);
    let file;
    try {
      file = await open(temp, 'w', 0o600);
    } catch (err) {
      // The directory was removed behind our back (a deleted bucket): make it again.
      if (!isMissing(err)) throw err;
      await mkdir(dir, { recursive: true });
      file = await open(temp, 'w', 0o600);
    }
    try {
      await file.writeFile(body);
      await file.datasync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    // The rename itself is durable once the directory is synced.
    await this.#syncDirectory(dir);
    return { key, size: body.length, lastModified: Date.now(), etag: md5(body) };
  }

  /**
   * Directory syncs are shared: renames that finish while one is running wait for the next, which covers them
   * all (one fsync of a busy directory for many objects instead of one each).
   */
  #syncDirectory(dir: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let sync = this.#dirSyncs.get(dir);
      if (!sync) this.#dirSyncs.set(dir, (sync = { running: false, waiting: [] }));
      sync.waiting.push({ resolve, reject });
      if (!sync.running) void this.#runDirectorySyncs(dir, sync);
    });
  }

  async #runDirectorySyncs(dir: string, sync: DirectorySync): Promise<void> {
    sync.running = true;
    while (sync.waiting.length > 0) {
      const batch = sync.waiting.splice(0);
      try {
        const d = await open(dir, 'r');
        try {
          await d.sync();
        } finally {
          await d.close();
        }
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.#dirSyncs.delete(dir);
  }

  async get(bucket: string, key: string): Promise<{ body: Buffer; object: StoredObject } | null> {
    try {
      const path = this.#path(bucket, key);
      const [body, s] = await Promise.all([readFile(path), stat(path)]);
      if (!s.isFile()) return null;
      return { body, object: { key, size: s.size, lastModified: s.mtimeMs, etag: md5(body) } };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async head(bucket: string, key: string): Promise<StoredObject | null> {
    const got = await this.get(bucket, key);
    return got?.object ?? null;
  }

  /** Deletes an object; true when there was one. */
  async delete(bucket: string, key: string): Promise<boolean> {
    try {
      await unlink(this.#path(bucket, key));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  /** Keys in lexicographic order, with `prefix`, after `startAfter`, at most `limit` (+ whether there are more). */
  async list(
    bucket: string,
    options: { prefix?: string | undefined; startAfter?: string | undefined; limit: number },
  ): Promise<{ objects: StoredObject[]; truncated: boolean }> {
    const base = join(this.#root, bucket);
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const e of entries) {
        if (e.name.startsWith(TEMP_PREFIX)) continue;
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile()) keys.push(relative(base, full).split(sep).join('/'));
      }
    };
    await walk(base);
    const selected = keys
      .filter(
        (k) =>
          (!options.prefix || k.startsWith(options.prefix)) &&
          (!options.startAfter || k > options.startAfter),
      )
      .sort();
    const page = selected.slice(0, options.limit);
    const objects: StoredObject[] = [];
    for (const key of page) {
      const o = await this.head(bucket, key);
      if (o) objects.push(o);
    }
    return { objects, truncated: selected.length > options.limit };
  }

  /** Removes a bucket's directory and everything in it. */
  async removeBucket(bucket: string): Promise<void> {
    const root = join(this.#root, bucket);
    for (const d of this.#dirs) if (d === root || d.startsWith(root + sep)) this.#dirs.delete(d);
    await rm(root, { recursive: true, force: true });
  }
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const isMissing = (err: unknown) =>
  ['ENOENT', 'ENOTDIR', 'EISDIR'].includes((err as { code?: string }).code ?? '');

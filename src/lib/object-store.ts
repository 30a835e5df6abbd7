/**
 * Sesame's embedded object store: buckets as directories under the data directory, each object a file (its
 * key's `/` are directories). A write goes to a temporary file that is fsynced and renamed over the key, so an
 * object is either absent or whole, also after a crash. Writes run on a thread of their own
 * (object-writer-worker.ts), which syncs each directory once per batch. Keys are checked so that none can leave
 * its bucket.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile, readdir, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ObjectWrite } from './object-writer-worker.ts';
import { WorkerRequests } from './worker-requests.ts';

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

/** The thread that writes objects (object-writer-worker.ts), started with the first write. */
class ObjectWriterThread {
  readonly #thread = new WorkerRequests(
    new URL('./object-writer-worker.ts', import.meta.url),
    { objectWriter: true },
    'object writer',
  );

  /** Resolves with the object's ETag once it is durable. */
  async write(temp: string, path: string, body: Buffer): Promise<string> {
    const w: Omit<ObjectWrite, 'id'> = { temp, path, body };
    return (await this.#thread.call(w)) as string;
  }

  close(): Promise<void> {
    return this.#thread.close();
  }
}

export class FileObjectStore {
  readonly #root: string;
  #thread: ObjectWriterThread | undefined;

  constructor(root: string) {
    this.#root = root;
  }

  #path(bucket: string, key: string): string {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`not a bucket name: ${bucket}`);
    if (!validObjectKey(key)) throw new Error(`not an object key: ${key}`);
    return join(this.#root, bucket, ...key.split('/'));
  }

  /** Stores an object (whole or not at all, also after a crash); resolves once it is durable. */
  async put(bucket: string, key: string, body: Buffer): Promise<StoredObject> {
    const path = this.#path(bucket, key);
    const temp = join(dirname(path), `${TEMP_PREFIX}${randomUUID()}`);
    const etag = await this.#writer().write(temp, path, body);
    return { key, size: body.length, lastModified: Date.now(), etag };
  }

  #writer(): ObjectWriterThread {
    return (this.#thread ??= new ObjectWriterThread());
  }

  /** Ends the writer thread once the writes in flight are done. */
  async close(): Promise<void> {
    await this.#thread?.close();
    this.#thread = undefined;
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
    await rm(join(this.#root, bucket), { recursive: true, force: true });
  }
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const isMissing = (err: unknown) =>
  ['ENOENT', 'ENOTDIR', 'EISDIR'].includes((err as { code?: string }).code ?? '');

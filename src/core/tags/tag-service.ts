/**
 * Tags on SES resources, addressed by ARN (`arn:aws:ses:<region>:<account>:<type>/<name>`). A resource kind
 * registers how to tell whether a resource exists, so tags can only be put on things that are there.
 */
import type { Store, Tag } from '../../store/store.ts';
import { badRequest, notFound } from '../errors.ts';

export const MAX_TAGS_PER_RESOURCE = 50;

export type ResourceExists = (accountId: string, name: string) => Promise<boolean>;

export class TagService {
  readonly #store: Store;
  readonly #region: string;
  readonly #kinds = new Map<string, ResourceExists>();

  constructor(deps: { store: Store; region: string }) {
    this.#store = deps.store;
    this.#region = deps.region;
  }

  /** Registers a taggable resource type (`identity`, `configuration-set`, `contact-list`, …). */
  registerKind(type: string, exists: ResourceExists): void {
    this.#kinds.set(type, exists);
  }

  async tagResource(accountId: string, arn: string, tags: Tag[]): Promise<void> {
    await this.#requireResource(accountId, arn);
    const existing = await this.#store.tags.list(accountId, arn);
    validateTags(tags);
    const keys = new Set([...existing.map((t) => t.key), ...tags.map((t) => t.key)]);
    if (keys.size > MAX_TAGS_PER_RESOURCE)
      throw badRequest(`A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags.`);
    await this.#store.tags.put(accountId, arn, tags);
  }

  async untagResource(accountId: string, arn: string, keys: string[]): Promise<void> {
    await this.#requireResource(accountId, arn);
    await this.#store.tags.remove(accountId, arn, keys);
  }

  async listForResource(accountId: string, arn: string): Promise<Tag[]> {
    await this.#requireResource(accountId, arn);
    return this.#store.tags.list(accountId, arn);
  }

  /** Checks tags before the resource they are for is created (so a bad tag creates nothing). */
  check(tags: Tag[]): void {
    validateTags(tags);
  }

  /** Used by resource services at creation and deletion (no existence check). */
  async put(accountId: string, arn: string, tags: Tag[]): Promise<void> {
    validateTags(tags);
    await this.#store.tags.put(accountId, arn, tags);
  }

  list(accountId: string, arn: string): Promise<Tag[]> {
    return this.#store.tags.list(accountId, arn);
  }

  removeAll(accountId: string, arn: string): Promise<void> {
    return this.#store.tags.removeAll(accountId, arn);
  }

  async #requireResource(accountId: string, arn: string): Promise<void> {
    const m = /^arn:aws:ses:([^:]+):(\d{12}):([a-z-]+)\/(.+)$/.exec(arn);
    if (!m) throw badRequest(`Invalid resource ARN ${arn}.`);
    const [, region, owner, type, name] = m as unknown as [string, string, string, string, string];
    const exists = this.#kinds.get(type);
    if (region !== this.#region || owner !== accountId || !exists || !(await exists(accountId, name)))
      throw notFound('Resource', `Resource ${arn} does not exist.`);
  }
}

function validateTags(tags: Tag[]): void {
  if (tags.length > MAX_TAGS_PER_RESOURCE)
    throw badRequest(`A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags.`);
  const seen = new Set<string>();
  for (const t of tags) {
    if (t.key.length < 1 || t.key.length > 128)
      throw badRequest('Tag keys must be 1 to 128 characters long.');
    if (t.value.length > 256) throw badRequest('Tag values must be at most 256 characters long.');
    if (t.key.toLowerCase().startsWith('aws:')) throw badRequest('Tag keys must not start with "aws:".');
    if (seen.has(t.key)) throw badRequest(`Duplicate tag key ${t.key}.`);
    seen.add(t.key);
  }
}

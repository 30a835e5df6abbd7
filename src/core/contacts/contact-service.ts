/**
 * Contact lists and contacts (SES v2 list management): lists with topics, contacts with per-topic
 * preferences, and the operator's bulk import. What list-managed sends do with them (opt-outs, one-click
 * unsubscribe links) is in list-management.ts.
 */
import {
  StoreConflictError,
  type ContactListRecord,
  type ContactRecord,
  type Page,
  type Store,
  type SubscriptionStatus,
  type Tag,
  type TopicRecord,
} from '../../store/store.ts';
import type { EpochCache } from '../cache.ts';
import { SesError, alreadyExists, badRequest, notFound } from '../errors.ts';
import { parseEmailAddress } from '../identities/names.ts';
import type { TagService } from '../tags/tag-service.ts';

/** SES quotas: one contact list per account, 20 topics per list. */
export const MAX_CONTACT_LISTS = 1;
export const MAX_TOPICS = 20;

export interface TopicPreference {
  topicName: string;
  subscriptionStatus: SubscriptionStatus;
}

export interface ContactInput {
  topicPreferences?: TopicPreference[] | undefined;
  unsubscribeAll?: boolean | undefined;
  attributes?: string | undefined;
}

/** A contact as the API shows it: its preferences, and the list's defaults for topics it has none for. */
export interface ContactView extends ContactRecord {
  topicDefaultPreferences: TopicPreference[];
}

export interface ContactFilter {
  status?: SubscriptionStatus | undefined;
  topic?: { name?: string | undefined; useDefault?: boolean | undefined } | undefined;
}

const LIST_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export class ContactService {
  readonly #store: Store;
  readonly #cache: EpochCache;
  readonly #tags: TagService;
  readonly #region: string;
  readonly #now: () => number;

  constructor(deps: {
    store: Store;
    cache: EpochCache;
    tags: TagService;
    region: string;
    now: () => number;
  }) {
    this.#store = deps.store;
    this.#cache = deps.cache;
    this.#tags = deps.tags;
    this.#region = deps.region;
    this.#now = deps.now;
    this.#tags.registerKind(
      'contact-list',
      async (accountId, name) => (await this.#store.contacts.getList(accountId, name)) !== null,
    );
  }

  arn(accountId: string, name: string): string {
    return `arn:aws:ses:${this.#region}:${accountId}:contact-list/${name}`;
  }

  // ---- lists ------------------------------------------------------------------------------------------

  async createList(
    accountId: string,
    input: {
      name: string;
      description?: string | undefined;
      topics?: TopicRecord[] | undefined;
      tags?: Tag[] | undefined;
    },
  ): Promise<void> {
    if (!LIST_NAME.test(input.name))
      throw badRequest(
        `Invalid contact list name "${input.name}": use 1 to 64 ASCII letters, digits, underscores and dashes.`,
      );
    const topics = checkTopics(input.topics ?? []);
    if (await this.#store.contacts.getList(accountId, input.name))
      throw alreadyExists('ContactList', `Contact list ${input.name} already exists.`);
    if ((await this.#store.contacts.countLists(accountId)) >= MAX_CONTACT_LISTS)
      throw new SesError(
        'LimitExceededException',
        `An account can have at most ${MAX_CONTACT_LISTS} contact list (SES quota).`,
      );
    const now = this.#now();
    try {
      await this.#store.contacts.createList({
        accountId,
        name: input.name,
        description: input.description ?? null,
        topics,
        createdAt: now,
        updatedAt: now,
      });
    } catch (err) {
      if (err instanceof StoreConflictError)
        throw alreadyExists('ContactList', `Contact list ${input.name} already exists.`);
      throw err;
    }
    if (input.tags?.length) await this.#tags.put(accountId, this.arn(accountId, input.name), input.tags);
    await this.#cache.changed();
  }

  async getList(accountId: string, name: string): Promise<ContactListRecord> {
    const list = await this.#store.contacts.getList(accountId, name);
    if (!list) throw listNotFound(name);
    return list;
  }

  lists(accountId: string, after: string | undefined, limit: number): Promise<Page<ContactListRecord>> {
    return this.#store.contacts.lists(accountId, { after, limit });
  }

  /** UpdateContactList: Topics, when given, replace the list's topics; Description likewise. */
  /**
   * UpdateContactList is a complete replacement, as in SES: topics and description not given are removed
   * (contacts keep their preferences; those for a removed topic no longer apply).
   */
  async updateList(
    accountId: string,
    name: string,
    change: { description?: string | undefined; topics?: TopicRecord[] | undefined },
  ): Promise<void> {
    const list = await this.getList(accountId, name);
    await this.#store.contacts.updateList({
      ...list,
      description: change.description ?? null,
      topics: checkTopics(change.topics ?? []),
      updatedAt: this.#now(),
    });
    await this.#cache.changed();
  }

  async deleteList(accountId: string, name: string): Promise<void> {
    if (!(await this.#store.contacts.deleteList(accountId, name))) throw listNotFound(name);
    await this.#tags.removeAll(accountId, this.arn(accountId, name));
    await this.#cache.changed();
  }

  // ---- contacts ---------------------------------------------------------------------------------------

  async createContact(
    accountId: string,
    listName: string,
    email: string,
    input: ContactInput,
  ): Promise<void> {
    const list = await this.getList(accountId, listName);
    const address = checkAddress(email);
    const now = this.#now();
    try {
      await this.#store.contacts.createContact({
        accountId,
        listName,
        email: address,
        topicPreferences: checkPreferences(list, input.topicPreferences ?? []),
        unsubscribeAll: input.unsubscribeAll ?? false,
        attributes: checkAttributes(input.attributes),
        createdAt: now,
        updatedAt: now,
      });
    } catch (err) {
      if (err instanceof StoreConflictError)
        throw alreadyExists('Contact', `Contact ${address} already exists in contact list ${listName}.`);
      throw err;
    }
  }

  async getContact(accountId: string, listName: string, email: string): Promise<ContactView> {
    const list = await this.getList(accountId, listName);
    const contact = await this.#store.contacts.getContact(accountId, listName, email);
    if (!contact) throw contactNotFound(email, listName);
    return view(list, contact);
  }

  /** ListContacts with its filter: a topic's status (explicit, or the topic's default when asked to), or UnsubscribeAll. */
  async listContacts(
    accountId: string,
    listName: string,
    filter: ContactFilter,
    after: string | undefined,
    limit: number,
  ): Promise<Page<ContactView>> {
    const list = await this.getList(accountId, listName);
    const topic = filter.topic?.name;
    if (topic && !list.topics.some((t) => t.name === topic))
      throw badRequest(`Topic ${topic} does not exist in contact list ${listName}.`);
    const matches = (c: ContactRecord): boolean => {
      if (!filter.status) return true;
      if (!topic) return (c.unsubscribeAll ? 'OPT_OUT' : 'OPT_IN') === filter.status;
      const explicit = c.topicPreferences.find((p) => p.topicName === topic)?.subscriptionStatus;
      const status =
        explicit ??
        (filter.topic?.useDefault
          ? list.topics.find((t) => t.name === topic)!.defaultSubscriptionStatus
          : undefined);
      return status === filter.status;
    };
    // Filtering happens here: read pages until this one is full or the list ends.
    const items: ContactView[] = [];
    let cursor = after;
    for (;;) {
      const page = await this.#store.contacts.contacts(accountId, listName, { after: cursor, limit });
      for (const c of page.items) {
        if (!matches(c)) continue;
        items.push(view(list, c));
        if (items.length === limit) return { items, next: c.email.toLowerCase() };
      }
      if (!page.next) return { items, next: null };
      cursor = page.next;
    }
  }

  /** UpdateContact: the TopicPreferences given replace the contact's; UnsubscribeAll and AttributesData when given. */
  async updateContact(
    accountId: string,
    listName: string,
    email: string,
    input: ContactInput,
  ): Promise<void> {
    const list = await this.getList(accountId, listName);
    const preferences = input.topicPreferences ? checkPreferences(list, input.topicPreferences) : undefined;
    const attributes = input.attributes !== undefined ? checkAttributes(input.attributes) : undefined;
    const updated = await this.#store.contacts.modifyContact(accountId, listName, email, (c) =>
      c
        ? {
            ...c,
            topicPreferences: preferences ?? c.topicPreferences,
            unsubscribeAll: input.unsubscribeAll ?? c.unsubscribeAll,
            attributes: attributes !== undefined ? attributes : c.attributes,
            updatedAt: this.#now(),
          }
        : null,
    );
    if (!updated) throw contactNotFound(email, listName);
  }

  async deleteContact(accountId: string, listName: string, email: string): Promise<void> {
    await this.getList(accountId, listName);
    if (!(await this.#store.contacts.deleteContact(accountId, listName, email)))
      throw contactNotFound(email, listName);
  }

  /**
   * Bulk import (operator CLI). Re-running a file gives the same contacts: rows are upserted. An opt-out the
   * contact made (UnsubscribeAll, or OPT_OUT of a topic) is kept: an import never subscribes someone again.
   */
  async importRows(
    accountId: string,
    listName: string,
    rows: {
      line: number;
      email: string;
      topicPreferences: TopicPreference[];
      unsubscribeAll: boolean;
      attributes: string | undefined;
    }[],
  ): Promise<{ line: number; error: string }[]> {
    const list = await this.getList(accountId, listName);
    const errors: { line: number; error: string }[] = [];
    const valid: (ContactRecord & { line: number })[] = [];
    const now = this.#now();
    for (const row of rows) {
      try {
        valid.push({
          line: row.line,
          accountId,
          listName,
          email: checkAddress(row.email),
          topicPreferences: checkPreferences(list, row.topicPreferences),
          unsubscribeAll: row.unsubscribeAll,
          attributes: checkAttributes(row.attributes),
          createdAt: now,
          updatedAt: now,
        });
      } catch (err) {
        errors.push({ line: row.line, error: (err as Error).message });
      }
    }
    const existing = new Map(
      (
        await this.#store.contacts.findContacts(
          accountId,
          listName,
          valid.map((v) => v.email),
        )
      ).map((c) => [c.email.toLowerCase(), c]),
    );
    const merged = valid.map(({ line: _line, ...c }) => {
      const old = existing.get(c.email.toLowerCase());
      if (!old) return c;
      const optedOut = old.topicPreferences.filter((p) => p.subscriptionStatus === 'OPT_OUT');
      return {
        ...c,
        email: old.email,
        createdAt: old.createdAt,
        unsubscribeAll: c.unsubscribeAll || old.unsubscribeAll,
        topicPreferences: [
          ...c.topicPreferences.filter((p) => !optedOut.some((o) => o.topicName === p.topicName)),
          ...optedOut,
        ],
      };
    });
    await this.#store.contacts.upsertContacts(merged);
    return errors;
  }
}

function view(list: ContactListRecord, c: ContactRecord): ContactView {
  return {
    ...c,
    topicDefaultPreferences: list.topics
      .filter((t) => !c.topicPreferences.some((p) => p.topicName === t.name))
      .map((t) => ({ topicName: t.name, subscriptionStatus: t.defaultSubscriptionStatus })),
  };
}

function checkTopics(topics: TopicRecord[]): TopicRecord[] {
  if (topics.length > MAX_TOPICS) throw badRequest(`A contact list can have at most ${MAX_TOPICS} topics.`);
  const seen = new Set<string>();
  for (const t of topics) {
    if (!LIST_NAME.test(t.name))
      throw badRequest(
        `Invalid topic name "${t.name}": use 1 to 64 ASCII letters, digits, underscores and dashes.`,
      );
    if (seen.has(t.name)) throw badRequest(`Duplicate topic ${t.name}.`);
    seen.add(t.name);
    if (!t.displayName?.trim()) throw badRequest(`Topic ${t.name} needs a DisplayName.`);
    if (t.defaultSubscriptionStatus !== 'OPT_IN' && t.defaultSubscriptionStatus !== 'OPT_OUT')
      throw badRequest(`DefaultSubscriptionStatus of topic ${t.name} must be OPT_IN or OPT_OUT.`);
  }
  return topics.map((t) => ({
    name: t.name,
    displayName: t.displayName,
    description: t.description ?? null,
    defaultSubscriptionStatus: t.defaultSubscriptionStatus,
  }));
}

function checkPreferences(list: ContactListRecord, prefs: TopicPreference[]): TopicPreference[] {
  const seen = new Set<string>();
  for (const p of prefs) {
    if (!list.topics.some((t) => t.name === p.topicName))
      throw badRequest(`Topic ${p.topicName} does not exist in contact list ${list.name}.`);
    if (seen.has(p.topicName)) throw badRequest(`Duplicate preference for topic ${p.topicName}.`);
    seen.add(p.topicName);
    if (p.subscriptionStatus !== 'OPT_IN' && p.subscriptionStatus !== 'OPT_OUT')
      throw badRequest(`SubscriptionStatus of topic ${p.topicName} must be OPT_IN or OPT_OUT.`);
  }
  return prefs.map((p) => ({ topicName: p.topicName, subscriptionStatus: p.subscriptionStatus }));
}

function checkAddress(email: string): string {
  const trimmed = email.trim();
  if (!parseEmailAddress(trimmed)) throw badRequest(`Invalid email address ${email}.`);
  return trimmed;
}

function checkAttributes(attributes: string | undefined): string | null {
  if (attributes === undefined || attributes === '') return null;
  try {
    const v: unknown = JSON.parse(attributes);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
  } catch {
    throw badRequest('AttributesData must be a JSON object.');
  }
  return attributes;
}

function listNotFound(name: string): SesError {
  return notFound('ContactList', `List with name ${name} does not exist.`);
}

function contactNotFound(email: string, listName: string): SesError {
  return notFound('Contact', `Contact ${email} does not exist in contact list ${listName}.`);
}

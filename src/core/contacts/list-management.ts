/**
 * List-managed sends (ListManagementOptions): which recipients opted out of the list or topic, and the signed
 * one-click unsubscribe links (RFC 8058) put in each recipient's copy, which change the contact's preferences.
 */
import type { PublicLinks } from '../../lib/public-links.ts';
import { SignedTokens } from '../../lib/signed-token.ts';
import type { ContactListRecord, ContactRecord, Store } from '../../store/store.ts';
import type { EpochCache } from '../cache.ts';
import type { SesError } from '../errors.ts';
import { badRequest, notFound } from '../errors.ts';

/** The placeholder SES replaces with the recipient's unsubscribe link. */
export const UNSUBSCRIBE_PLACEHOLDER = '{{amazonSESUnsubscribeUrl}}';

/** Both sides of a Subscription event. */
export interface TopicPreferences {
  unsubscribeAll: boolean;
  topicSubscriptionStatus: { topicName: string; subscriptionStatus: 'OptIn' | 'OptOut' }[];
}

interface UnsubscribeToken {
  /** Message id and recipient index: the message names the account, list and topic, the index the address. */
  m: string;
  r: number;
}

const isUnsubscribeToken = (v: unknown): v is UnsubscribeToken =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as UnsubscribeToken).m === 'string' &&
  typeof (v as UnsubscribeToken).r === 'number';

export class ListManagement {
  readonly #store: Store;
  readonly #cache: EpochCache;
  readonly #links: PublicLinks;
  readonly #now: () => number;
  readonly #tokens: SignedTokens<UnsubscribeToken>;

  constructor(deps: { store: Store; cache: EpochCache; links: PublicLinks; key: Buffer; now: () => number }) {
    this.#store = deps.store;
    this.#cache = deps.cache;
    this.#links = deps.links;
    this.#now = deps.now;
    this.#tokens = new SignedTokens(deps.key, isUnsubscribeToken);
  }

  /**
   * For a list-managed send: which of the recipients must not get it (lowercase addresses) — contacts that
   * unsubscribed from the list, or are not subscribed to the topic (their preference, else the topic's
   * default). Addresses that are not contacts count as contacts without preferences.
   */
  async optedOut(
    accountId: string,
    listName: string,
    topicName: string | null,
    recipients: string[],
  ): Promise<Set<string>> {
    const list = await this.#cache.get(`contact-list:${accountId}:${listName}`, () =>
      this.#store.contacts.getList(accountId, listName),
    );
    if (!list) throw listNotFound(listName);
    const topic = topicName === null ? undefined : list.topics.find((t) => t.name === topicName);
    if (topicName !== null && !topic)
      throw badRequest(`Topic ${topicName} does not exist in contact list ${listName}.`);
    const contacts = new Map(
      (await this.#store.contacts.findContacts(accountId, listName, recipients)).map((c) => [
        c.email.toLowerCase(),
        c,
      ]),
    );
    const out = new Set<string>();
    for (const r of recipients) {
      const key = r.toLowerCase();
      const c = contacts.get(key);
      if (c?.unsubscribeAll) out.add(key);
      else if (topic) {
        const status =
          c?.topicPreferences.find((p) => p.topicName === topic.name)?.subscriptionStatus ??
          topic.defaultSubscriptionStatus;
        if (status === 'OPT_OUT') out.add(key);
      }
    }
    return out;
  }

  /** The signed one-click unsubscribe URL of one recipient of a message. */
  unsubscribeUrl(messageId: string, recipientIndex: number): string {
    return this.#links.unsubscribe(this.#tokens.sign({ m: messageId, r: recipientIndex }));
  }

  /** The message and recipient an unsubscribe link names, or undefined when Sesame did not issue it. */
  verifyUnsubscribeToken(token: string): { messageId: string; index: number } | undefined {
    const t = this.#tokens.verify(token);
    return t ? { messageId: t.m, index: t.r } : undefined;
  }

  /**
   * Unsubscribes an address: from the topic when one is named (OPT_OUT), else from the whole list
   * (UnsubscribeAll). A recipient who was not a contact becomes one, so later sends skip them.
   * Returns the preferences before and after (for the Subscription event), or undefined when the list is gone.
   */
  async unsubscribe(
    accountId: string,
    listName: string,
    topicName: string | null,
    email: string,
  ): Promise<{ oldPreferences: TopicPreferences; newPreferences: TopicPreferences } | undefined> {
    const list = await this.#store.contacts.getList(accountId, listName);
    if (!list) return undefined;
    let before: ContactRecord | null = null;
    const now = this.#now();
    const after = await this.#store.contacts.modifyContact(accountId, listName, email, (c) => {
      before = c;
      const base: ContactRecord = c ?? {
        accountId,
        listName,
        email,
        topicPreferences: [],
        unsubscribeAll: false,
        attributes: null,
        createdAt: now,
        updatedAt: now,
      };
      const known = topicName !== null && list.topics.some((t) => t.name === topicName);
      return known
        ? {
            ...base,
            topicPreferences: [
              ...base.topicPreferences.filter((p) => p.topicName !== topicName),
              { topicName: topicName, subscriptionStatus: 'OPT_OUT' },
            ],
            updatedAt: now,
          }
        : { ...base, unsubscribeAll: true, updatedAt: now };
    });
    return {
      oldPreferences: eventPreferences(list, before),
      newPreferences: eventPreferences(list, after),
    };
  }
}

function eventPreferences(list: ContactListRecord, c: ContactRecord | null): TopicPreferences {
  return {
    unsubscribeAll: c?.unsubscribeAll ?? false,
    topicSubscriptionStatus: list.topics.map((t) => ({
      topicName: t.name,
      subscriptionStatus:
        (c?.topicPreferences.find((p) => p.topicName === t.name)?.subscriptionStatus ??
          t.defaultSubscriptionStatus) === 'OPT_IN'
          ? 'OptIn'
          : 'OptOut',
    })),
  };
}

function listNotFound(name: string): SesError {
  return notFound('ContactList', `List with name ${name} does not exist.`);
}

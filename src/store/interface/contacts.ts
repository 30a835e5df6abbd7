/** Contact lists, their topics and contacts. */
import type { Page } from './common.ts';

export type SubscriptionStatus = 'OPT_IN' | 'OPT_OUT';

export interface TopicRecord {
  name: string;
  displayName: string;
  description: string | null;
  defaultSubscriptionStatus: SubscriptionStatus;
}

export interface ContactListRecord {
  accountId: string;
  name: string;
  description: string | null;
  topics: TopicRecord[];
  createdAt: number;
  updatedAt: number;
}

export interface ContactRecord {
  accountId: string;
  listName: string;
  /** The address as given; contacts are keyed by its lowercase form. */
  email: string;
  topicPreferences: { topicName: string; subscriptionStatus: SubscriptionStatus }[];
  unsubscribeAll: boolean;
  /** AttributesData: a JSON string kept as given. */
  attributes: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ContactStore {
  /** Throws {@link StoreConflictError} when the list exists. */
  createList(list: ContactListRecord): Promise<void>;
  getList(accountId: string, name: string): Promise<ContactListRecord | null>;
  lists(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ContactListRecord>>;
  countLists(accountId: string): Promise<number>;
  /** Replaces description, topics and updatedAt; false when there is no such list. */
  updateList(list: ContactListRecord): Promise<boolean>;
  /** Deletes the list and all its contacts. */
  deleteList(accountId: string, name: string): Promise<boolean>;
  /** Throws {@link StoreConflictError} when the list has a contact of that address (case-insensitive). */
  createContact(contact: ContactRecord): Promise<void>;
  getContact(accountId: string, listName: string, email: string): Promise<ContactRecord | null>;
  /** The contacts among the given addresses (case-insensitive). */
  findContacts(accountId: string, listName: string, emails: string[]): Promise<ContactRecord[]>;
  /** Ordered by lowercase address; `after` is the last lowercase address of the previous page. */
  contacts(
    accountId: string,
    listName: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ContactRecord>>;
  /**
   * Read–change–write of one contact, atomically; `change` receives null when the contact does not exist and
   * may create it by returning a record (or leave it absent by returning null).
   */
  modifyContact(
    accountId: string,
    listName: string,
    email: string,
    change: (contact: ContactRecord | null) => ContactRecord | null,
  ): Promise<ContactRecord | null>;
  /** Inserts the contacts, or replaces preferences and attributes of those that exist (bulk import). */
  upsertContacts(contacts: ContactRecord[]): Promise<void>;
  deleteContact(accountId: string, listName: string, email: string): Promise<boolean>;
}

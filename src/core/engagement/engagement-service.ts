/**
 * What recipients do with delivered mail, through the links Sesame put in it: opens (the tracking pixel),
 * clicks (the tracked redirect) and one-click unsubscribes. Each becomes an SES event of the message (Open,
 * Click, Subscription). Links are signed and self-contained: a tampered or made-up one changes nothing.
 */
import type { MessageRecord, Store } from '../../store/store.ts';
import type { ListManagement } from '../contacts/list-management.ts';
import type { OutcomeRecorder } from '../delivery/outcome-recorder.ts';
import { eventRecord } from '../sending/events.ts';
import type { Tracker } from '../tracking/tracker.ts';

export interface UnsubscribeTarget {
  email: string;
  contactList: string;
  topic: string | null;
}

export class EngagementService {
  readonly #store: Store;
  readonly #tracker: Tracker;
  readonly #lists: ListManagement;
  readonly #recorder: OutcomeRecorder;
  readonly #now: () => number;

  constructor(deps: {
    store: Store;
    tracker: Tracker;
    lists: ListManagement;
    recorder: OutcomeRecorder;
    now: () => number;
  }) {
    this.#store = deps.store;
    this.#tracker = deps.tracker;
    this.#lists = deps.lists;
    this.#recorder = deps.recorder;
    this.#now = deps.now;
  }

  /**
   * Records an open (the tracking pixel was fetched) or a click (a tracked link was followed). Returns the
   * link to redirect a click to, or undefined when the tracking URL was not issued by Sesame.
   */
  async recordEngagement(
    kind: 'open' | 'click',
    signedToken: string,
    client: { ip: string; userAgent: string },
  ): Promise<{ link?: string } | undefined> {
    const token = this.#tracker.verify(signedToken);
    if (!token || (kind === 'click' && !token.u)) return undefined;
    const message = await this.#store.messages.get(token.m);
    if (!message) return undefined;
    const at = this.#now();
    const common = {
      ipAddress: client.ip,
      timestamp: new Date(at).toISOString(),
      userAgent: client.userAgent,
    };
    const recipient = (message.mail.destination as string[] | undefined)?.[token.r] ?? null;
    const event =
      kind === 'open'
        ? eventRecord(message, 'Open', { key: 'open', value: common }, at, recipient)
        : eventRecord(
            message,
            'Click',
            { key: 'click', value: { ...common, link: token.u, linkTags: token.t ?? {} } },
            at,
            recipient,
          );
    await this.#recorder.record(message, [], [event]);
    return kind === 'click' ? { link: token.u! } : {};
  }

  /** What an unsubscribe link names (for the confirmation page), or undefined when it is not Sesame's. */
  async unsubscribeTarget(signedToken: string): Promise<UnsubscribeTarget | undefined> {
    return (await this.#unsubscribeLink(signedToken))?.target;
  }

  /**
   * Follows an unsubscribe link (one-click POST, or the confirmation page): the recipient leaves the topic
   * (or the list), and a Subscription event is recorded for the message.
   */
  async unsubscribe(
    signedToken: string,
    source: 'UnsubscribeHeader' | 'UnsubscribeLink',
  ): Promise<UnsubscribeTarget | undefined> {
    const link = await this.#unsubscribeLink(signedToken);
    if (!link) return undefined;
    const { message, target } = link;
    const change = await this.#lists.unsubscribe(
      message.accountId,
      target.contactList,
      target.topic,
      target.email,
    );
    if (!change) return undefined;
    const at = this.#now();
    const event = eventRecord(
      message,
      'Subscription',
      {
        key: 'subscription',
        value: {
          contactList: target.contactList,
          timestamp: new Date(at).toISOString(),
          source,
          newTopicPreferences: change.newPreferences,
          oldTopicPreferences: change.oldPreferences,
        },
      },
      at,
      target.email,
    );
    await this.#recorder.record(message, [], [event]);
    return target;
  }

  async #unsubscribeLink(
    signedToken: string,
  ): Promise<{ message: MessageRecord; target: UnsubscribeTarget } | undefined> {
    const t = this.#lists.verifyUnsubscribeToken(signedToken);
    const message = t && (await this.#store.messages.get(t.messageId));
    const email = message && (message.mail.destination as string[] | undefined)?.[t.index];
    if (!message?.listManagement || !email) return undefined;
    const { contactListName, topicName } = message.listManagement;
    return { message, target: { email, contactList: contactListName, topic: topicName } };
  }
}

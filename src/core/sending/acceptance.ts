/**
 * Accepting messages: their notifications are added, then each call's messages are committed in one
 * transaction (accepted means durable), and only then are the MTA's listeners told (it queues them in memory).
 * Every way of sending ends here: the pipeline, bulk sends, Sesame's own mail.
 */
import type { Logger } from '../../lib/logger.ts';
import type { AcceptedMessage, Store } from '../../store/store.ts';
import type { EventPublisher } from '../notifications/event-publisher.ts';
import type { OutboxSignal } from '../notifications/outbox-signal.ts';
import { acceptedIncrements } from '../metrics/counters.ts';
import type { Telemetry } from '../metrics/telemetry.ts';
import type { QuotaTracker } from './quota.ts';
import type { AcceptedListener } from './types.ts';

export class Acceptance {
  readonly #store: Store;
  readonly #publisher: EventPublisher;
  readonly #quota: QuotaTracker;
  readonly #outbox: OutboxSignal;
  readonly #log: Logger;
  readonly #listeners: AcceptedListener[] = [];
  readonly #telemetry: Telemetry;

  constructor(deps: {
    store: Store;
    publisher: EventPublisher;
    quota: QuotaTracker;
    outbox: OutboxSignal;
    logger: Logger;
    telemetry: Telemetry;
  }) {
    this.#telemetry = deps.telemetry;
    this.#store = deps.store;
    this.#publisher = deps.publisher;
    this.#quota = deps.quota;
    this.#outbox = deps.outbox;
    this.#log = deps.logger;
  }

  /** Registers a listener for committed messages (the MTA queues them). */
  onAccepted(listener: AcceptedListener): void {
    this.#listeners.push(listener);
  }

  /** Commits the messages of one call in one transaction, then hands them to the listeners. */
  async commit(messages: AcceptedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    for (const a of messages) {
      a.notifications = await this.#publisher.notificationsFor(a.message, a.events);
      a.metrics = acceptedIncrements(a);
      a.dimensionMetrics = await this.#publisher.cloudWatchIncrements(a.message, a.events);
    }
    await (messages.length === 1
      ? this.#store.messages.accept(messages[0]!)
      : this.#store.messages.acceptAll(messages));
    if (messages.some((a) => a.notifications?.length)) this.#outbox.queued();
    for (const accepted of messages) {
      this.#quota.counted(accepted.message.accountId, accepted.quotaRecipients);
      if (accepted.message.operation !== 'system')
        this.#telemetry.messagesAccepted(accepted.message.accountId, 1);
      for (const listener of this.#listeners) {
        try {
          listener(accepted);
        } catch (err) {
          // The message is committed; the MTA finds it again at its next start if it could not take it now.
          this.#log.error({ err, messageId: accepted.message.id }, 'accepted-message listener failed');
        }
      }
    }
  }
}

/**
 * Records what happens to a message after it was accepted — delivery outcomes, DSNs and complaints that come
 * back, opens, clicks, unsubscribes: recipient states and SES events with their notifications in one commit,
 * then the reactions to them (auto-suppression, feedback forwarding). Sesame's own mail is never evented.
 */
import type { EventRecord, MessageRecord, RecipientUpdate, Store } from '../../store/store.ts';
import type { EventPublisher } from '../notifications/event-publisher.ts';
import type { OutboxSignal } from '../notifications/outbox-signal.ts';

/** Something done once events are committed (never for Sesame's own mail). */
export type OutcomeReaction = (message: MessageRecord, events: EventRecord[]) => Promise<void>;

export class OutcomeRecorder {
  readonly #store: Store;
  readonly #publisher: EventPublisher;
  readonly #outbox: OutboxSignal;
  readonly #reactions: OutcomeReaction[];

  constructor(deps: {
    store: Store;
    publisher: EventPublisher;
    outbox: OutboxSignal;
    reactions: OutcomeReaction[];
  }) {
    this.#store = deps.store;
    this.#publisher = deps.publisher;
    this.#outbox = deps.outbox;
    this.#reactions = deps.reactions;
  }

  async record(message: MessageRecord, updates: RecipientUpdate[], events: EventRecord[]): Promise<void> {
    const notifications = await this.#publisher.notificationsFor(message, events);
    await this.#store.messages.recordOutcomes({ recipients: updates, events, notifications });
    if (notifications.length) this.#outbox.queued();
    if (message.operation === 'system') return;
    for (const react of this.#reactions) await react(message, events);
  }
}

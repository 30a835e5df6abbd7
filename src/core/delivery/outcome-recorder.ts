/**
 * Records what happens to a message after it was accepted — delivery outcomes, DSNs and complaints that come
 * back, opens, clicks, unsubscribes: recipient states and SES events with their notifications in one commit,
 * then the reactions to them (auto-suppression, feedback forwarding). Sesame's own mail is never evented.
 */
import type { EventRecord, MessageRecord, RecipientUpdate, Store } from '../../store/store.ts';
import type { SenderIdentities } from '../identities/sender-identities.ts';
import { outcomeIncrements } from '../metrics/counters.ts';
import type { RecipientOutcome, Telemetry } from '../metrics/telemetry.ts';
import type { MetricColumn } from '../../store/store.ts';

/** The counters Prometheus reports as recipient outcomes. */
const TELEMETRY_OUTCOMES: [MetricColumn, RecipientOutcome][] = [
  ['deliveries', 'delivered'],
  ['bounces', 'bounced'],
  ['complaints', 'complained'],
  ['rejects', 'rejected'],
];
import type { EventPublisher } from '../notifications/event-publisher.ts';
import type { OutboxSignal } from '../notifications/outbox-signal.ts';

/** Something done once events are committed (never for Sesame's own mail). */
export type OutcomeReaction = (message: MessageRecord, events: EventRecord[]) => Promise<void>;

export class OutcomeRecorder {
  readonly #store: Store;
  readonly #publisher: EventPublisher;
  readonly #outbox: OutboxSignal;
  readonly #reactions: OutcomeReaction[];
  readonly #senders: SenderIdentities;
  readonly #telemetry: Telemetry;

  constructor(deps: {
    store: Store;
    publisher: EventPublisher;
    outbox: OutboxSignal;
    reactions: OutcomeReaction[];
    senders: SenderIdentities;
    telemetry: Telemetry;
  }) {
    this.#telemetry = deps.telemetry;
    this.#store = deps.store;
    this.#senders = deps.senders;
    this.#publisher = deps.publisher;
    this.#outbox = deps.outbox;
    this.#reactions = deps.reactions;
  }

  async record(message: MessageRecord, updates: RecipientUpdate[], events: EventRecord[]): Promise<void> {
    const notifications = await this.#publisher.notificationsFor(message, events);
    const metrics = await this.#metricsOf(message, events);
    const dimensionMetrics = await this.#publisher.cloudWatchIncrements(message, events);
    await this.#store.messages.recordOutcomes({
      recipients: updates,
      events,
      notifications,
      metrics,
      dimensionMetrics,
    });
    if (notifications.length) this.#outbox.queued();
    if (message.operation === 'system') return;
    const deferred = updates.filter((u) => u.status === 'queued' && u.attempts > 0).length;
    if (deferred) this.#telemetry.recipientOutcome(message.accountId, 'deferred', deferred);
    for (const inc of metrics)
      for (const [column, outcome] of TELEMETRY_OUTCOMES)
        if (inc.counts[column])
          this.#telemetry.recipientOutcome(message.accountId, outcome, inc.counts[column]);
    for (const react of this.#reactions) await react(message, events);
  }

  /** The counters these events move: bounces to verified identities and repeated opens/clicks told apart. */
  async #metricsOf(message: MessageRecord, events: EventRecord[]) {
    if (message.operation === 'system') return [];
    const verified = new Set<string>();
    for (const e of events)
      if (e.type === 'Bounce')
        for (const r of (e.payload.bounce as { bouncedRecipients?: { emailAddress?: string }[] } | undefined)
          ?.bouncedRecipients ?? [])
          if (r.emailAddress && (await this.#senders.isVerified(message.accountId, r.emailAddress)))
            verified.add(r.emailAddress);
    const engaged = events.some((e) => e.type === 'Open' || e.type === 'Click')
      ? await this.#store.messages.events(message.id)
      : [];
    return outcomeIncrements(
      message,
      events,
      (address) => verified.has(address),
      (e) => !engaged.some((p) => p.id !== e.id && p.type === e.type && p.recipient === e.recipient),
    );
  }
}

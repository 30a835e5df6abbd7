/**
 * What each committed event adds to the sending counters (store/interface/metrics.ts): one place that knows
 * which event moves which counter, what reputation counts (SES: hard bounces to recipients that are neither
 * verified identities nor the mailbox simulator, and not on the suppression list; complaints except the
 * simulator's) and how a recipient's ISP is told. The increments ride in the same transaction as the events.
 */
import type {
  AcceptedMessage,
  EventRecord,
  MessageRecord,
  MetricColumn,
  MetricIncrement,
} from '../../store/store.ts';
import { sourceIdentity } from '../notifications/event-publisher.ts';
import { isSimulatorAddress } from '../sending/simulator.ts';
import { ispOfAddress } from './isp.ts';

export const SIMULATOR_ISP = '~simulator';
export const MULTIPLE_ISP = '~multiple';

/** The identity a message was sent under (its `mail.sourceArn`), else its From domain. */
const identityOf = (message: MessageRecord): string => sourceIdentity(message) ?? message.fromDomain;

function ispKey(message: MessageRecord, recipient: string | null): string {
  if (recipient !== null && isSimulatorAddress(recipient)) return SIMULATOR_ISP;
  if (message.recipientCount !== 1 || recipient === null) return MULTIPLE_ISP;
  return ispOfAddress(recipient).name;
}

class Increments {
  readonly #byIsp = new Map<string, MetricIncrement>();
  readonly #message: MessageRecord;

  constructor(message: MessageRecord) {
    this.#message = message;
  }

  add(isp: string, at: number, column: MetricColumn, n = 1): void {
    const key = `${isp}\u0000${at}`;
    let inc = this.#byIsp.get(key);
    if (!inc) {
      inc = {
        accountId: this.#message.accountId,
        at,
        configurationSet: this.#message.configurationSet ?? '',
        identity: identityOf(this.#message),
        isp,
        counts: {},
      };
      this.#byIsp.set(key, inc);
    }
    inc.counts[column] = (inc.counts[column] ?? 0) + n;
  }

  list(): MetricIncrement[] {
    return [...this.#byIsp.values()];
  }
}

/** Counters of an accepted message: its Send, recipients, and what the accept already decided. */
export function acceptedIncrements(a: AcceptedMessage): MetricIncrement[] {
  const m = a.message;
  if (m.operation === 'system') return [];
  const inc = new Increments(m);
  for (const e of a.events) {
    if (e.type === 'Send') {
      const single = a.recipients.length === 1 ? a.recipients[0]!.address : null;
      inc.add(ispKey(m, single), e.createdAt, 'sends');
      for (const r of a.recipients) {
        const isp = ispKey(m, r.address);
        inc.add(isp, e.createdAt, 'recipients');
        if (isp !== SIMULATOR_ISP) inc.add(isp, e.createdAt, 'reputation_sends');
      }
    } else eventIncrements(inc, m, e, () => false);
  }
  return inc.list();
}

/**
 * Counters of events recorded after acceptance. `verifiedRecipient` says whether an address is one of the
 * account's verified identities (bounces to those do not count toward reputation); `firstEngagement` whether
 * an Open/Click is the recipient's first of its kind (VDM counts unique opens and clicks).
 */
export function outcomeIncrements(
  message: MessageRecord,
  events: EventRecord[],
  verifiedRecipient: (address: string) => boolean,
  firstEngagement: (event: EventRecord) => boolean,
): MetricIncrement[] {
  if (message.operation === 'system') return [];
  const inc = new Increments(message);
  for (const e of events) eventIncrements(inc, message, e, verifiedRecipient, firstEngagement);
  return inc.list();
}

function eventIncrements(
  inc: Increments,
  m: MessageRecord,
  e: EventRecord,
  verifiedRecipient: (address: string) => boolean,
  firstEngagement: (event: EventRecord) => boolean = () => true,
): void {
  const at = e.createdAt;
  const isp = ispKey(m, e.recipient);
  switch (e.type) {
    case 'Delivery': {
      const recipients = recipientsOf(e, 'delivery');
      for (const r of recipients.length ? recipients : [e.recipient]) {
        const k = ispKey(m, r);
        inc.add(k, at, 'deliveries');
        if (m.options?.tracking?.open) inc.add(k, at, 'deliveries_open');
        if (m.options?.tracking?.click) inc.add(k, at, 'deliveries_click');
        if (r !== null && k !== SIMULATOR_ISP && ispOfAddress(r).fbl) inc.add(k, at, 'deliveries_fbl');
      }
      return;
    }
    case 'Bounce': {
      const bounce = e.payload.bounce as
        | { bounceType?: string; bounceSubType?: string; bouncedRecipients?: { emailAddress?: string }[] }
        | undefined;
      const list = (bounce?.bouncedRecipients ?? []).map((r) => r.emailAddress ?? null);
      for (const r of list.length ? list : [e.recipient]) {
        const k = ispKey(m, r);
        inc.add(k, at, 'bounces');
        const permanent = bounce?.bounceType === 'Permanent';
        inc.add(k, at, permanent ? 'permanent_bounces' : 'transient_bounces');
        if (
          permanent &&
          bounce?.bounceSubType !== 'OnAccountSuppressionList' &&
          k !== SIMULATOR_ISP &&
          r !== null &&
          !verifiedRecipient(r)
        )
          inc.add(k, at, 'reputation_bounces');
      }
      return;
    }
    case 'Complaint': {
      const complaint = e.payload.complaint as
        { complainedRecipients?: { emailAddress?: string }[]; complaintSubType?: string | null } | undefined;
      const list = (complaint?.complainedRecipients ?? []).map((r) => r.emailAddress ?? null);
      for (const r of list.length ? list : [e.recipient]) {
        const k = ispKey(m, r);
        inc.add(k, at, 'complaints');
        if (k !== SIMULATOR_ISP && complaint?.complaintSubType !== 'OnAccountSuppressionList')
          inc.add(k, at, 'reputation_complaints');
      }
      return;
    }
    case 'Reject':
      inc.add(isp, at, 'rejects');
      return;
    case 'Open':
      inc.add(isp, at, 'opens');
      if (firstEngagement(e)) inc.add(isp, at, 'unique_opens');
      return;
    case 'Click':
      inc.add(isp, at, 'clicks');
      if (firstEngagement(e)) inc.add(isp, at, 'unique_clicks');
      return;
    case 'Rendering Failure':
      inc.add(isp, at, 'rendering_failures');
      return;
    case 'DeliveryDelay':
      inc.add(isp, at, 'delivery_delays');
      return;
    case 'Subscription':
      inc.add(isp, at, 'subscriptions');
      return;
  }
}

function recipientsOf(e: EventRecord, key: string): (string | null)[] {
  const o = e.payload[key] as { recipients?: string[] } | undefined;
  return o?.recipients ?? [];
}

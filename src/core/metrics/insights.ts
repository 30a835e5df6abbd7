/**
 * SES v2 insights: a message's per-recipient event timeline (GetMessageInsights) from the events Sesame
 * recorded, and an address's mailbox validation (GetEmailAddressInsights) from what can be told locally —
 * syntax, the domain's DNS, role and disposable addresses, random-looking input, and this account's own
 * history (a bounce-suppressed address is unlikely to exist). No SMTP probe is made, so `MailboxExists` is
 * never HIGH.
 */
import { DNS_NOT_FOUND_CODES, type DnsResolver } from '../../lib/dns.ts';
import type { EventRecord, Store } from '../../store/store.ts';
import { SesError } from '../errors.ts';
import { EVENT_TYPE_NAMES } from '../notifications/event-publisher.ts';
import { parseEmailAddress } from '../identities/names.ts';
import { ispOfAddress } from './isp.ts';

export interface InsightEvent {
  timestamp: number;
  type: string;
  bounce?: { bounceType: string; bounceSubType?: string; diagnosticCode?: string };
  complaint?: { complaintSubType?: string; complaintFeedbackType?: string };
}

export interface MessageInsights {
  messageId: string;
  fromEmailAddress: string;
  subject: string | undefined;
  tags: { name: string; value: string }[];
  insights: { destination: string; isp: string; events: InsightEvent[] }[];
}

export type Confidence = 'LOW' | 'MEDIUM' | 'HIGH';

export interface AddressInsights {
  isValid: Confidence;
  hasValidSyntax: Confidence;
  hasValidDnsRecords: Confidence;
  mailboxExists: Confidence;
  isRoleAddress: Confidence;
  isDisposable: Confidence;
  isRandomInput: Confidence;
}

const ROLE_LOCAL_PARTS = new Set([
  'abuse',
  'admin',
  'administrator',
  'billing',
  'contact',
  'help',
  'hostmaster',
  'info',
  'marketing',
  'no-reply',
  'noreply',
  'office',
  'postmaster',
  'root',
  'sales',
  'security',
  'support',
  'team',
  'webmaster',
]);

const DISPOSABLE_DOMAINS = new Set([
  '10minutemail.com',
  'dispostable.com',
  'getnada.com',
  'guerrillamail.com',
  'guerrillamail.net',
  'mailinator.com',
  'maildrop.cc',
  'sharklasers.com',
  'temp-mail.org',
  'tempmail.com',
  'throwawaymail.com',
  'trashmail.com',
  'yopmail.com',
]);

/** Looks random: a long run of consonants, or mostly digits and letters mixed without vowels. */
function looksRandom(local: string): boolean {
  const l = local.toLowerCase().replace(/[._+-]/g, '');
  if (l.length < 8) return false;
  if (/[bcdfghjklmnpqrstvwxz]{6,}/.test(l)) return true;
  const digits = l.replace(/\D/g, '').length;
  return digits / l.length > 0.4 && /[a-z]/.test(l);
}

export class Insights {
  readonly #store: Store;
  readonly #dns: DnsResolver;

  constructor(deps: { store: Store; dns: DnsResolver }) {
    this.#store = deps.store;
    this.#dns = deps.dns;
  }

  async message(accountId: string, messageId: string): Promise<MessageInsights> {
    const message = await this.#store.messages.get(messageId);
    if (!message || message.accountId !== accountId)
      throw new SesError('NotFoundException', `Message ${messageId} does not exist.`, {
        resource: 'Resource',
      });
    const [recipients, events] = await Promise.all([
      this.#store.messages.recipients(messageId),
      this.#store.messages.events(messageId),
    ]);
    const common = message.mail.commonHeaders as { subject?: string } | undefined;
    return {
      messageId,
      fromEmailAddress: message.source,
      subject: common?.subject,
      tags: Object.entries(message.tags)
        .filter(([name]) => !name.startsWith('ses:'))
        .flatMap(([name, values]) => values.map((value) => ({ name, value }))),
      insights: recipients.map((r) => ({
        destination: r.address,
        isp: ispOfAddress(r.address).name,
        events: events.filter((e) => concerns(e, r.address)).flatMap((e) => insightEvent(e)),
      })),
    };
  }

  async address(accountId: string, address: string): Promise<AddressInsights> {
    const parsed = parseEmailAddress(address);
    if (!parsed)
      return {
        isValid: 'LOW',
        hasValidSyntax: 'LOW',
        hasValidDnsRecords: 'LOW',
        mailboxExists: 'LOW',
        isRoleAddress: 'LOW',
        isDisposable: 'LOW',
        isRandomInput: 'LOW',
      };
    const dns = await this.#hasMailDns(parsed.domain);
    const suppressed = await this.#store.suppression.get(accountId, `${parsed.local}@${parsed.domain}`);
    const role = ROLE_LOCAL_PARTS.has(parsed.local.toLowerCase());
    const disposable = DISPOSABLE_DOMAINS.has(parsed.domain.toLowerCase());
    const random = looksRandom(parsed.local);
    const mailboxExists: Confidence = !dns || suppressed?.reason === 'BOUNCE' ? 'LOW' : 'MEDIUM';
    return {
      isValid: !dns || mailboxExists === 'LOW' ? 'LOW' : disposable || random ? 'MEDIUM' : 'HIGH',
      hasValidSyntax: 'HIGH',
      hasValidDnsRecords: dns ? 'HIGH' : 'LOW',
      mailboxExists,
      isRoleAddress: role ? 'HIGH' : 'LOW',
      isDisposable: disposable ? 'HIGH' : 'LOW',
      isRandomInput: random ? 'HIGH' : 'LOW',
    };
  }

  /** MX records, else an address record (RFC 5321's implicit MX); a null MX (`.`) accepts no mail. */
  async #hasMailDns(domain: string): Promise<boolean> {
    const missing = (err: unknown) => DNS_NOT_FOUND_CODES.has((err as { code?: string }).code ?? '');
    try {
      const mx = await this.#dns.mx(domain);
      if (mx.length) return !(mx.length === 1 && (mx[0]!.exchange === '' || mx[0]!.exchange === '.'));
    } catch (err) {
      if (!missing(err)) throw err;
    }
    for (const lookup of [() => this.#dns.a(domain), () => this.#dns.aaaa(domain)]) {
      try {
        if ((await lookup()).length) return true;
      } catch (err) {
        if (!missing(err)) throw err;
      }
    }
    return false;
  }
}

function concerns(e: EventRecord, address: string): boolean {
  if (e.recipient !== null) return e.recipient.toLowerCase() === address.toLowerCase();
  const lists = [
    (e.payload.delivery as { recipients?: string[] } | undefined)?.recipients,
    (
      e.payload.bounce as { bouncedRecipients?: { emailAddress: string }[] } | undefined
    )?.bouncedRecipients?.map((r) => r.emailAddress),
    (
      e.payload.complaint as { complainedRecipients?: { emailAddress: string }[] } | undefined
    )?.complainedRecipients?.map((r) => r.emailAddress),
  ].find((l) => l !== undefined);
  // Events of the whole message (Send, Reject, Rendering Failure) concern every recipient.
  return lists === undefined || lists.some((a) => a.toLowerCase() === address.toLowerCase());
}

function insightEvent(e: EventRecord): InsightEvent[] {
  const type = EVENT_TYPE_NAMES[e.type];
  if (!type) return [];
  const out: InsightEvent = { timestamp: e.createdAt, type };
  if (e.type === 'Bounce') {
    const b = e.payload.bounce as {
      bounceType?: string;
      bounceSubType?: string;
      bouncedRecipients?: { diagnosticCode?: string }[];
    };
    out.bounce = {
      bounceType:
        b.bounceType === 'Permanent'
          ? 'PERMANENT'
          : b.bounceType === 'Transient'
            ? 'TRANSIENT'
            : 'UNDETERMINED',
      ...(b.bounceSubType ? { bounceSubType: b.bounceSubType } : {}),
      ...(b.bouncedRecipients?.[0]?.diagnosticCode
        ? { diagnosticCode: b.bouncedRecipients[0].diagnosticCode }
        : {}),
    };
  }
  if (e.type === 'Complaint') {
    const c = e.payload.complaint as { complaintSubType?: string | null; complaintFeedbackType?: string };
    out.complaint = {
      ...(c.complaintSubType ? { complaintSubType: c.complaintSubType } : {}),
      ...(c.complaintFeedbackType ? { complaintFeedbackType: c.complaintFeedbackType } : {}),
    };
  }
  return [out];
}

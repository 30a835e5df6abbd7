/**
 * Receiving during the SMTP conversation (the MX asks; see adapters/smtp-inbound): which recipients are taken
 * — by whose active receipt rule set, past whose IP filters — and, at the end of DATA, the commit of the
 * message with the rules it matched and one durable job per action. The 250 is answered only after that commit
 * (accepted means durable, as for sending); the actions run afterwards (receiving-worker).
 */
import type { Telemetry } from '../metrics/telemetry.ts';
import { randomBytes } from 'node:crypto';
import { base32Encode } from '../../lib/base32.ts';
import { cidrContains } from '../../lib/cidr.ts';
import type { Logger } from '../../lib/logger.ts';
import { parseHeaderBlock, parseMailboxes } from '../../lib/mime/index.ts';
import type {
  InboundActionRecord,
  InboundMessageRecord,
  ReceiptFilterRecord,
  ReceiptRuleRecord,
  ReceiptRuleSetRecord,
  Store,
} from '../../store/store.ts';
import type { EpochCache } from '../cache.ts';
import type { OutboxSignal } from '../notifications/outbox-signal.ts';
import { commonHeaders, eventHeaders } from '../sending/events.ts';
import { receivedHeader } from './notifications.ts';

/** SES's limit for the content of an SNS action's notification. */
export const SNS_CONTENT_LIMIT = 150 * 1024;

export interface InboundEnvelope {
  clientIp: string;
  helo: string;
  mailFrom: string;
  tls: boolean;
  recipients: string[];
}

export type RecipientVerdict =
  { kind: 'accept' } | { kind: 'refuse'; code: number; message: string } | { kind: 'unknown' };

/** One account's rules that match one message: each rule with the envelope recipients it matched. */
interface AccountMatch {
  accountId: string;
  rules: { rule: ReceiptRuleRecord; recipients: string[] }[];
}

const lower = (s: string) => s.toLowerCase();
const domainOf = (address: string) => lower(address.slice(address.lastIndexOf('@') + 1));

/** `user+label@d` is the address `user@d` as far as rules go (SES: "any form of the address with a label"). */
function withoutLabel(address: string): string {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  return lower(`${plus > 0 ? local.slice(0, plus) : local}${address.slice(at)}`);
}

/** Whether a rule's recipient entry (address, domain, `.domain`) takes an envelope recipient. */
export function entryMatches(entry: string, recipient: string): boolean {
  const e = lower(entry.trim());
  const domain = domainOf(recipient);
  if (e.includes('@')) return e === lower(recipient) || e === withoutLabel(recipient);
  if (e.startsWith('.')) return domain.endsWith(e);
  return domain === e;
}

/** The domain and every parent domain (a verified `example.com` covers `mail.example.com`). */
function domainAndParents(domain: string): string[] {
  const labels = domain.split('.');
  return labels.slice(0, -1).map((_, i) => labels.slice(i).join('.'));
}

/** Allow beats Block: a client in any Allow range passes; else one in a Block range is refused. */
export function blockedBy(filters: ReceiptFilterRecord[], clientIp: string): ReceiptFilterRecord | undefined {
  if (filters.some((f) => f.policy === 'Allow' && cidrContains(f.cidr, clientIp))) return undefined;
  return filters.find((f) => f.policy === 'Block' && cidrContains(f.cidr, clientIp));
}

export class InboundReceiver {
  readonly #store: Store;
  readonly #cache: EpochCache;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #signal: OutboxSignal;
  readonly #mailHost: string;
  readonly #retentionMs: number;

  readonly #telemetry: Telemetry;
  constructor(deps: {
    store: Store;
    cache: EpochCache;
    now: () => number;
    logger: Logger;
    telemetry: Telemetry;
    signal: OutboxSignal;
    settings: { mailHost: string; retentionMs: number };
  }) {
    this.#telemetry = deps.telemetry;
    this.#store = deps.store;
    this.#cache = deps.cache;
    this.#now = deps.now;
    this.#log = deps.logger;
    this.#signal = deps.signal;
    this.#mailHost = deps.settings.mailHost;
    this.#retentionMs = deps.settings.retentionMs;
  }

  /** The MX's RCPT TO: taken if an enabled rule of an account that may receive for the domain matches it. */
  async recipient(address: string, env: Omit<InboundEnvelope, 'recipients'>): Promise<RecipientVerdict> {
    const accounts = await this.#accountsFor(address);
    if (accounts.length === 0)
      return this.#refuse(
        env,
        address,
        null,
        'no account receives mail for the domain',
        550,
        `<${address}>: Recipient address rejected: this server does not receive mail for its domain`,
      );
    let blocked: string | null = null;
    let tlsRequired = false;
    let matched = false;
    for (const accountId of accounts) {
      const filter = blockedBy(await this.#filters(accountId), env.clientIp);
      if (filter) {
        blocked = accountId;
        continue;
      }
      const rules = (await this.#activeSet(accountId))?.rules.filter(
        (r) => r.enabled && (r.recipients.length === 0 || r.recipients.some((e) => entryMatches(e, address))),
      );
      if (!rules?.length) continue;
      if (!env.tls && rules.some((r) => r.tlsPolicy === 'Require')) {
        tlsRequired = true;
        continue;
      }
      matched = true;
    }
    if (matched) return { kind: 'accept' };
    if (tlsRequired)
      return this.#refuse(
        env,
        address,
        accounts[0]!,
        'a matching rule requires TLS',
        530,
        'Must issue a STARTTLS command first: a receipt rule for this recipient requires TLS',
      );
    if (blocked)
      return this.#refuse(
        env,
        address,
        blocked,
        'the client address is blocked by a receipt filter',
        550,
        `Access denied: ${env.clientIp} is blocked for this recipient`,
      );
    return this.#refuse(
      env,
      address,
      accounts[0]!,
      'no rule matched',
      550,
      `<${address}>: Recipient address rejected: no receipt rule matches it`,
    );
  }

  async #refuse(
    env: Omit<InboundEnvelope, 'recipients'>,
    recipient: string | null,
    accountId: string | null,
    reason: string,
    code: number,
    reply: string,
  ): Promise<RecipientVerdict> {
    this.#telemetry.inboundMessage('recipient_refused');
    // The inbound log shows refused attempts too; losing one of these entries must not refuse the mail.
    await this.#store.receiving
      .refuse({
        id: newInboundId(),
        accountId,
        at: this.#now(),
        clientIp: env.clientIp,
        mailFrom: env.mailFrom,
        recipient,
        stage: 'rcpt',
        reason,
        reply: `${code} ${reply}`,
      })
      .catch((err: unknown) => this.#log.warn({ err }, 'could not record a refused inbound recipient'));
    return { kind: 'refuse', code, message: reply };
  }

  /**
   * The message for the recipients taken at RCPT. Matches the active rule sets again (what was matched is
   * snapshotted with the message), refuses what no action could take (a message over 150 KB whose only actions
   * publish it to SNS), then commits message, body and action jobs. Resolves with the text after `250`.
   */
  async receive(raw: Buffer, env: InboundEnvelope): Promise<string> {
    const matches: AccountMatch[] = [];
    for (const address of env.recipients)
      for (const accountId of await this.#accountsFor(address)) {
        if (blockedBy(await this.#filters(accountId), env.clientIp)) continue;
        const set = await this.#activeSet(accountId);
        let m = matches.find((x) => x.accountId === accountId);
        for (const rule of set?.rules ?? []) {
          if (!rule.enabled || (!env.tls && rule.tlsPolicy === 'Require')) continue;
          if (rule.recipients.length && !rule.recipients.some((e) => entryMatches(e, address))) continue;
          if (!m) matches.push((m = { accountId, rules: [] }));
          let r = m.rules.find((x) => x.rule.name === rule.name);
          if (!r) m.rules.push((r = { rule, recipients: [] }));
          r.recipients.push(address);
        }
      }
    if (matches.length === 0)
      throw Object.assign(new Error('the receipt rules changed during the transaction'), {
        smtpReply: { code: 451, message: 'The receipt rules changed during the transaction; try again' },
      });
    if (raw.length > SNS_CONTENT_LIMIT)
      for (const m of matches) {
        const actions = m.rules.flatMap((r) => r.rule.actions).filter((a) => a.type !== 'AddHeader');
        if (actions.length > 0 && actions.every((a) => a.type === 'SNS' || a.type === 'Stop'))
          throw Object.assign(new Error('too large for the SNS action'), {
            smtpReply: {
              code: 552,
              message: `Message too large: its receipt rule publishes it to SNS, which takes ${SNS_CONTENT_LIMIT / 1024} KB at most`,
            },
          });
      }
    const id = newInboundId();
    const at = this.#now();
    const allRecipients = [...new Set(matches.flatMap((m) => m.rules.flatMap((r) => r.recipients)))];
    // The body is kept as received; the Received line (rebuilt from the record) heads what actions store.
    const trace = receivedHeader(
      { id, helo: env.helo, clientIp: env.clientIp, tls: env.tls, recipients: allRecipients, receivedAt: at },
      this.#mailHost,
    );
    const mail = receivedMail(id, Buffer.concat([Buffer.from(trace), raw]), env.mailFrom, at);
    const body = raw;
    const messages: InboundMessageRecord[] = [];
    const actions: InboundActionRecord[] = [];
    for (const m of matches) {
      const recipients = [...new Set(m.rules.flatMap((r) => r.recipients))];
      messages.push({
        id,
        accountId: m.accountId,
        receivedAt: at,
        expiresAt: at + this.#retentionMs,
        status: 'processing',
        clientIp: env.clientIp,
        helo: env.helo,
        mailFrom: env.mailFrom,
        tls: env.tls,
        size: raw.length,
        recipients,
        mail,
        receipt: null,
        state: {
          addedHeaders: [],
          stoppedRule: null,
          stoppedSet: false,
          scan: m.rules.some((r) => r.rule.scanEnabled),
        },
        cursor: 0,
        nextAttemptAt: at,
        leaseUntil: null,
        updatedAt: at,
      });
      let seq = 0;
      for (const { rule, recipients: ruleRecipients } of m.rules)
        for (const action of rule.actions)
          actions.push({
            messageId: id,
            accountId: m.accountId,
            seq: seq++,
            ruleName: rule.name,
            recipients: ruleRecipients,
            action,
            status: 'pending',
            attempts: 0,
            lastError: null,
            result: null,
            updatedAt: at,
          });
    }
    await this.#store.receiving.accept({ messages, body, actions });
    this.#telemetry.inboundMessage('accepted');
    this.#signal.queued();
    return `Ok ${id}`;
  }

  /**
   * Accounts with a verified domain identity covering the recipient's domain. From a map of every verified
   * domain, cached until the epoch moves (verification and identity changes move it): its size is bounded by
   * the identities, not by the addresses the internet sends to.
   */
  async #accountsFor(address: string): Promise<string[]> {
    const owners = await this.#cache.get('receiving:verified-domains', async () => {
      const map = new Map<string, string[]>();
      for (const d of await this.#store.identities.allVerifiedDomains()) {
        const list = map.get(d.name) ?? [];
        list.push(d.accountId);
        map.set(d.name, list);
      }
      return map;
    });
    const found = domainAndParents(domainOf(address)).flatMap((d) => owners.get(d) ?? []);
    return [...new Set(found)].sort();
  }

  #activeSet(accountId: string): Promise<ReceiptRuleSetRecord | null> {
    return this.#cache.get(`receiving:active:${accountId}`, () =>
      this.#store.receiving.activeRuleSet(accountId),
    );
  }

  #filters(accountId: string): Promise<ReceiptFilterRecord[]> {
    return this.#cache.get(`receiving:filters:${accountId}`, () =>
      this.#store.receiving.listFilters(accountId),
    );
  }
}

/** SES's receiving message id: 28 lowercase base32 characters (e.g. `d6iitobk75ur44p8kdnnp7g2n800`). */
export function newInboundId(): string {
  return base32Encode(randomBytes(17)).slice(0, 28);
}

/** The `mail` object of a received message: MAIL FROM as `source`, the To/Cc of its headers as `destination`. */
export function receivedMail(
  id: string,
  body: Buffer,
  mailFrom: string,
  at: number,
): Record<string, unknown> {
  const { fields } = parseHeaderBlock(body);
  const { headers, truncated } = eventHeaders(fields);
  const value = (name: string) => fields.find((f) => f.name.toLowerCase() === name)?.value;
  const destination = ['to', 'cc'].flatMap((n) =>
    fields
      .filter((f) => f.name.toLowerCase() === n)
      .flatMap((f) => parseMailboxes(f.value).map((m) => m.address)),
  );
  const common = commonHeaders(fields, value('message-id') ?? '');
  if (value('message-id') === undefined) delete common.messageId;
  return {
    timestamp: new Date(at).toISOString(),
    source: mailFrom,
    messageId: id,
    destination,
    headersTruncated: truncated,
    headers,
    commonHeaders: common,
  };
}

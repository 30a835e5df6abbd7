/**
 * Deliverability preflight: would Gmail and Yahoo accept this message? Checks what a receiver checks, against
 * what DNS really serves — SPF of the MAIL FROM domain for this server's addresses, the DKIM signature with the
 * published key, DMARC (published, valid, aligned), the MAIL FROM MX, reverse DNS of the sending addresses, and
 * for bulk mail the 2024 sender requirements (one-click unsubscribe, DMARC, complaint rate) — plus size, a text
 * alternative and a SpamAssassin score when spamd is configured. Each finding names the record or header to fix.
 */
import { authenticate } from 'mailauth';
import { simpleParser } from 'mailparser';
import { dkimKey, dkimSign } from '../../lib/dkim-signer.ts';
import { isDnsNotFound, type DnsResolver } from '../../lib/dns.ts';
import { headerValue, parseHeaderBlock, type HeaderBlock } from '../../lib/mime/index.ts';
import type { MessageRecord, Store } from '../../store/store.ts';
import type { AccountService } from '../accounts/account-service.ts';
import { notFound } from '../errors.ts';
import { identityOwner, signingAddress, type SenderIdentities } from '../identities/sender-identities.ts';
import type { ReputationMonitor } from '../metrics/reputation.ts';
import type { Scanners } from '../receiving/verdicts.ts';
import { SYSTEM_ACCOUNT } from '../sending/system-mail.ts';
import { readDmarcRecord } from './dmarc-record.ts';

export type FindingStatus = 'pass' | 'warn' | 'fail' | 'info';

export interface PreflightFinding {
  check: string;
  status: FindingStatus;
  message: string;
  /** The exact record or header to publish or change, when something is to be fixed. */
  fix?: string;
}

export interface PreflightReport {
  messageId: string;
  /** The captured copy checked (development mode), if it was one. */
  capturedId: string | null;
  fromDomain: string;
  mailFromDomain: string;
  /** EHLO name of this server, and the addresses DNS gives for it (what receivers see connecting). */
  sendingHost: string;
  sendingAddresses: string[];
  /** Bulk mail: Gmail's and Yahoo's requirements for bulk senders apply. */
  bulk: boolean;
  /** The worst status among the findings. */
  verdict: 'pass' | 'warn' | 'fail';
  findings: PreflightFinding[];
}

/** Gmail and Yahoo refuse larger messages; Gmail clips HTML beyond about 102 KB. */
const MAX_SIZE = 25 * 1024 * 1024;
const GMAIL_CLIP_BYTES = 102 * 1024;
/** Gmail's and Yahoo's 2024 requirement: a spam complaint rate below 0.3 % (0.1 % recommended). */
const COMPLAINT_LIMIT = 0.003;
const COMPLAINT_TARGET = 0.001;
/** Longest wait for one DNS answer; codes that mean no resolver answers at all. */
const DNS_TIMEOUT_MS = 4000;
const UNREACHABLE_CODES = new Set(['ETIMEOUT', 'ECONNREFUSED', 'EREFUSED', 'ENETUNREACH', 'ECONNRESET']);

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`no DNS answer within ${ms / 1000} s`), { code: 'ETIMEOUT' })),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

interface AuthResult {
  spf?: { status?: { result?: string; comment?: string } } | false;
  dkim?: {
    results?: {
      status?: { result?: string; comment?: string; aligned?: string | false };
      signingDomain?: string;
      selector?: string;
    }[];
  };
  dmarc?:
    | {
        status?: { result?: string };
        alignment?: { spf?: { result?: string | false }; dkim?: { result?: string | false } };
      }
    | false;
}

interface Subject {
  message: MessageRecord;
  /** The bytes as sent (DKIM-signed). */
  signed: Buffer;
  capturedId: string | null;
}

export class Preflight {
  readonly #store: Store;
  readonly #senders: SenderIdentities;
  readonly #accounts: AccountService;
  readonly #reputation: ReputationMonitor;
  readonly #dns: DnsResolver;
  readonly #scanners: Scanners;
  readonly #mailHost: string;

  constructor(deps: {
    store: Store;
    senders: SenderIdentities;
    accounts: AccountService;
    reputation: ReputationMonitor;
    dns: DnsResolver;
    scanners: Scanners;
    mailHost: string;
  }) {
    this.#store = deps.store;
    this.#senders = deps.senders;
    this.#accounts = deps.accounts;
    this.#reputation = deps.reputation;
    this.#dns = deps.dns;
    this.#scanners = deps.scanners;
    this.#mailHost = deps.mailHost.toLowerCase().replace(/\.$/, '');
  }

  /** A sent (or captured) message by its SES MessageId; `accountId` limits it to one account's messages. */
  async message(messageId: string, accountId?: string): Promise<PreflightReport> {
    const message = await this.#store.messages.get(messageId);
    if (!message || (accountId !== undefined && message.accountId !== accountId))
      throw notFound('Message', `Message ${messageId} does not exist.`);
    const body = await this.#store.messages.body(messageId);
    if (!body) throw notFound('Message', `The content of message ${messageId} is no longer kept.`);
    return this.#check({ message, signed: await this.#sign(message, body), capturedId: null });
  }

  /** A captured copy (development mode): exactly the bytes the MTA would have sent. */
  async captured(capturedId: string): Promise<PreflightReport> {
    const record = await this.#store.development.getCaptured(capturedId);
    const raw = record ? await this.#store.development.capturedRaw(capturedId) : null;
    const message = record ? await this.#store.messages.get(record.messageId) : null;
    if (!record || !raw || !message)
      throw notFound('CapturedMessage', `Captured message ${capturedId} does not exist.`);
    return this.#check({ message, signed: raw, capturedId });
  }

  /** As the MTA signs it (deliverer.ts): with the DKIM key of the From domain's identity, if it has one. */
  async #sign(message: MessageRecord, body: Buffer): Promise<Buffer> {
    if (message.accountId === SYSTEM_ACCOUNT) return body;
    const key = await this.#senders.dkimKeyFor(identityOwner(message), signingAddress(message));
    return key ? dkimSign(body, dkimKey(key.domain, key.selector, key.privateKeyPem)) : body;
  }

  async #check({ message, signed, capturedId }: Subject): Promise<PreflightReport> {
    const lookups = new Map<string, Promise<unknown>>();
    let unreachable: Error | undefined;
    // One answer per question within a run (mailauth asks some twice). Once DNS proves unreachable (a laptop
    // offline) every further question fails at once, so a preflight ends in seconds, not minutes.
    const resolve = (name: string, rrtype: string): Promise<unknown> => {
      const key = `${rrtype} ${name.toLowerCase()}`;
      let answer = lookups.get(key);
      if (!answer) {
        answer = unreachable
          ? Promise.reject(unreachable)
          : withTimeout(this.#dns.resolve(name, rrtype), DNS_TIMEOUT_MS).catch((err: unknown) => {
              if (UNREACHABLE_CODES.has((err as { code?: string }).code ?? '')) unreachable ??= err as Error;
              throw err;
            });
        lookups.set(key, answer);
      }
      return answer;
    };
    const block = parseHeaderBlock(signed);
    const findings: PreflightFinding[] = [];
    const fromDomain = message.fromDomain;
    const mailFromDomain = message.mailFromDomain;
    const addresses = await this.#sendingAddresses(resolve);
    const bulk = bulkReason(message, block);

    findings.push(...(await this.#content(signed)));
    findings.push(addressFinding(this.#mailHost, addresses));

    // SPF, DKIM and DMARC as a receiver computes them, for each address this server sends from.
    const sender = `bounce@${mailFromDomain}`;
    const results: AuthResult[] = [];
    for (const ip of addresses.length > 0 ? addresses : [undefined]) {
      results.push(
        await authenticate(signed, {
          // Without a known address SPF cannot be judged (reported above); DKIM and DMARC still can.
          ip: ip ?? '192.0.2.1',
          helo: this.#mailHost,
          sender,
          mta: 'sesame-preflight',
          resolver: resolve as (name: string, rrtype: string) => Promise<string[]>,
          disableArc: true,
          disableBimi: true,
        }),
      );
    }
    if (addresses.length > 0) findings.push(spfFinding(mailFromDomain, this.#mailHost, addresses, results));
    findings.push(dkimFinding(block, results[0]!, fromDomain));
    findings.push(...(await this.#dmarc(fromDomain, resolve, results, addresses.length > 0, bulk !== null)));
    findings.push(await this.#mailFromMx(mailFromDomain, resolve));
    findings.push(...(await this.#reverseDns(addresses, resolve)));
    if (bulk) {
      findings.push(listUnsubscribeFinding(block));
      findings.push(await this.#complaintRate(message.accountId));
    } else
      findings.push({
        check: 'bulk-requirements',
        status: 'info',
        message:
          'Not bulk mail (no List-Unsubscribe, not a bulk or list-managed send): the bulk-sender requirements (one-click unsubscribe, complaint rate) were not checked.',
      });
    findings.push(await this.#spam(signed));
    if (unreachable)
      findings.unshift({
        check: 'dns',
        status: 'warn',
        message: `DNS did not answer (${unreachable.message}): the record checks below could not be made. Set SESAME_DNS_SERVERS to a resolver that serves your domains' records.`,
      });

    const order: Record<FindingStatus, number> = { info: 0, pass: 0, warn: 1, fail: 2 };
    const worst = Math.max(...findings.map((f) => order[f.status]));
    return {
      messageId: message.id,
      capturedId,
      fromDomain,
      mailFromDomain,
      sendingHost: this.#mailHost,
      sendingAddresses: addresses,
      bulk: bulk !== null,
      verdict: worst === 2 ? 'fail' : worst === 1 ? 'warn' : 'pass',
      findings: bulk
        ? [{ check: 'bulk', status: 'info', message: `Treated as bulk mail: ${bulk}.` }, ...findings]
        : findings,
    };
  }

  async #sendingAddresses(resolve: (n: string, t: string) => Promise<unknown>): Promise<string[]> {
    const out: string[] = [];
    for (const type of ['A', 'AAAA'])
      out.push(...((await resolve(this.#mailHost, type).catch(() => [])) as string[]));
    return out;
  }

  async #content(signed: Buffer): Promise<PreflightFinding[]> {
    const out: PreflightFinding[] = [];
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    out.push(
      signed.length > MAX_SIZE
        ? {
            check: 'size',
            status: 'fail',
            message: `The message is ${mb(signed.length)}; Gmail and Yahoo refuse messages over 25 MB.`,
            fix: 'Send large files as links rather than attachments.',
          }
        : { check: 'size', status: 'pass', message: `The message is ${mb(signed.length)} (limit 25 MB).` },
    );
    const parsed = await simpleParser(signed, { skipImageLinks: true, skipTextToHtml: true });
    const html = typeof parsed.html === 'string' ? parsed.html : undefined;
    if (html !== undefined && !hasTextPart(signed, parseHeaderBlock(signed)))
      out.push({
        check: 'text-part',
        status: 'warn',
        message:
          'The message has an HTML part and no plain-text alternative; spam filters score HTML-only mail higher.',
        fix: 'Add a text/plain part (multipart/alternative): give Body.Text beside Body.Html.',
      });
    else
      out.push({
        check: 'text-part',
        status: 'pass',
        message: html ? 'HTML with a plain-text alternative.' : 'Plain text.',
      });
    if (html !== undefined && Buffer.byteLength(html) > GMAIL_CLIP_BYTES)
      out.push({
        check: 'html-size',
        status: 'warn',
        message: `The HTML is ${Math.round(Buffer.byteLength(html) / 1024)} KB; Gmail clips messages whose HTML exceeds about 102 KB.`,
        fix: 'Shorten the HTML (inline styles and tracking markup count).',
      });
    return out;
  }

  async #dmarc(
    fromDomain: string,
    resolve: (n: string, t: string) => Promise<unknown>,
    results: AuthResult[],
    spfKnown: boolean,
    bulk: boolean,
  ): Promise<PreflightFinding[]> {
    // The policy is at the From domain or, failing that, at its organizational domain (its last two labels
    // is the usual case; mailauth applies the public suffix list for the alignment below).
    const labels = fromDomain.split('.');
    const candidates = [fromDomain, ...(labels.length > 2 ? [labels.slice(-2).join('.')] : [])];
    let name: string | undefined;
    let published: string[] = [];
    for (const candidate of candidates) {
      try {
        const txt = (await resolve(`_dmarc.${candidate}`, 'TXT')) as string[][];
        published = txt.map((chunks) => chunks.join('')).filter((t) => /^\s*v\s*=\s*DMARC1/i.test(t));
        if (published.length > 0) {
          name = `_dmarc.${candidate}`;
          break;
        }
      } catch (err) {
        if (!isDnsNotFound(err))
          return [
            {
              check: 'dmarc',
              status: 'warn',
              message: `Could not look up _dmarc.${candidate} TXT: ${(err as Error).message}. Receivers that cannot read the policy may defer the mail.`,
            },
          ];
      }
    }
    const suggested = `_dmarc.${fromDomain} TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@${fromDomain}"`;
    if (!name)
      return [
        {
          check: 'dmarc',
          status: bulk ? 'fail' : 'warn',
          message: `No DMARC record at _dmarc.${fromDomain}${candidates.length > 1 ? ` or _dmarc.${candidates[1]}` : ''}. Gmail and Yahoo require one of bulk senders (p=none is enough).`,
          fix: suggested,
        },
      ];
    if (published.length > 1)
      return [
        {
          check: 'dmarc',
          status: 'fail',
          message: `${name} has ${published.length} DMARC records; receivers then ignore them all.`,
          fix: `Keep one TXT record at ${name}.`,
        },
      ];
    const reading = readDmarcRecord(published[0]!);
    if (!reading.ok)
      return [
        {
          check: 'dmarc',
          status: 'fail',
          message: `The DMARC record ${name} TXT "${published[0]}" is not valid: ${reading.problem}. Receivers treat the domain as having no DMARC policy.`,
          fix: `${name} TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@${fromDomain}"`,
        },
      ];
    const out: PreflightFinding[] = [
      { check: 'dmarc', status: 'pass', message: `${name} TXT "${published[0]}" (p=${reading.record.p}).` },
    ];
    const aligned = results.map((r) => (r.dmarc ? r.dmarc.status?.result : undefined));
    const dkimAligned = results.some((r) => r.dmarc && r.dmarc.alignment?.dkim?.result);
    const spfAligned = spfKnown && results.some((r) => r.dmarc && r.dmarc.alignment?.spf?.result);
    if (aligned.every((a) => a === 'pass'))
      out.push({
        check: 'dmarc-alignment',
        status: 'pass',
        message: `DMARC passes: aligned by ${[dkimAligned && 'DKIM', spfAligned && 'SPF'].filter(Boolean).join(' and ')}.`,
      });
    else
      out.push({
        check: 'dmarc-alignment',
        status: reading.record.p === 'none' ? 'warn' : 'fail',
        message: `DMARC fails: neither a DKIM signature of ${fromDomain} that verifies nor SPF for a MAIL FROM domain within ${fromDomain} passes${reading.record.p === 'none' ? ' (p=none: receivers deliver, but bulk senders must align)' : ` (p=${reading.record.p}: receivers ${reading.record.p} this mail)`}.`,
        fix: `Sign with ${fromDomain}'s Easy DKIM (publish its DKIM records) or set a custom MAIL FROM domain under ${fromDomain} with its SPF record.`,
      });
    return out;
  }

  async #mailFromMx(
    domain: string,
    resolve: (n: string, t: string) => Promise<unknown>,
  ): Promise<PreflightFinding> {
    const fix = `${domain} MX 10 ${this.#mailHost}.`;
    try {
      const mx = (await resolve(domain, 'MX')) as { exchange: string }[];
      const hosts = mx.map((m) => m.exchange.toLowerCase().replace(/\.$/, ''));
      if (hosts.includes(this.#mailHost))
        return {
          check: 'mail-from-mx',
          status: 'pass',
          message: `${domain} MX points to ${this.#mailHost}.`,
        };
      return {
        check: 'mail-from-mx',
        status: 'warn',
        message: `${domain} MX points to ${hosts.join(', ') || 'nothing'}, not to ${this.#mailHost}: bounces and complaints would not come back to Sesame.`,
        fix,
      };
    } catch (err) {
      return {
        check: 'mail-from-mx',
        status: isDnsNotFound(err) ? 'fail' : 'warn',
        message: isDnsNotFound(err)
          ? `The MAIL FROM domain ${domain} has no MX record; receivers refuse envelope senders whose domain takes no mail, and bounces cannot come back.`
          : `Could not look up ${domain} MX: ${(err as Error).message}.`,
        fix,
      };
    }
  }

  async #reverseDns(
    addresses: string[],
    resolve: (n: string, t: string) => Promise<unknown>,
  ): Promise<PreflightFinding[]> {
    const out: PreflightFinding[] = [];
    for (const ip of addresses) {
      const ptrName = reverseName(ip);
      let names: string[] = [];
      try {
        names = ((await resolve(ptrName, 'PTR')) as string[]).map((n) => n.toLowerCase().replace(/\.$/, ''));
      } catch {
        // No PTR: reported below.
      }
      if (names.includes(this.#mailHost))
        out.push({
          check: 'reverse-dns',
          status: 'pass',
          message: `${ip} has PTR ${this.#mailHost}, the name this server greets with (EHLO).`,
        });
      else
        out.push({
          check: 'reverse-dns',
          status: names.length === 0 ? 'fail' : 'warn',
          message:
            names.length === 0
              ? `${ip} has no PTR record; Gmail and Yahoo require reverse DNS that matches the sending host.`
              : `${ip} has PTR ${names.join(', ')}, not ${this.#mailHost} (this server's EHLO name, SESAME_HOSTNAME).`,
          fix: `${ptrName} PTR ${this.#mailHost}. (set by whoever holds the address: the hosting provider)`,
        });
    }
    return out;
  }

  async #complaintRate(accountId: string): Promise<PreflightFinding> {
    const standing = await this.#reputation.standing(await this.#accounts.get(accountId));
    const pct = (r: number) => `${(r * 100).toFixed(2)} %`;
    const rate = standing.complaintRate;
    return {
      check: 'complaint-rate',
      status: rate >= COMPLAINT_LIMIT ? 'fail' : rate >= COMPLAINT_TARGET ? 'warn' : 'pass',
      message: `The account's complaint rate is ${pct(rate)} (${standing.complaints} of ${standing.sends} since ${new Date(standing.windowStart).toISOString().slice(0, 10)}); Gmail and Yahoo require below 0.3 % and recommend below 0.1 %.`,
      ...(rate >= COMPLAINT_TARGET
        ? { fix: 'Send only to recipients who asked for the mail, and honour unsubscribes at once.' }
        : {}),
    };
  }

  async #spam(signed: Buffer): Promise<PreflightFinding> {
    if (!this.#scanners.spam)
      return {
        check: 'spamassassin',
        status: 'info',
        message: 'No SpamAssassin score: set SESAME_SPAMD to a spamd address to get one.',
      };
    try {
      const r = await this.#scanners.spam(signed);
      return {
        check: 'spamassassin',
        status: r.spam ? 'fail' : r.score >= 2.5 ? 'warn' : 'pass',
        message: `SpamAssassin score ${r.score}${r.spam ? ' — spamd classifies the message as spam' : ''} (5 is spamd's usual threshold).`,
      };
    } catch (err) {
      return {
        check: 'spamassassin',
        status: 'warn',
        message: `spamd could not score the message: ${(err as Error).message}.`,
      };
    }
  }
}

/** Whether the message has a text/plain part: the top-level type, or a part header of a multipart body. */
function hasTextPart(signed: Buffer, block: HeaderBlock): boolean {
  const top = (headerValue(block, 'content-type') ?? 'text/plain').toLowerCase();
  if (top.startsWith('text/plain')) return true;
  if (!top.startsWith('multipart/')) return false;
  return /^content-type:[ \t]*text\/plain/im.test(signed.subarray(block.bodyOffset).toString('latin1'));
}

function bulkReason(message: MessageRecord, block: HeaderBlock): string | null {
  if (message.operation === 'SendBulkEmail' || message.operation === 'SendBulkTemplatedEmail')
    return `it was sent with ${message.operation}`;
  if (message.listManagement)
    return `it was sent to the contact list ${message.listManagement.contactListName}`;
  if (headerValue(block, 'list-unsubscribe') !== undefined) return 'it has a List-Unsubscribe header';
  const precedence = headerValue(block, 'precedence')?.toLowerCase();
  if (precedence === 'bulk' || precedence === 'list') return `it has Precedence: ${precedence}`;
  return null;
}

function addressFinding(host: string, addresses: string[]): PreflightFinding {
  if (addresses.length > 0)
    return {
      check: 'sending-host',
      status: 'pass',
      message: `This server greets as ${host} and DNS gives it ${addresses.join(', ')}.`,
    };
  return {
    check: 'sending-host',
    status: 'fail',
    message: `This server greets as ${host}, which has no A or AAAA record, so receivers cannot check SPF or reverse DNS for it.`,
    fix: `${host} A <this server's public IPv4 address> (and set SESAME_HOSTNAME to that name)`,
  };
}

function spfFinding(
  domain: string,
  host: string,
  addresses: string[],
  results: AuthResult[],
): PreflightFinding {
  const fix = `${domain} TXT "v=spf1 a:${host} ~all"`;
  const outcomes = results.map((r, i) => ({
    ip: addresses[i]!,
    result: (r.spf && r.spf.status?.result) || 'none',
    comment: (r.spf && r.spf.status?.comment) || '',
  }));
  const failing = outcomes.filter((o) => o.result !== 'pass');
  if (failing.length === 0)
    return {
      check: 'spf',
      status: 'pass',
      message: `SPF of ${domain} allows ${addresses.join(', ')}.`,
    };
  const temporary = failing.every((o) => o.result === 'temperror');
  return {
    check: 'spf',
    status: temporary ? 'warn' : 'fail',
    message: `SPF of the MAIL FROM domain ${domain} gives ${failing.map((o) => `${o.result} for ${o.ip}`).join(', ')}${failing[0]!.comment ? ` (${failing[0]!.comment})` : ''}.`,
    fix,
  };
}

function dkimFinding(block: HeaderBlock, result: AuthResult, fromDomain: string): PreflightFinding {
  const signatures = result.dkim?.results ?? [];
  if (!headerValue(block, 'dkim-signature'))
    return {
      check: 'dkim',
      status: 'fail',
      message: `The message is not DKIM-signed: no verified domain identity with DKIM covers ${fromDomain}.`,
      fix: `Create the domain identity ${fromDomain} (Easy DKIM) and publish its DKIM records (sesame dns-records ${fromDomain}).`,
    };
  const passing = signatures.filter((s) => s.status?.result === 'pass');
  if (passing.length > 0) {
    const s = passing[0]!;
    return {
      check: 'dkim',
      status: 'pass',
      message: `The DKIM signature d=${s.signingDomain} s=${s.selector} verifies with the key at ${s.selector}._domainkey.${s.signingDomain}.`,
    };
  }
  const s = signatures[0];
  const name = s ? `${s.selector}._domainkey.${s.signingDomain}` : `<selector>._domainkey.${fromDomain}`;
  return {
    check: 'dkim',
    status: 'fail',
    message: `The DKIM signature${s ? ` d=${s.signingDomain} s=${s.selector}` : ''} does not verify: ${s?.status?.result ?? 'none'}${s?.status?.comment ? ` (${s.status.comment})` : ''}.`,
    fix: `Publish the DKIM key Sesame gives at ${name} TXT (sesame dns-records ${s?.signingDomain ?? fromDomain}).`,
  };
}

function listUnsubscribeFinding(block: HeaderBlock): PreflightFinding {
  const header = headerValue(block, 'list-unsubscribe');
  const post = headerValue(block, 'list-unsubscribe-post');
  const fix =
    'List-Unsubscribe: <https://…/unsubscribe?…>, <mailto:…> and List-Unsubscribe-Post: List-Unsubscribe=One-Click (both DKIM-signed) — a send with ListManagementOptions gets them from Sesame.';
  if (!header)
    return {
      check: 'list-unsubscribe',
      status: 'fail',
      message:
        'Bulk mail without a List-Unsubscribe header: Gmail and Yahoo require one-click unsubscribe (RFC 8058).',
      fix,
    };
  if (
    !/<https:\/\//i.test(header) ||
    post?.replace(/\s+/g, '').toLowerCase() !== 'list-unsubscribe=one-click'
  )
    return {
      check: 'list-unsubscribe',
      status: 'fail',
      message: `List-Unsubscribe is "${header}"${post ? ` with List-Unsubscribe-Post "${post}"` : ' without List-Unsubscribe-Post'}: one-click unsubscribe needs an https URL and List-Unsubscribe-Post: List-Unsubscribe=One-Click.`,
      fix,
    };
  const signedHeaders = (headerValue(block, 'dkim-signature') ?? '')
    .replace(/\s+/g, '')
    .match(/(?:^|;)h=([^;]*)/i)?.[1]
    ?.toLowerCase()
    .split(':');
  if (!signedHeaders?.includes('list-unsubscribe') || !signedHeaders.includes('list-unsubscribe-post'))
    return {
      check: 'list-unsubscribe',
      status: 'warn',
      message:
        'One-click unsubscribe is offered, but the DKIM signature does not cover both List-Unsubscribe headers.',
      fix,
    };
  return {
    check: 'list-unsubscribe',
    status: 'pass',
    message: 'One-click unsubscribe (RFC 8058), DKIM-signed.',
  };
}

/** The PTR name of an address: `4.3.2.1.in-addr.arpa` or the nibbles of an IPv6 address under ip6.arpa. */
function reverseName(ip: string): string {
  if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return `${groups
    .map((g) => g.padStart(4, '0'))
    .join('')
    .split('')
    .reverse()
    .join('.')}.ip6.arpa`;
}

/**
 * The verdicts of a received message, as SES gives them in `receipt`: SPF, DKIM and DMARC from mailauth (DNS
 * through SESAME_DNS_SERVERS), spam and virus from spamd and clamd when a matched rule has ScanEnabled. SES
 * acts on none of them itself; they go into notifications and, as headers, into the stored mail. A check that
 * cannot be made says so (`PROCESSING_FAILED`, spam `GRAY` without a scanner) and the mail is still processed.
 */
import { authenticate } from 'mailauth';
import type { DnsResolver } from '../../lib/dns.ts';
import type { Logger } from '../../lib/logger.ts';
import type { InboundMessageRecord, InboundReceipt } from '../../store/store.ts';

const DNS_CACHE_MS = 60_000;
const DNS_CACHE_ENTRIES = 10_000;

export type Verdict = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'DISABLED';

/** Content scanners, when configured (adapters of lib/scanners.ts, passed in by the composition root). */
export interface Scanners {
  spam?: (message: Buffer) => Promise<{ spam: boolean; score: number }>;
  virus?: (message: Buffer) => Promise<{ infected: boolean; name: string | null }>;
}

interface AuthResult {
  spf?: { status?: { result?: string } } | false;
  dkim?: { results?: { status?: { result?: string; aligned?: string | false }; signingDomain?: string }[] };
  dmarc?: { status?: { result?: string }; policy?: string; p?: string } | false;
  headers?: string;
}

/** mailauth's SPF result as SES's verdict. */
function spfVerdict(result: string | undefined): Verdict {
  if (result === 'pass') return 'PASS';
  if (result === 'fail' || result === 'softfail') return 'FAIL';
  if (result === 'temperror' || result === 'permerror') return 'PROCESSING_FAILED';
  return 'GRAY';
}

/**
 * DKIM: PASS when a signature aligned with the From domain passes (SES's examples give GRAY for a passing
 * signature of another domain), FAIL when signatures are there and none passes, GRAY when there is none.
 */
function dkimVerdict(results: NonNullable<AuthResult['dkim']>['results']): Verdict {
  const list = results ?? [];
  if (list.some((r) => r.status?.result === 'pass' && r.status.aligned)) return 'PASS';
  if (list.some((r) => r.status?.result === 'temperror')) return 'PROCESSING_FAILED';
  if (list.length === 0 || list.every((r) => r.status?.result === 'none')) return 'GRAY';
  if (list.some((r) => r.status?.result === 'pass')) return 'GRAY';
  return 'FAIL';
}

function dmarcVerdict(result: string | undefined): Verdict {
  if (result === 'pass') return 'PASS';
  if (result === 'fail') return 'FAIL';
  if (result === 'temperror' || result === 'permerror') return 'PROCESSING_FAILED';
  return 'GRAY';
}

export class VerdictService {
  readonly #dns: DnsResolver;
  readonly #mailHost: string;
  readonly #scanners: Scanners;
  readonly #log: Logger;

  readonly #answers = new Map<string, { expires: number; answer: Promise<unknown> }>();

  constructor(deps: { dns: DnsResolver; mailHost: string; scanners: Scanners; logger: Logger }) {
    this.#dns = deps.dns;
    this.#mailHost = deps.mailHost;
    this.#scanners = deps.scanners;
    this.#log = deps.logger;
  }

  /**
   * The checks' DNS answers, kept a minute (answers and "no such name/record"; never failures such as time-outs).
   * Mail from one sender domain asks the same SPF, DKIM and DMARC questions each time; an MTA normally sits
   * behind a caching resolver, and a minute is below the TTL of nearly every such record.
   */
  #lookup(name: string, rrtype: string): Promise<unknown> {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const now = Date.now();
    const hit = this.#answers.get(key);
    if (hit && hit.expires > now) return hit.answer;
    if (hit) this.#answers.delete(key);
    const answer = this.#dns.resolve(name, rrtype);
    this.#answers.set(key, { expires: now + DNS_CACHE_MS, answer });
    if (this.#answers.size > DNS_CACHE_ENTRIES) this.#answers.delete(this.#answers.keys().next().value!);
    answer.catch((err: unknown) => {
      const code = (err as { code?: string }).code;
      if (code !== 'ENOTFOUND' && code !== 'ENODATA' && this.#answers.get(key)?.answer === answer)
        this.#answers.delete(key);
    });
    return answer;
  }

  async verdicts(message: InboundMessageRecord, body: Buffer, scan: boolean): Promise<InboundReceipt> {
    const started = Date.now();
    let spf: Verdict = 'PROCESSING_FAILED';
    let dkim: Verdict = 'PROCESSING_FAILED';
    let dmarc: Verdict = 'PROCESSING_FAILED';
    let dmarcPolicy: string | null = null;
    let authHeaders = '';
    try {
      const res = (await authenticate(body, {
        ip: message.clientIp.replace(/^::ffff:/, ''),
        helo: message.helo,
        sender: message.mailFrom,
        mta: this.#mailHost,
        resolver: (name: string, rrtype: string) => this.#lookup(name, rrtype) as Promise<string[]>,
        disableArc: true,
        disableBimi: true,
      })) as AuthResult;
      spf = res.spf ? spfVerdict(res.spf.status?.result) : 'GRAY';
      dkim = dkimVerdict(res.dkim?.results);
      dmarc = res.dmarc ? dmarcVerdict(res.dmarc.status?.result) : 'GRAY';
      if (dmarc === 'FAIL' && res.dmarc)
        dmarcPolicy = (res.dmarc.policy ?? res.dmarc.p ?? 'none').toLowerCase();
      authHeaders = res.headers ?? '';
    } catch (err) {
      this.#log.warn({ err, messageId: message.id }, 'inbound authentication checks failed');
    }
    let spam: Verdict = 'DISABLED';
    let virus: Verdict = 'DISABLED';
    if (scan) {
      spam = 'GRAY';
      virus = 'GRAY';
      if (this.#scanners.spam)
        spam = await this.#scanners.spam(body).then(
          (r) => (r.spam ? 'FAIL' : 'PASS'),
          (err: unknown) => {
            this.#log.warn({ err, messageId: message.id }, 'spam scan failed');
            return 'PROCESSING_FAILED' as const;
          },
        );
      if (this.#scanners.virus)
        virus = await this.#scanners.virus(body).then(
          (r) => (r.infected ? 'FAIL' : 'PASS'),
          (err: unknown) => {
            this.#log.warn({ err, messageId: message.id }, 'virus scan failed');
            return 'PROCESSING_FAILED' as const;
          },
        );
    }
    const lines = [authHeaders.trimEnd()];
    if (scan) lines.push(`X-SES-Spam-Verdict: ${spam}`, `X-SES-Virus-Verdict: ${virus}`);
    return {
      spamVerdict: spam,
      virusVerdict: virus,
      spfVerdict: spf,
      dkimVerdict: dkim,
      dmarcVerdict: dmarc,
      dmarcPolicy,
      headers: lines.filter(Boolean).join('\r\n').replace(/\r?\n/g, '\r\n'),
      processingTimeMillis: Date.now() - started,
    };
  }
}

/**
 * Verification that really happens: looks up the DNS records Sesame asked a domain owner to publish
 * (DKIM TXT keys, the v1 `_amazonses` token, the MAIL FROM MX) and moves each status
 * PENDING → SUCCESS, TEMPORARY_FAILURE on DNS errors, FAILED once the detection window (72 h) has passed.
 * A verified domain is re-checked daily; records that disappear start a new window.
 * An address's verification link expires after 24 hours, as SES's does.
 */
import type { DnsResolver } from '../../lib/dns.ts';
import { isDnsNotFound } from '../../lib/dns.ts';
import type { Logger } from '../../lib/logger.ts';
import type { DkimKeyRecord, IdentityRecord, Store, VerificationStatus } from '../../store/store.ts';
import { publicKeyOfRecord } from './dkim-keys.ts';

export const EMAIL_LINK_LIFETIME_MS = 24 * 3600_000;
const RECHECK_VERIFIED_MS = 24 * 3600_000;
const MAX_BACKOFF_MS = 3600_000;

export interface VerifierSettings {
  /** First delay between checks of a pending identity; doubles per check up to an hour. */
  retryMs: number;
  /** Detection window after which a pending record is FAILED. */
  timeoutMs: number;
  /** Host name that a custom MAIL FROM domain's MX must point to. */
  mailHost: string;
  /** Development mode: no DNS is asked; every record Sesame asked for counts as published, every link as followed. */
  assumePublished?: boolean;
}

type Lookup = 'match' | 'missing' | 'error';

/** What DNS said, gathered before the identity row is locked. */
interface Observation {
  dkim: Map<string, Lookup>;
  token: Lookup | undefined;
  mailFrom: Lookup | undefined;
}

export class IdentityVerifier {
  readonly #store: Store;
  readonly #dns: DnsResolver;
  readonly #settings: VerifierSettings;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #onChange: () => Promise<void>;
  readonly #runsHere: () => boolean;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = true;

  constructor(deps: {
    store: Store;
    dns: DnsResolver;
    settings: VerifierSettings;
    logger: Logger;
    now: () => number;
    /** Called after a check changed a status, so cached verification answers are dropped. */
    onChange: () => Promise<void>;
    /** Whether this node holds the verifier's lease (background checks run on one node). */
    runsHere?: () => boolean;
  }) {
    this.#onChange = deps.onChange;
    this.#runsHere = deps.runsHere ?? (() => true);
    this.#store = deps.store;
    this.#dns = deps.dns;
    this.#settings = deps.settings;
    this.#log = deps.logger;
    this.#now = deps.now;
  }

  start(): void {
    this.#stopped = false;
    this.wake();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Runs due checks now (after a create or a change that scheduled one). */
  wake(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), 0);
  }

  async #tick(): Promise<void> {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    try {
      for (;;) {
        if (!this.#runsHere()) break;
        const due = await this.#store.identities.listDueForCheck(this.#now(), 16);
        if (due.length === 0) break;
        await Promise.all(
          due.map((identity) =>
            this.check(identity).catch((err: unknown) =>
              this.#log.warn({ err, identity: identity.name }, 'identity check failed'),
            ),
          ),
        );
        if (this.#stopped) break;
      }
    } catch (err) {
      this.#log.warn({ err }, 'identity verifier could not read due identities');
    } finally {
      this.#running = false;
    }
    if (this.#stopped) return;
    // Sleep until the next due check, but look again within 2 s: another process or node may have added one.
    const next = await this.#store.identities.nextCheckAt().catch(() => null);
    const delay = next === null ? 2000 : Math.min(2000, Math.max(20, next - this.#now()));
    this.#timer = setTimeout(() => void this.#tick(), delay);
    this.#timer.unref();
  }

  /** Checks one identity now and stores the outcome. */
  async check(identity: IdentityRecord): Promise<IdentityRecord> {
    const seen = await this.#observe(identity);
    const updated = await this.#store.identities.modify(identity.accountId, identity.name, (current) =>
      this.#apply(current, seen, this.#now()),
    );
    if (!updated) return identity;
    if (statusKey(updated) !== statusKey(identity)) {
      this.#log.info(
        {
          identity: identity.name,
          accountId: identity.accountId,
          status: updated.verificationStatus,
          dkim: updated.dkim?.status,
          mailFrom: updated.mailFrom?.status,
        },
        'identity verification status changed',
      );
      await this.#onChange();
    }
    return updated;
  }

  async #observe(identity: IdentityRecord): Promise<Observation> {
    if (this.#settings.assumePublished)
      return {
        dkim: new Map(
          [...(identity.dkim?.keys ?? []), ...(identity.dkim?.pendingKeys ?? [])].map((k) => [
            k.selector,
            'match',
          ]),
        ),
        token: identity.domainToken ? 'match' : undefined,
        mailFrom: identity.mailFrom ? 'match' : undefined,
      };
    const seen: Observation = { dkim: new Map(), token: undefined, mailFrom: undefined };
    if (identity.type === 'DOMAIN') {
      const keys = [...(identity.dkim?.keys ?? []), ...(identity.dkim?.pendingKeys ?? [])];
      await Promise.all(
        keys.map(async (k) => seen.dkim.set(k.selector, await this.#lookupDkim(identity.name, k))),
      );
      if (identity.domainToken) seen.token = await this.#lookupToken(identity.name, identity.domainToken);
    }
    if (identity.mailFrom) seen.mailFrom = await this.#lookupMailFrom(identity.mailFrom.domain);
    return seen;
  }

  async #lookupDkim(domain: string, key: DkimKeyRecord): Promise<Lookup> {
    return this.#lookup(async () => {
      const records = await this.#dns.txt(`${key.selector}._domainkey.${domain}`);
      return records.some((r) => publicKeyOfRecord(r) === key.publicKey);
    });
  }

  async #lookupToken(domain: string, token: string): Promise<Lookup> {
    return this.#lookup(async () =>
      (await this.#dns.txt(`_amazonses.${domain}`)).some((r) => r.trim() === token),
    );
  }

  async #lookupMailFrom(domain: string): Promise<Lookup> {
    const host = this.#settings.mailHost.toLowerCase().replace(/\.$/, '');
    return this.#lookup(async () =>
      (await this.#dns.mx(domain)).some((mx) => mx.exchange.toLowerCase().replace(/\.$/, '') === host),
    );
  }

  async #lookup(probe: () => Promise<boolean>): Promise<Lookup> {
    try {
      return (await probe()) ? 'match' : 'missing';
    } catch (err) {
      return isDnsNotFound(err) ? 'missing' : 'error';
    }
  }

  /** Pure: the identity after applying what DNS said at `now`. */
  #apply(current: IdentityRecord, seen: Observation, now: number): IdentityRecord {
    const next: IdentityRecord = { ...current, lastCheckedAt: now, checkCount: current.checkCount + 1 };
    const timeout = this.#settings.timeoutMs;
    if (current.type === 'EMAIL_ADDRESS') {
      // Addresses are verified by their link (in development mode, as if it was followed); an unused link expires.
      if (this.#settings.assumePublished && current.verificationStatus === 'PENDING') {
        next.verificationStatus = 'SUCCESS';
        next.emailToken = null;
        next.lastSuccessAt = now;
      } else if (
        current.verificationStatus === 'PENDING' &&
        now - current.verificationStartedAt >= EMAIL_LINK_LIFETIME_MS
      ) {
        next.verificationStatus = 'FAILED';
        next.emailToken = null;
      }
      if (current.mailFrom) next.mailFrom = this.#mailFrom(current, seen, now);
      next.nextCheckAt = this.#schedule(next, now);
      return next;
    }

    const statuses: VerificationStatus[] = [];
    if (current.dkim) {
      const dkim = { ...current.dkim };
      const outcome = combine(dkim.keys.map((k) => seen.dkim.get(k.selector)));
      if (outcome !== undefined) {
        const restartedWindow = dkim.status === 'SUCCESS' && outcome === 'missing';
        dkim.status = transition(
          dkim.status,
          outcome,
          restartedWindow ? now : dkim.checkStartedAt,
          now,
          timeout,
        );
        if (restartedWindow) dkim.checkStartedAt = now;
      }
      const pending = dkim.pendingKeys;
      if (pending && combine(pending.map((k) => seen.dkim.get(k.selector))) === 'match') {
        // Rotation complete: the new keys are published, so they take over signing.
        dkim.keys = pending;
        dkim.pendingKeys = null;
        dkim.activeSelector = pending[0]!.selector;
        dkim.currentKeyLength = pending[0]!.length;
        dkim.lastKeyGeneratedAt = now;
        dkim.status = 'SUCCESS';
        dkim.checkStartedAt = now;
      }
      next.dkim = dkim;
      statuses.push(dkim.status);
    }
    if (current.domainToken && seen.token !== undefined) {
      const wasVerified = current.verificationStatus === 'SUCCESS';
      const started = wasVerified && seen.token === 'missing' ? now : current.verificationStartedAt;
      statuses.push(
        transition(wasVerified && !current.dkim ? 'SUCCESS' : 'PENDING', seen.token, started, now, timeout),
      );
    }
    if (statuses.length > 0) {
      const status = overall(statuses);
      if (status !== current.verificationStatus && current.verificationStatus === 'SUCCESS')
        next.verificationStartedAt = now;
      next.verificationStatus = status;
      if (status === 'SUCCESS') next.lastSuccessAt = now;
      next.errorType =
        status === 'TEMPORARY_FAILURE' ? 'DNS_SERVER_ERROR' : status === 'FAILED' ? 'HOST_NOT_FOUND' : null;
    }
    if (current.mailFrom) next.mailFrom = this.#mailFrom(current, seen, now);
    next.nextCheckAt = this.#schedule(next, now);
    return next;
  }

  #mailFrom(current: IdentityRecord, seen: Observation, now: number): IdentityRecord['mailFrom'] {
    const mf = current.mailFrom!;
    if (seen.mailFrom === undefined) return mf;
    const restarted = mf.status === 'SUCCESS' && seen.mailFrom === 'missing';
    const startedAt = restarted ? now : mf.startedAt;
    const status = transition(mf.status, seen.mailFrom, startedAt, now, this.#settings.timeoutMs);
    return { ...mf, status: status === 'NOT_STARTED' ? 'PENDING' : status, startedAt };
  }

  /** When to look again: soon (with backoff) while anything is pending, daily once all is settled. */
  #schedule(identity: IdentityRecord, now: number): number | null {
    const pending = (s: string | undefined) => s === 'PENDING' || s === 'TEMPORARY_FAILURE';
    if (identity.type === 'EMAIL_ADDRESS') {
      if (pending(identity.mailFrom?.status)) return now + this.#backoff(identity.checkCount);
      return identity.verificationStatus === 'PENDING'
        ? identity.verificationStartedAt + EMAIL_LINK_LIFETIME_MS
        : null;
    }
    const anyPending =
      pending(identity.verificationStatus) ||
      pending(identity.dkim?.status) ||
      (identity.dkim?.pendingKeys !== null && identity.dkim?.pendingKeys !== undefined) ||
      pending(identity.mailFrom?.status);
    if (anyPending) return now + this.#backoff(identity.checkCount);
    if (identity.verificationStatus === 'SUCCESS' || identity.mailFrom?.status === 'SUCCESS')
      return now + RECHECK_VERIFIED_MS;
    return null;
  }

  #backoff(checkCount: number): number {
    return Math.min(MAX_BACKOFF_MS, this.#settings.retryMs * 2 ** Math.min(20, Math.max(0, checkCount - 1)));
  }
}

function statusKey(i: IdentityRecord): string {
  return `${i.verificationStatus}/${i.dkim?.status}/${i.dkim?.activeSelector}/${i.mailFrom?.status}`;
}

function combine(outcomes: (Lookup | undefined)[]): Lookup | undefined {
  if (outcomes.length === 0 || outcomes.some((o) => o === undefined)) return undefined;
  if (outcomes.every((o) => o === 'match')) return 'match';
  return outcomes.includes('error') ? 'error' : 'missing';
}

function transition(
  status: VerificationStatus,
  seen: Lookup,
  startedAt: number,
  now: number,
  timeoutMs: number,
): VerificationStatus {
  if (seen === 'match') return 'SUCCESS';
  // A verified record is kept through DNS hiccups; only its absence restarts detection.
  if (status === 'SUCCESS' && seen === 'error') return 'SUCCESS';
  if (status === 'SUCCESS' && seen === 'missing') return 'TEMPORARY_FAILURE';
  if (now - startedAt >= timeoutMs) return 'FAILED';
  return seen === 'error'
    ? 'TEMPORARY_FAILURE'
    : status === 'TEMPORARY_FAILURE' && seen === 'missing'
      ? 'TEMPORARY_FAILURE'
      : 'PENDING';
}

function overall(statuses: VerificationStatus[]): VerificationStatus {
  for (const s of ['SUCCESS', 'TEMPORARY_FAILURE', 'PENDING', 'FAILED'] as const)
    if (statuses.includes(s)) return s;
  return 'NOT_STARTED';
}

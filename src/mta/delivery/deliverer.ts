/**
 * One delivery attempt: a message's recipients at one destination domain, in one SMTP transaction. Resolves
 * the route (smart host or MX), signs with DKIM, sends, and turns every recipient's reply into an SES
 * disposition (delivered, bounced, deferred with its retry time). Mailbox-simulator addresses are answered
 * in memory.
 */
import { isAscii } from 'node:buffer';
import type {
  DelayType,
  DeliveryPayload,
  DeliveryReport,
  MessageRecord,
  MtaPort,
  RecipientRecord,
  RecipientResult,
} from '../../core/index.ts';
import { SIMULATOR_DOMAIN, SYSTEM_ACCOUNT, identityOwner, signingAddress } from '../../core/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { classify, parseReply } from '../bounces/classify.ts';
import { COMMUNICATION_FAILURE } from '../bounces/rules.ts';
import { dkimKey, dkimSign } from '../../lib/dkim-signer.ts';
import type { MxResolver, Route } from '../dns/mx.ts';
import { nextAttemptAt } from '../queue/retry-schedule.ts';
import { VERP_SET_LIMIT, type ReturnPathCodec } from '../return-path/verp.ts';
import { simulate } from '../transports/simulator.ts';
import type { SmtpError, SmtpSession } from './session.ts';
import { Connector, type SessionHolder, type Shaping } from './connector.ts';
import type { Shaper } from '../shaping/shaper.ts';

export interface DeliverySettings {
  /** EHLO name and reporting MTA. */
  hostname: string;
  port: number;
  smartHost?:
    | {
        host: string;
        port: number;
        tls: 'starttls' | 'require-starttls' | 'tls' | 'none';
        auth?: { user: string; pass: string };
      }
    | undefined;
  retryBaseMs: number;
  maxQueueMs: number;
  timeoutMs: number;
  /** SMTP connections on the transport thread (SESAME_DELIVERY_THREAD), else on the main thread. */
  transportThread?: boolean;
  /** BDAT (RFC 3030) where the receiver offers CHUNKING and PIPELINING (SESAME_DELIVERY_CHUNKING). */
  chunking?: boolean;
  /**
   * Development mode: every transaction is captured (the core keeps the bytes as they would have gone out)
   * instead of made — no MX lookup, no connection. Simulator addresses still answer as the simulator does.
   */
  capture?: boolean;
}

/** The "receiving server's" reply for captured mail, in Delivery events and `sesame message show`. */
export const CAPTURED_REPLY = '250 2.0.0 Ok: captured by Sesame development mode, not delivered';

/** The unit of work of the queue: some recipients of one message at one destination domain. */
export interface WorkItem {
  messageId: string;
  domain: string;
  indices: number[];
  /** Attempts made so far. */
  attempts: number;
  dueAt: number;
  /** Held in memory for fresh messages (within the queue's memory budget); else loaded when due. */
  payload?: DeliveryPayload | undefined;
}

export type { SessionHolder } from './connector.ts';

export class Deliverer {
  readonly #core: MtaPort;
  readonly #returnPaths: ReturnPathCodec;
  readonly #mx: MxResolver;
  readonly #settings: DeliverySettings;
  readonly #log: Logger;
  readonly #shaper: Shaper;
  readonly #connector: Connector;

  constructor(deps: {
    core: MtaPort;
    returnPaths: ReturnPathCodec;
    mx: MxResolver;
    settings: DeliverySettings;
    logger: Logger;
    shaper: Shaper;
  }) {
    this.#shaper = deps.shaper;
    this.#connector = new Connector({ settings: deps.settings, shaper: deps.shaper });
    this.#core = deps.core;
    this.#returnPaths = deps.returnPaths;
    this.#mx = deps.mx;
    this.#settings = deps.settings;
    this.#log = deps.logger;
  }

  /**
   * Delivers an item and records the outcome. Returns the item to retry later (deferred recipients), or
   * undefined when every recipient reached a final state.
   */
  async deliver(item: WorkItem, holder: SessionHolder): Promise<WorkItem | undefined> {
    const payload = item.payload ?? (await this.#core.payload(item.messageId));
    if (!payload) {
      this.#log.warn({ messageId: item.messageId }, 'queued message not found; dropping its queue entry');
      return undefined;
    }
    const recipients = item.indices
      .map((i) => payload.recipients[i])
      .filter((r): r is RecipientRecord => r !== undefined);
    const attempts = item.attempts + 1;
    const at = Date.now();
    let results: RecipientResult[];
    let remoteMtaIp: string | undefined;
    if (this.#settings.capture) {
      if (!(await this.#capture(payload, recipients))) {
        this.#log.info({ messageId: item.messageId }, 'queued message was deleted (reset); not captured');
        return undefined;
      }
      results =
        item.domain === SIMULATOR_DOMAIN
          ? simulate(recipients.map((r) => ({ index: r.index, address: r.address, attempts })))
          : recipients.map((r) => ({
              index: r.index,
              attempts,
              outcome: 'delivered',
              smtpResponse: CAPTURED_REPLY,
            }));
    } else if (item.domain === SIMULATOR_DOMAIN) {
      results = simulate(recipients.map((r) => ({ index: r.index, address: r.address, attempts })));
    } else {
      const outcome = await this.#smtp(item, payload, recipients, attempts, holder);
      // Held back by traffic shaping: not an attempt; the item waits and keeps its place in the order.
      if ('waitMs' in outcome) return { ...item, payload, dueAt: Date.now() + outcome.waitMs };
      results = outcome.results;
      remoteMtaIp = outcome.remoteMtaIp;
    }
    const report: DeliveryReport = { messageId: item.messageId, at: Date.now(), remoteMtaIp, results };
    try {
      await this.#core.recordDelivery(report, payload.message, payload.recipients);
    } catch (err) {
      // Not recorded: try the whole item again shortly (delivery is at least once). A database outage is
      // logged once for its whole episode, by ServiceHealth.
      if (!this.#core.health.failure(err, { during: 'recording a delivery' }))
        this.#log.error(
          { err, messageId: item.messageId },
          'could not record a delivery outcome; retrying the item',
        );
      return { ...item, dueAt: at + 5000 };
    }
    const deferred = results.filter((r) => r.outcome === 'deferred');
    if (deferred.length === 0) return undefined;
    return {
      ...item,
      indices: deferred.map((r) => r.index),
      attempts,
      dueAt: (deferred[0] as { nextAttemptAt: number }).nextAttemptAt,
    };
  }

  async #smtp(
    item: WorkItem,
    payload: DeliveryPayload,
    recipients: RecipientRecord[],
    attempts: number,
    holder: SessionHolder,
  ): Promise<{ results: RecipientResult[]; remoteMtaIp?: string } | { waitMs: number }> {
    const { message } = payload;
    const maxAge = Math.min(
      this.#settings.maxQueueMs,
      (message.options?.maxDeliverySeconds ?? Infinity) * 1000,
    );
    const expiresAt = message.createdAt + maxAge;
    const fail = (status: string, diagnostic: string, permanent: boolean) =>
      recipients.map((r) =>
        permanent
          ? this.#bounce(r.index, attempts, status, diagnostic)
          : this.#defer(r.index, attempts, status, diagnostic, COMMUNICATION_FAILURE, expiresAt),
      );

    const route = await this.#route(item.domain);
    if (route.kind === 'null-mx')
      return {
        results: fail('5.1.10', `smtp; 556 5.1.10 ${item.domain} does not accept mail (null MX)`, true),
      };
    if (route.kind === 'no-domain')
      return { results: fail('5.1.2', `smtp; 550 5.1.2 Bad destination domain: ${route.detail}`, true) };
    if (route.kind === 'dns-error')
      return { results: fail('4.4.3', `smtp; 451 4.4.3 Temporary DNS failure: ${route.detail}`, false) };

    // A dedicated IP of the message's pool (warm-up decides which), else the node's own address; the
    // destination's shaping rule (by MX host suffix) limits connections and rate from that address.
    const rule = this.#shaper.ruleFor(route.hosts.map((h) => h.name));
    const source = await this.#core.sendingSource(
      message.accountId,
      message.options?.sendingPoolName ?? null,
      rule.name,
    );
    const shaping: Shaping = {
      rule,
      path: { source: source?.address ?? 'default', provider: rule.name },
      source,
      tlsRequired:
        message.options?.tlsRequired === true
          ? 'configuration set TlsPolicy REQUIRE'
          : rule.tls === 'required'
            ? `traffic shaping requires TLS towards ${rule.name}`
            : null,
    };
    const session = await this.#connector.session(route.hosts, holder, shaping);
    if ('busy' in session) return { waitMs: 250 };
    if ('error' in session)
      return {
        results: fail(
          '4.4.1',
          `smtp; 421 4.4.1 Unable to connect to the receiving server: ${session.error}`,
          false,
        ),
      };

    const waitMs = this.#shaper.takeMessage(shaping.path, rule);
    if (waitMs > 0) return { waitMs };

    // Internationalised addresses need SMTPUTF8 at the receiving server; without it they cannot be delivered.
    const results: RecipientResult[] = [];
    let sendable = recipients;
    if (!session.supports('SMTPUTF8')) {
      sendable = recipients.filter((r) => !/[^\x20-\x7e]/.test(r.address));
      for (const r of recipients.filter((x) => !sendable.includes(x)))
        results.push(
          this.#bounce(
            r.index,
            attempts,
            '5.6.7',
            `smtp; 553 5.6.7 ${session.target.servername} does not support SMTPUTF8, so the internationalised address ${r.address} cannot be delivered`,
          ),
        );
    }
    if (sendable.length === 0) return { results, remoteMtaIp: session.remoteAddress };
    const shaped = (all: RecipientResult[]) => {
      // A deferral reply may set a slower pace towards this provider (shaping automation).
      for (const r of all)
        if (r.outcome === 'deferred') this.#shaper.deferred(shaping.path, rule, r.diagnosticCode);
      return { results: all, remoteMtaIp: session.remoteAddress };
    };

    const personal = this.#core.isPersonal(message);
    // Tracked and list-managed mail is personal (its links name the recipient): one transaction per recipient;
    // so is a message with a recipient index no shared return path can name (VERP_SET_LIMIT).
    if (personal || (sendable.length > 1 && sendable.some((r) => r.index >= VERP_SET_LIMIT))) {
      const shared = personal ? undefined : await this.#signed(payload);
      for (const r of sendable) {
        const body =
          shared ??
          (await this.#signed(payload, await this.#core.personalize(message, payload.body, r.index)));
        results.push(...(await this.#transaction(session, message, [r], body, attempts, expiresAt)));
        if (!session.usable) break;
      }
      for (const r of sendable)
        if (!results.some((x) => x.index === r.index))
          results.push(
            this.#defer(
              r.index,
              attempts,
              '4.4.2',
              'smtp; 421 4.4.2 Connection lost before the transaction',
              COMMUNICATION_FAILURE,
              expiresAt,
            ),
          );
    } else {
      results.push(
        ...(await this.#transaction(
          session,
          message,
          sendable,
          await this.#signed(payload),
          attempts,
          expiresAt,
        )),
      );
    }
    return shaped(results);
  }

  /**
   * Development mode: the transactions the SMTP path would make (one per recipient for personal mail), each
   * captured as signed. False when the message no longer exists (the development account was reset).
   */
  async #capture(payload: DeliveryPayload, recipients: RecipientRecord[]): Promise<boolean> {
    const { message } = payload;
    const personal = this.#core.isPersonal(message);
    const split = personal || (recipients.length > 1 && recipients.some((r) => r.index >= VERP_SET_LIMIT));
    for (const group of split ? recipients.map((r) => [r]) : [recipients]) {
      const body = personal
        ? await this.#signed(payload, await this.#core.personalize(message, payload.body, group[0]!.index))
        : await this.#signed(payload);
      const captured = await this.#core.capture({
        message,
        mailFrom: this.#returnPaths.encode(
          message.id,
          group.map((r) => r.index),
          message.mailFromDomain,
        ),
        recipients: group.map((r) => r.address),
        body,
      });
      if (!captured) return false;
    }
    return true;
  }

  /** One SMTP transaction: MAIL FROM (VERP), RCPT TO each recipient, DATA; each recipient's result. */
  async #transaction(
    session: SmtpSession,
    message: MessageRecord,
    sendable: RecipientRecord[],
    body: Buffer,
    attempts: number,
    expiresAt: number,
  ): Promise<RecipientResult[]> {
    const results: RecipientResult[] = [];
    // VERP: the return path names the message and the recipients of this transaction (and only those can be
    // affected by a bounce or complaint sent to it).
    const from = this.#returnPaths.encode(
      message.id,
      sendable.map((r) => r.index),
      message.mailFromDomain,
    );
    const byAddress = new Map(sendable.map((r) => [r.address, r]));
    try {
      const info = await session.send(
        from,
        sendable.map((r) => r.address),
        body,
        !isAscii(body),
      );
      for (const r of sendable) {
        const rejected = info.rejectedErrors?.find((e) => e.recipient === r.address) as SmtpError | undefined;
        results.push(
          rejected
            ? this.#fromReply(r.index, attempts, rejected.response ?? '', expiresAt)
            : { index: r.index, attempts, outcome: 'delivered', smtpResponse: info.response },
        );
      }
    } catch (error) {
      const err = error as SmtpError;
      const perRecipient = err.rejectedErrors ?? [];
      if (err.responseCode && perRecipient.length > 0) {
        for (const e of perRecipient) {
          const r = byAddress.get(e.recipient ?? '');
          if (r)
            results.push(this.#fromReply(r.index, attempts, e.response ?? String(e.responseCode), expiresAt));
        }
        // Recipients the server accepted before DATA failed share the DATA reply.
        for (const r of sendable)
          if (!results.some((x) => x.index === r.index))
            results.push(this.#fromReply(r.index, attempts, err.response ?? '', expiresAt));
      } else if (err.responseCode) {
        for (const r of sendable)
          results.push(
            this.#fromReply(r.index, attempts, err.response ?? String(err.responseCode), expiresAt),
          );
      } else {
        for (const r of sendable)
          results.push(
            this.#defer(
              r.index,
              attempts,
              '4.4.2',
              `smtp; 421 4.4.2 Connection lost during the transaction: ${err.message}`,
              COMMUNICATION_FAILURE,
              expiresAt,
            ),
          );
        session.close();
      }
      if (session.usable && !(await session.reset())) session.close();
    }
    return results;
  }

  async #route(domain: string): Promise<Route> {
    const smart = this.#settings.smartHost;
    if (!smart) return this.#mx.resolve(domain);
    // The smart host is named by its address records, not MX.
    const addresses = await this.#mx.addresses(smart.host);
    if ('detail' in addresses) return { kind: 'dns-error', detail: addresses.detail };
    return { kind: 'hosts', hosts: [{ name: smart.host, priority: 0, addresses }] };
  }

  /**
   * The message as sent: DKIM-signed. The shared body is signed once per message (kept on the payload for
   * its other domains); a personalised body (tracking) is signed on its own.
   */
  async #signed(payload: DeliveryPayload & { signed?: Buffer }, personal?: Buffer): Promise<Buffer> {
    if (!personal && payload.signed) return payload.signed;
    const { message } = payload;
    const body = personal ?? payload.body;
    let signed = body;
    if (message.accountId !== SYSTEM_ACCOUNT) {
      // DKIM follows the identity's owner (sending authorization: another account than the sender).
      const key = await this.#core.dkimKeyFor(identityOwner(message), signingAddress(message));
      if (key) signed = await dkimSign(body, dkimKey(key.domain, key.selector, key.privateKeyPem));
    }
    if (!personal) payload.signed = signed;
    return signed;
  }

  #fromReply(index: number, attempts: number, response: string, expiresAt: number): RecipientResult {
    const reply = parseReply(response);
    const c = classify(reply);
    const diagnostic = `smtp; ${response.trim().replace(/\r?\n/g, ' ')}`;
    if (c.kind === 'bounce')
      return {
        index,
        attempts,
        outcome: 'bounced',
        bounceType: c.bounceType,
        bounceSubType: c.bounceSubType,
        status: reply.status,
        diagnosticCode: diagnostic,
      };
    return this.#defer(index, attempts, reply.status, diagnostic, c.delayType, expiresAt);
  }

  #bounce(index: number, attempts: number, status: string, diagnosticCode: string): RecipientResult {
    return {
      index,
      attempts,
      outcome: 'bounced',
      bounceType: 'Permanent',
      bounceSubType: 'General',
      status,
      diagnosticCode,
    };
  }

  /** A deferral with its next attempt, or — past the maximum age — the final soft bounce. */
  #defer(
    index: number,
    attempts: number,
    status: string,
    diagnosticCode: string,
    delayType: DelayType,
    expiresAt: number,
  ): RecipientResult {
    const next = nextAttemptAt(this.#settings.retryBaseMs, attempts);
    if (next > expiresAt)
      return {
        index,
        attempts,
        outcome: 'bounced',
        bounceType: 'Transient',
        bounceSubType: delayType === 'MailboxFull' ? 'MailboxFull' : 'General',
        status,
        diagnosticCode: `${diagnosticCode} (gave up after ${attempts} attempts)`,
      };
    return {
      index,
      attempts,
      outcome: 'deferred',
      delayType,
      status,
      diagnosticCode,
      nextAttemptAt: next,
      expiresAt,
    };
  }
}

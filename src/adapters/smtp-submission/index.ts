/**
 * SMTP submission (smtp-server): STARTTLS and implicit-TLS listeners with SES SMTP credentials, and an
 * optional trusted-network listener without AUTH. Owns the SMTP dialogue: authentication, envelope syntax,
 * connection limits, and turning core errors into SES's SMTP replies. The message itself goes through the same
 * core call as the API (`core.sending.send`), so `250 Ok <MessageId>` is answered only after the commit.
 * Must never hold sending rules.
 */
import { createHash } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';
import { MAX_RECIPIENTS, checkAction, type ResolvedKey, type SmtpSubmissionPort } from '../../core/index.ts';
import type { Logger } from '../../lib/logger.ts';
import {
  SessionGate,
  closeServer,
  closeSession,
  failureReply,
  fastDataPhase,
  greetAtOnce,
  limitHandshake,
  limitJunkCommands,
  listenOn,
  onMessage,
  replyFor,
  smtpError,
} from '../smtp-common/index.ts';
import { AuthThrottle } from './auth-throttle.ts';

export interface SmtpSubmissionSettings {
  /** Told of sessions opening and closing (Prometheus). */
  onSession?: ((listener: string, delta: 1 | -1) => void) | undefined;
  host: string;
  /** STARTTLS listener; undefined = off. */
  port: number | undefined;
  /** Implicit-TLS listener; undefined = off. */
  tlsPort: number | undefined;
  /** Trusted-network listener (no AUTH); undefined = off. */
  trustedPort: number | undefined;
  trustedNetworks: string[];
  trustedAccount: string | undefined;
  hostname: string;
  tls: { key: string; cert: string };
  maxMessageSize: number;
  /** Sessions each listener admits at once, and those of one client address (IPv6: its /64). */
  maxConnections: number;
  maxConnectionsPerAddress: number;
  idleTimeoutMs: number;
  maxSessionMs: number;
  /** Longest implicit-TLS handshake before the connection is closed. */
  handshakeTimeoutMs: number;
  /** The greeting's text after the host name (development mode says that mail is captured). */
  banner?: string | undefined;
}

interface SessionUser {
  accountId: string;
  accessKeyId?: string;
  /** The key's IAM user and limits (sending authorization, limited SMTP credentials). */
  userName?: string | null;
  permissions?: ResolvedKey['permissions'];
}

type Listener = { name: string; server: SMTPServer; port: number; address?: string };

const addressOk = (a: string): boolean => /^[^\s<>@]+@[^\s<>@]+$/.test(a) && a.length <= 320;

export class SmtpSubmission {
  readonly #core: SmtpSubmissionPort;
  readonly #log: Logger;
  readonly #settings: SmtpSubmissionSettings;
  readonly #throttle = new AuthThrottle();
  readonly #listeners: Listener[] = [];
  readonly #trusted = new BlockList();

  constructor(deps: { core: SmtpSubmissionPort; logger: Logger; settings: SmtpSubmissionSettings }) {
    this.#core = deps.core;
    this.#log = deps.logger;
    this.#settings = deps.settings;
    for (const net of deps.settings.trustedNetworks) {
      const [ip, bits] = net.split('/') as [string, string];
      this.#trusted.addSubnet(ip, Number(bits), isIPv4(ip) ? 'ipv4' : 'ipv6');
    }
    const s = deps.settings;
    if (s.port !== undefined)
      this.#listeners.push({
        name: 'smtp (STARTTLS)',
        port: s.port,
        server: this.#server({ secure: false }),
      });
    if (s.tlsPort !== undefined)
      this.#listeners.push({ name: 'smtps (TLS)', port: s.tlsPort, server: this.#server({ secure: true }) });
    if (s.trustedPort !== undefined) {
      if (!s.trustedAccount)
        throw new Error(
          'SESAME_SMTP_TRUSTED_PORT needs SESAME_SMTP_TRUSTED_ACCOUNT (the account its mail is sent as)',
        );
      this.#listeners.push({
        name: 'smtp (trusted networks, no AUTH)',
        port: s.trustedPort,
        server: this.#server({ secure: false, trusted: true }),
      });
    }
  }

  async listen(): Promise<{ name: string; address: string }[]> {
    if (this.#settings.trustedAccount) await this.#core.accounts.get(this.#settings.trustedAccount);
    const out: { name: string; address: string }[] = [];
    for (const l of this.#listeners) {
      l.address = await listenOn(l.server, l.port, this.#settings.host);
      out.push({ name: l.name, address: l.address });
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.#listeners.map((l) => closeServer(l.server)));
  }

  #server(kind: { secure: boolean; trusted?: boolean }): SMTPServer {
    const s = this.#settings;
    const listener = kind.trusted ? 'trusted' : kind.secure ? 'smtps' : 'submission';
    const gate = new SessionGate({
      maxConnections: s.maxConnections,
      maxPerAddress: s.maxConnectionsPerAddress,
      onSession: s.onSession && ((delta) => s.onSession!(listener, delta)),
    });
    const sessionTimers = new Map<string, NodeJS.Timeout>();
    const server: SMTPServer = new SMTPServer({
      secure: kind.secure,
      key: s.tls.key,
      cert: s.tls.cert,
      name: s.hostname,
      banner: s.banner ?? 'Sesame ESMTP',
      size: s.maxMessageSize,
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: kind.trusted === true,
      authRequiredMessage: 'Authentication required',
      // AUTH before STARTTLS is refused in onAuth with SES's 530 (smtp-server's own refusal says 538).
      allowInsecureAuth: true,
      disabledCommands: kind.trusted ? ['AUTH'] : [],
      hideENHANCEDSTATUSCODES: true,
      disableReverseLookup: true,
      socketTimeout: s.idleTimeoutMs,
      // Also bounds the connections smtp-server holds before a session starts (implicit-TLS handshakes).
      maxClients: s.maxConnections,
      logger: false,
      onConnect: (session, cb) => {
        if (kind.trusted && !this.#isTrusted(session.remoteAddress))
          return cb(
            smtpError({
              code: 554,
              message: `Access denied: ${session.remoteAddress} is not in the trusted networks`,
            }),
          );
        const refused = gate.admit(session, s.hostname);
        if (refused) return cb(smtpError(refused));
        // A session may not last forever: past the limit the client is asked to reconnect.
        const timer = setTimeout(
          () =>
            closeSession(
              server,
              session,
              421,
              `${s.hostname} Session time limit reached, closing connection`,
            ),
          s.maxSessionMs,
        );
        timer.unref();
        sessionTimers.set(session.id, timer);
        cb();
      },
      onClose: (session) => {
        gate.release(session);
        clearTimeout(sessionTimers.get(session.id));
        sessionTimers.delete(session.id);
      },
      onAuth: (auth, session, cb) =>
        void this.#auth(auth, session).then(
          (user) => cb(null, { user }),
          (err: Error) => cb(err),
        ),
      onMailFrom: (address, session, cb) => {
        if (!addressOk(address.address))
          return cb(smtpError({ code: 553, message: `<${address.address}> Invalid email address` }));
        void this.#keyStillValid(session).then(
          (valid) =>
            valid ? cb() : cb(smtpError({ code: 535, message: 'Authentication Credentials Invalid' })),
          (err: unknown) =>
            cb(smtpError(failureReply(err, this.#core.health, this.#log, { during: 'MAIL FROM' }))),
        );
      },
      onRcptTo: (address, session, cb) => {
        if (!addressOk(address.address))
          return cb(smtpError({ code: 553, message: `<${address.address}> address unknown` }));
        if (session.envelope.rcptTo.length >= MAX_RECIPIENTS)
          return cb(
            smtpError({ code: 452, message: `Too many recipients: at most ${MAX_RECIPIENTS} per message` }),
          );
        cb();
      },
      onData: onMessage(
        async (message, session) => `Ok ${await this.#submit(session, message, kind.trusted === true)}`,
        (err) => replyFor(err, this.#core.health, this.#log, { during: 'DATA' }),
      ),
    });
    server.on('error', (err) => {
      // Accept errors (EMFILE) reach here too: logged once per episode, the listener keeps serving.
      if (!this.#core.health.failure(err, { listener: 'smtp' }))
        this.#log.debug({ err }, 'SMTP connection error');
    });
    greetAtOnce(server);
    limitJunkCommands(server);
    if (kind.secure) limitHandshake(server, s.handshakeTimeoutMs);
    fastDataPhase();
    return server;
  }

  #isTrusted(address: string): boolean {
    const ip = address.replace(/^::ffff:/, '');
    return this.#trusted.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
  }

  async #auth(auth: SMTPServerAuthentication, session: SMTPServerSession): Promise<SessionUser> {
    if (!session.secure) throw smtpError({ code: 530, message: 'Must issue a STARTTLS command first' });
    const ip = session.remoteAddress;
    const username = auth.username ?? '';
    const attempt = this.#throttle.begin(ip, username);
    if (attempt.delay < 0)
      throw smtpError({
        code: 454,
        message: 'Temporary authentication failure: too many failed attempts, try again later',
      });
    if (attempt.delay > 0) await new Promise((r) => setTimeout(r, attempt.delay));
    const key = await this.#core.accounts
      .authenticateSmtp(username, auth.password ?? '')
      .catch((err: unknown) => {
        // The credentials could not be checked (e.g. the database is unreachable): RFC 4954's temporary
        // failure, so the client retries instead of treating its password as wrong. Not the client's fault.
        attempt.succeeded();
        if (!this.#core.health.failure(err, { during: 'AUTH' }))
          this.#log.error({ err, remoteAddress: ip }, 'SMTP authentication could not be checked');
        throw smtpError({ code: 454, message: 'Temporary authentication failure' });
      });
    if (!key) {
      // Never the username itself: a client that swapped the fields would have its password logged.
      this.#log.info(
        { remoteAddress: ip, username: credentialFingerprint(username) },
        'SMTP authentication failed',
      );
      throw smtpError({ code: 535, message: 'Authentication Credentials Invalid' });
    }
    attempt.succeeded();
    return {
      accountId: key.accountId,
      accessKeyId: username,
      userName: key.userName,
      permissions: key.permissions,
    };
  }

  /** A session authenticated with a key that was revoked since (or whose account changed) may not send. */
  async #keyStillValid(session: SMTPServerSession): Promise<boolean> {
    const user = session.user as SessionUser | undefined;
    if (!user?.accessKeyId) return true;
    const key = await this.#core.accounts.resolveAccessKey(user.accessKeyId);
    return key?.accountId === user.accountId;
  }

  async #submit(session: SMTPServerSession, message: Buffer, trusted: boolean): Promise<string> {
    const user =
      (session.user as SessionUser | undefined) ??
      (trusted ? { accountId: this.#settings.trustedAccount! } : undefined);
    if (!user) throw smtpError({ code: 530, message: 'Authentication required' });
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    // SMTP credentials act as ses:SendRawEmail (a key limited to other actions may not send).
    checkAction(user, 'ses:SendRawEmail');
    const result = await this.#core.sending.send({
      accountId: user.accountId,
      operation: 'SendSmtpEmail',
      sourceIp: session.remoteAddress.replace(/^::ffff:/, ''),
      callerIdentity: user.accessKeyId,
      envelopeFrom: mailFrom || undefined,
      destination: { to: session.envelope.rcptTo.map((r) => r.address) },
      content: { kind: 'raw', data: message },
      // SMTP counts as SES API version 2 for sending-authorization conditions.
      principal: { ...user, apiVersion: '2', secureTransport: session.secure },
    });
    return result.messageId;
  }
}

/** How a submitted username is logged: its length and a hash prefix, which tell attempts apart but reveal nothing. */
export function credentialFingerprint(value: string): string {
  return `${value.length} chars, sha256 ${createHash('sha256').update(value).digest('hex').slice(0, 12)}`;
}

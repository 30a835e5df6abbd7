/**
 * SMTP submission (smtp-server): STARTTLS and implicit-TLS listeners with SES SMTP credentials, and an
 * optional trusted-network listener without AUTH. Owns the SMTP dialogue: authentication, envelope syntax,
 * connection limits, and turning core errors into SES's SMTP replies. The message itself goes through the same
 * core call as the API (`core.sending.send`), so `250 Ok <MessageId>` is answered only after the commit.
 * Must never hold sending rules.
 */
import { BlockList, isIPv4 } from 'node:net';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';
import { MAX_RECIPIENTS, type SmtpSubmissionPort } from '../../core/index.ts';
import type { Logger } from '../../lib/logger.ts';
import {
  closeServer,
  closeSession,
  fastDataPhase,
  greetAtOnce,
  listenOn,
  onMessage,
  replyFor,
  smtpError,
} from '../smtp-common/index.ts';
import { AuthThrottle } from './auth-throttle.ts';

export interface SmtpSubmissionSettings {
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
  maxConnections: number;
  idleTimeoutMs: number;
  maxSessionMs: number;
}

interface SessionUser {
  accountId: string;
  accessKeyId?: string;
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
    let connections = 0;
    const sessionTimers = new Map<string, NodeJS.Timeout>();
    const server: SMTPServer = new SMTPServer({
      secure: kind.secure,
      key: s.tls.key,
      cert: s.tls.cert,
      name: s.hostname,
      banner: 'Sesame ESMTP',
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
      logger: false,
      onConnect: (session, cb) => {
        if (kind.trusted && !this.#isTrusted(session.remoteAddress))
          return cb(
            smtpError({
              code: 554,
              message: `Access denied: ${session.remoteAddress} is not in the trusted networks`,
            }),
          );
        if (connections >= s.maxConnections)
          return cb(smtpError({ code: 421, message: 'Too many concurrent SMTP connections' }));
        connections++;
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
        connections = Math.max(0, connections - 1);
        clearTimeout(sessionTimers.get(session.id));
        sessionTimers.delete(session.id);
      },
      onAuth: (auth, session, cb) =>
        void this.#auth(auth, session).then(
          (user) => cb(null, { user }),
          (err: Error) => cb(err),
        ),
      onMailFrom: (address, _session, cb) =>
        addressOk(address.address)
          ? cb()
          : cb(smtpError({ code: 553, message: `<${address.address}> Invalid email address` })),
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
        replyFor,
      ),
    });
    server.on('error', (err) => this.#log.debug({ err }, 'SMTP connection error'));
    greetAtOnce(server);
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
    const delay = this.#throttle.delayFor(ip);
    if (delay < 0)
      throw smtpError({
        code: 454,
        message: 'Temporary authentication failure: too many failed attempts, try again later',
      });
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const accountId = await this.#core.accounts
      .authenticateSmtp(auth.username ?? '', auth.password ?? '')
      .catch((err: unknown) => {
        // The credentials could not be checked (e.g. the database is unreachable): RFC 4954's temporary
        // failure, so the client retries instead of treating its password as wrong.
        this.#log.error({ err, remoteAddress: ip }, 'SMTP authentication could not be checked');
        throw smtpError({ code: 454, message: 'Temporary authentication failure' });
      });
    if (!accountId) {
      this.#throttle.failed(ip);
      this.#log.info({ remoteAddress: ip, username: auth.username }, 'SMTP authentication failed');
      throw smtpError({ code: 535, message: 'Authentication Credentials Invalid' });
    }
    this.#throttle.succeeded(ip);
    return { accountId, accessKeyId: auth.username ?? '' };
  }

  async #submit(session: SMTPServerSession, message: Buffer, trusted: boolean): Promise<string> {
    const user =
      (session.user as SessionUser | undefined) ??
      (trusted ? { accountId: this.#settings.trustedAccount! } : undefined);
    if (!user) throw smtpError({ code: 530, message: 'Authentication required' });
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const result = await this.#core.sending.send({
      accountId: user.accountId,
      operation: 'SendSmtpEmail',
      sourceIp: session.remoteAddress.replace(/^::ffff:/, ''),
      callerIdentity: user.accessKeyId,
      envelopeFrom: mailFrom || undefined,
      destination: { to: session.envelope.rcptTo.map((r) => r.address) },
      content: { kind: 'raw', data: message },
    });
    return result.messageId;
  }
}

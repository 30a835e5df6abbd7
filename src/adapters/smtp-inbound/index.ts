/**
 * The inbound MX (SESAME_MX_PORT): the one listener for mail that arrives from the internet. It takes only
 * recipients that a port accepts — today the MTA's return paths (DSNs and ARF reports of Sesame's own mail);
 * receipt rules will add customer mail — and refuses every other address at RCPT, so it is never an open relay.
 * STARTTLS is offered; there is no AUTH. Owns the SMTP dialogue only: what happens to a message is the port's.
 */
import { SMTPServer } from 'smtp-server';
import type { HealthPort, InboundMailPort } from '../../core/index.ts';
import type { Logger } from '../../lib/logger.ts';
import {
  SessionGate,
  closeServer,
  failureReply,
  fastDataPhase,
  limitJunkCommands,
  listenOn,
  onMessage,
  smtpError,
} from '../smtp-common/index.ts';

export interface InboundSettings {
  host: string;
  port: number;
  hostname: string;
  tls: { key: string; cert: string };
  maxMessageSize: number;
  /** Sessions admitted at once, and those of one client address (IPv6: its /64). */
  maxConnections: number;
  maxConnectionsPerAddress: number;
  idleTimeoutMs: number;
}

export class SmtpInbound {
  readonly #mail: InboundMailPort;
  readonly #log: Logger;
  readonly #settings: InboundSettings;
  readonly #server: SMTPServer;

  constructor(deps: {
    mail: InboundMailPort;
    health: HealthPort;
    logger: Logger;
    settings: InboundSettings;
  }) {
    this.#mail = deps.mail;
    this.#log = deps.logger;
    this.#settings = deps.settings;
    const { health } = deps;
    const s = deps.settings;
    const gate = new SessionGate({
      maxConnections: s.maxConnections,
      maxPerAddress: s.maxConnectionsPerAddress,
    });
    fastDataPhase();
    this.#server = new SMTPServer({
      name: deps.settings.hostname,
      banner: 'Sesame MX',
      key: deps.settings.tls.key,
      cert: deps.settings.tls.cert,
      authOptional: true,
      disabledCommands: ['AUTH'],
      size: deps.settings.maxMessageSize,
      hideENHANCEDSTATUSCODES: false,
      disableReverseLookup: true,
      socketTimeout: s.idleTimeoutMs,
      logger: false,
      onConnect: (session, cb) => {
        const refused = gate.admit(session, s.hostname);
        cb(refused ? smtpError(refused) : undefined);
      },
      onClose: (session) => gate.release(session),
      onRcptTo: (address, _session, cb) => {
        if (this.#mail.accepts(address.address)) return cb();
        cb(smtpError({ code: 550, message: 'No such user here' }));
      },
      onData: onMessage(
        async (message, session) => {
          await this.#mail.receive(
            message,
            session.envelope.rcptTo.map((r) => r.address),
            session.remoteAddress,
          );
          return undefined;
        },
        (err) => failureReply(err, health, this.#log, { listener: 'mx' }),
      ),
    });
    this.#server.on('error', (err) => {
      if (!health.failure(err, { listener: 'mx' })) this.#log.debug({ err }, 'inbound MX connection error');
    });
    limitJunkCommands(this.#server);
  }

  listen(): Promise<string> {
    return listenOn(this.#server, this.#settings.port, this.#settings.host);
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }
}

/**
 * The inbound MX (SESAME_MX_PORT): the one listener for mail that arrives from the internet. It takes only
 * recipients that one of its ports accepts — the MTA's return paths (DSNs and ARF reports of Sesame's own
 * mail), then receiving (customer mail that an account's active receipt rules match) — and refuses every other
 * address at RCPT with the last port's reason, so it is never an open relay. STARTTLS is offered; there is no
 * AUTH. Owns the SMTP dialogue only: what happens to a message is the port's.
 */
import { SMTPServer } from 'smtp-server';
import type { SMTPServerSession } from 'smtp-server';
import type { HealthPort, InboundEnvelope, InboundMailPort } from '../../core/index.ts';
import type { Logger } from '../../lib/logger.ts';
import {
  SessionGate,
  closeServer,
  failureReply,
  fastDataPhase,
  greetAtOnce,
  limitJunkCommands,
  listenOn,
  onMessage,
  smtpError,
  type SmtpReply,
} from '../smtp-common/index.ts';

export interface InboundSettings {
  /** Told of sessions opening and closing (Prometheus). */
  onSession?: ((listener: string, delta: 1 | -1) => void) | undefined;
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
  readonly #ports: InboundMailPort[];
  /** Which port took each recipient of a session's transaction. */
  readonly #owners = new WeakMap<SMTPServerSession, Map<string, number>>();
  readonly #log: Logger;
  readonly #settings: InboundSettings;
  readonly #server: SMTPServer;

  constructor(deps: {
    /** Asked in order; the first that does not answer `unknown` owns a recipient. */
    ports: InboundMailPort[];
    health: HealthPort;
    logger: Logger;
    settings: InboundSettings;
  }) {
    this.#ports = deps.ports;
    this.#log = deps.logger;
    this.#settings = deps.settings;
    const { health } = deps;
    const s = deps.settings;
    const gate = new SessionGate({
      maxConnections: s.maxConnections,
      maxPerAddress: s.maxConnectionsPerAddress,
      onSession: s.onSession && ((delta) => s.onSession!('mx', delta)),
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
      onRcptTo: (address, session, cb) => {
        void this.#recipient(address.address, session).then(
          (refusal) => cb(refusal ? smtpError(refusal) : undefined),
          (err: unknown) =>
            cb(smtpError(failureReply(err, health, this.#log, { listener: 'mx', during: 'RCPT' }))),
        );
      },
      onMailFrom: (_address, session, cb) => {
        this.#owners.delete(session);
        cb();
      },
      onData: onMessage(
        async (message, session) => {
          const owners = this.#owners.get(session) ?? new Map<string, number>();
          this.#owners.delete(session);
          const texts: (string | undefined)[] = [];
          for (const [i, port] of this.#ports.entries()) {
            const recipients = [...owners].filter(([, p]) => p === i).map(([a]) => a);
            if (recipients.length) texts.push(await port.receive(message, envelopeOf(session, recipients)));
          }
          return texts.findLast((t) => t !== undefined);
        },
        (err) => {
          const reply = (err as { smtpReply?: SmtpReply }).smtpReply;
          return reply ?? failureReply(err, health, this.#log, { listener: 'mx' });
        },
      ),
    });
    greetAtOnce(this.#server);
    this.#server.on('error', (err) => {
      if (!health.failure(err, { listener: 'mx' })) this.#log.debug({ err }, 'inbound MX connection error');
    });
    limitJunkCommands(this.#server);
  }

  /** A refusal for the recipient, or undefined when a port took it. */
  async #recipient(address: string, session: SMTPServerSession): Promise<SmtpReply | undefined> {
    const env = envelopeOf(session, []);
    let last: SmtpReply = { code: 550, message: 'No such user here' };
    for (const [i, port] of this.#ports.entries()) {
      const verdict = await port.recipient(address, env);
      if (verdict.kind === 'accept') {
        let owners = this.#owners.get(session);
        if (!owners) this.#owners.set(session, (owners = new Map<string, number>()));
        owners.set(address, i);
        return undefined;
      }
      if (verdict.kind === 'refuse') last = { code: verdict.code, message: verdict.message };
    }
    return last;
  }

  listen(): Promise<string> {
    return listenOn(this.#server, this.#settings.port, this.#settings.host);
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }
}

function envelopeOf(session: SMTPServerSession, recipients: string[]): InboundEnvelope {
  return {
    clientIp: session.remoteAddress,
    helo: session.hostNameAppearsAs || '',
    mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    tls: session.secure,
    recipients,
  };
}

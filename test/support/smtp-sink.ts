/**
 * A real receiving mail server (smtp-server) on a loopback address, standing in for a destination's MX.
 * Records every message with its envelope; replies can be scripted per recipient (e.g. 451 then 250).
 */
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMessage {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
  secure: boolean;
  smtpUtf8: boolean;
  /** The client's address and the name it greeted with (EHLO): a dedicated IP and its name. */
  remoteAddress: string;
  ehlo: string;
  /** Which message of its connection this was (1 for the first). */
  transactionInConnection: number;
  /** The connection it came on (counted from 1). */
  connection: number;
}

export class SmtpSink {
  readonly host: string;
  port: number;
  readonly messages: ReceivedMessage[] = [];
  /** Scripted replies per recipient (lowercase): each RCPT TO takes the next one; "250" accepts. */
  readonly rcptReplies = new Map<string, string[]>();
  /** A reply to DATA for every message (e.g. "554 5.7.1 Message rejected"), else accepted. */
  dataReply: string | undefined;
  /** Connections accepted so far (a test that must see none asserts on it). */
  connections = 0;
  /** Connections open now, and the most that were open at once (traffic shaping's connection limit). */
  open = 0;
  maxOpen = 0;
  readonly #server: SMTPServer;
  #waiters: { n: number; resolve: () => void }[] = [];
  readonly #connectionNumbers = new Map<string, number>();

  constructor(host: string, port: number, options: Partial<SMTPServerOptions> = {}) {
    this.host = host;
    this.port = port;
    this.#server = new SMTPServer({
      authOptional: true,
      disableReverseLookup: true,
      logger: false,
      size: 50 * 1024 * 1024,
      onConnect: (session, cb) => {
        this.connections++;
        this.open++;
        this.maxOpen = Math.max(this.maxOpen, this.open);
        this.#connectionNumbers.set(session.id, this.connections);
        cb();
      },
      onClose: () => {
        this.open--;
      },
      onRcptTo: (address, _session, cb) => {
        const script = this.rcptReplies.get(address.address.toLowerCase());
        const reply = script && script.length > 1 ? script.shift()! : script?.[0];
        if (!reply || reply.startsWith('250')) return cb();
        const err = new Error(reply.slice(4)) as Error & { responseCode: number };
        err.responseCode = Number(reply.slice(0, 3));
        cb(err);
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.dataReply) {
            const err = new Error(this.dataReply.slice(4)) as Error & { responseCode: number };
            err.responseCode = Number(this.dataReply.slice(0, 3));
            return cb(err);
          }
          this.messages.push({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
            secure: session.secure,
            smtpUtf8: Boolean((session.envelope as { smtpUtf8?: boolean }).smtpUtf8),
            remoteAddress: session.remoteAddress.replace(/^::ffff:/, ''),
            ehlo: session.hostNameAppearsAs,
            transactionInConnection: session.transaction,
            connection: this.#connectionNumbers.get(session.id) ?? 0,
          });
          this.#waiters = this.#waiters.filter((w) =>
            this.messages.length >= w.n ? (w.resolve(), false) : true,
          );
          cb(null, 'Message queued as test');
        });
      },
      ...options,
    });
    // A client that dies mid-session (a killed Sesame) resets its connection; that is not the sink's failure.
    this.#server.on('error', () => undefined);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.port, this.host, () => resolve());
    });
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** Waits until `n` messages in all have arrived. */
  waitFor(n: number, timeoutMs = 15_000): Promise<void> {
    if (this.messages.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`sink ${this.host} received ${this.messages.length} of ${n} messages`)),
        timeoutMs,
      );
      this.#waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Waits until at least `n` messages match, and returns those that do. */
  async waitForMatching(
    n: number,
    match: (m: ReceivedMessage) => boolean,
    timeoutMs = 15_000,
  ): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.filter(match);
      if (found.length >= n) return found;
      if (Date.now() > deadline)
        throw new Error(`sink ${this.host} received ${found.length} of ${n} matching messages`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  received(address: string): ReceivedMessage[] {
    return this.messages.filter((m) => m.rcptTo.some((r) => r.toLowerCase() === address.toLowerCase()));
  }
}

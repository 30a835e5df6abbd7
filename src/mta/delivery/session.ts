/**
 * One outbound SMTP connection, as the MTA sees it: a handle on a connection of the SMTP transport
 * (transport-worker.ts: nodemailer's SMTPConnection with EHLO, opportunistic STARTTLS, optional AUTH,
 * PIPELINING, dot-stuffing or BDAT, and the socket writes), which lives on the transport thread when
 * SESAME_DELIVERY_THREAD is on and in this thread otherwise. Promise-based; errors keep nodemailer's fields
 * (`code`, `responseCode`, `response`, `rejectedErrors`).
 */
import type { SMTPConnectionSendInfo } from 'nodemailer/lib/smtp-connection';
import { WorkerRequests } from '../../lib/worker-requests.ts';
import {
  handleTransport,
  transportHandlers,
  type OpenResult,
  type SendResult,
  type SmtpErrorData,
  type TransportEvent,
  type TransportRequest,
} from './transport-worker.ts';

export interface SessionTarget {
  /** IP address to connect to. */
  address: string;
  port: number;
  /** Host name for TLS SNI and logs. */
  servername: string;
  /** Implicit TLS (smart host on 465). */
  secure?: boolean;
  /** Refuse to send without TLS (STARTTLS required). */
  requireTls?: boolean;
  /** Do not try STARTTLS (after a failed handshake with this host). */
  ignoreTls?: boolean;
  auth?: { user: string; pass: string } | undefined;
  /** The local address to connect from (a dedicated IP); absent: the system's choice. */
  localAddress?: string | undefined;
}

export interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejectedErrors?: SmtpError[];
  recipient?: string;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Request = DistributiveOmit<TransportRequest, 'id'>;

/** Where the connections live: the transport thread, or this thread (the same handlers, called directly). */
interface Transport {
  readonly sessions: Map<number, SmtpSession>;
  readonly alive: boolean;
  call<T>(request: Request): Promise<T>;
}

class ThreadTransport implements Transport {
  readonly #thread: WorkerRequests;
  readonly sessions = new Map<number, SmtpSession>();

  constructor() {
    this.#thread = new WorkerRequests(
      new URL('./transport-worker.ts', import.meta.url),
      { smtpTransport: true },
      'SMTP transport',
      (e: TransportEvent) => this.sessions.get(e.session)?.markClosed(),
    );
  }

  get alive(): boolean {
    return !this.#thread.failed;
  }

  async call<T>(request: Request): Promise<T> {
    try {
      return (await this.#thread.call(request)) as T;
    } catch (err) {
      // The thread died: so did every connection it held (the next open starts another thread).
      if (this.#thread.failed) for (const s of [...this.sessions.values()]) s.markClosed();
      throw err;
    }
  }
}

class InProcessTransport implements Transport {
  readonly sessions = new Map<number, SmtpSession>();
  readonly alive = true;
  readonly #handlers = transportHandlers((e) => this.sessions.get(e.session)?.markClosed());

  async call<T>(request: Request): Promise<T> {
    return (await handleTransport(this.#handlers, { ...request, id: 0 })) as T;
  }
}

let threaded: ThreadTransport | undefined;
let inProcess: InProcessTransport | undefined;

function transportFor(thread: boolean): Transport {
  if (!thread) return (inProcess ??= new InProcessTransport());
  return threaded?.alive ? threaded : (threaded = new ThreadTransport());
}

function smtpError(data: SmtpErrorData): SmtpError {
  const { rejectedErrors, ...fields } = data;
  return Object.assign(new Error(data.message), fields, {
    ...(rejectedErrors ? { rejectedErrors: rejectedErrors.map(smtpError) } : {}),
  }) as SmtpError;
}

export class SmtpSession {
  readonly target: SessionTarget;
  readonly #transport: Transport;
  readonly #id: number;
  readonly #extensions: string[];
  readonly #secure: boolean;
  readonly #chunking: boolean;
  #closed = false;
  #onClosed: (() => void)[] = [];
  transactions = 0;

  private constructor(
    target: SessionTarget,
    transport: Transport,
    opened: Extract<OpenResult, { ok: true }>,
    chunking: boolean,
  ) {
    this.target = target;
    this.#transport = transport;
    this.#id = opened.session;
    this.#extensions = opened.extensions;
    this.#secure = opened.secure;
    this.#chunking = chunking;
    transport.sessions.set(this.#id, this);
  }

  /** Runs once the connection is closed, by either side (traffic shaping gives its slot back). */
  whenClosed(fn: () => void): void {
    if (this.#closed) fn();
    else this.#onClosed.push(fn);
  }

  /** The connection is gone (closed here, or by the server: the transport thread says so). */
  markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.sessions.delete(this.#id);
    for (const fn of this.#onClosed.splice(0)) fn();
  }

  /**
   * `thread`: on the transport thread (SESAME_DELIVERY_THREAD), else in this one. `chunking`: messages go by
   * BDAT where the server offers CHUNKING and PIPELINING (SESAME_DELIVERY_CHUNKING, on by default).
   */
  static async open(
    target: SessionTarget,
    options: { name: string; timeoutMs: number; thread?: boolean; chunking?: boolean },
  ): Promise<SmtpSession> {
    const transport = transportFor(options.thread ?? false);
    const opened = await transport.call<OpenResult>({
      kind: 'open',
      target,
      name: options.name,
      timeoutMs: options.timeoutMs,
    });
    if (!opened.ok) throw smtpError(opened.error);
    return new SmtpSession(target, transport, opened, options.chunking ?? true);
  }

  get usable(): boolean {
    return !this.#closed;
  }

  /** Whether the server announced an extension in its EHLO reply (e.g. SMTPUTF8). */
  supports(extension: string): boolean {
    return this.#extensions.includes(extension.toUpperCase());
  }

  get secure(): boolean {
    return this.#secure;
  }

  get remoteAddress(): string {
    return this.target.address;
  }

  async send(from: string, to: string[], message: Buffer, use8Bit: boolean): Promise<SMTPConnectionSendInfo> {
    this.transactions++;
    const sent = await this.#transport.call<SendResult>({
      kind: 'send',
      session: this.#id,
      from,
      to,
      body: message,
      use8Bit,
      chunking: this.#chunking,
    });
    if (!sent.ok) throw smtpError(sent.error);
    const { rejectedErrors, ...info } = sent.info;
    return { ...info, ...(rejectedErrors ? { rejectedErrors: rejectedErrors.map(smtpError) } : {}) };
  }

  /** RSET after a failed transaction, so the connection can carry the next one. */
  reset(): Promise<boolean> {
    return this.#transport.call<boolean>({ kind: 'reset', session: this.#id });
  }

  close(): void {
    if (this.#closed) return;
    this.markClosed();
    void this.#transport.call({ kind: 'close', session: this.#id }).catch(() => undefined);
  }
}

/**
 * One outbound SMTP connection (nodemailer's SMTPConnection): EHLO, opportunistic STARTTLS, optional AUTH,
 * PIPELINING, and reuse for several transactions. Promise-based; errors keep nodemailer's fields
 * (`code`, `responseCode`, `response`, `rejectedErrors`).
 */
import SMTPConnection, { type SMTPConnectionSendInfo } from 'nodemailer/lib/smtp-connection';
import { withFastDotStuffing } from './dot-stuffing.ts';

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

export class SmtpSession {
  readonly target: SessionTarget;
  readonly #conn: SMTPConnection;
  #closed = false;
  #onClosed: (() => void)[] = [];
  transactions = 0;

  private constructor(target: SessionTarget, conn: SMTPConnection) {
    this.target = target;
    this.#conn = conn;
    // Every DATA stream of this connection gets the indexOf-based dot-stuffing (dot-stuffing.ts).
    const internals = conn as unknown as { _createSendStream(callback: unknown): object };
    const createSendStream = internals._createSendStream.bind(conn);
    internals._createSendStream = (callback) => {
      const stream = createSendStream(callback);
      withFastDotStuffing(stream);
      return stream;
    };
    conn.on('end', () => this.#markClosed());
    conn.on('error', () => this.#markClosed());
  }

  /** Runs once the connection is closed, by either side (traffic shaping gives its slot back). */
  whenClosed(fn: () => void): void {
    if (this.#closed) fn();
    else this.#onClosed.push(fn);
  }

  #markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const fn of this.#onClosed.splice(0)) fn();
  }

  static open(target: SessionTarget, options: { name: string; timeoutMs: number }): Promise<SmtpSession> {
    const conn = new SMTPConnection({
      host: target.address,
      port: target.port,
      servername: target.servername,
      secure: target.secure ?? false,
      requireTLS: target.requireTls ?? false,
      ignoreTLS: target.ignoreTls ?? false,
      opportunisticTLS: !target.requireTls,
      name: options.name,
      ...(target.localAddress ? { localAddress: target.localAddress } : {}),
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: Math.max(options.timeoutMs, 60_000),
      allowInternalNetworkInterfaces: true,
      // Opportunistic TLS encrypts whatever certificate the receiver shows, as MTAs do (RFC 7435).
      tls: { rejectUnauthorized: false, minVersion: 'TLSv1.2' },
      logger: false,
    });
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        conn.close();
        reject(err);
      };
      conn.once('error', fail);
      conn.connect((err) => {
        if (err) return fail(err);
        if (!target.auth) {
          settled = true;
          conn.removeListener('error', fail);
          conn.on('error', () => undefined);
          return resolve(new SmtpSession(target, conn));
        }
        conn.login({ user: target.auth.user, pass: target.auth.pass }, (loginErr) => {
          if (loginErr) return fail(loginErr);
          settled = true;
          conn.removeListener('error', fail);
          conn.on('error', () => undefined);
          resolve(new SmtpSession(target, conn));
        });
      });
    });
  }

  get usable(): boolean {
    return !this.#closed && !this.#conn.destroyed;
  }

  /** Whether the server announced an extension in its EHLO reply (e.g. SMTPUTF8). */
  supports(extension: string): boolean {
    const exts = (this.#conn as unknown as { _supportedExtensions?: string[] })._supportedExtensions ?? [];
    return exts.includes(extension.toUpperCase());
  }

  get secure(): boolean {
    return this.#conn.secure;
  }

  get remoteAddress(): string {
    return this.target.address;
  }

  send(from: string, to: string[], message: Buffer, use8Bit: boolean): Promise<SMTPConnectionSendInfo> {
    this.transactions++;
    return new Promise((resolve, reject) => {
      this.#conn.send(
        { from, to, size: message.length, ...(use8Bit ? { use8BitMime: true } : {}) },
        message,
        (err, info) => {
          if (err) reject(err);
          else resolve(info);
        },
      );
    });
  }

  /** RSET after a failed transaction, so the connection can carry the next one. */
  reset(): Promise<boolean> {
    return new Promise((resolve) => this.#conn.reset((err) => resolve(!err)));
  }

  close(): void {
    if (this.#closed) return;
    this.#markClosed();
    try {
      this.#conn.quit();
    } catch {
      this.#conn.close();
    }
  }
}

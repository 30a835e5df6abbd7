/**
 * The SMTP transport: a process's outbound connections (nodemailer's SMTPConnection: EHLO, STARTTLS, AUTH,
 * PIPELINING, dot-stuffing or BDAT, the socket writes) behind requests — open, send, reset, close — answered once
 * each, with a connection closing by itself posted as an event. The main thread keeps the decisions (routes,
 * shaping, which session carries what: session.ts is its handle). With SESAME_DELIVERY_THREAD the handlers
 * run on a thread of their own (this file is its entry), so delivery's bytes never run on the event loop that
 * accepts mail; without it they run in the main thread, with the same code.
 */
import SMTPConnection, { type SMTPConnectionSendInfo } from 'nodemailer/lib/smtp-connection';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { announcedExtensions, bdatCarries, offersBdat, sendByBdat } from './bdat.ts';
import { withFastDotStuffing } from './dot-stuffing.ts';
import type { SessionTarget, SmtpError } from './session.ts';

export type TransportRequest =
  | { id: number; kind: 'open'; target: SessionTarget; name: string; timeoutMs: number }
  | {
      id: number;
      kind: 'send';
      session: number;
      from: string;
      to: string[];
      body: Uint8Array;
      use8Bit: boolean;
      /** BDAT where the server offers CHUNKING (bdat.ts); else DATA. */
      chunking: boolean;
    }
  | { id: number; kind: 'reset'; session: number }
  | { id: number; kind: 'close'; session: number };

/** An SMTP error as plain data (nodemailer's fields), since Error objects lose them crossing threads. */
export interface SmtpErrorData {
  message: string;
  code?: string | undefined;
  responseCode?: number | undefined;
  response?: string | undefined;
  command?: string | undefined;
  recipient?: string | undefined;
  rejectedErrors?: SmtpErrorData[] | undefined;
}

export type OpenResult =
  { ok: true; session: number; extensions: string[]; secure: boolean } | { ok: false; error: SmtpErrorData };

export type SendResult =
  | {
      ok: true;
      info: Omit<SMTPConnectionSendInfo, 'rejectedErrors'> & { rejectedErrors?: SmtpErrorData[] };
    }
  | { ok: false; error: SmtpErrorData };

/** Posted when a connection closed without being asked (the server hung up, a socket error). */
export interface TransportEvent {
  event: 'closed';
  session: number;
}

export function errorData(err: unknown): SmtpErrorData {
  const e = err as SmtpError;
  return {
    message: e.message ?? String(err),
    code: e.code,
    responseCode: e.responseCode,
    response: e.response,
    command: e.command,
    recipient: e.recipient,
    ...(e.rejectedErrors ? { rejectedErrors: e.rejectedErrors.map(errorData) } : {}),
  };
}

/**
 * A message larger than the SIZE the server announced (RFC 1870) is not sent: the refusal is final, as
 * Postfix's "message size exceeds size limit of server" is, and classified as SES's MessageTooLarge
 * (nodemailer's own check would fail it without a reply code, which reads as a lost connection and retries).
 */
function sizeRefusal(conn: SMTPConnection, size: number): SmtpErrorData | undefined {
  const c = conn as unknown as { _maxAllowedSize?: number; options: { servername?: string; host?: string } };
  const limit = c._maxAllowedSize;
  if (!limit || size <= limit) return undefined;
  const response = `552 5.3.4 Message size ${size} exceeds the size limit ${limit} that ${c.options.servername ?? c.options.host} announced (not sent)`;
  return {
    message: `Message too large: ${response}`,
    code: 'EMESSAGE',
    responseCode: 552,
    response,
    command: 'MAIL FROM',
  };
}

function sendInfo(info: SMTPConnectionSendInfo): Extract<SendResult, { ok: true }>['info'] {
  const { rejectedErrors, ...rest } = info;
  return { ...rest, ...(rejectedErrors ? { rejectedErrors: rejectedErrors.map(errorData) } : {}) };
}

function connect(target: SessionTarget, name: string, timeoutMs: number): Promise<SMTPConnection> {
  const conn = new SMTPConnection({
    host: target.address,
    port: target.port,
    servername: target.servername,
    secure: target.secure ?? false,
    requireTLS: target.requireTls ?? false,
    ignoreTLS: target.ignoreTls ?? false,
    opportunisticTLS: !target.requireTls,
    name,
    ...(target.localAddress ? { localAddress: target.localAddress } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: Math.max(timeoutMs, 60_000),
    allowInternalNetworkInterfaces: true,
    // Opportunistic TLS encrypts whatever certificate the receiver shows, as MTAs do (RFC 7435).
    tls: { rejectUnauthorized: false, minVersion: 'TLSv1.2' },
    logger: false,
  });
  // Every DATA stream of this connection gets the indexOf-based dot-stuffing (dot-stuffing.ts).
  const internals = conn as unknown as { _createSendStream(callback: unknown): object };
  const createSendStream = internals._createSendStream.bind(conn);
  internals._createSendStream = (callback) => {
    const stream = createSendStream(callback);
    withFastDotStuffing(stream);
    return stream;
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      conn.close();
      reject(err);
    };
    const ready = () => {
      settled = true;
      conn.removeListener('error', fail);
      conn.on('error', () => undefined);
      resolve(conn);
    };
    conn.once('error', fail);
    conn.connect((err) => {
      if (err) return fail(err);
      if (!target.auth) return ready();
      conn.login({ user: target.auth.user, pass: target.auth.pass }, (loginErr) =>
        loginErr ? fail(loginErr) : ready(),
      );
    });
  });
}

/** The requests of the transport thread over its connections (exported for the thread's entry below). */
export function transportHandlers(post: (event: TransportEvent) => void) {
  /** Each open connection, and whether its server takes BDAT (from its EHLO reply, read once). */
  const connections = new Map<number, { conn: SMTPConnection; bdat: boolean }>();
  let next = 0;
  const closed = (session: number) => {
    if (connections.delete(session)) post({ event: 'closed', session });
  };
  return {
    async open(r: Extract<TransportRequest, { kind: 'open' }>): Promise<OpenResult> {
      try {
        const conn = await connect(r.target, r.name, r.timeoutMs);
        // Gone already: say so now (a closed event would reach the handle before it exists).
        if (conn.destroyed)
          return {
            ok: false,
            error: { message: 'Connection closed after the greeting', code: 'ECONNECTION' },
          };
        const session = next++;
        const extensions = announcedExtensions(conn);
        connections.set(session, { conn, bdat: offersBdat(extensions) });
        conn.on('end', () => closed(session));
        conn.on('error', () => closed(session));
        return { ok: true, session, extensions, secure: conn.secure };
      } catch (err) {
        return { ok: false, error: errorData(err) };
      }
    },
    send(r: Extract<TransportRequest, { kind: 'send' }>): Promise<SendResult> {
      const open = connections.get(r.session);
      if (!open || open.conn.destroyed)
        return Promise.resolve({ ok: false, error: { message: 'Connection closed', code: 'ECONNECTION' } });
      const conn = open.conn;
      const body = Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
      const tooLarge = sizeRefusal(conn, body.length);
      if (tooLarge) return Promise.resolve({ ok: false, error: tooLarge });
      if (r.chunking && open.bdat && bdatCarries(body))
        return sendByBdat(conn, { from: r.from, to: r.to, use8Bit: r.use8Bit }, body).then(
          (info) => ({ ok: true, info: sendInfo(info) }),
          (err: unknown) => ({ ok: false, error: errorData(err) }),
        );
      return new Promise((resolve) => {
        conn.send(
          { from: r.from, to: r.to, size: body.length, ...(r.use8Bit ? { use8BitMime: true } : {}) },
          body,
          (err, info) => {
            if (err) return resolve({ ok: false, error: errorData(err) });
            resolve({ ok: true, info: sendInfo(info) });
          },
        );
      });
    },
    reset(r: Extract<TransportRequest, { kind: 'reset' }>): Promise<boolean> {
      const conn = connections.get(r.session)?.conn;
      if (!conn) return Promise.resolve(false);
      return new Promise((resolve) => conn.reset((err) => resolve(!err)));
    },
    close(r: Extract<TransportRequest, { kind: 'close' }>): boolean {
      const conn = connections.get(r.session)?.conn;
      if (!conn) return false;
      connections.delete(r.session);
      try {
        conn.quit();
      } catch {
        conn.close();
      }
      return true;
    },
  };
}

/** Answers one request (on the transport thread, or in this thread when there is none). */
export async function handleTransport(
  handlers: ReturnType<typeof transportHandlers>,
  req: TransportRequest,
): Promise<unknown> {
  return req.kind === 'open'
    ? handlers.open(req)
    : req.kind === 'send'
      ? handlers.send(req)
      : req.kind === 'reset'
        ? handlers.reset(req)
        : handlers.close(req);
}

if (!isMainThread && (workerData as { smtpTransport?: boolean } | null)?.smtpTransport) {
  const port = parentPort!;
  const handlers = transportHandlers((event) => port.postMessage(event));
  port.on('message', (req: TransportRequest) => {
    handleTransport(handlers, req).then(
      (result) => port.postMessage({ id: req.id, result }),
      (err: unknown) =>
        port.postMessage({ id: req.id, error: { message: (err as Error).message ?? String(err) } }),
    );
  });
}

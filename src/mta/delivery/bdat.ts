/**
 * CHUNKING (RFC 3030): a message sent as one `BDAT <size> LAST` chunk, pipelined with its envelope (RFC 2920
 * and RFC 3030 §4.2), instead of DATA. The bytes go as they are (no dot-stuffing here, no end-of-data scan
 * at the receiver) and the transaction takes one round trip instead of two (DATA waits for its 354).
 *
 * nodemailer's SMTPConnection does not speak BDAT; this drives its connection the way its own DATA path
 * does — the socket, the queue of reply handlers, the pending-send hook through which a lost connection or
 * a 421 ends the transaction — and answers with the same result and error shapes (`accepted`, `rejected`,
 * `rejectedErrors` with `recipient`, `code`, `responseCode`, `response`, `command`), so the deliverer
 * treats both paths alike.
 */
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SMTPConnectionSendInfo } from 'nodemailer/lib/smtp-connection';
import type { Socket } from 'node:net';
import { hasLoneLineBreak } from '../../lib/line-breaks.ts';

/** The parts of SMTPConnection this relies on (nodemailer 10: smtp-connection/index.js). */
interface ConnectionInternals {
  _socket: Socket;
  _responseActions: ((reply: string) => void)[];
  _pendingSend: { callback: (err: Error | null) => void; stream: false } | false;
  _supportedExtensions: string[];
  /** The EHLO reply's lines after the first (nodemailer keeps only the extensions it uses itself). */
  _ehloLines?: string[];
  _envelope: unknown;
  destroyed: boolean;
  /** nodemailer's own error shape (code, response, responseCode, permanent, command), so both paths agree. */
  _formatError(message: string, code: string, response: string | false, command: string): BdatError;
}

export interface BdatError extends Error {
  code: string;
  response?: string;
  responseCode?: number;
  command: string;
  recipient?: string;
  rejectedErrors?: BdatError[];
}

/** The extensions the server announced in its (last) EHLO reply, upper case. */
export function announcedExtensions(conn: SMTPConnection): string[] {
  const c = conn as unknown as ConnectionInternals;
  const keywords = (c._ehloLines ?? []).map((line) => line.split(/[\s=]/, 1)[0]!.toUpperCase());
  return [...new Set([...(c._supportedExtensions ?? []), ...keywords])];
}

/** Whether a server that announced these extensions takes BDAT pipelined with the envelope. */
export const offersBdat = (extensions: readonly string[]): boolean =>
  extensions.includes('CHUNKING') && extensions.includes('PIPELINING');

/**
 * Whether `body` can go by BDAT: it sends the bytes as they are, so a lone CR or LF would reach the receiver
 * unrepaired (DATA's encoder turns them into CRLF); such a body goes by DATA.
 */
export const bdatCarries = (body: Buffer): boolean => !hasLoneLineBreak(body);

/**
 * MAIL FROM, one RCPT TO per recipient and `BDAT <n> LAST` with the message, written in one go; the replies
 * are matched in order. Resolves like SMTPConnection.send's callback: the info of an accepted message, or the
 * error of a refused one (a refused sender, every recipient refused, the chunk refused, the connection lost).
 */
export function sendByBdat(
  conn: SMTPConnection,
  envelope: { from: string; to: string[]; use8Bit: boolean },
  body: Buffer,
): Promise<SMTPConnectionSendInfo> {
  const c = conn as unknown as ConnectionInternals;
  const smtpError = (message: string, code: string, command: string, response?: string) =>
    c._formatError(message, code, response ?? false, command);
  return new Promise((resolve, reject) => {
    if (c.destroyed) return reject(smtpError('Connection closed', 'ECONNECTION', 'API'));
    for (const address of [envelope.from, ...envelope.to])
      if (/[\r\n<>]/.test(address))
        return reject(smtpError(`Invalid address ${JSON.stringify(address)}`, 'EENVELOPE', 'API'));
    const started = Date.now();
    let settled = false;
    const done = (err: Error | null, info?: SMTPConnectionSendInfo) => {
      if (settled) return;
      settled = true;
      if (c._pendingSend && c._pendingSend.callback === done) c._pendingSend = false;
      if (err) reject(err);
      else resolve(info!);
    };
    // A connection lost or closed by a 421 mid-transaction ends it through this hook, as for DATA.
    c._pendingSend = { callback: done, stream: false };
    c._envelope = false;

    const extensions = c._supportedExtensions;
    const args: string[] = [];
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7f]/.test([envelope.from, ...envelope.to].join('')) && extensions.includes('SMTPUTF8'))
      args.push('SMTPUTF8');
    if (envelope.use8Bit && extensions.includes('8BITMIME')) args.push('BODY=8BITMIME');
    if (extensions.includes('SIZE')) args.push(`SIZE=${body.length}`);

    let mailError: BdatError | undefined;
    const accepted: string[] = [];
    const rejected: string[] = [];
    const rejectedErrors: BdatError[] = [];
    c._responseActions.push((reply) => {
      if (reply[0] !== '2') mailError = smtpError('Mail command failed', 'EENVELOPE', 'MAIL FROM', reply);
    });
    for (const recipient of envelope.to)
      c._responseActions.push((reply) => {
        if (reply[0] === '2') return void accepted.push(recipient);
        rejected.push(recipient);
        rejectedErrors.push(
          Object.assign(smtpError('Recipient command failed', 'EENVELOPE', 'RCPT TO', reply), { recipient }),
        );
      });
    c._responseActions.push((reply) => {
      // The chunk's reply decides the message, once the envelope's replies are in (RFC 3030 §3: a server
      // with no valid recipient refuses the chunk, and reads it all the same).
      if (mailError) return done(mailError);
      if (accepted.length === 0) {
        // As nodemailer: a temporary refusal speaks for the message before a permanent one.
        const deferred = rejectedErrors.find((e) => (e.responseCode ?? 500) < 500);
        const err = smtpError(
          "Can't send mail - all recipients were rejected",
          'EENVELOPE',
          'RCPT TO',
          (deferred ?? rejectedErrors[rejectedErrors.length - 1])?.response ?? reply,
        );
        return done(Object.assign(err, { rejected, rejectedErrors }));
      }
      if (reply[0] !== '2') {
        // Recipients refused at RCPT keep their own replies; the accepted ones share the chunk's.
        const err = smtpError('Message failed', 'EMESSAGE', 'BDAT', reply);
        return done(rejectedErrors.length ? Object.assign(err, { rejectedErrors }) : err);
      }
      const now = Date.now();
      done(null, {
        accepted,
        rejected,
        ...(rejectedErrors.length ? { rejectedErrors } : {}),
        response: reply,
        envelopeTime: now - started,
        messageTime: now - started,
        messageSize: body.length,
      });
    });

    const socket = c._socket;
    // One write for the envelope and the chunk header, one for the message: no copy of the body.
    socket.cork();
    socket.write(
      `MAIL FROM:<${envelope.from}>${args.length ? ` ${args.join(' ')}` : ''}\r\n` +
        envelope.to.map((to) => `RCPT TO:<${to}>\r\n`).join('') +
        `BDAT ${body.length} LAST\r\n`,
    );
    socket.write(body);
    socket.uncork();
  });
}

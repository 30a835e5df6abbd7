/**
 * The DATA phase of both listeners: the message is gathered from smtp-server's stream and handed on; the reply
 * waits for the handler (a 250 only after the message is committed). Past the listener's size limit nothing
 * more is kept: the rest of the message is read and dropped as it arrives, and the reply at its end is 552.
 * So a session never holds more than one message's worth, whatever a client sends.
 */
import type { SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { smtpError, type SmtpReply } from './replies.ts';

/** What a handler answers: the text after `250` (e.g. `Ok <MessageId>`), or nothing for smtp-server's own. */
export type DataHandler = (message: Buffer, session: SMTPServerSession) => Promise<string | undefined>;

export const TOO_LONG: SmtpReply = { code: 552, message: 'Message is too long.' };

/**
 * An smtp-server `onData` that gathers the message, then runs `handle`; a handler's error becomes the reply
 * `reply(err)` gives. The listener's `size` option is the limit (smtp-server counts the bytes and sets
 * `sizeExceeded` before each chunk reaches the stream).
 */
export function onMessage(
  handle: DataHandler,
  reply: (err: unknown) => SmtpReply,
): NonNullable<SMTPServerOptions['onData']> {
  return (stream: SMTPServerDataStream, session, callback) => {
    let chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => {
      if (stream.sizeExceeded) chunks = [];
      else chunks.push(c);
    });
    stream.on('end', () => {
      if (stream.sizeExceeded) return callback(smtpError(TOO_LONG));
      handle(Buffer.concat(chunks), session).then(
        (text) => (text === undefined ? callback() : callback(null, text)),
        (err: unknown) => callback(smtpError(reply(err))),
      );
    });
  };
}

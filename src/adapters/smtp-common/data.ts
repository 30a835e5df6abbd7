/**
 * The DATA phase of both listeners: the message is gathered from smtp-server's stream, refused with 552 when it
 * went past the listener's size limit, and otherwise handed on; the reply waits for the handler (a 250 only
 * after the message is committed).
 */
import type { SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { smtpError, type SmtpReply } from './replies.ts';

/** What a handler answers: the text after `250` (e.g. `Ok <MessageId>`), or nothing for smtp-server's own. */
export type DataHandler = (message: Buffer, session: SMTPServerSession) => Promise<string | undefined>;

/**
 * An smtp-server `onData` that gathers the message, then runs `handle`; a handler's error becomes the reply
 * `reply(err)` gives.
 */
export function onMessage(
  handle: DataHandler,
  reply: (err: unknown) => SmtpReply,
): NonNullable<SMTPServerOptions['onData']> {
  return (stream: SMTPServerDataStream, session, callback) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      if (stream.sizeExceeded) return callback(smtpError({ code: 552, message: 'Message is too long.' }));
      handle(Buffer.concat(chunks), session).then(
        (text) => (text === undefined ? callback() : callback(null, text)),
        (err: unknown) => callback(smtpError(reply(err))),
      );
    });
  };
}

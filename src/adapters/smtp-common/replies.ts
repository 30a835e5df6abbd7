/** SMTP replies for core errors, worded as SES's SMTP interface words them (ses-spec.md §3.3). */
import { SesError } from '../../core/index.ts';

export interface SmtpReply {
  code: number;
  message: string;
}

export function replyFor(err: unknown): SmtpReply {
  if (!(err instanceof SesError)) return { code: 451, message: 'Temporary service failure' };
  switch (err.code) {
    case 'TooManyRequestsException':
      return {
        code: 454,
        message:
          err.reason === 'daily'
            ? 'Throttling failure: Daily message quota exceeded'
            : 'Throttling failure: Maximum sending rate exceeded',
      };
    case 'MessageRejected':
      if (/^Message length is more than/.test(err.message))
        return { code: 552, message: 'Message is too long.' };
      return { code: 554, message: `Message rejected: ${err.message}` };
    case 'SendingPausedException':
    case 'AccountSuspendedException':
      return { code: 554, message: `Message rejected: ${err.message}` };
    default:
      return { code: 554, message: `Transaction failed: ${err.message}` };
  }
}

export function smtpError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

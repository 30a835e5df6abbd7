/** SMTP replies for core errors, worded as SES's SMTP interface words them (ses-spec.md §3.3). */
import { SesError, type HealthPort } from '../../core/index.ts';
import type { Logger } from '../../lib/logger.ts';

export interface SmtpReply {
  code: number;
  message: string;
}

/**
 * The reply for an error that is not the client's: storage full is RFC 5321's 452 (insufficient system
 * storage), any other failure 451; both are temporary, so the client keeps the message and retries. The cause
 * is logged — once per episode for the service's state (ServiceHealth), every time for anything else.
 */
export function failureReply(
  err: unknown,
  health: HealthPort,
  log: Logger,
  context: Record<string, unknown>,
): SmtpReply {
  const failure = health.failure(err, context);
  if (failure === 'storage-full')
    return { code: 452, message: 'Insufficient system storage, try again later' };
  if (!failure) log.error({ ...context, err }, 'SMTP transaction failed unexpectedly; answered 451');
  return { code: 451, message: 'Temporary service failure' };
}

/** The reply for an error of a submitted message: SES's for the core's refusals, else `failureReply`'s. */
export function replyFor(
  err: unknown,
  health: HealthPort,
  log: Logger,
  context: Record<string, unknown> = {},
): SmtpReply {
  if (!(err instanceof SesError)) return failureReply(err, health, log, context);
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
    case 'ServiceUnavailable':
      return { code: 451, message: `Temporary service failure: ${err.message}` };
    case 'AccessDeniedException':
      return { code: 554, message: `Access denied: ${err.message}` };
    default:
      return { code: 554, message: `Transaction failed: ${err.message}` };
  }
}

export function smtpError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

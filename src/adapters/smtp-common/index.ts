/**
 * What the SMTP listeners share (adapters/smtp-submission, adapters/smtp-inbound): the DATA phase, SES's SMTP
 * replies, closing and listening, and the patches of smtp-server's internals. This is the one module that may
 * reach into smtp-server beyond its documented API (`smtp-server/lib/*`, private fields); the lint boundaries
 * refuse that anywhere else, and each patch has a test that holds it to the library's own behaviour, so an
 * upgrade that changes what it replaces fails CI.
 */
export { onMessage, TOO_LONG, type DataHandler } from './data.ts';
export { fastDataPhase } from './data-phase.ts';
export { greetAtOnce } from './greeting.ts';
export { failureReply, replyFor, smtpError, type SmtpReply } from './replies.ts';
export {
  JUNK_COMMAND_LIMIT,
  SessionGate,
  clientKey,
  limitHandshake,
  limitJunkCommands,
  type SessionLimits,
} from './limits.ts';
export { closeServer, closeSession, listenOn } from './sessions.ts';

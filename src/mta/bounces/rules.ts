/**
 * Bounce classification as data: which SMTP replies mean what, in SES's vocabulary. Each rule carries the
 * real reply that motivated it (the corpus test checks every example is classified by its own rule).
 * Rules are tried in order; the first whose conditions all hold wins.
 */
import type { BounceSubType, DelayType } from '../../core/index.ts';

export interface BounceRule {
  name: string;
  /** Matches the enhanced status code (e.g. /^5\.1\.1$/). */
  status?: RegExp;
  /** Matches the basic reply code (e.g. /^55[0-4]$/). */
  code?: RegExp;
  /** Matches the reply text, case-insensitively. */
  text?: RegExp;
  /** For 5xx replies: the SES bounce type and subtype. */
  permanent?: { bounceType: 'Permanent' | 'Transient'; bounceSubType: BounceSubType };
  /** For 4xx replies: the SES DeliveryDelay type. */
  delayType?: DelayType;
  /** A real reply this rule was written for. */
  example: string;
}

export const BOUNCE_RULES: BounceRule[] = [
  // ---- permanent (5xx) ---------------------------------------------------------------------------------
  {
    // SES reports an unknown recipient as Permanent/General with status 5.1.1 (its own notification examples).
    name: 'mailbox does not exist',
    status: /^5\.1\.(1|10)$/,
    permanent: { bounceType: 'Permanent', bounceSubType: 'General' },
    example:
      "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos",
  },
  {
    name: 'unknown user without enhanced code',
    code: /^55[0-3]$/,
    text: /(user|mailbox|recipient|address)\b.*\b(unknown|not found|does not exist|doesn't exist|no such|invalid|unavailable)|no such (user|mailbox|recipient)|unknown (user|recipient|mailbox)/,
    permanent: { bounceType: 'Permanent', bounceSubType: 'General' },
    example: '550 No such user here',
  },
  {
    name: 'mailbox full',
    status: /^5\.2\.2$/,
    permanent: { bounceType: 'Transient', bounceSubType: 'MailboxFull' },
    example: '552 5.2.2 The email account that you tried to reach is over quota.',
  },
  {
    name: 'mailbox full by text',
    code: /^5\d\d$/,
    text: /(mailbox|inbox|quota).{0,20}(full|exceeded)|over quota|insufficient (system )?storage/,
    permanent: { bounceType: 'Transient', bounceSubType: 'MailboxFull' },
    example: '552 Requested mail action aborted: exceeded storage allocation (mailbox full)',
  },
  {
    name: 'message too large',
    status: /^5\.(3\.4|2\.3)$/,
    permanent: { bounceType: 'Transient', bounceSubType: 'MessageTooLarge' },
    example: '552 5.3.4 Message size exceeds fixed maximum message size',
  },
  {
    name: 'message too large by text',
    code: /^5\d\d$/,
    text: /(message|mail) (size|too (large|big|long))|size exceeds|too large/,
    permanent: { bounceType: 'Transient', bounceSubType: 'MessageTooLarge' },
    example: '552 Message too large',
  },
  {
    name: 'attachment rejected',
    code: /^5\d\d$/,
    text: /attachment|file type|\.exe|executable/,
    permanent: { bounceType: 'Transient', bounceSubType: 'AttachmentRejected' },
    example:
      '552 5.7.0 This message was blocked because its content presents a potential security issue. Attachment type not allowed',
  },
  {
    name: 'content rejected',
    code: /^5\d\d$/,
    text: /spam|content|virus|malware|phish|policy|blocked|blacklist|blocklist|reputation/,
    permanent: { bounceType: 'Transient', bounceSubType: 'ContentRejected' },
    example: '550 5.7.1 Message rejected due to content restrictions',
  },
  {
    name: 'SMTPUTF8 not offered',
    status: /^5\.6\.7$/,
    permanent: { bounceType: 'Permanent', bounceSubType: 'General' },
    example:
      '553 5.6.7 The receiving server does not support SMTPUTF8, so the internationalised address cannot be delivered',
  },
  {
    name: 'other permanent failure',
    code: /^5\d\d$/,
    permanent: { bounceType: 'Permanent', bounceSubType: 'General' },
    example: '554 5.0.0 Transaction failed',
  },
  // ---- transient (4xx) ---------------------------------------------------------------------------------
  {
    name: 'mailbox full, temporarily',
    code: /^4\d\d$/,
    text: /(mailbox|inbox|quota).{0,20}(full|exceeded)|over quota|4\.2\.2/,
    delayType: 'MailboxFull',
    example:
      '452 4.2.2 The email account that you tried to reach is over quota. Please direct the recipient to try again later',
  },
  {
    name: 'sender IP listed',
    code: /^4\d\d$/,
    text: /\b(ip|address)\b.*(block|listed|reputation)|(block|listed|unusual rate|unsolicited).*\b(ip|address)\b|rbl|dnsbl|spamhaus/,
    delayType: 'IPFailure',
    example:
      '421 4.7.0 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address',
  },
  {
    name: 'spam suspected, temporarily',
    code: /^4\d\d$/,
    text: /spam|suspicious|unsolicited/,
    delayType: 'SpamDetected',
    example: '450 4.7.1 Message temporarily deferred due to suspected spam',
  },
  {
    name: 'greylisting and other temporary refusals',
    code: /^4\d\d$/,
    delayType: 'RecipientServerError',
    example: '451 4.7.1 Greylisting in action, please come back later',
  },
];

/** Delay type of failures that never reached a reply (connection refused, timeouts, TLS, DNS). */
export const COMMUNICATION_FAILURE: DelayType = 'TransientCommunicationFailure';

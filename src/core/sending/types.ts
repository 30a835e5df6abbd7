/** The inputs and outputs of sending, shared by every adapter (SES v2, SES v1, SMTP) and the MTA. */
import type { AcceptedMessage, MessageRecord, RecipientRecord } from '../../store/store.ts';
import type { CompiledTemplate } from '../templates/renderer.ts';
import type { SimpleAttachment } from '../../lib/mime/index.ts';
import type { Principal } from '../authorization/key-permissions.ts';

/** Who sends, as sending authorization and limited keys look at it. */
export interface SendPrincipal extends Principal {
  /** `ses:ApiVersion`: SES v1, or v2 (SMTP counts as v2). */
  apiVersion: '1' | '2';
  /** `aws:SecureTransport`: the request came over TLS. */
  secureTransport: boolean;
  /** `aws:UserAgent`. */
  userAgent?: string | undefined;
}

/** Identity ARNs a send names for sending authorization (v1 SourceArn/FromArn/ReturnPathArn, v2 …IdentityArn). */
export interface IdentityArns {
  source?: string | undefined;
  from?: string | undefined;
  returnPath?: string | undefined;
}

export interface ContentPart {
  data: string;
  charset?: string | undefined;
}

export interface SimpleContent {
  kind: 'simple';
  subject: ContentPart;
  text?: ContentPart | undefined;
  html?: ContentPart | undefined;
  headers?: { name: string; value: string }[] | undefined;
  attachments?: SimpleAttachment[] | undefined;
}

export interface RawContent {
  kind: 'raw';
  /** The MIME message as given (any line endings). */
  data: Buffer;
}

/** A templated send: a stored template (by name or ARN) or one given inline, rendered with JSON data. */
export interface TemplateContent {
  kind: 'template';
  /** TemplateName or TemplateArn of a stored template. */
  name?: string | undefined;
  /** TemplateContent given in the request instead. */
  inline?: { subject: string | null; text: string | null; html: string | null } | undefined;
  /** The template already compiled (a bulk send resolves it once for all its entries). */
  compiled?: CompiledTemplate | undefined;
  /** TemplateData / DefaultTemplateData: a JSON string holding an object. */
  data?: string | undefined;
  /** A bulk entry's ReplacementTemplateData, deep-merged over `data`. */
  replacementData?: string | undefined;
  headers?: { name: string; value: string }[] | undefined;
  attachments?: SimpleAttachment[] | undefined;
}

export interface SendInput {
  accountId: string;
  /** The SES operation (`ses:operation` tag): SendEmail, SendRawEmail, … or SMTP. */
  operation: string;
  sourceIp?: string | undefined;
  /** Access key id of the caller (`ses:caller-identity`). */
  callerIdentity?: string | undefined;
  /** FromEmailAddress / Source; for Raw content optional (the From header is used). */
  from?: string | undefined;
  /** Envelope recipients; for Raw content optional (taken from To, Cc and Bcc). */
  destination?:
    { to?: string[] | undefined; cc?: string[] | undefined; bcc?: string[] | undefined } | undefined;
  replyTo?: string[] | undefined;
  /** FeedbackForwardingEmailAddress (v2) / ReturnPath (v1). */
  feedbackAddress?: string | undefined;
  /** SMTP: the MAIL FROM address, which must be an identity the account may use as well. */
  envelopeFrom?: string | undefined;
  content: SimpleContent | RawContent | TemplateContent;
  tags?: { name: string; value: string }[] | undefined;
  configurationSetName?: string | undefined;
  /** A limit below the node's (SES v1 accepts at most 10 MB). */
  maxMessageSize?: number | undefined;
  listManagement?: { contactListName: string; topicName?: string | undefined } | undefined;
  /** Identity ARNs of the request (for raw content, X-SES-*-ARN headers fill in what is not given). */
  identityArns?: IdentityArns | undefined;
  /** The caller; absent: the account itself (the console, Sesame's own mail). */
  principal?: SendPrincipal | undefined;
}

/** The node's settings sending follows. */
export interface SendingSettings {
  region: string;
  mailHost: string;
  bounceDomain: string;
  nodeId: string;
  maxMessageSize: number;
  /** Base URL of the links Sesame puts in mail (open/click tracking when no redirect domain is set). */
  publicUrl: string;
}

export interface SendResult {
  messageId: string;
}

/** What the MTA needs to deliver a message. */
export interface DeliveryPayload {
  message: MessageRecord;
  body: Buffer;
  recipients: RecipientRecord[];
}

export type AcceptedListener = (accepted: AcceptedMessage) => void;

export type BounceType = 'Undetermined' | 'Permanent' | 'Transient';
export type BounceSubType =
  | 'Undetermined'
  | 'General'
  | 'NoEmail'
  | 'Suppressed'
  | 'OnAccountSuppressionList'
  | 'MailboxFull'
  | 'MessageTooLarge'
  | 'ContentRejected'
  | 'AttachmentRejected';

export type DelayType =
  | 'InternalFailure'
  | 'General'
  | 'MailboxFull'
  | 'SpamDetected'
  | 'RecipientServerError'
  | 'IPFailure'
  | 'TransientCommunicationFailure'
  | 'BYOIPHostNameLookupUnavailable'
  | 'Undetermined'
  | 'SendingDeferral';

interface ResultBase {
  /** Recipient index within the message. */
  index: number;
  /** Attempts made so far, this one included. */
  attempts: number;
}

export interface DeliveredResult extends ResultBase {
  outcome: 'delivered';
  smtpResponse: string;
  /** Mailbox simulator follow-ups: a complaint, or an out-of-office auto-reply. */
  followUp?: { complaint: { feedbackType: string; userAgent: string } } | { autoReply: true } | undefined;
}

export interface BouncedResult extends ResultBase {
  outcome: 'bounced';
  bounceType: BounceType;
  bounceSubType: BounceSubType;
  /** Enhanced status code, e.g. 5.1.1. */
  status: string;
  /** `smtp; 550 5.1.1 …` */
  diagnosticCode: string;
}

export interface DeferredResult extends ResultBase {
  outcome: 'deferred';
  delayType: DelayType;
  status: string;
  diagnosticCode: string;
  nextAttemptAt: number;
  /** When the MTA gives up (the message's maximum age). */
  expiresAt: number;
}

export type RecipientResult = DeliveredResult | BouncedResult | DeferredResult;

/** What one delivery attempt (one SMTP transaction, or the simulator) did for some recipients of a message. */
export interface DeliveryReport {
  messageId: string;
  at: number;
  remoteMtaIp?: string | undefined;
  results: RecipientResult[];
}

/**
 * Errors of the domain, named after SES errors. The core never picks an HTTP status or an SMTP reply:
 * each adapter maps a code (plus `resource`/`reason` where SES v1 and SMTP need finer names) to its protocol.
 */

export type SesErrorCode =
  | 'BadRequestException'
  | 'NotFoundException'
  | 'AlreadyExistsException'
  | 'LimitExceededException'
  | 'TooManyRequestsException'
  | 'MessageRejected'
  | 'MailFromDomainNotVerifiedException'
  | 'SendingPausedException'
  | 'AccountSuspendedException'
  | 'ConflictException'
  | 'InvalidNextTokenException'
  | 'ConcurrentModificationException'
  | 'AccessDeniedException'
  | 'NotSupportedException'
  /** Something outside Sesame that the request needs did not answer (a DNSBL zone): try again later. */
  | 'ServiceUnavailable';

/** What a NotFound / AlreadyExists refers to (SES v1 has a distinct code per resource). */
export type ResourceKind =
  | 'Account'
  | 'Identity'
  | 'ConfigurationSet'
  | 'EventDestination'
  | 'Template'
  | 'CustomVerificationEmailTemplate'
  | 'ContactList'
  | 'Contact'
  | 'AccessKey'
  | 'Topic'
  | 'Subscription'
  | 'SuppressedDestination'
  | 'ReceiptRuleSet'
  | 'ReceiptRule'
  | 'ReceiptFilter'
  | 'InboundMessage'
  | 'Bucket'
  | 'Function'
  | 'Alarm'
  | 'Message'
  | 'CapturedMessage'
  | 'Attachment'
  | 'Resource';

/**
 * Why a request was refused, where a protocol names the failure more precisely than the code does (SES v1's
 * Query codes, SMTP replies, bulk statuses). Each adapter maps it to its own name.
 */
export type ErrorReason =
  /** Throttling: the send rate, or the daily quota. */
  | 'rate'
  | 'daily'
  /** Sending paused: for the account, or for the configuration set. */
  | 'account'
  | 'configuration-set'
  /** Bad requests about one kind of input. */
  | 'invalid-template'
  | 'invalid-rendering-data'
  | 'missing-rendering-attribute'
  | 'invalid-verification-template'
  | 'invalid-configuration-set'
  | 'invalid-sns-destination'
  | 'invalid-tracking-options'
  | 'invalid-delivery-options'
  /** An identity policy SES would refuse (v1 InvalidPolicy). */
  | 'invalid-policy'
  /** Custom verification emails: the account is in the sandbox; the template's sender is not verified. */
  | 'production-access-not-granted'
  | 'from-address-not-verified'
  /** A recipient with no `@domain` (SES v1 answers InvalidParameterValue, "Missing final '@domain'"). */
  | 'address-without-domain'
  /** A value that breaks the model's constraints (SES v1 answers ValidationError). */
  | 'validation'
  /** Receiving: the active rule set cannot be deleted; an action names a topic, bucket or function that
   *  cannot be used. */
  | 'cannot-delete'
  | 'invalid-sns-topic'
  | 'invalid-s3-configuration'
  | 'invalid-lambda-function'
  /** CloudWatch: a parameter's value, or two parameters together, are not acceptable. */
  | 'invalid-parameter-value'
  | 'invalid-parameter-combination';

export interface SesErrorOptions {
  resource?: ResourceKind;
  reason?: ErrorReason;
}

export class SesError extends Error {
  readonly code: SesErrorCode;
  readonly resource: ResourceKind | undefined;
  readonly reason: ErrorReason | undefined;

  constructor(code: SesErrorCode, message: string, options: SesErrorOptions = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.resource = options.resource;
    this.reason = options.reason;
  }
}

export const badRequest = (message: string, reason?: ErrorReason): SesError =>
  new SesError('BadRequestException', message, reason ? { reason } : {});
export const notFound = (resource: ResourceKind, message: string): SesError =>
  new SesError('NotFoundException', message, { resource });
export const alreadyExists = (resource: ResourceKind, message: string): SesError =>
  new SesError('AlreadyExistsException', message, { resource });

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
  | 'NotSupportedException';

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
  | 'Resource';

export interface SesErrorOptions {
  resource?: ResourceKind;
  /** Throttling: which limit was hit. Sending paused: whose switch is off. */
  reason?: 'rate' | 'daily' | 'account' | 'configuration-set';
  /** The SES v1 (Query) code where v1 names this failure more precisely (e.g. InvalidSNSDestination). */
  v1Code?: string;
}

export class SesError extends Error {
  readonly code: SesErrorCode;
  readonly resource: ResourceKind | undefined;
  readonly reason: SesErrorOptions['reason'];
  readonly v1Code: string | undefined;

  constructor(code: SesErrorCode, message: string, options: SesErrorOptions = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.resource = options.resource;
    this.reason = options.reason;
    this.v1Code = options.v1Code;
  }
}

export const badRequest = (message: string, v1Code?: string): SesError =>
  new SesError('BadRequestException', message, v1Code ? { v1Code } : {});
export const notFound = (resource: ResourceKind, message: string): SesError =>
  new SesError('NotFoundException', message, { resource });
export const alreadyExists = (resource: ResourceKind, message: string): SesError =>
  new SesError('AlreadyExistsException', message, { resource });

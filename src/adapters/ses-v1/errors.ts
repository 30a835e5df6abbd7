/** Maps core errors and authentication failures to SES v1 (Query) error codes — the model's awsQueryError codes. */
import { SesError, type ErrorReason } from '../../core/index.ts';
import { AwsProtocolError } from '../aws/protocol-error.ts';
import { AuthFailure } from '../aws/sigv4.ts';
import { queryAuthError } from '../aws/query.ts';

/** SES v1 names some refusals after what they are about (ErrorReason) rather than their v2 code. */
const REASON_CODES: Partial<Record<ErrorReason, string>> = {
  'invalid-template': 'InvalidTemplate',
  'invalid-rendering-data': 'InvalidRenderingParameter',
  'missing-rendering-attribute': 'MissingRenderingAttribute',
  'invalid-verification-template': 'CustomVerificationEmailInvalidContent',
  'invalid-configuration-set': 'InvalidConfigurationSet',
  'invalid-sns-destination': 'InvalidSNSDestination',
  'invalid-tracking-options': 'InvalidTrackingOptions',
  'invalid-delivery-options': 'InvalidDeliveryOptions',
  'invalid-policy': 'InvalidPolicy',
  'production-access-not-granted': 'ProductionAccessNotGranted',
  'from-address-not-verified': 'FromEmailAddressNotVerified',
  'address-without-domain': 'InvalidParameterValue',
  validation: 'ValidationError',
  'cannot-delete': 'CannotDelete',
  'invalid-sns-topic': 'InvalidSnsTopic',
  'invalid-s3-configuration': 'InvalidS3Configuration',
  'invalid-lambda-function': 'InvalidLambdaFunction',
};

function sesCode(err: SesError): string {
  const byReason = err.reason && REASON_CODES[err.reason];
  if (byReason) return byReason;
  switch (err.code) {
    case 'NotFoundException':
      if (err.resource === 'ConfigurationSet') return 'ConfigurationSetDoesNotExist';
      if (err.resource === 'Template') return 'TemplateDoesNotExist';
      if (err.resource === 'CustomVerificationEmailTemplate')
        return 'CustomVerificationEmailTemplateDoesNotExist';
      if (err.resource === 'EventDestination') return 'EventDestinationDoesNotExist';
      if (err.resource === 'ReceiptRuleSet') return 'RuleSetDoesNotExist';
      if (err.resource === 'ReceiptRule') return 'RuleDoesNotExist';
      return 'InvalidParameterValue';
    case 'AlreadyExistsException':
      if (err.resource === 'ConfigurationSet') return 'ConfigurationSetAlreadyExists';
      if (err.resource === 'EventDestination') return 'EventDestinationAlreadyExists';
      if (err.resource === 'CustomVerificationEmailTemplate')
        return 'CustomVerificationEmailTemplateAlreadyExists';
      return 'AlreadyExists';
    case 'SendingPausedException':
      return err.reason === 'configuration-set'
        ? 'ConfigurationSetSendingPausedException'
        : 'AccountSendingPausedException';
    case 'TooManyRequestsException':
      return 'Throttling';
    case 'LimitExceededException':
      return 'LimitExceeded';
    case 'MessageRejected':
    case 'MailFromDomainNotVerifiedException':
      return err.code;
    case 'NotSupportedException':
      return 'InvalidAction';
    default:
      return 'InvalidParameterValue';
  }
}

export function toV1Error(err: unknown): AwsProtocolError | undefined {
  if (err instanceof AwsProtocolError) return err;
  if (err instanceof AuthFailure) return queryAuthError(err);
  if (err instanceof SesError)
    return err.code === 'AccessDeniedException'
      ? new AwsProtocolError('AccessDenied', 403, err.message)
      : err.code === 'ServiceUnavailable'
        ? new AwsProtocolError('ServiceUnavailable', 503, err.message)
        : new AwsProtocolError(sesCode(err), 400, err.message);
  return undefined;
}

/** Maps core errors and authentication failures to SES v2 (REST-JSON) errors. */
import { SesError } from '../../core/index.ts';
import { AwsProtocolError } from '../aws/protocol-error.ts';
import { AuthFailure } from '../aws/sigv4.ts';
import type { ServiceModel } from '../aws/model/types.ts';

const AUTH_CODES: Record<AuthFailure['kind'], [string, number]> = {
  missing: ['MissingAuthenticationTokenException', 403],
  incomplete: ['IncompleteSignatureException', 400],
  expired: ['InvalidSignatureException', 403],
  signature: ['InvalidSignatureException', 403],
  region: ['InvalidSignatureException', 403],
  service: ['InvalidSignatureException', 403],
  'unknown-key': ['UnrecognizedClientException', 403],
};

export function toV2Error(model: ServiceModel, err: unknown): AwsProtocolError | undefined {
  if (err instanceof AwsProtocolError) return err;
  if (err instanceof AuthFailure) {
    const [code, status] = AUTH_CODES[err.kind];
    return new AwsProtocolError(code, status, err.message);
  }
  if (err instanceof SesError) {
    const code = err.code === 'NotSupportedException' ? 'BadRequestException' : err.code;
    const shape = model.shapes[code];
    // AccessDeniedException is AWS's common 403, not in the SES v2 model.
    const status =
      code === 'ServiceUnavailable'
        ? 503
        : code === 'AccessDeniedException'
          ? 403
          : shape?.type === 'structure' && shape.error
            ? shape.error.status
            : 400;
    return new AwsProtocolError(code, status, err.message);
  }
  return undefined;
}

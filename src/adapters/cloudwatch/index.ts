/**
 * The CloudWatch-compatible API (signing name `monitoring`) on the same endpoint as SES, over Sesame's own
 * `AWS/SES` metrics and alarms. Two codecs over the same handlers: AWS Query (Debian's `aws cloudwatch`,
 * boto3) and awsJson1_0 with query-compatible errors (today's `@aws-sdk/client-cloudwatch`: `X-Amz-Target:
 * GraniteServiceVersion20100801.<Operation>`). Other CloudWatch operations answer an AWS-shaped "not supported
 * by Sesame" error.
 */
import { SesError, type SesApiPort } from '../../core/index.ts';
import { newRequestId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import { authenticate } from '../aws/auth.ts';
import type { AwsHttpRequest, AwsHttpResponse } from '../aws/http-types.ts';
import { cloudwatchModel } from '../aws/model/cloudwatch.generated.ts';
import { coerceInput, encodeOutput } from '../aws/model/walk.ts';
import { answerFailure, AwsProtocolError, ValidationErrors } from '../aws/protocol-error.ts';
import {
  decodeQueryInput,
  encodeQueryError,
  encodeQueryResponse,
  queryAuthError,
  queryParams,
} from '../aws/query.ts';
import { AuthFailure } from '../aws/sigv4.ts';
import { cloudWatchHandlers } from './handlers.ts';

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const JSON_NAMESPACE = 'com.amazonaws.cloudwatch';

function header(req: AwsHttpRequest, name: string): string | undefined {
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    if (req.rawHeaders[i]!.toLowerCase() === name) return req.rawHeaders[i + 1];
  return undefined;
}

function toCloudWatchError(err: unknown): AwsProtocolError | undefined {
  if (err instanceof AwsProtocolError) {
    if (err.code === 'ValidationError')
      return new AwsProtocolError(
        /must not be null/.test(err.message) ? 'MissingParameter' : 'InvalidParameterValue',
        400,
        err.message,
      );
    return err;
  }
  if (err instanceof AuthFailure) return queryAuthError(err);
  if (err instanceof SesError) {
    if (err.code === 'NotFoundException') return new AwsProtocolError('ResourceNotFound', 404, err.message);
    if (err.code === 'LimitExceededException') return new AwsProtocolError('LimitExceeded', 400, err.message);
    if (err.code === 'AccessDeniedException') return new AwsProtocolError('AccessDenied', 403, err.message);
    if (err.reason === 'invalid-parameter-combination')
      return new AwsProtocolError('InvalidParameterCombination', 400, err.message);
    if (err.reason === 'validation') return new AwsProtocolError('MissingParameter', 400, err.message);
    return new AwsProtocolError('InvalidParameterValue', 400, err.message);
  }
  return undefined;
}

/** The model's exception shape that carries a Query error code (its awsQueryError code or its name). */
function errorShapeName(code: string): string {
  for (const [name, shape] of Object.entries(cloudwatchModel.shapes))
    if (shape.type === 'structure' && shape.error && (shape.error.code ?? name) === code) return name;
  return code;
}

export class CloudWatchApi {
  readonly #core: SesApiPort;
  readonly #log: Logger;

  constructor(core: SesApiPort, logger: Logger) {
    this.#core = core;
    this.#log = logger;
  }

  async handle(req: AwsHttpRequest): Promise<AwsHttpResponse> {
    const requestId = newRequestId();
    const target = header(req, 'x-amz-target');
    const json = target !== undefined;
    const action = json
      ? target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : ''
      : (queryParams(req.method, req.rawUrl, req.body).get('Action') ?? '');
    try {
      if (!action)
        throw new AwsProtocolError(
          json ? 'UnknownOperationException' : 'MissingAction',
          400,
          json
            ? `Unknown X-Amz-Target ${target}.`
            : 'Could not find operation to perform (no Action parameter).',
        );
      const op = cloudwatchModel.operations[action];
      if (!op)
        throw new AwsProtocolError(
          'InvalidAction',
          400,
          `The action ${action} is not valid for this web service.`,
        );
      const caller = await authenticate(this.#core, req, 'monitoring');
      const handler = cloudWatchHandlers[action];
      if (!handler)
        throw new AwsProtocolError(
          'InvalidAction',
          400,
          `The CloudWatch action ${action} is not supported by Sesame.`,
        );
      const input = json
        ? this.#decodeJson(op.input, req.body)
        : decodeQueryInput(cloudwatchModel, op.input, queryParams(req.method, req.rawUrl, req.body));
      const output = await handler(this.#core, caller.accountId, input);
      if (json)
        return {
          status: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
          body: JSON.stringify(
            op.output ? (encodeOutput(cloudwatchModel, op.output, output, 'epoch-seconds') ?? {}) : {},
          ),
        };
      return {
        status: 200,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: encodeQueryResponse(cloudwatchModel, action, output, requestId),
      };
    } catch (err) {
      const e = answerFailure(
        err,
        toCloudWatchError(err),
        { health: this.#core.health, log: this.#log },
        {
          code: 'InternalServiceError',
          what: 'CloudWatch action',
          context: { action, requestId },
        },
      );
      if (json)
        return {
          status: e.status,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amzn-requestid': requestId,
            'x-amzn-query-error': `${e.code};${e.fault}`,
          },
          body: JSON.stringify({ __type: `${JSON_NAMESPACE}#${errorShapeName(e.code)}`, message: e.message }),
        };
      return {
        status: e.status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: encodeQueryError(cloudwatchModel, e, requestId),
      };
    }
  }

  #decodeJson(inputShape: string | undefined, body: Buffer): Record<string, unknown> {
    if (!inputShape) return {};
    let parsed: unknown = {};
    if (body.length) {
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (err) {
        throw new AwsProtocolError(
          'SerializationException',
          400,
          `The request body is not valid JSON: ${(err as Error).message}`,
        );
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new AwsProtocolError('SerializationException', 400, 'The request body must be a JSON object.');
    const errors = new ValidationErrors();
    const input = coerceInput(cloudwatchModel, inputShape, parsed, '', errors) as Record<string, unknown>;
    if (!errors.empty) throw new AwsProtocolError('ValidationError', 400, errors.toMessage());
    return input;
  }
}

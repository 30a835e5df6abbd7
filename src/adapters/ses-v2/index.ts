/**
 * The SES v2 API (REST-JSON under /v2/email). Owns: routing every operation of the model, authentication,
 * decoding, calling the core and encoding. Must never hold domain rules: those live in the core.
 * Every operation in the model routes; one without a handler answers an AWS-shaped "not supported" error.
 */
import { checkAction, type SesApiPort } from '../../core/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { newRequestId } from '../../lib/ids.ts';
import { authenticate } from '../aws/auth.ts';
import type { AwsHttpRequest, AwsHttpResponse } from '../aws/http-types.ts';
import { sesv2Model } from '../aws/model/sesv2.generated.ts';
import { answerFailure, AwsProtocolError } from '../aws/protocol-error.ts';
import { RestJsonRouter, decodeRestJsonInput, encodeRestJsonOutput } from '../aws/rest-json.ts';
import { accountHandlers } from './account.ts';
import { monitoringHandlers } from './monitoring.ts';
import { toV2Error } from './errors.ts';
import type { V2Handler } from './handler.ts';
import { identityHandlers } from './identities.ts';
import { sendingHandlers } from './sending.ts';
import { configurationSetHandlers } from './configuration-sets.ts';
import { suppressionHandlers } from './suppression.ts';
import { tagHandlers } from './tags.ts';
import { templateHandlers } from './templates.ts';
import { contactHandlers } from './contacts.ts';
import { identityPolicyHandlers } from './identity-policies.ts';
import { dedicatedIpHandlers } from './dedicated-ips.ts';

export const v2Handlers: Record<string, V2Handler> = {
  ...accountHandlers,
  ...monitoringHandlers,
  ...identityHandlers,
  ...sendingHandlers,
  ...configurationSetHandlers,
  ...suppressionHandlers,
  ...tagHandlers,
  ...templateHandlers,
  ...contactHandlers,
  ...identityPolicyHandlers,
  ...dedicatedIpHandlers,
};

export class SesV2Api {
  readonly #core: SesApiPort;
  readonly #log: Logger;
  readonly #router = new RestJsonRouter(sesv2Model);
  readonly #handlers: Record<string, V2Handler>;

  constructor(core: SesApiPort, logger: Logger, handlers: Record<string, V2Handler> = v2Handlers) {
    this.#core = core;
    this.#log = logger;
    this.#handlers = handlers;
  }

  /** Names of the model's operations that Sesame implements (for docs and tests). */
  get implemented(): string[] {
    return Object.keys(this.#handlers).filter((name) => name in sesv2Model.operations);
  }

  async handle(req: AwsHttpRequest): Promise<AwsHttpResponse> {
    const requestId = newRequestId();
    const q = req.rawUrl.indexOf('?');
    const rawPath = q < 0 ? req.rawUrl : req.rawUrl.slice(0, q);
    const match = this.#router.match(req.method, rawPath);
    try {
      if (!match)
        throw new AwsProtocolError(
          'UnknownOperationException',
          404,
          `No SES v2 operation matches ${req.method} ${rawPath}.`,
        );
      const caller = await authenticate(this.#core, req, 'ses');
      const handler = this.#handlers[match.operation];
      if (!handler)
        throw new AwsProtocolError(
          'BadRequestException',
          400,
          `The SESv2 operation ${match.operation} is not supported by Sesame.`,
        );
      // A limited access key (an IAM user's) may call only its allowed actions.
      checkAction(caller, `ses:${match.operation}`);
      const input = decodeRestJsonInput(sesv2Model, match, q < 0 ? '' : req.rawUrl.slice(q + 1), req.body);
      const output = await handler({ core: this.#core, caller, requestId, sourceIp: req.sourceIp }, input);
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
        body: encodeRestJsonOutput(sesv2Model, match.model, output),
      };
    } catch (err) {
      const e = answerFailure(
        err,
        toV2Error(sesv2Model, err),
        { health: this.#core.health, log: this.#log },
        {
          code: 'InternalFailure',
          what: 'SES v2 operation',
          context: { operation: match?.operation, requestId },
        },
      );
      return {
        status: e.status,
        headers: {
          'content-type': 'application/json',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': e.code,
        },
        body: JSON.stringify({ message: e.message }),
      };
    }
  }
}

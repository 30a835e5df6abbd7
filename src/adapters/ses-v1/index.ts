/**
 * The SES v1 API (AWS Query on `POST /`, also `GET /?Action=`). Owns: dispatching every action of the model,
 * authentication, decoding and XML encoding. Must never hold domain rules: every action calls the same core as
 * the v2 API. An action without a handler answers an AWS-shaped "not supported by Sesame" error.
 */
import { checkAction, type SesApiPort } from '../../core/index.ts';
import { newRequestId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import { authenticate } from '../aws/auth.ts';
import type { AwsHttpRequest, AwsHttpResponse } from '../aws/http-types.ts';
import { sesModel } from '../aws/model/ses.generated.ts';
import { answerFailure, AwsProtocolError } from '../aws/protocol-error.ts';
import { decodeQueryInput, encodeQueryError, encodeQueryResponse, queryParams } from '../aws/query.ts';
import { accountActions } from './account.ts';
import { toV1Error } from './errors.ts';
import type { V1Handler } from './handler.ts';
import { identityActions } from './identities.ts';
import { sendingActions } from './sending.ts';
import { configurationSetActions } from './configuration-sets.ts';
import { templateActions } from './templates.ts';
import { receivingActions } from './receiving.ts';
import { identityPolicyActions } from './identity-policies.ts';

export const v1Handlers: Record<string, V1Handler> = {
  ...identityActions,
  ...sendingActions,
  ...accountActions,
  ...configurationSetActions,
  ...templateActions,
  ...receivingActions,
  ...identityPolicyActions,
};

/**
 * Checks SES makes before the model's own (with SES's own words): an unknown NotificationType is an
 * InvalidParameterValue naming the valid values, not the model's enum ValidationError.
 */
const notificationType = (params: URLSearchParams): void => {
  const t = params.get('NotificationType');
  if (t !== null && !['Bounce', 'Complaint', 'Delivery'].includes(t))
    throw new AwsProtocolError(
      'InvalidParameterValue',
      400,
      `Invalid notification type: ${t}. Valid values are: Bounce, Complaint, Delivery.`,
    );
};
const PRECHECKS: Record<string, (params: URLSearchParams) => void> = {
  SetIdentityNotificationTopic: notificationType,
  SetIdentityHeadersInNotificationsEnabled: notificationType,
};

export class SesV1Api {
  readonly #core: SesApiPort;
  readonly #log: Logger;
  readonly #handlers: Record<string, V1Handler>;

  constructor(core: SesApiPort, logger: Logger, handlers: Record<string, V1Handler> = v1Handlers) {
    this.#core = core;
    this.#log = logger;
    this.#handlers = handlers;
  }

  async handle(req: AwsHttpRequest): Promise<AwsHttpResponse> {
    const requestId = newRequestId();
    const params = queryParams(req.method, req.rawUrl, req.body);
    const action = params.get('Action') ?? '';
    try {
      if (!action)
        throw new AwsProtocolError(
          'MissingAction',
          400,
          'Could not find operation to perform (the request has no Action parameter).',
        );
      const op = sesModel.operations[action];
      if (!op)
        throw new AwsProtocolError(
          'InvalidAction',
          400,
          `The action ${action} is not valid for this web service.`,
        );
      const caller = await authenticate(this.#core, req, 'ses');
      const handler = this.#handlers[action];
      if (!handler)
        throw new AwsProtocolError(
          'InvalidAction',
          400,
          `The SES action ${action} is not supported by Sesame.`,
        );
      // A limited access key (an IAM user's) may call only its allowed actions.
      checkAction(caller, `ses:${action}`);
      PRECHECKS[action]?.(params);
      const input = decodeQueryInput(sesModel, op.input, params);
      const output = await handler({ core: this.#core, caller, requestId, sourceIp: req.sourceIp }, input);
      return {
        status: 200,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: encodeQueryResponse(sesModel, action, output, requestId),
      };
    } catch (err) {
      const e = answerFailure(
        err,
        toV1Error(err),
        { health: this.#core.health, log: this.#log },
        {
          code: 'InternalFailure',
          what: 'SES v1 action',
          context: { action, requestId },
        },
      );
      return {
        status: e.status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: encodeQueryError(sesModel, e, requestId),
      };
    }
  }
}

/**
 * Sesame's own API route beside SES's: `GET /sesame/preflight/{MessageId}`, the deliverability preflight of a
 * message the caller's account sent. Signed with SigV4 for the `ses` service like any SES request (curl
 * `--aws-sigv4 "aws:amz:REGION:ses"`); errors in the SES v2 JSON shape.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SesApiPort } from '../../core/index.ts';
import { newRequestId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import { authenticate } from '../aws/auth.ts';
import type { AwsHttpRequest } from '../aws/http-types.ts';
import { sesv2Model } from '../aws/model/sesv2.generated.ts';
import { answerFailure } from '../aws/protocol-error.ts';
import { toV2Error } from '../ses-v2/errors.ts';

export const PREFLIGHT_ROUTE = '/sesame/preflight/:messageId';

export function registerPreflight(
  app: FastifyInstance,
  api: SesApiPort,
  log: Logger,
  toAws: (req: FastifyRequest) => Promise<AwsHttpRequest>,
): void {
  app.get(PREFLIGHT_ROUTE, async (req: FastifyRequest<{ Params: { messageId: string } }>, reply) => {
    const requestId = newRequestId();
    try {
      const caller = await authenticate(api, await toAws(req), 'ses');
      const report = await api.preflight.message(req.params.messageId, caller.accountId);
      return reply
        .headers({ 'content-type': 'application/json', 'x-amzn-requestid': requestId })
        .send(report);
    } catch (err) {
      const e = answerFailure(
        err,
        toV2Error(sesv2Model, err),
        { health: api.health, log },
        { code: 'InternalFailure', what: 'preflight', context: { requestId } },
      );
      return reply
        .code(e.status)
        .headers({
          'content-type': 'application/json',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': e.code,
        })
        .send(JSON.stringify({ message: e.message }));
    }
  });
}

/**
 * The SNS-compatible API (AWS Query, signing name `sns`) on the same endpoint as SES: the subset that SES
 * event destinations, identity notifications and alarms need — topics, HTTP(S) and email subscriptions,
 * Publish — so `aws sns
 * --endpoint-url` works. ConfirmSubscription and Unsubscribe also work unsigned (the SubscribeURL and
 * UnsubscribeURL of SNS messages).
 * Other SNS actions answer an AWS-shaped "not supported by Sesame" error.
 */
import { SesError, type SesApiPort } from '../../core/index.ts';
import { newRequestId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import { authenticate, type Caller } from '../aws/auth.ts';
import type { AwsHttpRequest, AwsHttpResponse } from '../aws/http-types.ts';
import { snsModel } from '../aws/model/sns.generated.ts';
import { answerFailure, AwsProtocolError } from '../aws/protocol-error.ts';
import {
  decodeQueryInput,
  encodeQueryError,
  encodeQueryResponse,
  queryAuthError,
  queryParams,
} from '../aws/query.ts';
import { AuthFailure } from '../aws/sigv4.ts';
import { pageToken } from '../ses-shared.ts';

type SnsHandler = (
  core: SesApiPort,
  caller: Caller | undefined,
  input: Record<string, unknown>,
) => Promise<object | undefined>;

const need = (caller: Caller | undefined): Caller => {
  if (!caller) throw new AuthFailure('missing', 'Missing Authentication Token');
  return caller;
};

const token = (next: string | null) => pageToken.encode(next);
const untoken = (t: unknown) => pageToken.decode(typeof t === 'string' ? t : undefined);

export const snsHandlers: Record<string, SnsHandler> = {
  async CreateTopic(core, caller, input) {
    const { Name, Attributes } = input as { Name: string; Attributes?: Record<string, string> };
    const topic = await core.sns.createTopic(need(caller).accountId, Name, Attributes ?? {});
    return { TopicArn: topic.arn };
  },
  async DeleteTopic(core, caller, input) {
    await core.sns.deleteTopic(need(caller).accountId, (input as { TopicArn: string }).TopicArn);
    return {};
  },
  async ListTopics(core, caller, input) {
    const page = await core.sns.listTopics(need(caller).accountId, untoken(input.NextToken));
    return { Topics: page.items.map((t) => ({ TopicArn: t.arn })), NextToken: token(page.next) };
  },
  async GetTopicAttributes(core, caller, input) {
    return {
      Attributes: await core.sns.topicAttributes(
        need(caller).accountId,
        (input as { TopicArn: string }).TopicArn,
      ),
    };
  },
  async Subscribe(core, caller, input) {
    const { TopicArn, Protocol, Endpoint } = input as {
      TopicArn: string;
      Protocol: string;
      Endpoint?: string;
    };
    if (!Endpoint) throw new AwsProtocolError('InvalidParameter', 400, 'Invalid parameter: Endpoint');
    return {
      SubscriptionArn: await core.sns.subscribe(need(caller).accountId, TopicArn, Protocol, Endpoint),
    };
  },
  async SetTopicAttributes(core, caller, input) {
    const { TopicArn, AttributeName, AttributeValue } = input as {
      TopicArn: string;
      AttributeName: string;
      AttributeValue?: string;
    };
    await core.sns.setTopicAttribute(need(caller).accountId, TopicArn, AttributeName, AttributeValue ?? '');
    return {};
  },
  async Publish(core, caller, input) {
    const { TopicArn, TargetArn, PhoneNumber, Message, Subject, MessageStructure } = input as {
      TopicArn?: string;
      TargetArn?: string;
      PhoneNumber?: string;
      Message: string;
      Subject?: string;
      MessageStructure?: string;
    };
    if (PhoneNumber !== undefined || TargetArn !== undefined || TopicArn === undefined)
      throw new AwsProtocolError(
        'InvalidParameter',
        400,
        'Invalid parameter: Sesame publishes to topics only (TopicArn); SMS and mobile push targets are not supported.',
      );
    return {
      MessageId: await core.sns.publishMessage(need(caller).accountId, {
        topicArn: TopicArn,
        message: Message,
        subject: Subject,
        structure: MessageStructure,
      }),
    };
  },
  async ConfirmSubscription(core, _caller, input) {
    const { TopicArn, Token } = input as { TopicArn: string; Token: string };
    return { SubscriptionArn: await core.sns.confirm(TopicArn, Token) };
  },
  async Unsubscribe(core, caller, input) {
    // Unsigned: a notification's UnsubscribeURL, which SNS honours without credentials (the ARN is the key).
    await core.sns.unsubscribe(caller?.accountId, (input as { SubscriptionArn: string }).SubscriptionArn);
    return {};
  },
  async ListSubscriptionsByTopic(core, caller, input) {
    const { TopicArn } = input as { TopicArn: string };
    const accountId = need(caller).accountId;
    const page = await core.sns.listSubscriptions(accountId, TopicArn, untoken(input.NextToken));
    return {
      Subscriptions: page.items.map((s) => ({
        SubscriptionArn: s.status === 'confirmed' ? s.arn : 'PendingConfirmation',
        Owner: accountId,
        Protocol: s.protocol,
        Endpoint: s.endpoint,
        TopicArn: s.topicArn,
      })),
      NextToken: token(page.next),
    };
  },
};

/** The actions of the links in SNS messages, which work without credentials: SubscribeURL and UnsubscribeURL. */
const UNSIGNED_ACTIONS = new Set(['ConfirmSubscription', 'Unsubscribe']);

function toSnsError(err: unknown): AwsProtocolError | undefined {
  if (err instanceof AwsProtocolError) return err;
  if (err instanceof AuthFailure) return queryAuthError(err);
  if (err instanceof SesError) {
    if (err.code === 'NotFoundException') return new AwsProtocolError('NotFound', 404, err.message);
    if (err.code === 'AccessDeniedException')
      return new AwsProtocolError('AuthorizationError', 403, err.message);
    return new AwsProtocolError('InvalidParameter', 400, err.message);
  }
  return undefined;
}

export class SnsApi {
  readonly #core: SesApiPort;
  readonly #log: Logger;

  constructor(core: SesApiPort, logger: Logger) {
    this.#core = core;
    this.#log = logger;
  }

  /** Whether an unsigned request is one SNS answers without a signature (a SubscribeURL or UnsubscribeURL visit). */
  static isUnsignedLink(req: AwsHttpRequest): boolean {
    return UNSIGNED_ACTIONS.has(queryParams(req.method, req.rawUrl, req.body).get('Action') ?? '');
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
          'Could not find operation to perform (no Action parameter).',
        );
      const op = snsModel.operations[action];
      if (!op)
        throw new AwsProtocolError(
          'InvalidAction',
          400,
          `The action ${action} is not valid for this web service.`,
        );
      const signed = req.rawHeaders.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization');
      const caller =
        signed || !UNSIGNED_ACTIONS.has(action) ? await authenticate(this.#core, req, 'sns') : undefined;
      const handler = snsHandlers[action];
      if (!handler)
        throw new AwsProtocolError(
          'InvalidAction',
          400,
          `The SNS action ${action} is not supported by Sesame.`,
        );
      const output = await handler(this.#core, caller, decodeQueryInput(snsModel, op.input, params));
      return {
        status: 200,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: encodeQueryResponse(snsModel, action, output, requestId),
      };
    } catch (err) {
      const e = answerFailure(
        err,
        toSnsError(err),
        { health: this.#core.health, log: this.#log },
        {
          code: 'InternalError',
          what: 'SNS action',
          context: { action, requestId },
        },
      );
      return {
        status: e.status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: encodeQueryError(snsModel, e, requestId),
      };
    }
  }
}

/**
 * The HTTP server (Fastify), built without listening so tests can inject requests. Owns: body capture as raw
 * bytes (SigV4 needs them), routing to the protocol adapters, the pages Sesame serves (verification links),
 * AWS-shaped answers for anything unknown. Must never hold domain rules.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConsolePort, DevInboxPort, SesApiPort, WebPagesPort } from '../../core/index.ts';
import { EpisodeLog } from '../../lib/episodes.ts';
import { newRequestId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import type { AwsHttpRequest, AwsHttpResponse } from '../aws/http-types.ts';
import { SesV2Api } from '../ses-v2/index.ts';
import { SesV1Api } from '../ses-v1/index.ts';
import { SnsApi } from '../sns/index.ts';
import { CloudWatchApi } from '../cloudwatch/index.ts';
import { bearerMatches, type Exposition } from '../ops/metrics-endpoint.ts';
import { S3Api } from '../s3/index.ts';
import type { FileObjectStore } from '../../lib/object-store.ts';
import { scopedService } from '../aws/auth.ts';
import { serviceUnavailable } from '../aws/protocol-error.ts';
import { registerPages } from './pages.ts';
import { registerDevInbox } from './dev-inbox.ts';
import { registerPreflight } from './preflight-route.ts';
import { registerConsole, type ConsoleSettings } from '../console/index.ts';

export interface HttpServerOptions {
  /** This node's SESAME_NODE_ID, sent as `x-sesame-node` (which node or worker answered, behind a balancer). */
  nodeId?: string;
  /** What the SES and SNS APIs call. */
  api: SesApiPort;
  /** What the pages behind Sesame's public links call. */
  pages: WebPagesPort;
  logger: Logger;
  /** Largest request body accepted (a 40 MB message is about 54 MB as base64 in JSON). */
  bodyLimit: number;
  /** Longest time a client may take to send a whole request, headers and body (slower ones get 408). */
  requestTimeoutMs: number;
  /** Concurrent connections; past it new connections are closed at once (logged once per episode). */
  maxConnections: number;
  /** The embedded buckets the S3-compatible read API serves. */
  objects: FileObjectStore;
  /** Prometheus' /metrics, served here only with the operator's bearer token. */
  metrics?: { token: string | undefined; exposition: Exposition };
  /** Development mode: the inbox of captured mail and its JSON API (absent: those paths say it is off). */
  devInbox?: DevInboxPort;
  /** The web console under /console. */
  console?: { port: ConsolePort; settings: ConsoleSettings };
}

/**
 * The request as the AWS adapters see it: raw target, raw headers and the body bytes as sent. Fastify reads no
 * body for GET and HEAD, but older AWS clients send one (botocore 1.29 sends `{}` with GET ListContacts and
 * signs it): such a body is read here, so the signature is checked against what was signed.
 */
async function toAwsRequest(req: FastifyRequest, bodyLimit: number): Promise<AwsHttpRequest> {
  return {
    method: req.method,
    rawUrl: req.raw.url ?? '/',
    rawHeaders: req.raw.rawHeaders,
    body: Buffer.isBuffer(req.body) ? req.body : await unparsedBody(req, bodyLimit),
    sourceIp: req.socket.remoteAddress ?? '',
    receivedAt: Date.now(),
    secure: cameOverTls(req),
  };
}

/**
 * `aws:SecureTransport`: TLS to this listener, or a TLS-terminating proxy on the same host that says so
 * (`X-Forwarded-Proto: https` from a loopback peer; a remote client's header is not believed).
 */
function cameOverTls(req: FastifyRequest): boolean {
  if ((req.raw.socket as { encrypted?: boolean }).encrypted === true) return true;
  const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const loopback = peer === '::1' || peer.startsWith('127.');
  return loopback && String(req.headers['x-forwarded-proto'] ?? '').toLowerCase() === 'https';
}

async function unparsedBody(req: FastifyRequest, limit: number): Promise<Buffer> {
  const headers = req.raw.headers;
  const declared = Number(headers['content-length'] ?? 0);
  if (!(declared > 0) && headers['transfer-encoding'] === undefined) return Buffer.alloc(0);
  if (declared > limit) throw Object.assign(new Error('request body too large'), { statusCode: 413 });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error('request body too large'), { statusCode: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export function send(reply: FastifyReply, res: AwsHttpResponse): FastifyReply {
  return reply.code(res.status).headers(res.headers).send(res.body);
}

function awsJsonError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply
    .code(status)
    .headers({
      'content-type': 'application/json',
      'x-amzn-requestid': newRequestId(),
      'x-amzn-errortype': code,
    })
    .send(JSON.stringify({ message }));
}

/**
 * A request that never became one (Node's HTTP parser refused it, or it was too slow): answered on the socket
 * in the same AWS JSON shape, then closed. Never the parser's own text (it may quote the request).
 */
function clientErrorHandler(err: { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'RequestTimeoutException', 'The request was not received in full within the time allowed.']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'BadRequestException', 'The request headers are larger than this server accepts.']
        : [400, 'BadRequestException', 'The request is not valid HTTP.'];
  const body = JSON.stringify({ message });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nx-amzn-ErrorType: ${code}\r\n` +
        `x-amzn-RequestId: ${newRequestId()}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy();
}

export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  // Tracking links carry their signed target in the path: allow long path parameters.
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    // A node stopping (a rolling restart) still answers requests that reach it on open connections, and
    // closes those connections after answering (below): no client is failed with a 503 it would have to retry.
    return503OnClosing: false,
    routerOptions: { maxParamLength: 8192 },
    // A client that sends its request slowly (slowloris) holds a connection only this long. Node checks the
    // deadline every connectionsCheckingInterval, so a slow request ends within a few seconds of it. It must
    // reach Node's constructor (`http`): Fastify's own requestTimeout is assigned after, where Node's check
    // no longer sees it — given alone it does nothing.
    requestTimeout: options.requestTimeoutMs,
    http: {
      requestTimeout: options.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(5000, options.requestTimeoutMs),
    },
    clientErrorHandler,
    // A URL Fastify's router cannot decode (malformed percent-encoding, a too long parameter): the same AWS
    // shape as every other refusal.
    frameworkErrors: (err, _req, reply) => {
      void awsJsonError(reply, 400, 'BadRequestException', `The request URL is not valid (${err.code}).`);
    },
  });
  app.server.maxConnections = options.maxConnections;
  const connectionCap = new EpisodeLog(options.logger, {
    cap: {
      began: `HTTP connection cap reached (${options.maxConnections}, SESAME_HTTP_MAX_CONNECTIONS): new connections are closed until some end`,
      ended: 'HTTP connections below the cap again',
    },
  });
  app.server.on('drop', () => connectionCap.report('cap', new Error('connection dropped at the cap')));
  // Accepting can fail (EMFILE when the process is out of file descriptors): an 'error' without a listener
  // would end the process; the server keeps serving the connections it has and accepts again when it can.
  app.server.on('error', (err: Error) => {
    if (!options.api.health.failure(err, { listener: 'http' }))
      options.logger.error({ err }, 'HTTP listener error');
  });
  app.addHook('onClose', async () => connectionCap.stop());
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const v2 = new SesV2Api(options.api, options.logger);
  const s3 = new S3Api(options.api, options.objects, options.logger);
  const v2Route = async (req: FastifyRequest, reply: FastifyReply) =>
    send(reply, await v2.handle(await toAwsRequest(req, options.bodyLimit)));
  app.all('/v2/*', v2Route);
  // Older SES v2 clients send PutEmailIdentityDkimSigningAttributes to /v1/email/…
  app.all('/v1/*', v2Route);

  // POST / carries every Query API (and CloudWatch's JSON one); the credential scope's service tells SES v1
  // (`ses`) from SNS (`sns`) and CloudWatch (`monitoring`).
  const v1 = new SesV1Api(options.api, options.logger);
  const sns = new SnsApi(options.api, options.logger);
  const cloudwatch = new CloudWatchApi(options.api, options.logger);
  const query = async (req: FastifyRequest, reply: FastifyReply) => {
    const aws = await toAwsRequest(req, options.bodyLimit);
    const service = scopedService(aws) ?? (SnsApi.isUnsignedLink(aws) ? 'sns' : 'ses');
    return send(
      reply,
      await (service === 'sns'
        ? sns.handle(aws)
        : service === 'monitoring'
          ? cloudwatch.handle(aws)
          : v1.handle(aws)),
    );
  };
  app.post('/', query);
  app.get('/', async (req, reply) => {
    if ((req.raw.url ?? '').includes('Action=')) return query(req, reply);
    const aws = await toAwsRequest(req, options.bodyLimit);
    if (S3Api.isS3(aws)) return send(reply, await s3.handle(aws));
    return reply
      .type('text/plain')
      .send(
        'Sesame: SES-compatible email platform. SES v2 API under /v2/email, SES v1 Query API on POST /.\n',
      );
  });

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/metrics', async (req, reply) => {
    const m = options.metrics;
    if (!m?.token)
      return reply
        .code(404)
        .type('text/plain')
        .send('/metrics is served on SESAME_METRICS_PORT, or here with SESAME_METRICS_TOKEN set.\n');
    if (!bearerMatches(req.headers.authorization, m.token))
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="sesame metrics"')
        .type('text/plain')
        .send('A bearer token (SESAME_METRICS_TOKEN) is required.\n');
    const { contentType, body } = await m.exposition();
    return reply.type(contentType).send(body);
  });
  registerPages(app, options.pages);
  registerDevInbox(app, options.devInbox, options.logger);
  if (options.console) registerConsole(app, options.console.port, options.console.settings, options.logger);
  registerPreflight(app, options.api, options.logger, (req) => toAwsRequest(req, options.bodyLimit));
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  if (options.nodeId) {
    const nodeId = options.nodeId;
    app.addHook('onSend', async (_req, reply, payload) => {
      reply.header('x-sesame-node', nodeId);
      return payload;
    });
  }
  // Every answer says when this node is in development mode (mail captured, identities verified at once).
  if (options.devInbox)
    app.addHook('onSend', async (_req, reply, payload) => {
      reply.header('x-sesame-mode', 'development');
      return payload;
    });

  // Path-style S3 (`/<bucket>/<key>`) has no route of its own: a request signed for `s3` that no route took.
  app.setNotFoundHandler(async (req, reply) => {
    const aws = await toAwsRequest(req, options.bodyLimit);
    if (S3Api.isS3(aws)) return send(reply, await s3.handle(aws));
    return awsJsonError(
      reply,
      404,
      'UnknownOperationException',
      `No operation matches ${req.method} ${req.url}.`,
    );
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    if (err.statusCode === 413)
      return awsJsonError(
        reply,
        413,
        'RequestEntityTooLargeException',
        `The request is larger than the ${options.bodyLimit} bytes this server accepts.`,
      );
    if (err.statusCode && err.statusCode < 500)
      return awsJsonError(reply, err.statusCode, 'BadRequestException', err.message);
    const failure = options.api.health.failure(err, { url: req.url.slice(0, 200) });
    if (failure) {
      const e = serviceUnavailable(failure);
      return awsJsonError(reply.header('retry-after', '5'), e.status, e.code, e.message);
    }
    options.logger.error({ err }, 'unhandled HTTP error');
    return awsJsonError(
      reply,
      500,
      'InternalFailure',
      'The request processing has failed because of an unknown error.',
    );
  });
  return app;
}

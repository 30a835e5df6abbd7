/**
 * An S3-compatible read API over Sesame's embedded buckets, so that code written for SES receiving —
 * `s3.get_object(Bucket=…, Key=prefix + messageId)` — runs unchanged: GetObject, HeadObject, ListObjectsV2 and
 * DeleteObject, path-style (`/<bucket>/<key>`), SigV4 with the signing name `s3`. An account reads only its own
 * buckets. Everything else S3 has answers S3's `NotImplemented`.
 */
import type { SesApiPort } from '../../core/index.ts';
import { newRequestId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import { validObjectKey, type FileObjectStore } from '../../lib/object-store.ts';
import { authenticate, scopedService } from '../aws/auth.ts';
import type { AwsHttpRequest, AwsHttpResponse } from '../aws/http-types.ts';
import { serviceUnavailable } from '../aws/protocol-error.ts';
import { AuthFailure } from '../aws/sigv4.ts';

/** A path part decoded; one that cannot be is a NUL, which no bucket or key may hold (InvalidURI). */
function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '\u0000';
  }
}

const xmlEscape = (s: string) =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

class S3Error extends Error {
  readonly status: number;
  readonly code: string;
  readonly resource: string;
  constructor(status: number, code: string, message: string, resource: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.resource = resource;
  }
}

const AUTH_CODES: Record<AuthFailure['kind'], string> = {
  missing: 'AccessDenied',
  incomplete: 'AuthorizationHeaderMalformed',
  expired: 'RequestTimeTooSkewed',
  signature: 'SignatureDoesNotMatch',
  region: 'AuthorizationHeaderMalformed',
  service: 'AuthorizationHeaderMalformed',
  'unknown-key': 'InvalidAccessKeyId',
};

export class S3Api {
  readonly #core: SesApiPort;
  readonly #objects: FileObjectStore;
  readonly #log: Logger;

  constructor(core: SesApiPort, objects: FileObjectStore, logger: Logger) {
    this.#core = core;
    this.#objects = objects;
    this.#log = logger;
  }

  /** Whether a request is an S3 one (signed for `s3`): the HTTP server routes it here. */
  static isS3(req: AwsHttpRequest): boolean {
    return scopedService(req) === 's3';
  }

  async handle(req: AwsHttpRequest): Promise<AwsHttpResponse> {
    const requestId = newRequestId();
    const q = req.rawUrl.indexOf('?');
    const rawPath = q < 0 ? req.rawUrl : req.rawUrl.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : req.rawUrl.slice(q + 1));
    const slash = rawPath.indexOf('/', 1);
    const bucket = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
    const key = slash < 0 ? '' : decode(rawPath.slice(slash + 1));
    try {
      const caller = await authenticate(this.#core, { ...req, unsignedPayloadAllowed: true }, 's3');
      if (!bucket) throw new S3Error(501, 'NotImplemented', 'ListBuckets is not supported by Sesame.', '/');
      if (bucket.includes('\u0000'))
        throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.", rawPath);
      const target = await this.#core.receivingResources.bucket(bucket);
      if (!target || target.external)
        throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', `/${bucket}`);
      if (target.accountId !== caller.accountId)
        throw new S3Error(403, 'AccessDenied', 'Access Denied', `/${bucket}`);
      const headers = { 'x-amz-request-id': requestId };
      if (!key) {
        if (req.method === 'GET' && query.get('list-type') === '2')
          return await this.#list(bucket, query, headers);
        throw new S3Error(
          501,
          'NotImplemented',
          `${req.method} on a bucket is not supported by Sesame.`,
          `/${bucket}`,
        );
      }
      const resource = `/${bucket}/${key}`;
      if (key.includes('\u0000'))
        throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.", resource);
      if (!validObjectKey(key))
        throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', resource);
      if (req.method === 'DELETE') {
        await this.#objects.delete(bucket, key);
        return { status: 204, headers, body: '' };
      }
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new S3Error(
          501,
          'NotImplemented',
          `${req.method} on an object is not supported by Sesame.`,
          resource,
        );
      const got = await this.#objects.get(bucket, key);
      if (!got) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', resource);
      return {
        status: 200,
        headers: {
          ...headers,
          'content-type': 'application/octet-stream',
          'content-length': String(got.object.size),
          etag: `"${got.object.etag}"`,
          'last-modified': new Date(got.object.lastModified).toUTCString(),
          'accept-ranges': 'bytes',
        },
        body: req.method === 'HEAD' ? '' : got.body,
      };
    } catch (err) {
      let e: S3Error;
      if (err instanceof S3Error) e = err;
      else if (err instanceof AuthFailure)
        e = new S3Error(
          err.kind === 'unknown-key' || err.kind === 'signature' || err.kind === 'missing' ? 403 : 400,
          AUTH_CODES[err.kind],
          err.message,
          rawPath,
        );
      else {
        const failure = this.#core.health.failure(err, { during: 'S3 request' });
        if (!failure) this.#log.error({ err, requestId }, 'internal error in an S3 request');
        const u = failure ? serviceUnavailable(failure) : undefined;
        e = new S3Error(
          u ? 503 : 500,
          u ? 'ServiceUnavailable' : 'InternalError',
          u?.message ?? 'We encountered an internal error. Please try again.',
          rawPath,
        );
      }
      // HEAD answers carry no body (the status says it all, as on S3).
      return {
        status: e.status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body:
          req.method === 'HEAD'
            ? ''
            : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message><Resource>${xmlEscape(e.resource)}</Resource><RequestId>${requestId}</RequestId></Error>`,
      };
    }
  }

  async #list(
    bucket: string,
    query: URLSearchParams,
    headers: Record<string, string>,
  ): Promise<AwsHttpResponse> {
    const prefix = query.get('prefix') ?? '';
    const token = query.get('continuation-token');
    const startAfter = token
      ? Buffer.from(token, 'base64url').toString('utf8')
      : (query.get('start-after') ?? undefined);
    const maxKeys = Math.min(1000, Math.max(0, Number(query.get('max-keys') ?? 1000) || 1000));
    const { objects, truncated } = await this.#objects.list(bucket, { prefix, startAfter, limit: maxKeys });
    const contents = objects
      .map(
        (o) =>
          `<Contents><Key>${xmlEscape(o.key)}</Key><LastModified>${new Date(o.lastModified).toISOString()}</LastModified><ETag>&quot;${o.etag}&quot;</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join('');
    const next =
      truncated && objects.length
        ? `<NextContinuationToken>${Buffer.from(objects.at(-1)!.key).toString('base64url')}</NextContinuationToken>`
        : '';
    return {
      status: 200,
      headers: { ...headers, 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${objects.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${token ? `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>` : ''}${contents}${next}</ListBucketResult>`,
    };
  }
}

/**
 * What receipt-rule actions name that SES finds in other AWS services: buckets (S3 actions) and functions
 * (Lambda actions). The operator creates them (`sesame bucket create`, `sesame function map`): a bucket is
 * Sesame's embedded store or an S3-compatible endpoint; a function is an HTTP endpoint that receives SES's
 * Lambda event, signed with the function's secret.
 */
import { randomBytes } from 'node:crypto';
import { LINK_ROUTES } from '../../lib/public-links.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import { StoreConflictError, type BucketRecord, type FunctionRecord, type Store } from '../../store/store.ts';
import { SesError, badRequest, notFound } from '../errors.ts';

/** S3's bucket naming rules (the ones that matter for path-style addressing). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** First path segments Sesame's own routes use: a bucket of that name could not be addressed path-style. */
const RESERVED = new Set(['v1', 'v2', 'health', ...Object.values(LINK_ROUTES).map((r) => r.split('/')[1]!)]);
const LAMBDA_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:(\d{12}):function:.+$/;

export interface ExternalBucket {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A bucket as the worker needs it: where its objects go. */
export interface BucketTarget {
  name: string;
  accountId: string;
  external: ExternalBucket | null;
}

export class ReceivingResources {
  readonly #store: Store;
  readonly #box: SecretBox;
  readonly #now: () => number;

  constructor(deps: { store: Store; box: SecretBox; now: () => number }) {
    this.#store = deps.store;
    this.#box = deps.box;
    this.#now = deps.now;
  }

  async createBucket(accountId: string, name: string, external?: ExternalBucket): Promise<BucketRecord> {
    if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name))
      throw badRequest(
        `Bucket name ${name} is not valid: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.`,
      );
    if (RESERVED.has(name)) throw badRequest(`Bucket name ${name} is reserved by Sesame's own routes.`);
    if (!(await this.#store.accounts.get(accountId)))
      throw notFound('Account', `Account ${accountId} does not exist.`);
    if (external && !/^https?:\/\/[^/]+/.test(external.endpoint))
      throw badRequest(`The endpoint of bucket ${name} must be an http(s) URL.`);
    const record: BucketRecord = {
      name,
      accountId,
      createdAt: this.#now(),
      endpoint: external?.endpoint ?? null,
      sealedConfig: external
        ? this.#box.seal(
            JSON.stringify({
              region: external.region,
              accessKeyId: external.accessKeyId,
              secretAccessKey: external.secretAccessKey,
            }),
          )
        : null,
    };
    try {
      await this.#store.receiving.createBucket(record);
    } catch (err) {
      if (err instanceof StoreConflictError)
        throw new SesError('AlreadyExistsException', `Bucket already exists: ${name}`, {
          resource: 'Bucket',
        });
      throw err;
    }
    return record;
  }

  listBuckets(accountId: string | null): Promise<BucketRecord[]> {
    return this.#store.receiving.listBuckets(accountId);
  }

  async deleteBucket(name: string): Promise<void> {
    if (!(await this.#store.receiving.deleteBucket(name)))
      throw notFound('Bucket', `Bucket ${name} does not exist.`);
  }

  async bucket(name: string): Promise<BucketTarget | null> {
    const b = await this.#store.receiving.getBucket(name);
    if (!b) return null;
    const config = b.sealedConfig
      ? (JSON.parse(this.#box.open(b.sealedConfig)) as Omit<ExternalBucket, 'endpoint'>)
      : null;
    return {
      name: b.name,
      accountId: b.accountId,
      external: b.endpoint && config ? { endpoint: b.endpoint, ...config } : null,
    };
  }

  /** Maps a function ARN of the account to an HTTP endpoint; returns the secret its events are signed with. */
  async mapFunction(accountId: string, arn: string, url: string): Promise<{ arn: string; secret: string }> {
    const m = LAMBDA_ARN.exec(arn);
    if (!m) throw badRequest(`Invalid Lambda function ARN: ${arn}`);
    if (m[1] !== accountId)
      throw badRequest(`The function ARN ${arn} names account ${m[1]}, not ${accountId}.`);
    if (!/^https?:\/\/[^/]+/.test(url))
      throw badRequest(`The function endpoint must be an http(s) URL: ${url}`);
    if (!(await this.#store.accounts.get(accountId)))
      throw notFound('Account', `Account ${accountId} does not exist.`);
    const secret = randomBytes(32).toString('base64url');
    await this.#store.receiving.putFunction({
      accountId,
      arn,
      url,
      sealedSecret: this.#box.seal(secret),
      createdAt: this.#now(),
    });
    return { arn, secret };
  }

  listFunctions(accountId: string | null): Promise<FunctionRecord[]> {
    return this.#store.receiving.listFunctions(accountId);
  }

  async unmapFunction(accountId: string, arn: string): Promise<void> {
    if (!(await this.#store.receiving.deleteFunction(accountId, arn)))
      throw notFound('Function', `Function ${arn} is not mapped.`);
  }

  async function(accountId: string, arn: string): Promise<{ url: string; secret: string } | null> {
    const f = await this.#store.receiving.getFunction(accountId, arn);
    return f ? { url: f.url, secret: this.#box.open(f.sealedSecret) } : null;
  }
}

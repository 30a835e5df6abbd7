/** The shape of an SES v2 operation handler: a decoded, validated input in; the output structure out. */
import type { SesApiPort } from '../../core/index.ts';
import type { Caller } from '../aws/auth.ts';

export interface V2Context {
  core: SesApiPort;
  caller: Caller;
  requestId: string;
  sourceIp: string;
}

export type V2Handler = (ctx: V2Context, input: Record<string, unknown>) => Promise<object | undefined>;

/** Declares a handler with its input type (the codec has already checked the input against the model). */
export function op<I>(fn: (ctx: V2Context, input: I) => Promise<object | undefined>): V2Handler {
  return (ctx, input) => fn(ctx, input as I);
}

/** NextToken values are opaque to clients: the store's cursor, base64url-encoded. */
export function encodeToken(cursor: string | null): string | undefined {
  return cursor === null ? undefined : Buffer.from(cursor, 'utf8').toString('base64url');
}

export function decodeToken(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  return Buffer.from(token, 'base64url').toString('utf8');
}

/** The shape of an SES v2 operation handler: a decoded, validated input in; the output structure out. */
import type { SesApiPort } from '../../core/index.ts';
import type { Caller } from '../aws/auth.ts';
import { pageToken } from '../ses-shared.ts';

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

/** NextToken values (ses-shared.ts pageToken): an unknown token is refused with BadRequestException. */
export const encodeToken = (cursor: string | null): string | undefined => pageToken.encode(cursor);
export const decodeToken = (token: string | undefined): string | undefined => pageToken.decode(token);

/** The shape of an SES v1 action handler: a decoded, validated input in; the Result members out. */
import type { SesApiPort } from '../../core/index.ts';
import type { Caller } from '../aws/auth.ts';

export interface V1Context {
  core: SesApiPort;
  caller: Caller;
  requestId: string;
  sourceIp: string;
}

export type V1Handler = (ctx: V1Context, input: Record<string, unknown>) => Promise<object | undefined>;

export function action<I>(fn: (ctx: V1Context, input: I) => Promise<object | undefined>): V1Handler {
  return (ctx, input) => fn(ctx, input as I);
}

/** v1 spells enum values in PascalCase: PENDING → Pending, TEMPORARY_FAILURE → TemporaryFailure. */
export function pascal(value: string): string {
  return value
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** And back: UseDefaultValue → USE_DEFAULT_VALUE. */
export function upperSnake(value: string): string {
  return value.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

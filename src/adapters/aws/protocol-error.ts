import type { HealthPort, ServiceFailure } from '../../core/index.ts';
import type { Logger } from '../../lib/logger.ts';

/** An error already shaped for an AWS protocol: the wire code, HTTP status and message. */
export class AwsProtocolError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fault: 'Sender' | 'Receiver';
  constructor(code: string, status: number, message: string) {
    super(message);
    this.code = code;
    this.status = status;
    this.fault = status >= 500 ? 'Receiver' : 'Sender';
  }
}

/** Collects validation failures and reports them the way AWS services do. */
export class ValidationErrors {
  readonly #errors: string[] = [];

  add(message: string): void {
    this.#errors.push(message);
  }

  get empty(): boolean {
    return this.#errors.length === 0;
  }

  toMessage(): string {
    const n = this.#errors.length;
    return `${n} validation error${n === 1 ? '' : 's'} detected: ${this.#errors.join('; ')}`;
  }
}

const UNAVAILABLE_REASONS: Record<ServiceFailure, string> = {
  'database-unavailable': 'its database cannot be reached',
  'storage-full': 'its storage is full',
  'out-of-descriptors': 'it is out of connections',
};

/**
 * The answer to a request that failed because of the service's state (core ServiceHealth): AWS's own
 * `ServiceUnavailable` (HTTP 503), which every AWS SDK and the CLI retry with back-off.
 */
export function serviceUnavailable(failure: ServiceFailure): AwsProtocolError {
  return new AwsProtocolError(
    'ServiceUnavailable',
    503,
    `The request has failed due to a temporary failure of the server: ${UNAVAILABLE_REASONS[failure]}. Retry the request.`,
  );
}

/**
 * The AWS-shaped answer to a failed request, one rule for every API: the adapter's own mapping of the error
 * (`mapped`) if it has one; else `ServiceUnavailable` when the failure is the service's state; else an internal
 * error with the service's code, logged with the request's context.
 */
export function answerFailure(
  err: unknown,
  mapped: AwsProtocolError | undefined,
  deps: { health: HealthPort; log: Logger },
  internal: { code: string; what: string; context: Record<string, unknown> },
): AwsProtocolError {
  if (mapped) return mapped;
  const failure = deps.health.failure(err, internal.context);
  if (failure) return serviceUnavailable(failure);
  deps.log.error({ err, ...internal.context }, `internal error in ${internal.what}`);
  return new AwsProtocolError(
    internal.code,
    500,
    'The request processing has failed because of an unknown error.',
  );
}

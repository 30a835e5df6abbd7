import type { ServiceFailure } from '../../core/index.ts';

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

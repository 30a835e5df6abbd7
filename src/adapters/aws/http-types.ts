/** The protocol-neutral request and response the AWS adapters work on (the HTTP server fills them in). */
export interface AwsHttpRequest {
  method: string;
  /** Request target as received: raw path and query, not decoded. */
  rawUrl: string;
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  receivedAt: number;
  /** Whether the request came over TLS (`aws:SecureTransport`). */
  secure?: boolean;
  /** Only the S3 routes may take `x-amz-content-sha256: UNSIGNED-PAYLOAD` (see sigv4.ts). */
  unsignedPayloadAllowed?: boolean;
}

export interface AwsHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

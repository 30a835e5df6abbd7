/** Sends a SigV4-signed HTTP request with any body (for protocol tests the SDKs would never send). */
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';

export interface SignedFetchOptions {
  method?: string;
  path: string;
  query?: Record<string, string | string[]>;
  body?: string;
  headers?: Record<string, string>;
  region?: string;
  service?: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  signingDate?: Date;
  /** Sent instead of `body` after signing (to test that a tampered body is refused). */
  sendBody?: string;
}

export async function signedFetch(baseUrl: string, o: SignedFetchOptions): Promise<Response> {
  const url = new URL(baseUrl);
  const signer = new SignatureV4({
    credentials: o.credentials,
    region: o.region ?? 'us-east-1',
    service: o.service ?? 'ses',
    sha256: Hash.bind(null, 'sha256'),
  });
  const request = new HttpRequest({
    method: o.method ?? 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: o.path,
    ...(o.query ? { query: o.query } : {}),
    headers: {
      host: url.host,
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...o.headers,
    },
    ...(o.body !== undefined ? { body: o.body } : {}),
  });
  const signed = await signer.sign(request, o.signingDate ? { signingDate: o.signingDate } : {});
  const qs = o.query
    ? `?${new URLSearchParams(Object.entries(o.query).flatMap(([k, v]): [string, string][] => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v]]))).toString().replace(/\+/g, '%20')}`
    : '';
  const headers = { ...signed.headers };
  delete headers.host;
  const body = o.sendBody ?? o.body;
  return fetch(`${baseUrl}${o.path}${qs}`, {
    method: signed.method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
}

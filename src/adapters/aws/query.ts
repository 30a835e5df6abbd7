/**
 * The AWS Query protocol (SES v1, SNS), driven by the service model: form parameters flattened as
 * `A.B.member.N`, `A.entry.N.key/value` decoded into an operation's input; outputs encoded as XML with the
 * service namespace, `<member>` lists, `<entry>` maps, ISO-8601 timestamps; errors as `<ErrorResponse>`.
 */
import type { ServiceModel } from './model/types.ts';
import { coerceInput, shapeOf } from './model/walk.ts';
import { AwsProtocolError, ValidationErrors } from './protocol-error.ts';
import type { AuthFailure } from './sigv4.ts';

/** The form parameters of a Query request: the body for POST, the query string for GET. */
export function queryParams(method: string, rawUrl: string, body: Buffer): URLSearchParams {
  if (method === 'GET') {
    const q = rawUrl.indexOf('?');
    return new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  }
  return new URLSearchParams(body.toString('utf8'));
}

/** Rebuilds the nested input of an operation from its flattened form parameters. */
export function decodeQueryInput(
  model: ServiceModel,
  inputShape: string | undefined,
  params: URLSearchParams,
): Record<string, unknown> {
  if (!inputShape) return {};
  const flat = new Map<string, string>();
  for (const [k, v] of params) flat.set(k, v);
  const raw = unflatten(model, inputShape, '', flat) as Record<string, unknown> | undefined;
  const errors = new ValidationErrors();
  const input = coerceInput(model, inputShape, raw ?? {}, '', errors) as Record<string, unknown>;
  if (!errors.empty) throw new AwsProtocolError('ValidationError', 400, errors.toMessage());
  return input;
}

function unflatten(
  model: ServiceModel,
  shapeName: string,
  prefix: string,
  flat: Map<string, string>,
): unknown {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      let any = false;
      for (const [name, member] of Object.entries(shape.members)) {
        const key = prefix ? `${prefix}.${member.locationName ?? name}` : (member.locationName ?? name);
        const v = unflatten(model, member.shape, key, flat);
        if (v !== undefined) {
          out[name] = v;
          any = true;
        }
      }
      return any || prefix === '' ? out : undefined;
    }
    case 'list': {
      // An empty list is sent as `Name=` (no members).
      if (flat.get(prefix) === '') return [];
      const items: unknown[] = [];
      for (let i = 1; ; i++) {
        const v = unflatten(model, shape.member, `${prefix}.member.${i}`, flat);
        if (v === undefined) break;
        items.push(v);
      }
      return items.length ? items : undefined;
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      let any = false;
      for (let i = 1; ; i++) {
        const k = flat.get(`${prefix}.entry.${i}.key`);
        if (k === undefined) break;
        out[k] = unflatten(model, shape.value, `${prefix}.entry.${i}.value`, flat);
        any = true;
      }
      return any ? out : undefined;
    }
    default:
      return flat.get(prefix);
  }
}

const escapeXml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

function scalarText(type: string, value: unknown): string {
  switch (type) {
    case 'timestamp':
      return new Date(value instanceof Date ? value.getTime() : Number(value)).toISOString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'double':
    case 'float': {
      const n = Number(value);
      return Number.isInteger(n) ? n.toFixed(1) : String(n);
    }
    case 'blob':
      return Buffer.isBuffer(value) ? value.toString('base64') : String(value);
    default:
      return escapeXml(String(value));
  }
}

/** The XML of a value of a shape (members of a structure, `<member>`s of a list, `<entry>`s of a map). */
function xmlValue(model: ServiceModel, shapeName: string, value: unknown): string {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure': {
      const obj = value as Record<string, unknown>;
      let out = '';
      for (const [name, member] of Object.entries(shape.members)) {
        const v = obj[name];
        if (v === undefined || v === null) continue;
        const tag = member.locationName ?? name;
        out += `<${tag}>${xmlValue(model, member.shape, v)}</${tag}>`;
      }
      return out;
    }
    case 'list':
      return (value as unknown[]).map((v) => `<member>${xmlValue(model, shape.member, v)}</member>`).join('');
    case 'map':
      return Object.entries(value as Record<string, unknown>)
        .map(
          ([k, v]) =>
            `<entry><key>${escapeXml(k)}</key><value>${xmlValue(model, shape.value, v)}</value></entry>`,
        )
        .join('');
    default:
      return scalarText(shape.type, value);
  }
}

export function encodeQueryResponse(
  model: ServiceModel,
  operation: string,
  output: unknown,
  requestId: string,
): string {
  const op = model.operations[operation]!;
  const ns = model.xmlNamespace ?? `https://${model.signingName}.amazonaws.com/doc/${model.apiVersion}/`;
  const wrapper = op.resultWrapper ?? `${operation}Result`;
  // Operations whose model has no output shape answer without a Result element.
  const result = op.output ? `<${wrapper}>${xmlValue(model, op.output, output ?? {})}</${wrapper}>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${ns}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>\n`;
}

export function encodeQueryError(model: ServiceModel, err: AwsProtocolError, requestId: string): string {
  const ns = model.xmlNamespace ?? `https://${model.signingName}.amazonaws.com/doc/${model.apiVersion}/`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${ns}"><Error><Type>${err.fault}</Type><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`;
}

const QUERY_AUTH_CODES: Record<AuthFailure['kind'], [string, number]> = {
  missing: ['MissingAuthenticationToken', 403],
  incomplete: ['IncompleteSignature', 400],
  expired: ['RequestExpired', 400],
  signature: ['SignatureDoesNotMatch', 403],
  region: ['SignatureDoesNotMatch', 403],
  service: ['SignatureDoesNotMatch', 403],
  'unknown-key': ['InvalidClientTokenId', 403],
};

/** An authentication failure as every Query API (SES v1, SNS) names it. */
export function queryAuthError(err: AuthFailure): AwsProtocolError {
  const [code, status] = QUERY_AUTH_CODES[err.kind];
  return new AwsProtocolError(code, status, err.message);
}

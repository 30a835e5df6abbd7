/**
 * The REST-JSON protocol (SES v2), driven by the service model: routing `METHOD + requestUri` with `{Label}`
 * segments, decoding path labels, query-string members and the JSON body into an operation's input, and
 * encoding outputs (timestamps as epoch seconds, blobs as base64) and errors (`x-amzn-ErrorType` + `{"message"}`).
 */
import type { OperationModel, ServiceModel } from './model/types.ts';
import { coerceInput, encodeOutput, shapeOf } from './model/walk.ts';
import { AwsProtocolError, ValidationErrors } from './protocol-error.ts';

interface CompiledRoute {
  operation: string;
  method: string;
  input: string | undefined;
  /** Literal segments, or null where a label goes. */
  segments: (string | null)[];
  labels: string[];
}

export interface RouteMatch {
  operation: string;
  model: OperationModel;
  /** Input shape of the binding that matched (alternate bindings have their own). */
  input: string | undefined;
  labels: Record<string, string>;
}

export class RestJsonRouter {
  readonly #routes: CompiledRoute[] = [];
  readonly #model: ServiceModel;

  constructor(model: ServiceModel) {
    this.#model = model;
    for (const [operation, op] of Object.entries(model.operations)) {
      for (const binding of [op, ...(op.alternates ?? [])]) {
        const segments: (string | null)[] = [];
        const labels: string[] = [];
        for (const seg of binding.uri.split('?')[0]!.split('/').slice(1)) {
          const m = /^\{(\w+)\}$/.exec(seg);
          if (m) {
            segments.push(null);
            labels.push(m[1]!);
          } else segments.push(seg);
        }
        this.#routes.push({ operation, method: binding.method, input: binding.input, segments, labels });
      }
    }
    // Literal segments win over labels at the same depth (e.g. `/tenants/get` before `/tenants/{Name}`).
    this.#routes.sort((a, b) => specificity(b) - specificity(a));
  }

  /** The operation for a request, or `undefined` when no operation has this method and path. */
  match(method: string, rawPath: string): RouteMatch | undefined {
    const parts = rawPath.split('/').slice(1);
    if (parts.length > 1 && parts.at(-1) === '') parts.pop();
    for (const route of this.#routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const labels: Record<string, string> = {};
      let li = 0;
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = route.segments[i];
        if (seg === null) {
          const value = safeDecode(parts[i]!);
          if (value === undefined || value === '') ok = false;
          else labels[route.labels[li++]!] = value;
        } else ok = seg === parts[i];
      }
      if (ok)
        return {
          operation: route.operation,
          model: this.#model.operations[route.operation]!,
          input: route.input,
          labels,
        };
    }
    return undefined;
  }
}

function specificity(r: CompiledRoute): number {
  return r.segments.reduce((n, s, i) => n + (s === null ? 0 : 2 ** (16 - i)), 0);
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Decodes an operation's input from path labels, the query string and the JSON body, and validates it. */
export function decodeRestJsonInput(
  model: ServiceModel,
  match: RouteMatch,
  rawQuery: string,
  body: Buffer,
): Record<string, unknown> {
  if (!match.input) return {};
  const shape = shapeOf(model, match.input);
  if (shape.type !== 'structure') throw new Error('input shape is not a structure');
  let json: Record<string, unknown> = {};
  if (body.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new AwsProtocolError(
        'BadRequestException',
        400,
        `The request body is not valid JSON: ${(err as Error).message}`,
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new AwsProtocolError('BadRequestException', 400, 'The request body must be a JSON object.');
    json = parsed as Record<string, unknown>;
  }
  const query = new URLSearchParams(rawQuery);
  const raw: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(shape.members)) {
    if (member.location === 'uri') {
      const v = match.labels[member.locationName ?? name];
      if (v !== undefined) raw[name] = v;
    } else if (member.location === 'querystring') {
      const key = member.locationName ?? name;
      if (!query.has(key)) continue;
      raw[name] = shapeOf(model, member.shape).type === 'list' ? query.getAll(key) : query.get(key);
    } else if (member.location === undefined && json[name] !== undefined) {
      raw[name] = json[name];
    }
  }
  const errors = new ValidationErrors();
  const input = coerceInput(model, match.input, raw, '', errors) as Record<string, unknown>;
  if (!errors.empty) throw new AwsProtocolError('BadRequestException', 400, errors.toMessage());
  return input;
}

export function encodeRestJsonOutput(model: ServiceModel, op: OperationModel, output: unknown): string {
  if (!op.output || output === undefined || output === null) return '{}';
  return JSON.stringify(encodeOutput(model, op.output, output, 'epoch-seconds') ?? {});
}

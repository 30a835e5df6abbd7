/**
 * Generates the compact service models in src/adapters/aws/model/ from the official botocore models
 * (Debian's python3-botocore: `apt-get install python3-botocore`).
 *
 * Debian's botocore snapshot (1.29, early 2023) predates operations and members that today's SDKs send
 * (SES v2 `Message.Headers`/`Attachments`, tenants, multi-region endpoints …). So that every operation the
 * current AWS SDK v3 knows still routes, the shapes botocore lacks are added from the schemas that the
 * pinned `@aws-sdk/client-*` packages export (`Foo$` arrays); botocore stays authoritative where both know a shape.
 *
 * Run: node tools/generate-model.ts [botocoreDataDir]
 */
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ServiceModel,
  ShapeModel,
  OperationModel,
  MemberModel,
} from '../src/adapters/aws/model/types.ts';

const require = createRequire(import.meta.url);
const botocoreDir = process.argv[2] ?? '/usr/lib/python3/dist-packages/botocore/data';
const outDir = new URL('../src/adapters/aws/model/', import.meta.url).pathname;

interface BotoShape {
  type: string;
  members?: Record<string, { shape: string; location?: string; locationName?: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  error?: { httpStatusCode: number; code?: string; senderFault?: boolean };
  exception?: boolean;
  fault?: boolean;
}
interface BotoModel {
  metadata: {
    serviceId: string;
    apiVersion: string;
    protocol: string;
    signingName?: string;
    endpointPrefix?: string;
    xmlNamespace?: string;
  };
  operations: Record<
    string,
    {
      http: { method: string; requestUri: string };
      input?: { shape: string };
      output?: { shape: string; resultWrapper?: string };
      errors?: { shape: string }[];
    }
  >;
  shapes: Record<string, BotoShape>;
}

function convertBotocore(model: BotoModel, source: string): ServiceModel {
  const shapes: Record<string, ShapeModel> = {};
  for (const [name, s] of Object.entries(model.shapes)) {
    shapes[name] = convertShape(s);
  }
  const operations: Record<string, OperationModel> = {};
  for (const [name, op] of Object.entries(model.operations)) {
    operations[name] = {
      method: op.http.method as OperationModel['method'],
      uri: op.http.requestUri,
      ...(op.input ? { input: op.input.shape } : {}),
      ...(op.output ? { output: op.output.shape } : {}),
      ...(op.output?.resultWrapper ? { resultWrapper: op.output.resultWrapper } : {}),
      errors: (op.errors ?? []).map((e) => e.shape),
    };
  }
  return {
    serviceId: model.metadata.serviceId,
    apiVersion: model.metadata.apiVersion,
    protocol: model.metadata.protocol as ServiceModel['protocol'],
    signingName: model.metadata.signingName ?? model.metadata.endpointPrefix ?? 'ses',
    ...(model.metadata.xmlNamespace ? { xmlNamespace: model.metadata.xmlNamespace } : {}),
    sources: [source],
    operations,
    shapes,
  };
}

function convertShape(s: BotoShape): ShapeModel {
  switch (s.type) {
    case 'structure': {
      const members: Record<string, MemberModel> = {};
      for (const [m, def] of Object.entries(s.members ?? {})) {
        members[m] = {
          shape: def.shape,
          ...(def.location ? { location: def.location as NonNullable<MemberModel['location']> } : {}),
          ...(def.locationName ? { locationName: def.locationName } : {}),
        };
      }
      return {
        type: 'structure',
        members,
        ...(s.required?.length ? { required: s.required } : {}),
        ...(s.exception
          ? {
              error: {
                status: s.error?.httpStatusCode ?? 400,
                ...(s.error?.code ? { code: s.error.code } : {}),
                fault: s.fault || (s.error && s.error.senderFault === false) ? 'server' : 'client',
              },
            }
          : {}),
      };
    }
    case 'list':
      return { type: 'list', member: s.member!.shape, ...minMax(s) };
    case 'map':
      return { type: 'map', key: s.key!.shape, value: s.value!.shape };
    default:
      return {
        type: s.type as 'string',
        ...(s.enum ? { enum: s.enum } : {}),
        ...minMax(s),
        ...(s.pattern ? { pattern: s.pattern } : {}),
      };
  }
}

function minMax(s: BotoShape): { min?: number; max?: number } {
  return { ...(s.min !== undefined ? { min: s.min } : {}), ...(s.max !== undefined ? { max: s.max } : {}) };
}

// ---- Overlay from the AWS SDK v3 schemas -------------------------------------------------------------
// Schema arrays (from @smithy/core/schema): [3, ns, name, traits, memberNames, memberSchemas, requiredCount]
// for structures, -3 for errors, 1 list [1, ns, name, traits, member], 2 map [2, ns, name, traits, key, value],
// 9 operations [9, ns, name, {http:[method, uri, code]}, input, output]. Simple types are numbers:
// 0 string, 1 number, 2 boolean, 4..7 timestamps, 21 blob, 15 document; `64 | t` a list of t, `128 | t` a map.
type Schema = unknown;
const HTTP_LABEL = 1;

function deref(s: Schema): Schema {
  return typeof s === 'function' ? (s as () => Schema)() : s;
}

class SchemaOverlay {
  added = { operations: 0, shapes: 0, members: 0, requirements: 0, alternates: 0 };
  private readonly model: ServiceModel;
  constructor(model: ServiceModel) {
    this.model = model;
  }

  addOperation(schema: unknown[]): void {
    const name = schema[2] as string;
    const http = (schema[3] as { http?: [string, string, number] }).http;
    const known = this.model.operations[name];
    if (!http) return; // Query protocol (SES v1): every operation is POST / and botocore knows all 71.
    const [method, uri] = http;
    if (known) {
      if (known.method !== method || known.uri !== uri)
        this.addAlternate(known, method, uri, deref(schema[4]) as unknown[]);
      return;
    }
    const input = this.shapeName(schema[4]);
    const output = this.shapeName(schema[5]);
    this.model.operations[name] = {
      method: method as OperationModel['method'],
      uri,
      ...(input ? { input } : {}),
      ...(output ? { output } : {}),
      errors: [],
    };
    this.added.operations++;
  }

  /** Records the SDK's binding of a moved operation, with an input shape carrying the SDK's member locations. */
  addAlternate(op: OperationModel, method: string, uri: string, inputSchema: unknown[]): void {
    let input: string | undefined;
    if (op.input && Array.isArray(inputSchema)) {
      const base = this.model.shapes[op.input];
      if (base?.type === 'structure') {
        input = `${op.input}__sdk`;
        const names = inputSchema[4] as string[];
        const members = inputSchema[5] as Schema[];
        const located: Record<string, MemberModel> = {};
        for (const [m, def] of Object.entries(base.members)) {
          const i = names.indexOf(m);
          const fromSdk = i >= 0 ? this.member(op.input, m, members[i]) : { shape: def.shape };
          located[m] = {
            shape: def.shape,
            ...(fromSdk.location
              ? { location: fromSdk.location, locationName: fromSdk.locationName ?? m }
              : {}),
          };
        }
        this.model.shapes[input] = { ...base, members: located };
      }
    }
    (op.alternates ??= []).push({
      method: method as OperationModel['method'],
      uri,
      ...(input ? { input } : {}),
    });
    this.added.alternates++;
  }

  /** Merges the members a structure known to botocore lacks; recurses into their shapes. */
  mergeStructure(schema: unknown[]): void {
    const name = schema[2] as string;
    const existing = this.model.shapes[name];
    if (!existing || existing.type !== 'structure') {
      this.shapeName(schema);
      return;
    }
    const names = schema[4] as string[];
    const members = schema[5] as Schema[];
    names.forEach((m, i) => {
      if (existing.members[m]) return;
      existing.members[m] = this.member(name, m, members[i]);
      this.added.members++;
    });
    // The newer model may have relaxed requirements (e.g. PutAccountDetails.UseCaseDescription); follow it,
    // since today's clients are built from it.
    const required = names.slice(0, (schema[6] as number | undefined) ?? 0);
    if (existing.error === undefined && (existing.required ?? []).join() !== required.join()) {
      if (required.length) existing.required = required;
      else delete existing.required;
      this.added.requirements++;
    }
  }

  private member(owner: string, name: string, schema: Schema): MemberModel {
    let traits: Record<string, unknown> | number = 0;
    let s = schema;
    if (Array.isArray(s) && s.length === 2 && (typeof s[1] === 'object' || typeof s[1] === 'number')) {
      traits = s[1] as Record<string, unknown> | number;
      s = s[0];
    }
    const member: MemberModel = { shape: this.shapeName(s, `${owner}${name}`) ?? this.string() };
    if (typeof traits === 'number') {
      if (traits & HTTP_LABEL) Object.assign(member, { location: 'uri', locationName: name });
    } else if (typeof traits.httpQuery === 'string') {
      Object.assign(member, { location: 'querystring', locationName: traits.httpQuery });
    } else if (typeof traits.httpHeader === 'string') {
      Object.assign(member, { location: 'header', locationName: traits.httpHeader });
    } else if (traits.httpLabel) {
      Object.assign(member, { location: 'uri', locationName: name });
    }
    return member;
  }

  /** Returns the model name of a schema, creating the shape when the model lacks it. */
  shapeName(schema: Schema, fallbackName?: string): string | undefined {
    let s = deref(schema);
    // A list member or map value with traits comes wrapped as [schema, traits] (a schema's own second item is
    // its namespace string).
    if (Array.isArray(s) && s.length === 2 && typeof s[1] !== 'string') s = deref(s[0]);
    if (s === undefined || s === null) return undefined;
    if (typeof s === 'number') return this.simple(s, fallbackName ?? 'Value');
    if (!Array.isArray(s)) return undefined;
    const kind = s[0] as number;
    const name = s[2] as string;
    if (this.model.shapes[name]) return name;
    if (kind === 3 || kind === -3) {
      const shape: ShapeModel = { type: 'structure', members: {} };
      this.model.shapes[name] = shape;
      this.added.shapes++;
      const names = s[4] as string[];
      const members = s[5] as Schema[];
      const requiredCount = (s[6] as number | undefined) ?? 0;
      names.forEach((m, i) => (shape.members[m] = this.member(name, m, members[i])));
      if (requiredCount > 0) shape.required = names.slice(0, requiredCount);
      if (kind === -3) {
        const t = s[3] as { error?: string; httpError?: number; awsQueryError?: [string, number] };
        shape.error = {
          status: t.httpError ?? 400,
          fault: t.error === 'server' ? 'server' : 'client',
          ...(t.awsQueryError ? { code: t.awsQueryError[0] } : {}),
        };
      }
      return name;
    }
    if (kind === 1) {
      this.model.shapes[name] = { type: 'list', member: this.string() };
      this.added.shapes++;
      (this.model.shapes[name] as { member: string }).member =
        this.shapeName(s[4], `${name}Member`) ?? this.string();
      return name;
    }
    if (kind === 2) {
      this.model.shapes[name] = { type: 'map', key: this.string(), value: this.string() };
      this.added.shapes++;
      (this.model.shapes[name] as { value: string }).value =
        this.shapeName(s[5], `${name}Value`) ?? this.string();
      return name;
    }
    return undefined;
  }

  private simple(code: number, name: string): string {
    if (code & 64)
      return this.synthetic(`${name}List`, { type: 'list', member: this.simple(code & ~64, name) });
    if (code & 128)
      return this.synthetic(`${name}Map`, {
        type: 'map',
        key: this.string(),
        value: this.simple(code & ~128, name),
      });
    const type =
      code === 2
        ? 'boolean'
        : code === 1
          ? 'long'
          : code >= 4 && code <= 7
            ? 'timestamp'
            : code === 21
              ? 'blob'
              : 'string';
    const builtin = {
      string: 'String',
      boolean: 'Boolean',
      long: 'Long',
      timestamp: 'Timestamp',
      blob: 'Blob',
    }[type];
    return this.synthetic(`__${builtin}`, { type });
  }

  /** A plain string shape (every shape a member names must exist in the model: the codecs look it up). */
  private string(): string {
    return this.synthetic('__String', { type: 'string' });
  }

  private synthetic(name: string, shape: ShapeModel): string {
    if (!this.model.shapes[name]) {
      this.model.shapes[name] = shape;
      this.added.shapes++;
    }
    return name;
  }
}

function overlayFromSdk(model: ServiceModel, sdkPackage: string): void {
  const sdk = require(sdkPackage) as Record<string, unknown>;
  const version = (require(`${sdkPackage}/package.json`) as { version: string }).version;
  const overlay = new SchemaOverlay(model);
  const schemas = Object.entries(sdk)
    .filter(([k, v]) => k.endsWith('$') && Array.isArray(v))
    .map(([, v]) => v as unknown[]);
  for (const s of schemas) if (s[0] === 3 || s[0] === -3) overlay.mergeStructure(s);
  for (const s of schemas) if (s[0] === 9) overlay.addOperation(s);
  model.sources.push(
    `${sdkPackage}@${version} schemas: +${overlay.added.operations} operations, +${overlay.added.alternates} alternate bindings, +${overlay.added.shapes} shapes, +${overlay.added.members} members, ${overlay.added.requirements} required-member lists updated`,
  );
}

function emit(model: ServiceModel, constName: string, file: string): void {
  const sorted = {
    ...model,
    operations: Object.fromEntries(Object.entries(model.operations).sort(([a], [b]) => a.localeCompare(b))),
    shapes: Object.fromEntries(Object.entries(model.shapes).sort(([a], [b]) => a.localeCompare(b))),
  };
  const text = `// Generated by tools/generate-model.ts — do not edit.\nimport type { ServiceModel } from './types.ts';\n\nexport const ${constName}: ServiceModel = ${JSON.stringify(sorted)};\n`;
  writeFileSync(join(outDir, file), text);
  console.log(
    `${file}: ${Object.keys(model.operations).length} operations, ${Object.keys(model.shapes).length} shapes`,
  );
}

function load(rel: string): BotoModel {
  return JSON.parse(readFileSync(join(botocoreDir, rel), 'utf8')) as BotoModel;
}

const botocoreVersion = (() => {
  try {
    return (
      readFileSync(join(botocoreDir, '..', '__init__.py'), 'utf8').match(/__version__ = '([^']+)'/)?.[1] ??
      'unknown'
    );
  } catch {
    return 'unknown';
  }
})();

const sesv2 = convertBotocore(
  load('sesv2/2019-09-27/service-2.json'),
  `botocore ${botocoreVersion} sesv2/2019-09-27`,
);
overlayFromSdk(sesv2, '@aws-sdk/client-sesv2');
emit(sesv2, 'sesv2Model', 'sesv2.generated.ts');

const ses = convertBotocore(
  load('ses/2010-12-01/service-2.json'),
  `botocore ${botocoreVersion} ses/2010-12-01`,
);
overlayFromSdk(ses, '@aws-sdk/client-ses');
emit(ses, 'sesModel', 'ses.generated.ts');

const sns = convertBotocore(
  load('sns/2010-03-31/service-2.json'),
  `botocore ${botocoreVersion} sns/2010-03-31`,
);
emit(sns, 'snsModel', 'sns.generated.ts');

// CloudWatch: Debian's CLI and boto3 speak its Query protocol, today's SDK awsJson1_0 (query-compatible);
// both codecs read the same shapes.
const cloudwatch = convertBotocore(
  load('cloudwatch/2010-08-01/service-2.json'),
  `botocore ${botocoreVersion} cloudwatch/2010-08-01`,
);
emit(cloudwatch, 'cloudwatchModel', 'cloudwatch.generated.ts');

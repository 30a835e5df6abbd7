/**
 * Model-driven value checking and conversion shared by the REST-JSON and Query codecs: required members,
 * scalar types, enums and lengths, and conversion of timestamps and blobs between wire and JS forms.
 */
import type { ServiceModel, ShapeModel } from './types.ts';
import type { ValidationErrors } from '../protocol-error.ts';

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

export function shapeOf(model: ServiceModel, name: string): ShapeModel {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`model ${model.serviceId} has no shape ${name}`);
  return shape;
}

const INT32 = [-(2 ** 31), 2 ** 31 - 1] as const;
const SAFE_LONG = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] as const;

/**
 * Checks and converts a decoded input value against its shape. Timestamps become Date, blobs Buffer;
 * unknown structure members are dropped (newer SDKs may send members this model does not know).
 */
export function coerceInput(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  path: string,
  errors: ValidationErrors,
): unknown {
  const shape = shapeOf(model, shapeName);
  const where = `'${path}'`;
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        errors.add(`Value at ${where} failed to satisfy constraint: Member must be a structure`);
        return undefined;
      }
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const req of shape.required ?? []) {
        if (obj[req] === undefined || obj[req] === null)
          errors.add(
            `Value null at '${path ? `${path}.` : ''}${lowerFirst(req)}' failed to satisfy constraint: Member must not be null`,
          );
      }
      for (const [name, member] of Object.entries(shape.members)) {
        const v = obj[name];
        if (v === undefined || v === null) continue;
        out[name] = coerceInput(
          model,
          member.shape,
          v,
          path ? `${path}.${lowerFirst(name)}` : lowerFirst(name),
          errors,
        );
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) {
        errors.add(`Value at ${where} failed to satisfy constraint: Member must be a list`);
        return undefined;
      }
      if (shape.min !== undefined && value.length < shape.min)
        errors.add(
          `Value at ${where} failed to satisfy constraint: Member must have length greater than or equal to ${shape.min}`,
        );
      if (shape.max !== undefined && value.length > shape.max)
        errors.add(
          `Value at ${where} failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`,
        );
      return value.map((v, i) => coerceInput(model, shape.member, v, `${path}.${i + 1}.member`, errors));
    }
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        errors.add(`Value at ${where} failed to satisfy constraint: Member must be a map`);
        return undefined;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value))
        out[k] = coerceInput(model, shape.value, v, `${path}.${k}`, errors);
      return out;
    }
    case 'string': {
      if (typeof value !== 'string') {
        errors.add(`Value at ${where} failed to satisfy constraint: Member must be a string`);
        return undefined;
      }
      // No AWS string member may hold a NUL character (nor can a PostgreSQL text column).
      if (value.includes('\u0000')) {
        errors.add(`Value at ${where} failed to satisfy constraint: Member must not contain a NUL character`);
        return undefined;
      }
      if (shape.enum && !shape.enum.includes(value))
        errors.add(
          `Value '${value}' at ${where} failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(', ')}]`,
        );
      if (shape.min !== undefined && value.length < shape.min)
        errors.add(
          `Value at ${where} failed to satisfy constraint: Member must have length greater than or equal to ${shape.min}`,
        );
      if (shape.max !== undefined && value.length > shape.max)
        errors.add(
          `Value at ${where} failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`,
        );
      return value;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      errors.add(`Value at ${where} failed to satisfy constraint: Member must be a boolean`);
      return undefined;
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : NaN;
      const integral = shape.type === 'integer' || shape.type === 'long';
      if (!Number.isFinite(n) || (integral && !Number.isInteger(n))) {
        errors.add(
          `Value '${String(value)}' at ${where} failed to satisfy constraint: Member must be ${integral ? 'an integer' : 'a number'}`,
        );
        return undefined;
      }
      // An integer is 32-bit and a long 64-bit (beyond 2^53 a JavaScript number is no longer exact).
      const [low, high] =
        shape.type === 'integer' ? INT32 : shape.type === 'long' ? SAFE_LONG : [-Infinity, Infinity];
      if (n < low || n > high) {
        errors.add(
          `Value '${String(value)}' at ${where} failed to satisfy constraint: Member must be ${shape.type === 'integer' ? 'a 32-bit' : 'a 64-bit'} integer`,
        );
        return undefined;
      }
      if (shape.min !== undefined && n < shape.min)
        errors.add(
          `Value '${n}' at ${where} failed to satisfy constraint: Member must have value greater than or equal to ${shape.min}`,
        );
      if (shape.max !== undefined && n > shape.max)
        errors.add(
          `Value '${n}' at ${where} failed to satisfy constraint: Member must have value less than or equal to ${shape.max}`,
        );
      return n;
    }
    case 'timestamp': {
      const d =
        typeof value === 'number'
          ? new Date(value * 1000)
          : typeof value === 'string'
            ? parseTimestamp(value)
            : undefined;
      if (!d || Number.isNaN(d.getTime())) {
        errors.add(
          `Value '${String(value)}' at ${where} failed to satisfy constraint: Member must be a timestamp`,
        );
        return undefined;
      }
      return d;
    }
    case 'blob': {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_\-\s]*=*\s*$/.test(value)) {
        errors.add(
          `Value at ${where} failed to satisfy constraint: Member must be base64-encoded binary data`,
        );
        return undefined;
      }
      return Buffer.from(value, 'base64');
    }
  }
}

function parseTimestamp(s: string): Date {
  if (/^\d+(\.\d+)?$/.test(s)) return new Date(Number(s) * 1000);
  return new Date(s);
}

export type TimestampEncoding = 'epoch-seconds' | 'iso8601';

/** Converts an output value for the wire: Date → epoch seconds or ISO-8601, Buffer → base64; drops absent members. */
export function encodeOutput(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  timestamps: TimestampEncoding,
): unknown {
  if (value === undefined || value === null) return undefined;
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure': {
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members)) {
        const v = encodeOutput(model, member.shape, obj[name], timestamps);
        if (v !== undefined) out[name] = v;
      }
      return out;
    }
    case 'list':
      return (value as unknown[]).map((v) => encodeOutput(model, shape.member, v, timestamps));
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        out[k] = encodeOutput(model, shape.value, v, timestamps);
      return out;
    }
    case 'timestamp': {
      const ms = value instanceof Date ? value.getTime() : Number(value);
      return timestamps === 'epoch-seconds' ? ms / 1000 : new Date(ms).toISOString();
    }
    case 'blob':
      return Buffer.isBuffer(value) ? value.toString('base64') : value;
    default:
      return value;
  }
}

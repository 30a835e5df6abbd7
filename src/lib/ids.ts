/** Identifiers in the formats AWS clients expect. */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A 12-digit account id, never starting with 0. */
export function newAccountId(): string {
  return String(randomInt(1, 10)) + Array.from({ length: 11 }, () => String(randomInt(0, 10))).join('');
}

/** An access key id in AWS format: `AKIA` + 16 base32 characters. */
export function newAccessKeyId(): string {
  const bytes = randomBytes(16);
  let out = 'AKIA';
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

/** A 40-character secret access key (base64 alphabet, as AWS issues them). */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

export function newRequestId(): string {
  return randomUUID();
}

/**
 * An SES-shaped message id: 16 hex (a 2-byte node prefix + the 48-bit millisecond time) + `-` + UUID + `-000000`,
 * e.g. `0100019425c5e2d0-4c3a1d7e-8f7b-4e2a-9c1d-2b3a4c5d6e7f-000000`.
 */
export function newMessageId(nowMs: number = Date.now(), prefix = '0100'): string {
  return `${prefix}${nowMs.toString(16).padStart(12, '0').slice(-12)}-${randomUUID()}-000000`;
}

/** The accept time a message id (newMessageId) carries, or null for an id of another form. */
export function messageTime(id: string): number | null {
  const m = /^[0-9a-f]{4}([0-9a-f]{12})-/.exec(id);
  return m ? parseInt(m[1]!, 16) : null;
}

/** A lowercase token of the given length for DKIM selectors (SES tokens are 32 lowercase alphanumerics). */
export function newToken(length = 32): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b & 31];
  return out;
}

/** A URL-safe random string for one-time links. */
export function newUrlToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

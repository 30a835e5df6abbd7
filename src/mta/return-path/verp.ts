/**
 * VERP return paths: the envelope sender of every delivery names the message and the recipients of that SMTP
 * transaction, signed so that bounces and complaints can be matched later, can only ever concern those
 * recipients, and mail to addresses Sesame never issued can be refused.
 * Local part (64 characters at most):
 * - one recipient: `b-<message id, base32>-<recipient index>-<mac>`;
 * - several (one transaction per destination domain): `b-<message id>-m<bitmask of their indices, base32>-<mac>`.
 */
import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { base32Decode, base32Encode } from '../../lib/base32.ts';

/** Recipient indices a several-recipient return path can name (a 7-byte mask keeps the local part ≤ 64). */
export const VERP_SET_LIMIT = 56;
const MASK_BYTES = VERP_SET_LIMIT / 8;

export interface ReturnPathTarget {
  messageId: string;
  /** The recipients (indices in the message) of the delivery the return path was issued for, ascending. */
  indices: number[];
}

export class ReturnPathCodec {
  /** A KeyObject: an HMAC keyed with a Buffer converts the key on every call. */
  readonly #key: KeyObject;

  constructor(key: Buffer) {
    this.#key = createSecretKey(key);
  }

  /** The return path of a delivery of `messageId` to the recipients `indices` (several: each < VERP_SET_LIMIT). */
  encode(messageId: string, indices: number | number[], domain: string): string {
    const m =
      /^([0-9a-f]{16})-([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})-000000$/.exec(
        messageId,
      );
    if (!m) throw new Error(`not a Sesame message id: ${messageId}`);
    const hex = m.slice(1).join('');
    const set = [...new Set(typeof indices === 'number' ? [indices] : indices)].sort((a, b) => a - b);
    if (set.length === 0) throw new Error('a return path names at least one recipient');
    const id = base32Encode(Buffer.from(hex, 'hex'));
    if (set.length === 1) return `b-${id}-${set[0]}-${this.#mac(hex, String(set[0]))}@${domain}`;
    const mask = Buffer.alloc(MASK_BYTES);
    for (const i of set) {
      if (!Number.isInteger(i) || i < 0 || i >= VERP_SET_LIMIT)
        throw new Error(`recipient index ${i} cannot share a return path`);
      mask[i >> 3]! |= 1 << (i & 7);
    }
    const names = `m${base32Encode(mask)}`;
    return `b-${id}-${names}-${this.#mac(hex, names)}@${domain}`;
  }

  /** The message and recipients a return-path local part names, or undefined when Sesame did not issue it. */
  decode(localPart: string): ReturnPathTarget | undefined {
    const m = /^b-([a-z2-7]{39})-(\d{1,3}|m[a-z2-7]{12})-([a-z2-7]{8})$/i.exec(localPart);
    if (!m) return undefined;
    const bytes = base32Decode(m[1]!);
    if (!bytes || bytes.length !== 24) return undefined;
    const hex = bytes.toString('hex');
    const names = m[2]!.toLowerCase();
    const expected = Buffer.from(this.#mac(hex, names));
    const given = Buffer.from(m[3]!.toLowerCase());
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let indices: number[];
    if (names.startsWith('m')) {
      const mask = base32Decode(names.slice(1));
      if (!mask || mask.length !== MASK_BYTES) return undefined;
      indices = [];
      for (let i = 0; i < VERP_SET_LIMIT; i++) if (mask[i >> 3]! & (1 << (i & 7))) indices.push(i);
      if (indices.length === 0) return undefined;
    } else indices = [Number(names)];
    const messageId = `${hex.slice(0, 16)}-${hex.slice(16, 24)}-${hex.slice(24, 28)}-${hex.slice(28, 32)}-${hex.slice(32, 36)}-${hex.slice(36)}-000000`;
    return { messageId, indices };
  }

  /** The MAC of one recipient covers `<hex>.<index>`, as return paths issued before sets existed. */
  #mac(hex: string, names: string): string {
    return base32Encode(createHmac('sha256', this.#key).update(`${hex}.${names}`).digest().subarray(0, 5));
  }
}

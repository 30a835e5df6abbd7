/**
 * VERP return paths: the envelope sender of every delivery names the message and recipient it belongs to,
 * signed so that bounces can be matched later and mail to addresses Sesame never issued can be refused.
 * Local part: `b-<message id, base32>-<recipient index>-<mac>` (53 characters at most).
 */
import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { base32Decode, base32Encode } from '../../lib/base32.ts';

export class ReturnPathCodec {
  /** A KeyObject: an HMAC keyed with a Buffer converts the key on every call. */
  readonly #key: KeyObject;

  constructor(key: Buffer) {
    this.#key = createSecretKey(key);
  }

  encode(messageId: string, index: number, domain: string): string {
    const m =
      /^([0-9a-f]{16})-([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})-000000$/.exec(
        messageId,
      );
    if (!m) throw new Error(`not a Sesame message id: ${messageId}`);
    const hex = m.slice(1).join('');
    return `b-${base32Encode(Buffer.from(hex, 'hex'))}-${index}-${this.#mac(hex, index)}@${domain}`;
  }

  /** The message and recipient a return-path local part names, or undefined when Sesame did not issue it. */
  decode(localPart: string): { messageId: string; index: number } | undefined {
    const m = /^b-([a-z2-7]{39})-(\d{1,3})-([a-z2-7]{8})$/i.exec(localPart);
    if (!m) return undefined;
    const bytes = base32Decode(m[1]!);
    if (!bytes || bytes.length !== 24) return undefined;
    const hex = bytes.toString('hex');
    const index = Number(m[2]);
    const expected = Buffer.from(this.#mac(hex, index));
    const given = Buffer.from(m[3]!.toLowerCase());
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const messageId = `${hex.slice(0, 16)}-${hex.slice(16, 24)}-${hex.slice(24, 28)}-${hex.slice(28, 32)}-${hex.slice(32, 36)}-${hex.slice(36)}-000000`;
    return { messageId, index };
  }

  #mac(hex: string, index: number): string {
    return base32Encode(createHmac('sha256', this.#key).update(`${hex}.${index}`).digest().subarray(0, 5));
  }
}

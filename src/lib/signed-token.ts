/**
 * Self-contained signed tokens for links Sesame puts in mail (tracking, unsubscribe): the content travels in
 * the URL, an HMAC proves Sesame issued it, so a tampered or made-up link is refused without a lookup.
 * Each use has its own key, so a token of one kind is never accepted as another.
 */
import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

export class SignedTokens<T extends object> {
  /** A KeyObject: an HMAC keyed with a Buffer converts the key on every call. */
  readonly #key: KeyObject;
  readonly #valid: (value: unknown) => value is T;

  constructor(key: Buffer, valid: (value: unknown) => value is T) {
    this.#key = createSecretKey(key);
    this.#valid = valid;
  }

  sign(token: T): string {
    const body = Buffer.from(JSON.stringify(token)).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The token's content, or undefined when Sesame did not issue it. */
  verify(signed: string): T | undefined {
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const body = signed.slice(0, dot);
    const expected = Buffer.from(this.#mac(body));
    const given = Buffer.from(signed.slice(dot + 1));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const value: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      return this.#valid(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest().subarray(0, 16).toString('base64url');
  }
}

import { describe, expect, it } from 'vitest';
import { ReturnPathCodec, VERP_SET_LIMIT } from '../../src/mta/return-path/verp.ts';
import { newMessageId } from '../../src/lib/ids.ts';

describe('VERP return paths', () => {
  const codec = new ReturnPathCodec(Buffer.alloc(32, 7));
  const id = newMessageId();

  it('round-trips message id and recipient index within 64 characters of local part', () => {
    const address = codec.encode(id, 12, 'bounce.example.com');
    const local = address.split('@')[0]!;
    expect(local.length).toBeLessThanOrEqual(64);
    expect(codec.decode(local)).toEqual({ messageId: id, indices: [12] });
    expect(codec.decode(local.toUpperCase())).toEqual({ messageId: id, indices: [12] });
  });

  it('names every recipient of a several-recipient transaction, still within 64 characters', () => {
    const all = Array.from({ length: VERP_SET_LIMIT }, (_, i) => i);
    for (const indices of [[0, 1], [3, 17, 49], all]) {
      const local = codec.encode(id, indices, 'x').split('@')[0]!;
      expect(local.length).toBeLessThanOrEqual(64);
      expect(codec.decode(local)).toEqual({ messageId: id, indices });
      expect(codec.decode(local.toUpperCase())).toEqual({ messageId: id, indices });
    }
    // One index is the one-recipient form (the form every earlier return path has).
    expect(codec.encode(id, [5], 'x')).toBe(codec.encode(id, 5, 'x'));
    expect(() => codec.encode(id, [1, VERP_SET_LIMIT], 'x')).toThrow();
  });

  it('refuses addresses it did not issue, and a changed set of recipients', () => {
    const local = codec.encode(id, 0, 'x').split('@')[0]!;
    expect(codec.decode(local.replace(/-0-/, '-1-'))).toBeUndefined();
    expect(new ReturnPathCodec(Buffer.alloc(32, 8)).decode(local)).toBeUndefined();
    expect(codec.decode('postmaster')).toBeUndefined();
    const pair = codec.encode(id, [0, 1], 'x').split('@')[0]!;
    const other = codec.encode(id, [0, 2], 'x').split('@')[0]!;
    const forged = `${other.slice(0, other.lastIndexOf('-'))}${pair.slice(pair.lastIndexOf('-'))}`;
    expect(codec.decode(forged)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { ReturnPathCodec } from '../../src/mta/return-path/verp.ts';
import { newMessageId } from '../../src/lib/ids.ts';

describe('VERP return paths', () => {
  const codec = new ReturnPathCodec(Buffer.alloc(32, 7));
  const id = newMessageId();

  it('round-trips message id and recipient index within 64 characters of local part', () => {
    const address = codec.encode(id, 12, 'bounce.example.com');
    const local = address.split('@')[0]!;
    expect(local.length).toBeLessThanOrEqual(64);
    expect(codec.decode(local)).toEqual({ messageId: id, index: 12 });
    expect(codec.decode(local.toUpperCase())).toEqual({ messageId: id, index: 12 });
  });

  it('refuses addresses it did not issue', () => {
    const local = codec.encode(id, 0, 'x').split('@')[0]!;
    expect(codec.decode(local.replace(/-0-/, '-1-'))).toBeUndefined();
    expect(new ReturnPathCodec(Buffer.alloc(32, 8)).decode(local)).toBeUndefined();
    expect(codec.decode('postmaster')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { KnownItems } from '../../src/mta/queue/known-items.ts';

describe('known queued items', () => {
  it('tracks (message, domain) pairs, one or several domains per message', () => {
    const known = new KnownItems();
    known.add('m1', 'a.test');
    known.add('m2', 'a.test');
    known.add('m2', 'b.test');
    known.add('m2', 'b.test');
    expect(known.has('m1', 'a.test')).toBe(true);
    expect(known.has('m1', 'b.test')).toBe(false);
    expect(known.has('m2', 'a.test') && known.has('m2', 'b.test')).toBe(true);
    known.delete('m2', 'a.test');
    expect(known.has('m2', 'a.test')).toBe(false);
    expect(known.has('m2', 'b.test')).toBe(true);
    known.delete('m2', 'b.test');
    known.delete('m1', 'c.test');
    expect(known.has('m1', 'a.test')).toBe(true);
    known.delete('m1', 'a.test');
    expect(known.size).toBe(0);
  });
});

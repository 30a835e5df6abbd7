import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/lib/group-commit.ts';

/** A writer whose writes finish when the test says so. */
function controlledWriter() {
  const writes: { items: number[]; finish: (err?: Error) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = (items: number[]) =>
    new Promise<void>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      writes.push({
        items,
        finish: (err) => {
          inFlight--;
          if (err) reject(err);
          else resolve();
        },
      });
    });
  return { write, writes, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('group commit', () => {
  it('answers each caller only after the write that carried its item, gathering items that arrive meanwhile', async () => {
    const w = controlledWriter();
    const gc = new GroupCommit(w.write);
    const answered: number[] = [];
    const submit = (n: number) => gc.submit(n).then(() => answered.push(n));
    void submit(1);
    await tick();
    void submit(2);
    void submit(3);
    await tick();
    expect(w.writes.map((x) => x.items)).toEqual([[1]]);
    w.writes[0]!.finish();
    await tick();
    expect(answered).toEqual([1]);
    expect(w.writes.map((x) => x.items)).toEqual([[1], [2, 3]]);
    w.writes[1]!.finish();
    await tick();
    expect(answered).toEqual([1, 2, 3]);
  });

  it('with two writes in flight hands the next batch over before the first is answered, never a third', async () => {
    const w = controlledWriter();
    const gc = new GroupCommit(w.write, 1000, 2);
    const done = [1, 2, 3, 4, 5].map((n) => gc.submit(n));
    await tick();
    void gc.submit(6);
    await tick();
    void gc.submit(7);
    await tick();
    expect(w.writes.map((x) => x.items)).toEqual([[1, 2, 3, 4, 5], [6]]);
    expect(gc.backlog).toBe(1);
    w.writes[0]!.finish();
    await Promise.all(done);
    expect(w.writes.map((x) => x.items)).toEqual([[1, 2, 3, 4, 5], [6], [7]]);
    expect(w.maxInFlight()).toBe(2);
  });

  it('rejects the callers of a failed write and goes on with the next', async () => {
    const w = controlledWriter();
    const gc = new GroupCommit(w.write);
    const first = gc.submit(1);
    await tick();
    const second = gc.submit(2);
    w.writes[0]!.finish(new Error('disk full'));
    await expect(first).rejects.toThrow('disk full');
    await tick();
    w.writes[1]!.finish();
    await expect(second).resolves.toBeUndefined();
  });
});

/**
 * Store contract: development mode's captured mail (filters, order, cursor, bytes, deletes) and the reset of one
 * account's data, which must leave every other account's rows alone (every dialect).
 */
import { describe, expect, it } from 'vitest';
import type { CapturedMailRecord } from '../../src/store/store.ts';
import { accepted, account, dialects, identity, ids, useStore } from './harness.ts';

function capture(accountId: string, n: number, extra: Partial<CapturedMailRecord> = {}): CapturedMailRecord {
  return {
    id: `0000${String(1_000_000 + n).padStart(12, '0')}-${ids.name('c')}`,
    accountId,
    messageId: `m-${n}`,
    capturedAt: 1_000 + n,
    mailFrom: `b-${n}@bounces.test`,
    recipients: [`user${n}@dest.test`],
    from: `Sender ${n} <s${n}@app.test>`,
    subject: `Subject ${n}`,
    size: 10 + n,
    ...extra,
  };
}

for (const dialect of dialects)
  describe.skipIf(!dialect.available)(`Store contract (${dialect.name}): development mode`, () => {
    const s = useStore(dialect);

    it('captures, lists newest first with filters and a cursor, returns the bytes, deletes', async () => {
      const a = ids.account();
      const rows = [
        capture(a, 1),
        capture(a, 2, { recipients: ['Alice@Dest.test', 'bcc@dest.test'], subject: '100% off_today' }),
        capture(a, 3, { from: 'News <news@other.test>' }),
      ];
      for (const r of rows) await s.store.development.capture(r, Buffer.from(`raw ${r.id}`));
      const list = (f: Record<string, unknown> = {}) =>
        s.store.development.listCaptured({ accountId: a, limit: 10, ...f }).then((l) => l.map((r) => r.id));
      expect(await list()).toEqual([rows[2]!.id, rows[1]!.id, rows[0]!.id]);
      expect(await s.store.development.getCaptured(rows[1]!.id)).toEqual(rows[1]);
      expect(await list({ to: 'alice@dest' })).toEqual([rows[1]!.id]);
      expect(await list({ subject: '100%' })).toEqual([rows[1]!.id]);
      // LIKE's wildcards are taken literally.
      expect(await list({ subject: '%' })).toEqual([rows[1]!.id]);
      expect(await list({ subject: 'f_t' })).toEqual([rows[1]!.id]);
      expect(await list({ subject: '0_' })).toEqual([]);
      expect(await list({ from: 'NEWS@other' })).toEqual([rows[2]!.id]);
      expect(await list({ from: 'b-1@bounces' })).toEqual([rows[0]!.id]);
      expect(await list({ messageId: 'm-2' })).toEqual([rows[1]!.id]);
      expect(await list({ since: 1_002 })).toEqual([rows[2]!.id, rows[1]!.id]);
      expect(await list({ before: rows[2]!.id, limit: 1 })).toEqual([rows[1]!.id]);
      expect(await s.store.development.countCaptured({ accountId: a })).toBe(3);
      expect(await s.store.development.countCaptured({ accountId: a, to: 'dest.test' })).toBe(3);
      expect(await s.store.development.countCaptured({ accountId: a, subject: '100%' })).toBe(1);
      expect((await s.store.development.capturedRaw(rows[0]!.id))?.toString()).toBe(`raw ${rows[0]!.id}`);
      expect(await s.store.development.capturedRaw('nope')).toBeNull();
      expect(await s.store.development.deleteCaptured(rows[0]!.id)).toBe(true);
      expect(await s.store.development.deleteCaptured(rows[0]!.id)).toBe(false);
      expect(await s.store.development.deleteAllCaptured(a)).toBe(2);
      expect(await list()).toEqual([]);
    });

    it('resets one account’s data in one transaction and leaves other accounts alone', async () => {
      const [a, b] = [ids.account(), ids.account()];
      for (const id of [a, b]) {
        await s.store.accounts.create(account(id));
        await s.store.identities.create(identity(id, `${id}.test`));
        await s.store.accessKeys.create({
          id: `AKIA${id}`,
          accountId: id,
          sealedSecret: 'x',
          status: 'Active',
          createdAt: 1,
          userName: null,
          permissions: null,
        });
        await s.store.messages.accept(accepted(id, { recipients: 2, quota: 2 }));
        await s.store.suppression.put({
          accountId: id,
          email: `gone@${id}.test`,
          reason: 'BOUNCE',
          lastUpdate: 1,
          messageId: null,
          feedbackId: null,
        });
        await s.store.development.capture(capture(id, 9), Buffer.from('x'));
      }
      await s.store.development.resetAccountData(a);
      expect(await s.store.identities.count(a)).toBe(0);
      expect(await s.store.messages.sentSince(a, 0)).toBe(0);
      expect(await s.store.suppression.get(a, `gone@${a}.test`)).toBeNull();
      expect(await s.store.development.listCaptured({ accountId: a, limit: 5 })).toEqual([]);
      // The account and its keys stay.
      expect(await s.store.accounts.get(a)).not.toBeNull();
      expect(await s.store.accessKeys.get(`AKIA${a}`)).not.toBeNull();
      // The other account is untouched.
      expect(await s.store.identities.count(b)).toBe(1);
      expect(await s.store.messages.sentSince(b, 0)).toBe(2);
      expect(await s.store.suppression.get(b, `gone@${b}.test`)).not.toBeNull();
      expect(await s.store.development.listCaptured({ accountId: b, limit: 5 })).toHaveLength(1);
    });
  });

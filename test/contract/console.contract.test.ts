/** Store contract: console users (unique email, setup-token lookup, atomic modify, listing) on every dialect. */
import { describe, expect, it } from 'vitest';
import { StoreConflictError, type ConsoleUserRecord } from '../../src/store/store.ts';
import { dialects, ids, useStore } from './harness.ts';

function user(extra: Partial<ConsoleUserRecord> = {}): ConsoleUserRecord {
  return {
    id: ids.name('u'),
    accountId: ids.account(),
    email: `${ids.name('e')}@corp.test`,
    role: 'admin',
    passwordHash: null,
    passwordChangedAt: null,
    setupTokenHash: ids.name('t'),
    setupExpiresAt: 5_000,
    createdAt: 1_000,
    ...extra,
  };
}

for (const dialect of dialects)
  describe.skipIf(!dialect.available)(`Store contract (${dialect.name}): console users`, () => {
    const s = useStore(dialect);

    it('creates, finds by email and setup token, modifies, lists; an email is taken once', async () => {
      const a = user();
      const b = user({
        accountId: a.accountId,
        email: `a-${a.email}`,
        setupTokenHash: null,
        setupExpiresAt: null,
      });
      const op = user({ accountId: null, role: 'operator' });
      for (const u of [a, b, op]) await s.store.consoleUsers.create(u);
      await expect(s.store.consoleUsers.create(user({ email: a.email }))).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      expect(await s.store.consoleUsers.get(a.id)).toEqual(a);
      expect(await s.store.consoleUsers.byEmail(a.email.toUpperCase())).toEqual(a);
      expect(await s.store.consoleUsers.bySetupToken(a.setupTokenHash!)).toEqual(a);
      expect(await s.store.consoleUsers.bySetupToken('nope')).toBeNull();
      const changed = await s.store.consoleUsers.modify(a.id, (u) => ({
        ...u,
        passwordHash: 'scrypt$x',
        passwordChangedAt: 2_000,
        setupTokenHash: null,
        setupExpiresAt: null,
      }));
      expect(changed).toMatchObject({ passwordHash: 'scrypt$x', setupTokenHash: null });
      expect(await s.store.consoleUsers.get(a.id)).toEqual(changed);
      expect(await s.store.consoleUsers.modify('missing', (u) => u)).toBeNull();
      expect((await s.store.consoleUsers.list(a.accountId)).map((u) => u.id)).toEqual([b.id, a.id]);
      expect((await s.store.consoleUsers.list(null)).map((u) => u.id)).toContain(op.id);
    });
  });

/** Store contract: accounts, access keys, identities, tags, the epoch and sealed secrets (every dialect). */
import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../src/store/store.ts';
import { account, dialects, identity, ids, useStore } from './harness.ts';

for (const dialect of dialects)
  describe.skipIf(!dialect.available)(`Store contract (${dialect.name}): accounts and identities`, () => {
    const s = useStore(dialect);
    /** A new account of the store (identities and tags belong to an existing account). */
    const newAccount = async (store = s.store) => {
      const id = ids.account();
      await store.accounts.create(account(id));
      return id;
    };

    it('reports its dialect and migrates idempotently', async () => {
      expect(s.store.dialect).toBe(dialect.name === 'PostgreSQL' ? 'postgres' : 'sqlite');
      await s.store.migrate();
    });

    it('creates, reads and lists accounts; a duplicate id conflicts', async () => {
      const [id1, id2] = [ids.account(), ids.account()];
      const a = account(id1, {
        createdAt: 10,
        details: {
          mailType: 'MARKETING',
          websiteUrl: 'https://x',
          contactLanguage: null,
          useCaseDescription: 'news',
          additionalContactEmailAddresses: ['a@x.com'],
        },
      });
      await s.store.accounts.create(a);
      await s.store.accounts.create(account(id2, { createdAt: 11 }));
      expect(await s.store.accounts.get(a.id)).toEqual(a);
      expect(await s.store.accounts.get('999999999999')).toBeNull();
      await expect(s.store.accounts.create(account(id1))).rejects.toBeInstanceOf(StoreConflictError);
      const mine = (await s.store.accounts.list()).filter((x) => x.id === id1 || x.id === id2);
      expect(mine.map((x) => x.id)).toEqual([id1, id2]);
    });

    it('modifies an account atomically: concurrent changes are all kept; a failing change changes nothing', async () => {
      const id = ids.account();
      await s.store.accounts.create(account(id, { max24HourSend: 0 }));
      await Promise.all(
        Array.from({ length: 20 }, () =>
          s.store.accounts.modify(id, (a) => ({ ...a, max24HourSend: a.max24HourSend + 1 })),
        ),
      );
      expect((await s.store.accounts.get(id))?.max24HourSend).toBe(20);
      expect(await s.store.accounts.modify('000000000000', (a) => a)).toBeNull();
      await expect(
        s.store.accounts.modify(id, () => {
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      expect((await s.store.accounts.get(id))?.max24HourSend).toBe(20);
    });

    it('lists accounts by review status, oldest request first', async () => {
      const store = await s.fresh();
      const [a, b, c] = [ids.account(), ids.account(), ids.account()];
      await store.accounts.create(account(a, { review: { status: 'PENDING', caseId: 'c2', updatedAt: 20 } }));
      await store.accounts.create(account(b, { review: { status: 'PENDING', caseId: 'c1', updatedAt: 10 } }));
      await store.accounts.create(account(c, { review: { status: 'GRANTED', caseId: 'c3', updatedAt: 5 } }));
      expect((await store.accounts.listByReviewStatus('PENDING')).map((x) => x.id)).toEqual([b, a]);
      expect((await store.accounts.listByReviewStatus('GRANTED')).map((x) => x.id)).toEqual([c]);
    });

    it('stores access keys and their status', async () => {
      const accountId = await newAccount();
      const key = {
        id: `AKIA${ids.name('K').replace(/\W/g, '')}`,
        accountId,
        sealedSecret: 'v1:abc',
        status: 'Active' as const,
        createdAt: 5,
        userName: null,
        permissions: null,
      };
      await s.store.accessKeys.create(key);
      await s.store.accessKeys.create({ ...key, id: `${key.id}2`, createdAt: 6 });
      await expect(s.store.accessKeys.create(key)).rejects.toBeInstanceOf(StoreConflictError);
      expect(await s.store.accessKeys.get(key.id)).toEqual(key);
      // A limited key (an IAM user's) keeps its user name and permissions.
      const limited = {
        ...key,
        id: `${key.id}L`,
        createdAt: 7,
        userName: 'smtp-user',
        permissions: { actions: ['ses:SendRawEmail'], identities: ['example.com'] },
      };
      await s.store.accessKeys.create(limited);
      expect(await s.store.accessKeys.get(limited.id)).toEqual(limited);
      expect((await s.store.accessKeys.listByAccount(accountId)).map((k) => k.id)).toEqual([
        key.id,
        `${key.id}2`,
        limited.id,
      ]);
      expect(await s.store.accessKeys.setStatus(key.id, 'Inactive')).toBe(true);
      expect((await s.store.accessKeys.get(key.id))?.status).toBe('Inactive');
      expect(await s.store.accessKeys.setStatus('AKIANOPE', 'Inactive')).toBe(false);
    });

    it('stores identities with their nested DKIM and MAIL FROM state; the same name in another account is another identity', async () => {
      const [a, b] = [await newAccount(), await newAccount()];
      const rec = identity(a, 'example.com', {
        dkim: {
          origin: 'AWS_SES',
          status: 'PENDING',
          checkStartedAt: 1,
          keys: [{ selector: 's1', sealedPrivateKey: 'v1:x', publicKey: 'MIIB', length: 'RSA_2048_BIT' }],
          activeSelector: 's1',
          currentKeyLength: 'RSA_2048_BIT',
          nextKeyLength: 'RSA_2048_BIT',
          lastKeyGeneratedAt: 1,
          rotations: 0,
          pendingKeys: null,
        },
        mailFrom: {
          domain: 'bounce.example.com',
          status: 'PENDING',
          behaviorOnMxFailure: 'USE_DEFAULT_VALUE',
          startedAt: 1,
        },
        notifications: { topics: { Bounce: 'arn:aws:sns:us-east-1:1:t' }, headers: { Bounce: true } },
        nextCheckAt: 50,
      });
      await s.store.identities.create(rec);
      expect(await s.store.identities.get(a, 'example.com')).toEqual(rec);
      await expect(s.store.identities.create(rec)).rejects.toBeInstanceOf(StoreConflictError);
      await s.store.identities.create(identity(b, 'example.com'));
      expect((await s.store.identities.get(b, 'example.com'))?.dkim).toBeNull();
    });

    it('lists identities by name with an exclusive cursor, filtered by type, and counts them', async () => {
      const a = await newAccount();
      for (const n of ['b@example.com', 'a@example.com', 'zeta.org', 'alpha.org', 'example.com'])
        await s.store.identities.create(identity(a, n));
      const first = await s.store.identities.list(a, { limit: 2 });
      expect(first.items.map((i) => i.name)).toEqual(['a@example.com', 'alpha.org']);
      expect(first.next).toBe('alpha.org');
      const second = await s.store.identities.list(a, { limit: 2, after: first.next! });
      expect(second.items.map((i) => i.name)).toEqual(['b@example.com', 'example.com']);
      const last = await s.store.identities.list(a, { limit: 2, after: second.next! });
      expect(last.items.map((i) => i.name)).toEqual(['zeta.org']);
      expect(last.next).toBeNull();
      const emails = await s.store.identities.list(a, { limit: 10, type: 'EMAIL_ADDRESS' });
      expect(emails.items.map((i) => i.name)).toEqual(['a@example.com', 'b@example.com']);
      expect(await s.store.identities.count(a)).toBe(5);
      expect(await s.store.identities.count(ids.account())).toBe(0);
    });

    it('finds identities by email token and by due check time', async () => {
      const store = await s.fresh();
      const a = await newAccount(store);
      await store.identities.create(identity(a, 'a@example.com', { emailToken: 'tok-a' }));
      await store.identities.create(identity(a, 'example.com', { nextCheckAt: 50 }));
      await store.identities.create(identity(a, 'zeta.org', { nextCheckAt: 10 }));
      expect((await store.identities.findByEmailToken('tok-a'))?.name).toBe('a@example.com');
      expect(await store.identities.findByEmailToken('nope')).toBeNull();
      expect((await store.identities.listDueForCheck(60, 10)).map((i) => i.name)).toEqual([
        'zeta.org',
        'example.com',
      ]);
      expect((await store.identities.listDueForCheck(20, 10)).map((i) => i.name)).toEqual(['zeta.org']);
      expect(await store.identities.nextCheckAt()).toBe(10);
    });

    it('modifies identities atomically and deletes them', async () => {
      const a = await newAccount();
      await s.store.identities.create(identity(a, 'alpha.org'));
      const changed = await s.store.identities.modify(a, 'alpha.org', (i) => ({
        ...i,
        verificationStatus: 'SUCCESS',
        feedbackForwarding: false,
      }));
      expect(changed?.verificationStatus).toBe('SUCCESS');
      expect((await s.store.identities.get(a, 'alpha.org'))?.feedbackForwarding).toBe(false);
      await Promise.all(
        Array.from({ length: 10 }, () =>
          s.store.identities.modify(a, 'alpha.org', (i) => ({ ...i, checkCount: i.checkCount + 1 })),
        ),
      );
      expect((await s.store.identities.get(a, 'alpha.org'))?.checkCount).toBe(10);
      expect(await s.store.identities.modify(a, 'missing.org', (i) => i)).toBeNull();
      expect(await s.store.identities.delete(a, 'alpha.org')).toBe(true);
      expect(await s.store.identities.delete(a, 'alpha.org')).toBe(false);
      expect(await s.store.identities.get(a, 'alpha.org')).toBeNull();
    });

    it('puts, overwrites, lists and removes tags', async () => {
      const a = await newAccount();
      const arn = `arn:aws:ses:us-east-1:${a}:identity/example.com`;
      await s.store.tags.put(a, arn, [
        { key: 'team', value: 'a' },
        { key: 'env', value: 'prod' },
      ]);
      await s.store.tags.put(a, arn, [{ key: 'team', value: 'b' }]);
      expect(await s.store.tags.list(a, arn)).toEqual([
        { key: 'env', value: 'prod' },
        { key: 'team', value: 'b' },
      ]);
      expect(await s.store.tags.list(ids.account(), arn)).toEqual([]);
      await s.store.tags.remove(a, arn, ['env']);
      expect(await s.store.tags.list(a, arn)).toEqual([{ key: 'team', value: 'b' }]);
      await s.store.tags.removeAll(a, arn);
      expect(await s.store.tags.list(a, arn)).toEqual([]);
    });

    it('bumps the configuration epoch, once per call even when concurrent', async () => {
      const before = await s.store.meta.getEpoch();
      const bumped = await Promise.all(Array.from({ length: 5 }, () => s.store.meta.bumpEpoch()));
      expect([...bumped].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5].map((n) => before + n));
      expect(await s.store.meta.getEpoch()).toBe(before + 5);
    });

    it('keeps the first sealed secret of a name', async () => {
      const name = ids.name('secret');
      expect(await s.store.secrets.get(name)).toBeNull();
      expect(await s.store.secrets.putIfAbsent(name, 'sealed-1')).toBe('sealed-1');
      expect(await s.store.secrets.putIfAbsent(name, 'sealed-2')).toBe('sealed-1');
      expect(await s.store.secrets.get(name)).toBe('sealed-1');
    });
  });

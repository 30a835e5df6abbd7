/**
 * The Store contract: every implementation (SQLite, PostgreSQL) must pass this suite.
 * CI runs it once per database (SESAME_TEST_DATABASE_URL selects PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/kysely-store.ts';
import {
  StoreConflictError,
  type AccountRecord,
  type IdentityRecord,
  type Store,
} from '../../src/store/store.ts';
import { onPostgres, testDatabase, type TestDatabase } from '../support/database.ts';

let store: Store;
let db: TestDatabase;
let dir: string;

function account(id: string, extra: Partial<AccountRecord> = {}): AccountRecord {
  return {
    id,
    name: `acct ${id}`,
    createdAt: 1_700_000_000_000 + Number(id.slice(-3)),
    productionAccess: false,
    max24HourSend: 200,
    maxSendRate: 1,
    sendingEnabled: true,
    enforcementStatus: 'HEALTHY',
    suppressedReasons: ['BOUNCE', 'COMPLAINT'],
    details: null,
    review: null,
    ...extra,
  };
}

function identity(accountId: string, name: string, extra: Partial<IdentityRecord> = {}): IdentityRecord {
  return {
    accountId,
    name,
    type: name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
    createdAt: 1,
    verificationStatus: 'PENDING',
    verificationStartedAt: 1,
    emailToken: null,
    domainToken: null,
    lastCheckedAt: null,
    lastSuccessAt: null,
    nextCheckAt: null,
    checkCount: 0,
    errorType: null,
    dkimSigningEnabled: true,
    dkim: null,
    mailFrom: null,
    feedbackForwarding: true,
    configurationSetName: null,
    notifications: null,
    ...extra,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sesame-contract-'));
  db = testDatabase(dir);
  store = await openStore({ url: db.url, schema: db.schema });
  await store.migrate();
  await store.migrate(); // idempotent
});

afterAll(async () => {
  await store.close();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`Store contract (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('reports its dialect', () => {
    expect(store.dialect).toBe(onPostgres ? 'postgres' : 'sqlite');
  });

  it('creates, reads and lists accounts; a duplicate id conflicts', async () => {
    const a = account('100000000001', {
      details: {
        mailType: 'MARKETING',
        websiteUrl: 'https://x',
        contactLanguage: null,
        useCaseDescription: 'news',
        additionalContactEmailAddresses: ['a@x.com'],
      },
    });
    await store.accounts.create(a);
    await store.accounts.create(account('100000000002'));
    expect(await store.accounts.get(a.id)).toEqual(a);
    expect(await store.accounts.get('999999999999')).toBeNull();
    await expect(store.accounts.create(account('100000000001'))).rejects.toBeInstanceOf(StoreConflictError);
    expect((await store.accounts.list()).map((x) => x.id)).toEqual(['100000000001', '100000000002']);
  });

  it('modifies an account atomically: concurrent changes are all kept', async () => {
    await store.accounts.create(account('100000000003', { max24HourSend: 0 }));
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.accounts.modify('100000000003', (a) => ({ ...a, max24HourSend: a.max24HourSend + 1 })),
      ),
    );
    expect((await store.accounts.get('100000000003'))?.max24HourSend).toBe(20);
    expect(await store.accounts.modify('000000000000', (a) => a)).toBeNull();
  });

  it('a failing change leaves the record untouched', async () => {
    await expect(
      store.accounts.modify('100000000003', () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect((await store.accounts.get('100000000003'))?.max24HourSend).toBe(20);
  });

  it('lists accounts by review status, oldest request first', async () => {
    await store.accounts.create(
      account('100000000004', { review: { status: 'PENDING', caseId: 'c2', updatedAt: 20 } }),
    );
    await store.accounts.create(
      account('100000000005', { review: { status: 'PENDING', caseId: 'c1', updatedAt: 10 } }),
    );
    await store.accounts.create(
      account('100000000006', { review: { status: 'GRANTED', caseId: 'c3', updatedAt: 5 } }),
    );
    expect((await store.accounts.listByReviewStatus('PENDING')).map((a) => a.id)).toEqual([
      '100000000005',
      '100000000004',
    ]);
    expect((await store.accounts.listByReviewStatus('GRANTED')).map((a) => a.id)).toEqual(['100000000006']);
  });

  it('stores access keys and their status', async () => {
    const key = {
      id: 'AKIATESTTESTTEST0001',
      accountId: '100000000001',
      sealedSecret: 'v1:abc',
      status: 'Active' as const,
      createdAt: 5,
    };
    await store.accessKeys.create(key);
    await store.accessKeys.create({ ...key, id: 'AKIATESTTESTTEST0002', createdAt: 6 });
    await expect(store.accessKeys.create(key)).rejects.toBeInstanceOf(StoreConflictError);
    expect(await store.accessKeys.get(key.id)).toEqual(key);
    expect((await store.accessKeys.listByAccount('100000000001')).map((k) => k.id)).toEqual([
      'AKIATESTTESTTEST0001',
      'AKIATESTTESTTEST0002',
    ]);
    expect(await store.accessKeys.setStatus(key.id, 'Inactive')).toBe(true);
    expect((await store.accessKeys.get(key.id))?.status).toBe('Inactive');
    expect(await store.accessKeys.setStatus('AKIANOPE', 'Inactive')).toBe(false);
  });

  it('stores identities with their nested DKIM and MAIL FROM state', async () => {
    const rec = identity('100000000001', 'example.com', {
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
      nextCheckAt: 50,
    });
    await store.identities.create(rec);
    expect(await store.identities.get('100000000001', 'example.com')).toEqual(rec);
    await expect(store.identities.create(rec)).rejects.toBeInstanceOf(StoreConflictError);
    // The same name in another account is another identity.
    await store.identities.create(identity('100000000002', 'example.com'));
  });

  it('lists identities by name with an exclusive cursor, filtered by type', async () => {
    for (const n of ['b@example.com', 'a@example.com', 'zeta.org', 'alpha.org'])
      await store.identities.create(
        identity('100000000001', n, { emailToken: n.includes('@') ? `tok-${n}` : null }),
      );
    const first = await store.identities.list('100000000001', { limit: 2 });
    expect(first.items.map((i) => i.name)).toEqual(['a@example.com', 'alpha.org']);
    expect(first.next).toBe('alpha.org');
    const second = await store.identities.list('100000000001', { limit: 2, after: first.next! });
    expect(second.items.map((i) => i.name)).toEqual(['b@example.com', 'example.com']);
    const last = await store.identities.list('100000000001', { limit: 2, after: second.next! });
    expect(last.items.map((i) => i.name)).toEqual(['zeta.org']);
    expect(last.next).toBeNull();
    const emails = await store.identities.list('100000000001', { limit: 10, type: 'EMAIL_ADDRESS' });
    expect(emails.items.map((i) => i.name)).toEqual(['a@example.com', 'b@example.com']);
    expect(await store.identities.count('100000000001')).toBe(5);
  });

  it('finds identities by email token and by due check time', async () => {
    expect((await store.identities.findByEmailToken('tok-a@example.com'))?.name).toBe('a@example.com');
    expect(await store.identities.findByEmailToken('nope')).toBeNull();
    await store.identities.modify('100000000001', 'zeta.org', (i) => ({ ...i, nextCheckAt: 10 }));
    expect((await store.identities.listDueForCheck(60, 10)).map((i) => i.name)).toEqual([
      'zeta.org',
      'example.com',
    ]);
    expect((await store.identities.listDueForCheck(20, 10)).map((i) => i.name)).toEqual(['zeta.org']);
    expect(await store.identities.nextCheckAt()).toBe(10);
  });

  it('modifies and deletes identities', async () => {
    const changed = await store.identities.modify('100000000001', 'alpha.org', (i) => ({
      ...i,
      verificationStatus: 'SUCCESS',
      feedbackForwarding: false,
    }));
    expect(changed?.verificationStatus).toBe('SUCCESS');
    expect((await store.identities.get('100000000001', 'alpha.org'))?.feedbackForwarding).toBe(false);
    expect(await store.identities.modify('100000000001', 'missing.org', (i) => i)).toBeNull();
    expect(await store.identities.delete('100000000001', 'alpha.org')).toBe(true);
    expect(await store.identities.delete('100000000001', 'alpha.org')).toBe(false);
    expect(await store.identities.get('100000000001', 'alpha.org')).toBeNull();
  });

  it('puts, overwrites, lists and removes tags', async () => {
    const arn = 'arn:aws:ses:us-east-1:100000000001:identity/example.com';
    await store.tags.put('100000000001', arn, [
      { key: 'team', value: 'a' },
      { key: 'env', value: 'prod' },
    ]);
    await store.tags.put('100000000001', arn, [{ key: 'team', value: 'b' }]);
    expect(await store.tags.list('100000000001', arn)).toEqual([
      { key: 'env', value: 'prod' },
      { key: 'team', value: 'b' },
    ]);
    await store.tags.remove('100000000001', arn, ['env']);
    expect(await store.tags.list('100000000001', arn)).toEqual([{ key: 'team', value: 'b' }]);
    await store.tags.removeAll('100000000001', arn);
    expect(await store.tags.list('100000000001', arn)).toEqual([]);
  });

  it('bumps the configuration epoch', async () => {
    const before = await store.meta.getEpoch();
    expect(await store.meta.bumpEpoch()).toBe(before + 1);
    expect(await store.meta.getEpoch()).toBe(before + 1);
  });

  it('stores templates per kind: create conflicts, pages by name, updates and deletes', async () => {
    const t = (name: string, kind: 'email' | 'verification' = 'email') => ({
      accountId: '100000000009',
      kind,
      name,
      createdAt: 1,
      updatedAt: 1,
      content: { subject: `S ${name}`, text: null, html: '<p>x</p>' },
    });
    for (const n of ['b', 'a', 'c']) await store.templates.create(t(n));
    await store.templates.create(t('a', 'verification'));
    await expect(store.templates.create(t('a'))).rejects.toBeInstanceOf(StoreConflictError);
    expect(await store.templates.count('100000000009', 'email')).toBe(3);
    const page = await store.templates.list('100000000009', 'email', { limit: 2 });
    expect(page.items.map((x) => x.name)).toEqual(['a', 'b']);
    expect(page.next).toBe('b');
    expect(
      (await store.templates.list('100000000009', 'email', { after: 'b', limit: 2 })).items.map(
        (x) => x.name,
      ),
    ).toEqual(['c']);
    expect(await store.templates.update({ ...t('a'), content: { subject: 'new' }, updatedAt: 2 })).toBe(true);
    expect(await store.templates.get('100000000009', 'email', 'a')).toMatchObject({
      content: { subject: 'new' },
      updatedAt: 2,
    });
    expect(await store.templates.get('100000000009', 'verification', 'a')).toMatchObject({
      content: { subject: 'S a' },
    });
    expect(await store.templates.update(t('zzz'))).toBe(false);
    expect(await store.templates.delete('100000000009', 'email', 'a')).toBe(true);
    expect(await store.templates.delete('100000000009', 'email', 'a')).toBe(false);
    expect(await store.templates.get('100000000009', 'email', 'a')).toBeNull();
  });

  it('stores contact lists and contacts: case-insensitive addresses, atomic modify, upsert, cascade delete', async () => {
    const acct = '100000000010';
    await store.contacts.createList({
      accountId: acct,
      name: 'news',
      description: null,
      topics: [{ name: 't', displayName: 'T', description: null, defaultSubscriptionStatus: 'OPT_IN' }],
      createdAt: 1,
      updatedAt: 1,
    });
    const contact = (email: string) => ({
      accountId: acct,
      listName: 'news',
      email,
      topicPreferences: [],
      unsubscribeAll: false,
      attributes: null,
      createdAt: 1,
      updatedAt: 1,
    });
    await store.contacts.createContact(contact('Ann@Example.com'));
    await expect(store.contacts.createContact(contact('ann@example.com'))).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    expect((await store.contacts.getContact(acct, 'news', 'ANN@example.com'))?.email).toBe('Ann@Example.com');
    // Concurrent read–change–write of one contact loses no change.
    await Promise.all(
      ['t1', 't2', 't3', 't4'].map((topicName) =>
        store.contacts.modifyContact(acct, 'news', 'ann@example.com', (c) => ({
          ...c!,
          topicPreferences: [...c!.topicPreferences, { topicName, subscriptionStatus: 'OPT_OUT' }],
        })),
      ),
    );
    expect((await store.contacts.getContact(acct, 'news', 'ann@example.com'))?.topicPreferences).toHaveLength(
      4,
    );
    // modifyContact can create a contact that does not exist yet.
    await store.contacts.modifyContact(
      acct,
      'news',
      'new@example.com',
      (c) => c ?? contact('new@example.com'),
    );
    await store.contacts.upsertContacts([
      { ...contact('bulk@example.com'), attributes: '{"n":1}' },
      { ...contact('new@example.com'), unsubscribeAll: true },
    ]);
    await store.contacts.upsertContacts([{ ...contact('bulk@example.com'), attributes: '{"n":2}' }]);
    expect((await store.contacts.getContact(acct, 'news', 'bulk@example.com'))?.attributes).toBe('{"n":2}');
    expect((await store.contacts.getContact(acct, 'news', 'new@example.com'))?.unsubscribeAll).toBe(true);
    const found = await store.contacts.findContacts(acct, 'news', ['NEW@example.com', 'nobody@example.com']);
    expect(found.map((c) => c.email)).toEqual(['new@example.com']);
    const page = await store.contacts.contacts(acct, 'news', { limit: 2 });
    expect(page.items.map((c) => c.email)).toEqual(['Ann@Example.com', 'bulk@example.com']);
    expect(
      (await store.contacts.contacts(acct, 'news', { after: page.next!, limit: 2 })).items.map(
        (c) => c.email,
      ),
    ).toEqual(['new@example.com']);
    expect(await store.contacts.countLists(acct)).toBe(1);
    expect(await store.contacts.deleteList(acct, 'news')).toBe(true);
    expect(await store.contacts.findContacts(acct, 'news', ['ann@example.com', 'bulk@example.com'])).toEqual(
      [],
    );
  });

  it('accepts the messages of one bulk call in one transaction', async () => {
    const msg = (id: string, recipientCount = 1) => ({
      message: {
        id,
        accountId: '100000000011',
        createdAt: 1,
        source: 'a@b.test',
        fromDomain: 'b.test',
        mailFromDomain: 'b.test',
        configurationSet: null,
        size: 3,
        recipientCount,
        mail: {},
        tags: {},
        feedbackAddress: null,
        listManagement: null,
        operation: 'SendBulkEmail',
        options: null,
      },
      body: Buffer.from('x\r\n'),
      recipients: Array.from({ length: recipientCount }, (_, index) => ({
        messageId: id,
        index,
        address: `r${index}@c.test`,
        domain: 'c.test',
        status: 'queued' as const,
        attempts: 0,
        nextAttemptAt: 1,
        updatedAt: 1,
        lastResponse: null,
        owner: 'n1',
      })),
      events: [],
      quotaRecipients: recipientCount,
    });
    await store.messages.acceptAll([msg('bulk-1'), msg('bulk-2')]);
    expect((await store.messages.get('bulk-2'))?.operation).toBe('SendBulkEmail');
    expect(await store.messages.recipients('bulk-1')).toHaveLength(1);
    // A failing message (a duplicate id) takes the whole call with it.
    await expect(store.messages.acceptAll([msg('bulk-3'), msg('bulk-1')])).rejects.toThrow();
    expect(await store.messages.get('bulk-3')).toBeNull();
    // More recipient rows than one PostgreSQL statement can bind (65,535 parameters, 10 per row) are written in
    // several statements of one transaction: all of them, or none when a later row fails.
    const many = Math.ceil(65_535 / 10) + 100;
    const sentBefore = await store.messages.sentSince('100000000011', 0);
    await store.messages.acceptAll([msg('bulk-4', many), msg('bulk-5')]);
    expect(await store.messages.recipients('bulk-4')).toHaveLength(many);
    expect(await store.messages.sentSince('100000000011', 0)).toBe(sentBefore + many + 1);
    const failing = msg('bulk-6', many);
    failing.recipients[many - 1]!.index = 0; // the last row repeats the first one's key
    await expect(store.messages.acceptAll([failing])).rejects.toThrow();
    expect(await store.messages.get('bulk-6')).toBeNull();
    expect(await store.messages.recipients('bulk-6')).toHaveLength(0);
    expect(await store.messages.sentSince('100000000011', 0)).toBe(sentBefore + many + 1);
  });
});

/**
 * Store contract: the resources an account configures — configuration sets, the suppression list, templates,
 * contact lists and contacts.
 */
import { describe, expect, it } from 'vitest';
import { StoreConflictError, type ConfigurationSetRecord } from '../../src/store/store.ts';
import { dialects, ids, useStore } from './harness.ts';

function configurationSet(accountId: string, name: string): ConfigurationSetRecord {
  return {
    accountId,
    name,
    createdAt: 1,
    sendingEnabled: true,
    options: {
      tracking: null,
      delivery: { tlsPolicy: 'OPTIONAL', sendingPoolName: null, maxDeliverySeconds: null },
      reputation: { metricsEnabled: false, lastFreshStart: null },
      suppression: null,
      vdm: { engagementMetrics: 'ENABLED', optimizedSharedDelivery: null },
    },
    eventDestinations: [],
  };
}

for (const dialect of dialects)
  describe.skipIf(!dialect.available)(`Store contract (${dialect.name}): account resources`, () => {
    const s = useStore(dialect);

    it('stores configuration sets with their options and destinations: conflicts, pages, atomic modify, delete', async () => {
      const a = ids.account();
      const set = {
        ...configurationSet(a, 'marketing'),
        eventDestinations: [
          { name: 'd', enabled: true, matchingEventTypes: ['SEND' as const], snsTopicArn: 'arn:aws:sns:x' },
        ],
      };
      await s.store.configurationSets.create(set);
      await expect(s.store.configurationSets.create(set)).rejects.toBeInstanceOf(StoreConflictError);
      for (const n of ['b', 'c']) await s.store.configurationSets.create(configurationSet(a, n));
      expect(await s.store.configurationSets.get(a, 'marketing')).toEqual(set);
      expect(await s.store.configurationSets.get(ids.account(), 'marketing')).toBeNull();
      expect(await s.store.configurationSets.count(a)).toBe(3);
      const first = await s.store.configurationSets.list(a, { limit: 2 });
      expect(first.items.map((c) => c.name)).toEqual(['b', 'c']);
      expect(
        (await s.store.configurationSets.list(a, { limit: 2, after: first.next! })).items.map((c) => c.name),
      ).toEqual(['marketing']);
      await Promise.all(
        ['e1', 'e2', 'e3', 'e4'].map((name) =>
          s.store.configurationSets.modify(a, 'b', (c) => ({
            ...c,
            eventDestinations: [
              ...c.eventDestinations,
              { name, enabled: false, matchingEventTypes: ['BOUNCE'], snsTopicArn: 'arn:aws:sns:y' },
            ],
          })),
        ),
      );
      expect((await s.store.configurationSets.get(a, 'b'))?.eventDestinations).toHaveLength(4);
      expect(await s.store.configurationSets.modify(a, 'none', (c) => c)).toBeNull();
      expect(await s.store.configurationSets.delete(a, 'b')).toBe(true);
      expect(await s.store.configurationSets.delete(a, 'b')).toBe(false);
    });

    it('keeps the suppression list: upsert, lookups, count, delete, and newest-first pages with filters', async () => {
      const a = ids.account();
      const put = (email: string, reason: 'BOUNCE' | 'COMPLAINT', lastUpdate: number) =>
        s.store.suppression.put({
          accountId: a,
          email,
          reason,
          lastUpdate,
          messageId: null,
          feedbackId: null,
        });
      await put('a@x.test', 'BOUNCE', 10);
      await put('b@x.test', 'COMPLAINT', 20);
      await put('c@x.test', 'BOUNCE', 20);
      await put('d@x.test', 'BOUNCE', 30);
      // A second put of an address updates it.
      await s.store.suppression.put({
        accountId: a,
        email: 'a@x.test',
        reason: 'COMPLAINT',
        lastUpdate: 40,
        messageId: 'm',
        feedbackId: 'f',
      });
      expect(await s.store.suppression.get(a, 'a@x.test')).toEqual({
        accountId: a,
        email: 'a@x.test',
        reason: 'COMPLAINT',
        lastUpdate: 40,
        messageId: 'm',
        feedbackId: 'f',
      });
      expect(await s.store.suppression.get(ids.account(), 'a@x.test')).toBeNull();
      expect(await s.store.suppression.count(a)).toBe(4);
      expect((await s.store.suppression.findAmong(a, ['b@x.test', 'z@x.test'])).map((r) => r.email)).toEqual([
        'b@x.test',
      ]);
      expect(await s.store.suppression.findAmong(a, [])).toEqual([]);
      const first = await s.store.suppression.list(a, { limit: 2 });
      expect(first.items.map((r) => r.email)).toEqual(['a@x.test', 'd@x.test']);
      const second = await s.store.suppression.list(a, { limit: 2, after: first.next! });
      expect(second.items.map((r) => r.email)).toEqual(['b@x.test', 'c@x.test']);
      expect(second.next).toBeNull();
      const bounces = await s.store.suppression.list(a, {
        limit: 10,
        reasons: ['BOUNCE'],
        start: 15,
        end: 35,
      });
      expect(bounces.items.map((r) => r.email)).toEqual(['d@x.test', 'c@x.test']);
      expect(await s.store.suppression.delete(a, 'd@x.test')).toBe(true);
      expect(await s.store.suppression.delete(a, 'd@x.test')).toBe(false);
      expect(await s.store.suppression.count(a)).toBe(3);
    });

    it('stores templates per kind: create conflicts, pages by name, updates and deletes', async () => {
      const a = ids.account();
      const t = (name: string, kind: 'email' | 'verification' = 'email') => ({
        accountId: a,
        kind,
        name,
        createdAt: 1,
        updatedAt: 1,
        content: { subject: `S ${name}`, text: null, html: '<p>x</p>' },
      });
      for (const n of ['b', 'a', 'c']) await s.store.templates.create(t(n));
      await s.store.templates.create(t('a', 'verification'));
      await expect(s.store.templates.create(t('a'))).rejects.toBeInstanceOf(StoreConflictError);
      expect(await s.store.templates.count(a, 'email')).toBe(3);
      const page = await s.store.templates.list(a, 'email', { limit: 2 });
      expect(page.items.map((x) => x.name)).toEqual(['a', 'b']);
      expect(page.next).toBe('b');
      expect(
        (await s.store.templates.list(a, 'email', { after: 'b', limit: 2 })).items.map((x) => x.name),
      ).toEqual(['c']);
      expect(await s.store.templates.update({ ...t('a'), content: { subject: 'new' }, updatedAt: 2 })).toBe(
        true,
      );
      expect(await s.store.templates.get(a, 'email', 'a')).toMatchObject({
        content: { subject: 'new' },
        updatedAt: 2,
      });
      expect(await s.store.templates.get(a, 'verification', 'a')).toMatchObject({
        content: { subject: 'S a' },
      });
      expect(await s.store.templates.update(t('zzz'))).toBe(false);
      expect(await s.store.templates.delete(a, 'email', 'a')).toBe(true);
      expect(await s.store.templates.delete(a, 'email', 'a')).toBe(false);
      expect(await s.store.templates.get(a, 'email', 'a')).toBeNull();
    });

    it('stores contact lists and contacts: case-insensitive addresses, atomic modify, upsert, cascade delete', async () => {
      const acct = ids.account();
      await s.store.contacts.createList({
        accountId: acct,
        name: 'news',
        description: null,
        topics: [{ name: 't', displayName: 'T', description: null, defaultSubscriptionStatus: 'OPT_IN' }],
        createdAt: 1,
        updatedAt: 1,
      });
      await expect(
        s.store.contacts.createList({
          accountId: acct,
          name: 'news',
          description: null,
          topics: [],
          createdAt: 1,
          updatedAt: 1,
        }),
      ).rejects.toBeInstanceOf(StoreConflictError);
      expect(
        await s.store.contacts.updateList({
          ...(await s.store.contacts.getList(acct, 'news'))!,
          description: 'd',
        }),
      ).toBe(true);
      expect((await s.store.contacts.getList(acct, 'news'))?.description).toBe('d');
      expect((await s.store.contacts.lists(acct, { limit: 10 })).items.map((l) => l.name)).toEqual(['news']);
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
      await s.store.contacts.createContact(contact('Ann@Example.com'));
      await expect(s.store.contacts.createContact(contact('ann@example.com'))).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      expect((await s.store.contacts.getContact(acct, 'news', 'ANN@example.com'))?.email).toBe(
        'Ann@Example.com',
      );
      // Concurrent read–change–write of one contact loses no change.
      await Promise.all(
        ['t1', 't2', 't3', 't4'].map((topicName) =>
          s.store.contacts.modifyContact(acct, 'news', 'ann@example.com', (c) => ({
            ...c!,
            topicPreferences: [...c!.topicPreferences, { topicName, subscriptionStatus: 'OPT_OUT' }],
          })),
        ),
      );
      expect(
        (await s.store.contacts.getContact(acct, 'news', 'ann@example.com'))?.topicPreferences,
      ).toHaveLength(4);
      // modifyContact can create a contact that does not exist yet, or leave it absent.
      await s.store.contacts.modifyContact(
        acct,
        'news',
        'new@example.com',
        (c) => c ?? contact('new@example.com'),
      );
      expect(await s.store.contacts.modifyContact(acct, 'news', 'absent@example.com', () => null)).toBeNull();
      expect(await s.store.contacts.getContact(acct, 'news', 'absent@example.com')).toBeNull();
      await s.store.contacts.upsertContacts([
        { ...contact('bulk@example.com'), attributes: '{"n":1}' },
        { ...contact('new@example.com'), unsubscribeAll: true },
      ]);
      await s.store.contacts.upsertContacts([{ ...contact('bulk@example.com'), attributes: '{"n":2}' }]);
      expect((await s.store.contacts.getContact(acct, 'news', 'bulk@example.com'))?.attributes).toBe(
        '{"n":2}',
      );
      expect((await s.store.contacts.getContact(acct, 'news', 'new@example.com'))?.unsubscribeAll).toBe(true);
      const found = await s.store.contacts.findContacts(acct, 'news', [
        'NEW@example.com',
        'nobody@example.com',
      ]);
      expect(found.map((c) => c.email)).toEqual(['new@example.com']);
      const page = await s.store.contacts.contacts(acct, 'news', { limit: 2 });
      expect(page.items.map((c) => c.email)).toEqual(['Ann@Example.com', 'bulk@example.com']);
      expect(
        (await s.store.contacts.contacts(acct, 'news', { after: page.next!, limit: 2 })).items.map(
          (c) => c.email,
        ),
      ).toEqual(['new@example.com']);
      expect(await s.store.contacts.deleteContact(acct, 'news', 'BULK@example.com')).toBe(true);
      expect(await s.store.contacts.deleteContact(acct, 'news', 'bulk@example.com')).toBe(false);
      expect(await s.store.contacts.countLists(acct)).toBe(1);
      expect(await s.store.contacts.deleteList(acct, 'news')).toBe(true);
      expect(
        await s.store.contacts.findContacts(acct, 'news', ['ann@example.com', 'new@example.com']),
      ).toEqual([]);
      expect(await s.store.contacts.countLists(acct)).toBe(0);
    });
  });

/**
 * Store contract: SNS-compatible topics and subscriptions, and the notification outbox with its lease
 * invariants (a claimed notification is nobody else's until its lease runs out).
 */
import { describe, expect, it } from 'vitest';
import { dialects, ids, notification, useStore } from './harness.ts';

for (const dialect of dialects)
  describe.skipIf(!dialect.available)(`Store contract (${dialect.name}): topics and the outbox`, () => {
    const s = useStore(dialect);

    const topic = (accountId: string, name: string) => ({
      arn: `arn:aws:sns:us-east-1:${accountId}:${name}`,
      accountId,
      name,
      createdAt: 1,
      attributes: { DisplayName: name },
    });
    const subscription = (topicArn: string, accountId: string, n: number) => ({
      arn: `${topicArn}:sub-${n}`,
      topicArn,
      accountId,
      protocol: 'https',
      endpoint: `https://hooks.test/${n}`,
      status: 'pending' as const,
      token: `token-${topicArn}-${n}`,
      createdAt: n,
      confirmedAt: null,
    });

    it('creates topics idempotently, lists them by ARN, and deletes a topic with its subscriptions', async () => {
      const a = ids.account();
      const t = topic(a, 'events');
      expect(await s.store.sns.createTopic(t)).toEqual(t);
      // CreateTopic again: the existing topic comes back, its attributes unchanged.
      expect(await s.store.sns.createTopic({ ...t, attributes: { DisplayName: 'other' } })).toEqual(t);
      for (const n of ['b', 'c']) await s.store.sns.createTopic(topic(a, n));
      const first = await s.store.sns.listTopics(a, { limit: 2 });
      expect(first.items.map((x) => x.name)).toEqual(['b', 'c']);
      const rest = await s.store.sns.listTopics(a, { limit: 2, after: first.next! });
      expect(rest.items.map((x) => x.name)).toEqual(['events']);
      expect(rest.next).toBeNull();
      expect(await s.store.sns.setTopicAttributes(t.arn, { SignatureVersion: '2' })).toBe(true);
      expect((await s.store.sns.getTopic(t.arn))?.attributes).toEqual({ SignatureVersion: '2' });
      expect(await s.store.sns.setTopicAttributes(`${t.arn}-nope`, {})).toBe(false);
      await s.store.sns.createSubscription(subscription(t.arn, a, 1));
      expect(await s.store.sns.deleteTopic(t.arn)).toBe(true);
      expect(await s.store.sns.deleteTopic(t.arn)).toBe(false);
      expect(await s.store.sns.getTopic(t.arn)).toBeNull();
      expect(await s.store.sns.getSubscription(`${t.arn}:sub-1`)).toBeNull();
    });

    it('stores subscriptions: by ARN, by token, pages, confirmation and deletion', async () => {
      const a = ids.account();
      const t = topic(a, 'news');
      await s.store.sns.createTopic(t);
      for (const n of [1, 2, 3]) await s.store.sns.createSubscription(subscription(t.arn, a, n));
      expect(await s.store.sns.getSubscription(`${t.arn}:sub-2`)).toEqual(subscription(t.arn, a, 2));
      expect((await s.store.sns.findSubscriptionByToken(t.arn, `token-${t.arn}-3`))?.arn).toBe(
        `${t.arn}:sub-3`,
      );
      expect(await s.store.sns.findSubscriptionByToken(t.arn, 'nope')).toBeNull();
      const page = await s.store.sns.listSubscriptions(t.arn, { limit: 2 });
      expect(page.items).toHaveLength(2);
      expect(
        (await s.store.sns.listSubscriptions(t.arn, { limit: 2, after: page.next! })).items,
      ).toHaveLength(1);
      expect(await s.store.sns.confirmedSubscriptions(t.arn)).toEqual([]);
      await s.store.sns.confirmSubscription(`${t.arn}:sub-1`, 99);
      const confirmed = await s.store.sns.confirmedSubscriptions(t.arn);
      expect(confirmed.map((x) => [x.arn, x.status, x.confirmedAt])).toEqual([
        [`${t.arn}:sub-1`, 'confirmed', 99],
      ]);
      expect(await s.store.sns.deleteSubscription(`${t.arn}:sub-1`)).toBe(true);
      expect(await s.store.sns.deleteSubscription(`${t.arn}:sub-1`)).toBe(false);
    });

    it('claims due notifications with a lease: a leased one is nobody else’s until the lease runs out', async () => {
      const store = await s.fresh();
      const a = ids.account();
      const due = [notification(a, { nextAttemptAt: 200 }), notification(a, { nextAttemptAt: 100 })];
      const later = notification(a, { nextAttemptAt: 5000 });
      await store.notifications.enqueue([...due, later]);
      expect(await store.notifications.nextDue()).toBe(100);
      const dueIds = due.map((n) => n.id).sort();
      // The soonest first when the limit cuts: only the one due at 100.
      expect((await store.notifications.claimDue(1000, 2000, 1)).map((n) => n.id)).toEqual([due[1]!.id]);
      expect((await store.notifications.claimDue(1000, 2000, 10)).map((n) => n.id)).toEqual([due[0]!.id]);
      // Leased: not handed out again before 2000 …
      expect(await store.notifications.claimDue(1500, 3000, 10)).toEqual([]);
      // … and again once the lease has run out (the node holding it stopped).
      expect((await store.notifications.claimDue(2500, 4000, 10)).map((n) => n.id).sort()).toEqual(dueIds);
      for (const n of due) await store.notifications.markDelivered(n.id, 2600, 1);
      expect(await store.notifications.claimDue(4500, 7000, 10)).toEqual([]);
      expect((await store.notifications.claimDue(6000, 7000, 10)).map((n) => n.id)).toEqual([later.id]);
    });

    it('concurrent claims never hand out the same notification twice', async () => {
      const store = await s.fresh();
      const a = ids.account();
      const all = Array.from({ length: 30 }, (_, i) => notification(a, { nextAttemptAt: i }));
      await store.notifications.enqueue(all);
      const claims = await Promise.all(
        Array.from({ length: 6 }, () => store.notifications.claimDue(1000, 1_000_000, 8)),
      );
      const claimedIds = claims.flat().map((n) => n.id);
      expect(new Set(claimedIds).size).toBe(claimedIds.length);
      expect(claimedIds.length).toBe(30);
    });

    it('marks notifications delivered or failed; the last failure dead-letters; replay queues them again', async () => {
      const store = await s.fresh();
      const a = ids.account();
      const [ok, retry, dead] = [notification(a), notification(a), notification(a)];
      await store.notifications.enqueue([ok, retry, dead]);
      await store.notifications.claimDue(1000, 2000, 10);
      await store.notifications.markDelivered(ok.id, 1100, 1);
      await store.notifications.markFailed(retry.id, 1, 3000, 'HTTP 500');
      await store.notifications.markFailed(dead.id, 4, null, 'HTTP 404');
      // The retry's lease is released, but it is not due before 3000; the delivered and dead ones never again.
      expect(await store.notifications.claimDue(2500, 9000, 10)).toEqual([]);
      expect(await store.notifications.nextDue()).toBe(3000);
      const again = await store.notifications.claimDue(3000, 9000, 10);
      expect(again.map((n) => [n.id, n.attempts, n.lastError])).toEqual([[retry.id, 1, 'HTTP 500']]);
      await store.notifications.markDelivered(retry.id, 3100, 2);
      const letters = await store.notifications.listDead(10);
      expect(letters.map((n) => [n.id, n.status, n.attempts, n.lastError])).toEqual([
        [dead.id, 'dead', 4, 'HTTP 404'],
      ]);
      expect(await store.notifications.replay([dead.id], 10_000)).toBe(1);
      expect(await store.notifications.listDead(10)).toEqual([]);
      const replayed = await store.notifications.claimDue(10_000, 20_000, 10);
      expect(replayed.map((n) => [n.id, n.attempts])).toEqual([[dead.id, 0]]);
      await store.notifications.markFailed(dead.id, 1, null, 'HTTP 404');
      expect(await store.notifications.replay('all', 30_000)).toBe(1);
    });
  });

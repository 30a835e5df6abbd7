/**
 * Store contract: messages and their delivery — the group-committed accept and outcome writes, the queue's
 * ownership (queued pages, heartbeats, take-over of dead nodes' work) and the sending statistics.
 */
import { describe, expect, it } from 'vitest';
import { sendEventId, type EventRecord } from '../../src/store/store.ts';
import { accepted, dialects, ids, messageId, notification, useStore } from './harness.ts';

function event(accountId: string, msg: string, type: string, createdAt: number): EventRecord {
  return {
    id: ids.name('e'),
    accountId,
    messageId: msg,
    type,
    recipient: null,
    createdAt,
    payload: { eventType: type, [type.toLowerCase()]: { n: createdAt } },
  };
}

for (const dialect of dialects)
  describe.skipIf(!dialect.available)(`Store contract (${dialect.name}): messages and delivery`, () => {
    const s = useStore(dialect);

    it('accepts a message with its body, recipients, events and quota count; reads them back', async () => {
      const a = ids.account();
      const m = accepted(a, { recipients: 3, body: Buffer.from('Subject: x\r\n\r\nbody\r\n'), quota: 2 });
      m.events = [event(a, m.message.id, 'Send', 1)];
      await s.store.messages.accept(m);
      expect(await s.store.messages.get(m.message.id)).toEqual(m.message);
      expect(await s.store.messages.get(messageId())).toBeNull();
      expect(await s.store.messages.body(m.message.id)).toEqual(m.body);
      expect(await s.store.messages.body(messageId())).toBeNull();
      expect(await s.store.messages.recipients(m.message.id)).toEqual(m.recipients);
      // The event's `mail` is the message's mail with its tags (stored once, on the message).
      // A Send event stored by an earlier version (here: not at the message's acceptance) is read back once.
      const events = await s.store.messages.events(m.message.id);
      expect(events).toHaveLength(1);
      const [send] = events;
      expect(send).toMatchObject({ id: m.events[0]!.id, type: 'Send' });
      expect(send!.payload.mail).toEqual({ ...m.message.mail, tags: m.message.tags });
      expect(await s.store.messages.sentSince(a, 0)).toBe(2);
      expect(await s.store.messages.sentSince(a, m.message.createdAt + 60_000)).toBe(0);
    });

    it('derives a message’s Send event from its row instead of storing it; keeps a stored one', async () => {
      const a = ids.account();
      const m = accepted(a);
      const at = m.message.createdAt;
      // The pipeline's Send event carries the id the store derives (sendEventId): that is how it is left out.
      const send: EventRecord = {
        id: sendEventId(m.message.id),
        accountId: a,
        messageId: m.message.id,
        type: 'Send',
        recipient: null,
        createdAt: at,
        payload: { eventType: 'Send', mail: { ...m.message.mail, tags: m.message.tags }, send: {} },
      };
      m.events = [send, event(a, m.message.id, 'Rendering Failure', at)];
      await s.store.messages.accept(m);
      const events = await s.store.messages.events(m.message.id);
      expect(events.map((e) => e.type)).toEqual(['Send', 'Rendering Failure']);
      // Derived, equal to the one accepted (id and payload).
      expect(events[0]).toEqual(send);
      expect(events[0]!.id).toBe(`send-${m.message.id}`);
      // Sesame's own mail has no events at all.
      const system = accepted(a);
      system.message.operation = 'system';
      await s.store.messages.accept(system);
      expect(await s.store.messages.events(system.message.id)).toEqual([]);
      expect(await s.store.messages.events(messageId())).toEqual([]);
    });

    it('group-commits concurrent accepts: every caller is answered after its own message is stored', async () => {
      const a = ids.account();
      const batch = Array.from({ length: 50 }, () => accepted(a));
      await Promise.all(batch.map((m) => s.store.messages.accept(m)));
      for (const m of batch) expect(await s.store.messages.recipients(m.message.id)).toHaveLength(1);
      expect(await s.store.messages.sentSince(a, 0)).toBe(50);
    });

    it('accepts the messages of one bulk call in one transaction, past the bind-parameter limit too', async () => {
      const a = ids.account();
      const [b1, b2] = [accepted(a), accepted(a)];
      await s.store.messages.acceptAll([b1, b2]);
      expect((await s.store.messages.get(b2.message.id))?.operation).toBe('SendEmail');
      expect(await s.store.messages.recipients(b1.message.id)).toHaveLength(1);
      // A failing message (a duplicate id) takes the whole call with it.
      const b3 = accepted(a);
      await expect(s.store.messages.acceptAll([b3, accepted(a, { id: b1.message.id })])).rejects.toThrow();
      expect(await s.store.messages.get(b3.message.id)).toBeNull();
      // More recipient rows than one PostgreSQL statement can bind (65,535 parameters, 10 per row) are written
      // in several statements of one transaction: all of them, or none when a later row fails.
      const many = Math.ceil(65_535 / 10) + 100;
      const sentBefore = await s.store.messages.sentSince(a, 0);
      const b4 = accepted(a, { recipients: many });
      await s.store.messages.acceptAll([b4, accepted(a)]);
      expect(await s.store.messages.recipients(b4.message.id)).toHaveLength(many);
      expect(await s.store.messages.sentSince(a, 0)).toBe(sentBefore + many + 1);
      const failing = accepted(a, { recipients: many });
      failing.recipients[many - 1]!.index = 0; // the last row repeats the first one's key
      await expect(s.store.messages.acceptAll([failing])).rejects.toThrow();
      expect(await s.store.messages.get(failing.message.id)).toBeNull();
      expect(await s.store.messages.recipients(failing.message.id)).toHaveLength(0);
      expect(await s.store.messages.sentSince(a, 0)).toBe(sentBefore + many + 1);
    });

    it('records delivery outcomes atomically with their events and notifications; concurrent outcomes are all kept', async () => {
      const a = ids.account();
      // Accepted before its outcomes' times (a Send event at acceptance, then 10, 11, ...).
      const m = accepted(a, { recipients: 3, createdAt: 1 });
      await s.store.messages.accept(m);
      const id = m.message.id;
      const n = notification(a);
      await s.store.messages.recordOutcomes({
        recipients: [
          {
            messageId: id,
            index: 0,
            status: 'delivered',
            attempts: 1,
            nextAttemptAt: null,
            lastResponse: '250 ok',
          },
          {
            messageId: id,
            index: 1,
            status: 'queued',
            attempts: 1,
            nextAttemptAt: 5000,
            lastResponse: '451 later',
          },
        ],
        events: [event(a, id, 'Delivery', 10), event(a, id, 'DeliveryDelay', 11)],
        notifications: [n],
      });
      const [r0, r1, r2] = await s.store.messages.recipients(id);
      expect(r0).toMatchObject({
        status: 'delivered',
        attempts: 1,
        nextAttemptAt: null,
        lastResponse: '250 ok',
      });
      expect(r1).toMatchObject({
        status: 'queued',
        attempts: 1,
        nextAttemptAt: 5000,
        lastResponse: '451 later',
      });
      expect(r2).toMatchObject({ status: 'queued', attempts: 0 });
      expect(r0!.updatedAt).toBeGreaterThan(m.message.createdAt);
      expect((await s.store.messages.events(id)).map((e) => e.type)).toEqual([
        'Send',
        'Delivery',
        'DeliveryDelay',
      ]);
      await Promise.all(
        [0, 1, 2].map((index) =>
          s.store.messages.recordOutcomes({
            recipients: [
              {
                messageId: id,
                index,
                status: 'bounced',
                attempts: 2,
                nextAttemptAt: null,
                lastResponse: '550',
              },
            ],
            events: [event(a, id, 'Bounce', 20 + index)],
          }),
        ),
      );
      expect((await s.store.messages.recipients(id)).map((r) => r.status)).toEqual([
        'bounced',
        'bounced',
        'bounced',
      ]);
      expect((await s.store.messages.events(id)).map((e) => e.type)).toEqual([
        'Send',
        'Delivery',
        'DeliveryDelay',
        'Bounce',
        'Bounce',
        'Bounce',
      ]);
    });

    it('pages a node’s queued recipients by (message id, index), after an exclusive cursor', async () => {
      const a = ids.account();
      const owner = ids.name('node');
      const m1 = accepted(a, { recipients: 2, owner });
      const m2 = accepted(a, { recipients: 2, owner });
      const other = accepted(a, { recipients: 1, owner: ids.name('node') });
      const done = accepted(a, { recipients: 1, owner, status: 'delivered' });
      for (const m of [m2, other, m1, done]) await s.store.messages.accept(m);
      const first = await s.store.messages.queued(owner, null, 3);
      expect(first.map((r) => [r.messageId, r.index])).toEqual([
        [m1.message.id, 0],
        [m1.message.id, 1],
        [m2.message.id, 0],
      ]);
      const last = first.at(-1)!;
      const rest = await s.store.messages.queued(owner, { messageId: last.messageId, index: last.index }, 3);
      expect(rest.map((r) => [r.messageId, r.index])).toEqual([[m2.message.id, 1]]);
    });

    it('takes over the queued work of dead and unknown nodes, never of live ones, and never twice', async () => {
      const store = await s.fresh();
      const a = ids.account();
      const now = 1_000_000;
      await store.messages.heartbeat('live', now);
      await store.messages.heartbeat('dead', now - 60_000);
      await store.messages.heartbeat('me', now);
      const live = accepted(a, { owner: 'live' });
      const dead = accepted(a, { owner: 'dead', recipients: 2 });
      const ghost = accepted(a, { owner: 'ghost' });
      const orphan = accepted(a, { owner: null });
      const deadDone = accepted(a, { owner: 'dead', status: 'delivered' });
      for (const m of [live, dead, ghost, orphan, deadDone]) await store.messages.accept(m);
      expect(await store.messages.claimOrphans('me', now - 30_000, false)).toBe(4);
      const mine = (await store.messages.queued('me', null, 100)).map((r) => r.messageId);
      expect(new Set(mine)).toEqual(new Set([dead.message.id, ghost.message.id, orphan.message.id]));
      expect(await store.messages.queued('live', null, 100)).toHaveLength(1);
      expect((await store.messages.recipients(deadDone.message.id))[0]!.owner).toBe('dead');
      expect(await store.messages.claimOrphans('me', now - 30_000, false)).toBe(0);
      // A node that comes back after being taken over finds nothing of its old work.
      expect(await store.messages.queued('dead', null, 100)).toEqual([]);
      // A heartbeat keeps a node alive: it moves the time forward.
      await store.messages.heartbeat('dead', now);
      const again = accepted(a, { owner: 'dead' });
      await store.messages.accept(again);
      expect(await store.messages.claimOrphans('me', now - 30_000, false)).toBe(0);
    });

    it('a single node takes every queued recipient at start, whoever held it', async () => {
      const store = await s.fresh();
      const a = ids.account();
      await store.messages.heartbeat('other', Date.now());
      const held = accepted(a, { owner: 'other' });
      const own = accepted(a, { owner: 'me' });
      const done = accepted(a, { owner: 'other', status: 'bounced' });
      for (const m of [held, own, done]) await store.messages.accept(m);
      expect(await store.messages.claimOrphans('me', 0, true)).toBe(1);
      expect((await store.messages.queued('me', null, 10)).map((r) => r.messageId).sort()).toEqual(
        [held.message.id, own.message.id].sort(),
      );
      expect((await store.messages.recipients(done.message.id))[0]!.owner).toBe('other');
    });

    it('adds metric counters in the commits that record events: minute and hour buckets, per key', async () => {
      const a = ids.account();
      const q = 15 * 60_000;
      const t0 = Math.floor(Date.now() / 3600_000) * 3600_000 - 3600_000;
      const inc = (at: number, isp: string, counts: Record<string, number>) => ({
        accountId: a,
        at,
        configurationSet: 'cs',
        identity: 'example.com',
        isp,
        counts,
      });
      const m1 = accepted(a, { recipients: 3, createdAt: t0 + 1000 });
      m1.metrics = [inc(t0 + 1000, '~multiple', { sends: 1, recipients: 3 })];
      const m2 = accepted(a, { recipients: 1, createdAt: t0 + q + 5 });
      m2.metrics = [inc(t0 + q + 5, 'Gmail', { sends: 1, recipients: 1 })];
      m2.dimensionMetrics = [
        { accountId: a, at: t0 + q + 5, metric: 'Send', dimensions: 'campaign=x', count: 1 },
      ];
      await Promise.all([s.store.messages.accept(m1), s.store.messages.accept(m2)]);
      await s.store.messages.recordOutcomes({
        recipients: [],
        events: [event(a, m1.message.id, 'Complaint', t0 + 2000)],
        metrics: [inc(t0 + 2000, '~multiple', { complaints: 1 }), inc(t0 + q + 6, 'Gmail', { bounces: 2 })],
      });
      const query = (span: number, bucketMs: number, filter = {}) =>
        s.store.metrics.counters({
          accountId: a,
          span,
          from: t0,
          to: t0 + 3600_000,
          bucketMs,
          filter,
          columns: ['sends', 'recipients', 'complaints', 'bounces'],
        });
      expect(await query(60, q)).toEqual([
        { start: t0, values: { sends: 1, recipients: 3, complaints: 1, bounces: 0 } },
        { start: t0 + q, values: { sends: 1, recipients: 1, complaints: 0, bounces: 2 } },
      ]);
      // The hour bucket holds the same sums.
      expect(await query(3600, 3600_000)).toEqual([
        { start: t0, values: { sends: 2, recipients: 4, complaints: 1, bounces: 2 } },
      ]);
      expect((await query(60, q, { realIspsOnly: true })).map((b) => b.values.sends)).toEqual([1]);
      expect(await query(60, q, { isp: 'Yahoo' })).toEqual([]);
      expect(
        await s.store.metrics.dimensionCounts({
          accountId: a,
          span: 60,
          from: t0,
          to: t0 + 3600_000,
          bucketMs: 60_000,
          metric: 'Send',
          dimensions: 'campaign=x',
        }),
      ).toEqual([{ start: Math.floor((t0 + q + 5) / 60_000) * 60_000, count: 1 }]);
      expect(await s.store.metrics.dimensionMetrics(a, t0)).toEqual([
        { metric: 'Send', dimensions: 'campaign=x' },
      ]);
      // Purging drops the minute buckets before the cut and keeps the hour ones.
      await s.store.metrics.purge(t0 + 3600_000, t0);
      expect(await query(60, q)).toEqual([]);
      expect((await query(3600, 3600_000)).length).toBe(1);
    });
  });

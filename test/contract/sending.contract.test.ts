/**
 * Store contract: sending authorization's identity policies, dedicated IPs and their pools, and each node's
 * traffic shaping report.
 */
import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../src/store/store.ts';
import { account, dialects, ids, useStore } from './harness.ts';

for (const dialect of dialects)
  describe.skipIf(!dialect.available)(`Store contract (${dialect.name}): sending resources`, () => {
    const s = useStore(dialect);

    it('keeps identity policies per identity: put replaces, remove says whether one was there', async () => {
      const a = ids.account();
      await s.store.accounts.create(account(a));
      const p = { accountId: a, identity: 'example.com', name: 'p1', document: '{"a":1}', createdAt: 5 };
      await s.store.identityPolicies.put(p);
      await s.store.identityPolicies.put({ ...p, name: 'p0' });
      await s.store.identityPolicies.put({ ...p, identity: 'other.com' });
      await s.store.identityPolicies.put({ ...p, document: '{"a":2}' });
      expect(
        (await s.store.identityPolicies.list(a, 'example.com')).map((x) => [x.name, x.document]),
      ).toEqual([
        ['p0', '{"a":1}'],
        ['p1', '{"a":2}'],
      ]);
      expect(await s.store.identityPolicies.remove(a, 'example.com', 'p1')).toBe(true);
      expect(await s.store.identityPolicies.remove(a, 'example.com', 'p1')).toBe(false);
      await s.store.identityPolicies.removeAll(a, 'example.com');
      expect(await s.store.identityPolicies.list(a, 'example.com')).toEqual([]);
      expect(await s.store.identityPolicies.list(a, 'other.com')).toHaveLength(1);
    });

    it('keeps dedicated IPs and pools: conflicts, pages, moves, and a deleted pool’s addresses back in no pool', async () => {
      const a = ids.account();
      await s.store.accounts.create(account(a));
      const ip = `127.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      await s.store.dedicatedIps.createPool({
        accountId: a,
        name: 'm',
        scalingMode: 'STANDARD',
        createdAt: 1,
      });
      await s.store.dedicatedIps.createPool({
        accountId: a,
        name: 't',
        scalingMode: 'MANAGED',
        createdAt: 2,
      });
      await expect(
        s.store.dedicatedIps.createPool({ accountId: a, name: 'm', scalingMode: 'STANDARD', createdAt: 3 }),
      ).rejects.toBeInstanceOf(StoreConflictError);
      expect((await s.store.dedicatedIps.listPools(a, { limit: 1 })).map((p) => p.name)).toEqual(['m']);
      expect((await s.store.dedicatedIps.listPools(a, { after: 'm', limit: 5 })).map((p) => p.name)).toEqual([
        't',
      ]);
      await s.store.dedicatedIps.setScalingMode(a, 'm', 'MANAGED');
      expect((await s.store.dedicatedIps.getPool(a, 'm'))?.scalingMode).toBe('MANAGED');

      const record = {
        ip,
        nodeId: 'n1',
        ehlo: 'mta.example.com',
        accountId: null,
        poolName: null,
        warmup: { startedAt: 10, done: false },
        createdAt: 1,
      };
      await s.store.dedicatedIps.putIp(record);
      // Declaring it again changes its node and name only.
      await s.store.dedicatedIps.updateIp(ip, { accountId: a, poolName: 'm' });
      await s.store.dedicatedIps.putIp({ ...record, nodeId: 'n2', ehlo: null });
      expect(await s.store.dedicatedIps.getIp(ip)).toEqual({
        ...record,
        nodeId: 'n2',
        ehlo: null,
        accountId: a,
        poolName: 'm',
      });
      expect((await s.store.dedicatedIps.listIps({ accountId: a, poolName: 'm' })).map((r) => r.ip)).toEqual([
        ip,
      ]);
      await s.store.dedicatedIps.updateIp(ip, { warmup: { startedAt: 20, done: true } });
      expect((await s.store.dedicatedIps.getIp(ip))?.warmup).toEqual({ startedAt: 20, done: true });
      expect(await s.store.dedicatedIps.deletePool(a, 'm')).toBe(true);
      expect(await s.store.dedicatedIps.deletePool(a, 'm')).toBe(false);
      expect((await s.store.dedicatedIps.getIp(ip))?.poolName).toBeNull();
      expect(await s.store.dedicatedIps.removeIp(ip)).toBe(true);
      expect(await s.store.dedicatedIps.getIp(ip)).toBeNull();
    });

    it('keeps each node’s traffic shaping report with its heartbeat', async () => {
      const node = ids.name('node');
      await s.store.messages.heartbeat(node, Date.now());
      await s.store.messages.setNodeShaping(node, [{ provider: 'google', connections: 2 }]);
      const n = (await s.store.messages.nodes()).find((x) => x.id === node);
      expect(n?.shaping).toEqual([{ provider: 'google', connections: 2 }]);
    });
  });

/** Dedicated IPs and their pools. */
import type { Selectable } from 'kysely';
import type { DedicatedIpsTable } from './schema.ts';
import type { DedicatedIpPoolRecord, DedicatedIpRecord, DedicatedIpStore, ScalingMode } from './store.ts';
import { insertOrConflict } from './queries.ts';
import type { Db } from './transactions.ts';

function toIp(r: Selectable<DedicatedIpsTable>): DedicatedIpRecord {
  return {
    ip: r.ip,
    nodeId: r.node_id,
    ehlo: r.ehlo,
    accountId: r.account_id,
    poolName: r.pool_name,
    warmup: JSON.parse(r.warmup) as DedicatedIpRecord['warmup'],
    createdAt: Number(r.created_at),
  };
}

export class KyselyDedicatedIps implements DedicatedIpStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async createPool(p: DedicatedIpPoolRecord): Promise<void> {
    await insertOrConflict(`dedicated IP pool ${p.name}`, () =>
      this.#db
        .insertInto('dedicated_ip_pools')
        .values({
          account_id: p.accountId,
          name: p.name,
          scaling_mode: p.scalingMode,
          created_at: p.createdAt,
        })
        .execute(),
    );
  }

  async getPool(accountId: string, name: string): Promise<DedicatedIpPoolRecord | null> {
    const r = await this.#db
      .selectFrom('dedicated_ip_pools')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? toPool(r) : null;
  }

  async listPools(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<DedicatedIpPoolRecord[]> {
    let q = this.#db.selectFrom('dedicated_ip_pools').selectAll().where('account_id', '=', accountId);
    if (options.after !== undefined) q = q.where('name', '>', options.after);
    return (await q.orderBy('name').limit(options.limit).execute()).map(toPool);
  }

  async setScalingMode(accountId: string, name: string, mode: ScalingMode): Promise<void> {
    await this.#db
      .updateTable('dedicated_ip_pools')
      .set({ scaling_mode: mode })
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .execute();
  }

  async deletePool(accountId: string, name: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      await tx
        .updateTable('dedicated_ips')
        .set({ pool_name: null })
        .where('account_id', '=', accountId)
        .where('pool_name', '=', name)
        .execute();
      const r = await tx
        .deleteFrom('dedicated_ip_pools')
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async putIp(ip: DedicatedIpRecord): Promise<void> {
    await this.#db
      .insertInto('dedicated_ips')
      .values({
        ip: ip.ip,
        node_id: ip.nodeId,
        ehlo: ip.ehlo,
        account_id: ip.accountId,
        pool_name: ip.poolName,
        warmup: JSON.stringify(ip.warmup),
        created_at: ip.createdAt,
      })
      .onConflict((oc) => oc.column('ip').doUpdateSet({ node_id: ip.nodeId, ehlo: ip.ehlo }))
      .execute();
  }

  async getIp(ip: string): Promise<DedicatedIpRecord | null> {
    const r = await this.#db.selectFrom('dedicated_ips').selectAll().where('ip', '=', ip).executeTakeFirst();
    return r ? toIp(r) : null;
  }

  async listIps(filter: {
    accountId?: string | undefined;
    poolName?: string | undefined;
  }): Promise<DedicatedIpRecord[]> {
    let q = this.#db.selectFrom('dedicated_ips').selectAll();
    if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId);
    if (filter.poolName !== undefined) q = q.where('pool_name', '=', filter.poolName);
    return (await q.orderBy('ip').execute()).map(toIp);
  }

  async updateIp(
    ip: string,
    change: Partial<Pick<DedicatedIpRecord, 'accountId' | 'poolName' | 'warmup'>>,
  ): Promise<void> {
    const set: Partial<Pick<DedicatedIpsTable, 'account_id' | 'pool_name' | 'warmup'>> = {};
    if (change.accountId !== undefined) set.account_id = change.accountId;
    if (change.poolName !== undefined) set.pool_name = change.poolName;
    if (change.warmup !== undefined) set.warmup = JSON.stringify(change.warmup);
    if (Object.keys(set).length === 0) return;
    await this.#db.updateTable('dedicated_ips').set(set).where('ip', '=', ip).execute();
  }

  async removeIp(ip: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('dedicated_ips').where('ip', '=', ip).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

function toPool(r: {
  account_id: string;
  name: string;
  scaling_mode: string;
  created_at: number;
}): DedicatedIpPoolRecord {
  return {
    accountId: r.account_id,
    name: r.name,
    scalingMode: r.scaling_mode as ScalingMode,
    createdAt: Number(r.created_at),
  };
}

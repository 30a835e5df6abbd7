/**
 * Dedicated IPs: the operator declares a node's sending addresses and leases them to accounts; an account
 * groups its addresses in pools (STANDARD or MANAGED) and points configuration sets at them
 * (SendingPoolName). Mail of a set leaves from its pool's addresses held by this node; mail with no pool leaves
 * from the account's addresses in no pool (`ses-default-dedicated-pool`), and an account without dedicated
 * addresses (or `ses-shared-pool`) uses the node's own address. New addresses warm up (warmup.ts).
 */
import { validCidr } from '../../lib/cidr.ts';
import {
  StoreConflictError,
  type DedicatedIpPoolRecord,
  type DedicatedIpRecord,
  type ScalingMode,
  type Store,
} from '../../store/store.ts';
import type { EpochCache } from '../cache.ts';
import { alreadyExists, badRequest, notFound } from '../errors.ts';
import type { TagService } from '../tags/tag-service.ts';
import { SourceChooser, chooseManaged, warmupAt, warmupPercent } from './warmup.ts';
import { checkBlocklists, type BlocklistEntry } from './blocklists.ts';
import type { DnsResolver } from '../../lib/dns.ts';

/** SES's names for the pool of an account's addresses in no pool, and for the shared addresses. */
export const DEFAULT_DEDICATED_POOL = 'ses-default-dedicated-pool';
export const SHARED_POOL = 'ses-shared-pool';
const POOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface DedicatedIpView {
  ip: string;
  warmupStatus: 'IN_PROGRESS' | 'DONE' | 'NOT_APPLICABLE';
  /** 0–100; -1 in a MANAGED pool (SES's value there). */
  warmupPercentage: number;
  poolName: string;
}

/** Where a message leaves from: the address to bind and the name to greet with; null: the node's own. */
export interface SendingSource {
  address: string;
  ehlo: string | null;
}

export interface DeclaredIp {
  ip: string;
  nodeId?: string | null | undefined;
  ehlo?: string | null | undefined;
  accountId?: string | null | undefined;
}

export class DedicatedIps {
  readonly #store: Store;
  readonly #cache: EpochCache;
  readonly #tags: TagService;
  readonly #region: string;
  readonly #nodeId: string;
  readonly #now: () => number;
  readonly #dns: DnsResolver;
  readonly #blocklists: string[];
  readonly #chooser = new SourceChooser();
  /** Managed pools: messages per address and provider today, on this node. */
  readonly #sentToday = new Map<string, { day: number; n: number }>();

  constructor(deps: {
    store: Store;
    cache: EpochCache;
    tags: TagService;
    region: string;
    nodeId: string;
    dns: DnsResolver;
    /** DNSBL zones GetBlacklistReports checks. */
    blocklistZones: string[];
    now: () => number;
  }) {
    this.#dns = deps.dns;
    this.#blocklists = deps.blocklistZones;
    this.#store = deps.store;
    this.#cache = deps.cache;
    this.#tags = deps.tags;
    this.#region = deps.region;
    this.#nodeId = deps.nodeId;
    this.#now = deps.now;
    this.#tags.registerKind(
      'dedicated-ip-pool',
      async (accountId, name) => (await this.#store.dedicatedIps.getPool(accountId, name)) !== null,
    );
  }

  poolArn(accountId: string, name: string): string {
    return `arn:aws:ses:${this.#region}:${accountId}:dedicated-ip-pool/${name}`;
  }

  // ---- the operator -------------------------------------------------------------------------------------

  /** `sesame ips add`: declares an address (or changes its node and EHLO name), optionally leased to an account. */
  async declare(d: DeclaredIp): Promise<DedicatedIpRecord> {
    if (d.ip.includes('/') || !validCidr(d.ip)) throw badRequest(`${d.ip} is not an IP address.`);
    if (d.ehlo && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(d.ehlo))
      throw badRequest(`${d.ehlo} is not a host name (the EHLO name should be the address's PTR name).`);
    const existing = await this.#store.dedicatedIps.getIp(d.ip);
    const now = this.#now();
    await this.#store.dedicatedIps.putIp({
      ip: d.ip,
      nodeId: d.nodeId ?? null,
      ehlo: d.ehlo ?? null,
      accountId: existing?.accountId ?? null,
      poolName: existing?.poolName ?? null,
      warmup: existing?.warmup ?? { startedAt: now, done: false },
      createdAt: existing?.createdAt ?? now,
    });
    if (d.accountId !== undefined) return this.assign(d.ip, d.accountId);
    await this.#cache.changed();
    return (await this.#store.dedicatedIps.getIp(d.ip))!;
  }

  /** Leases an address to an account (null: takes it back); its warm-up starts now unless auto warm-up is off. */
  async assign(
    ip: string,
    accountId: string | null,
    poolName: string | null = null,
  ): Promise<DedicatedIpRecord> {
    const record = await this.#store.dedicatedIps.getIp(ip);
    if (!record) throw notFound('Resource', `Dedicated IP ${ip} is not declared (sesame ips add ${ip}).`);
    let done = false;
    if (accountId !== null) {
      const account = await this.#store.accounts.get(accountId);
      if (!account) throw notFound('Account', `Account ${accountId} does not exist.`);
      done = !account.dedicatedIpAutoWarmup;
      if (poolName !== null && !(await this.#store.dedicatedIps.getPool(accountId, poolName)))
        throw notFound('Resource', `Dedicated IP pool ${poolName} does not exist.`);
    }
    const changed = record.accountId !== accountId;
    await this.#store.dedicatedIps.updateIp(ip, {
      accountId,
      poolName,
      ...(changed
        ? { warmup: done ? warmupAt(100, this.#now()) : { startedAt: this.#now(), done: false } }
        : {}),
    });
    await this.#cache.changed();
    return (await this.#store.dedicatedIps.getIp(ip))!;
  }

  async remove(ip: string): Promise<void> {
    if (!(await this.#store.dedicatedIps.removeIp(ip)))
      throw notFound('Resource', `Dedicated IP ${ip} is not declared.`);
    await this.#cache.changed();
  }

  /** Every declared address (`sesame ips list`). */
  all(): Promise<DedicatedIpRecord[]> {
    return this.#store.dedicatedIps.listIps({});
  }

  // ---- SES v2 -----------------------------------------------------------------------------------------

  async createPool(
    accountId: string,
    name: string,
    mode: ScalingMode = 'STANDARD',
    tags: { key: string; value: string }[] = [],
  ): Promise<void> {
    if (name === DEFAULT_DEDICATED_POOL || name === SHARED_POOL)
      throw alreadyExists('Resource', `${name} is a pool SES defines; choose another name.`);
    if (!POOL_NAME.test(name))
      throw badRequest(`Invalid pool name <${name}>: use 1 to 64 letters, digits, underscores and dashes.`);
    try {
      await this.#store.dedicatedIps.createPool({
        accountId,
        name,
        scalingMode: mode,
        createdAt: this.#now(),
      });
    } catch (err) {
      if (err instanceof StoreConflictError) throw alreadyExists('Resource', `Pool ${name} already exists.`);
      throw err;
    }
    if (tags.length) await this.#tags.put(accountId, this.poolArn(accountId, name), tags);
    await this.#cache.changed();
  }

  async getPool(accountId: string, name: string): Promise<DedicatedIpPoolRecord> {
    const pool = await this.#store.dedicatedIps.getPool(accountId, name);
    if (!pool) throw notFound('Resource', `Pool ${name} does not exist.`);
    return pool;
  }

  async poolExists(accountId: string, name: string): Promise<boolean> {
    return name === DEFAULT_DEDICATED_POOL || name === SHARED_POOL
      ? true
      : (await this.#store.dedicatedIps.getPool(accountId, name)) !== null;
  }

  listPools(accountId: string, after: string | undefined, limit: number): Promise<DedicatedIpPoolRecord[]> {
    return this.#store.dedicatedIps.listPools(accountId, { after, limit });
  }

  async deletePool(accountId: string, name: string): Promise<void> {
    if (!(await this.#store.dedicatedIps.deletePool(accountId, name)))
      throw notFound('Resource', `Pool ${name} does not exist.`);
    await this.#tags.removeAll(accountId, this.poolArn(accountId, name));
    await this.#cache.changed();
  }

  /** STANDARD → MANAGED only: SES never turns a managed pool back into a standard one. */
  async setScalingMode(accountId: string, name: string, mode: ScalingMode): Promise<void> {
    const pool = await this.getPool(accountId, name);
    if (pool.scalingMode === mode) return;
    if (pool.scalingMode === 'MANAGED')
      throw badRequest(`Pool ${name} is MANAGED: a managed pool cannot be converted to a standard pool.`);
    await this.#store.dedicatedIps.setScalingMode(accountId, name, mode);
    await this.#cache.changed();
  }

  async getIp(accountId: string, ip: string): Promise<DedicatedIpView> {
    return this.#view(await this.#own(accountId, ip));
  }

  /** The account's addresses (of one pool when given), by address. */
  async listIps(accountId: string, poolName?: string): Promise<DedicatedIpView[]> {
    if (poolName !== undefined && !(await this.poolExists(accountId, poolName)))
      throw notFound('Resource', `Pool ${poolName} does not exist.`);
    const all = await this.#store.dedicatedIps.listIps({ accountId });
    const views = await Promise.all(all.map((r) => this.#view(r)));
    return poolName === undefined ? views : views.filter((v) => v.poolName === poolName);
  }

  /** PutDedicatedIpInPool: moves an address of the account to one of its STANDARD pools (or the default). */
  async moveToPool(accountId: string, ip: string, poolName: string): Promise<void> {
    await this.#own(accountId, ip);
    if (poolName === SHARED_POOL) throw badRequest(`${SHARED_POOL} holds no dedicated IPs.`);
    if (poolName !== DEFAULT_DEDICATED_POOL) {
      const pool = await this.getPool(accountId, poolName);
      if (pool.scalingMode === 'MANAGED')
        throw badRequest(
          `Pool ${poolName} is MANAGED: its addresses are chosen by Sesame, not moved into it.`,
        );
    }
    await this.#store.dedicatedIps.updateIp(ip, {
      poolName: poolName === DEFAULT_DEDICATED_POOL ? null : poolName,
    });
    await this.#cache.changed();
  }

  /** PutDedicatedIpWarmupAttributes: puts the address at that point of its warm-up (100: done, 0: restart). */
  async setWarmup(accountId: string, ip: string, percent: number): Promise<void> {
    await this.#own(accountId, ip);
    if (!Number.isInteger(percent) || percent < 0 || percent > 100)
      throw badRequest('WarmupPercentage must be an integer from 0 to 100.');
    await this.#store.dedicatedIps.updateIp(ip, { warmup: warmupAt(percent, this.#now()) });
    await this.#cache.changed();
  }

  /**
   * GetBlacklistReports: the listings of each named address, which must be one of the account's dedicated
   * IPs (as in SES), on the configured DNSBL zones.
   */
  async blocklistReport(accountId: string, ips: string[]): Promise<Record<string, BlocklistEntry[]>> {
    if (ips.length === 0) throw badRequest('BlacklistItemNames must name at least one dedicated IP.');
    const report: Record<string, BlocklistEntry[]> = {};
    for (const ip of ips) {
      await this.#own(accountId, ip);
      report[ip] = await checkBlocklists(this.#dns, this.#blocklists, ip, this.#now());
    }
    return report;
  }

  // ---- delivery -----------------------------------------------------------------------------------------

  /**
   * The address a message of this account and pool leaves from on this node (only addresses this node holds,
   * or that no node was named for), or null for the node's own address.
   */
  async sourceFor(
    accountId: string,
    pool: string | null,
    provider = 'default',
  ): Promise<SendingSource | null> {
    if (pool === SHARED_POOL) return null;
    const wanted = pool === null || pool === DEFAULT_DEDICATED_POOL ? null : pool;
    const ips = await this.#cache.get(`dedicated-ips:${accountId}`, () =>
      this.#store.dedicatedIps.listIps({ accountId }),
    );
    const here = ips.filter((r) => r.poolName === wanted && (r.nodeId === null || r.nodeId === this.#nodeId));
    if (here.length === 0) return null;
    const managed = wanted !== null && (await this.#cachedPool(accountId, wanted))?.scalingMode === 'MANAGED';
    const now = this.#now();
    if (managed) return this.#managedSource(here, provider, now);
    const pick = this.#chooser.choose(
      `${accountId}/${wanted ?? DEFAULT_DEDICATED_POOL}`,
      here.map((r) => ({ ip: r.ip, ehlo: r.ehlo, percent: warmupPercent(r.warmup, now) })),
    );
    return pick && { address: pick.ip, ehlo: pick.ehlo };
  }

  /** A managed pool: per provider, the warming addresses while they have room, then the next (warmup.ts). */
  async #managedSource(
    here: DedicatedIpRecord[],
    provider: string,
    now: number,
  ): Promise<SendingSource | null> {
    const day = Math.floor(now / 86_400_000);
    const sent = (ip: string) => {
      const c = this.#sentToday.get(`${ip} ${provider}`);
      return c?.day === day ? c.n : 0;
    };
    const chosen = chooseManaged(
      here.map((r) => ({
        ip: r.ip,
        ehlo: r.ehlo,
        startedAt: r.warmup.providers?.[provider] ?? null,
        sentToday: sent(r.ip),
      })),
      now,
    );
    if (!chosen) return null;
    const { pick, starts } = chosen;
    this.#sentToday.set(`${pick.ip} ${provider}`, { day, n: sent(pick.ip) + 1 });
    if (starts) {
      // Its warm-up towards this provider starts with its first message there (kept across restarts).
      const record = here.find((r) => r.ip === pick.ip)!;
      record.warmup = { ...record.warmup, providers: { ...record.warmup.providers, [provider]: now } };
      await this.#store.dedicatedIps.updateIp(pick.ip, { warmup: record.warmup });
    }
    return { address: pick.ip, ehlo: pick.ehlo };
  }

  #cachedPool(accountId: string, name: string): Promise<DedicatedIpPoolRecord | null> {
    return this.#cache.get(`dedicated-pool:${accountId}:${name}`, () =>
      this.#store.dedicatedIps.getPool(accountId, name),
    );
  }

  async #own(accountId: string, ip: string): Promise<DedicatedIpRecord> {
    const r = await this.#store.dedicatedIps.getIp(ip);
    if (!r || r.accountId !== accountId) throw notFound('Resource', `Dedicated IP ${ip} does not exist.`);
    return r;
  }

  async #view(r: DedicatedIpRecord): Promise<DedicatedIpView> {
    const pool = r.poolName ? await this.#cachedPool(r.accountId!, r.poolName) : null;
    if (pool?.scalingMode === 'MANAGED')
      return { ip: r.ip, warmupStatus: 'NOT_APPLICABLE', warmupPercentage: -1, poolName: pool.name };
    const percent = warmupPercent(r.warmup, this.#now());
    return {
      ip: r.ip,
      warmupStatus: percent >= 100 ? 'DONE' : 'IN_PROGRESS',
      warmupPercentage: Math.floor(percent + 1e-9),
      poolName: r.poolName ?? DEFAULT_DEDICATED_POOL,
    };
  }
}

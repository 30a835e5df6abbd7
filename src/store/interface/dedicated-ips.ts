/** Dedicated IPs: the sending addresses the operator declares, their accounts, pools and warm-up. */

export type ScalingMode = 'STANDARD' | 'MANAGED';

export interface DedicatedIpPoolRecord {
  accountId: string;
  name: string;
  scalingMode: ScalingMode;
  createdAt: number;
}

/**
 * Warm-up as a point on the curve: `startedAt` is when the curve started (moved back or forth when the
 * percentage is set), `done` once warm-up is complete (set to 100, or auto warm-up off).
 */
export interface WarmupRecord {
  startedAt: number;
  done: boolean;
  /** In a MANAGED pool: when the address started warming up towards each mailbox provider. */
  providers?: Record<string, number>;
}

export interface DedicatedIpRecord {
  /** The address (IPv4 or IPv6) connections are made from. */
  ip: string;
  /** The node that holds the address (null: every node may use it). */
  nodeId: string | null;
  /** The EHLO name to greet with from this address (its PTR name); null: the node's host name. */
  ehlo: string | null;
  /** The account it is leased to (null: not yet assigned). */
  accountId: string | null;
  /** Its pool (null: the account's ses-default-dedicated-pool). */
  poolName: string | null;
  warmup: WarmupRecord;
  createdAt: number;
}

export interface DedicatedIpStore {
  createPool(pool: DedicatedIpPoolRecord): Promise<void>;
  getPool(accountId: string, name: string): Promise<DedicatedIpPoolRecord | null>;
  listPools(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<DedicatedIpPoolRecord[]>;
  setScalingMode(accountId: string, name: string, mode: ScalingMode): Promise<void>;
  /** Deletes the pool; its addresses go back to the account's default pool. */
  deletePool(accountId: string, name: string): Promise<boolean>;

  /** Adds an address, or updates its node and EHLO name if it is there (the account and pool are kept). */
  putIp(ip: DedicatedIpRecord): Promise<void>;
  getIp(ip: string): Promise<DedicatedIpRecord | null>;
  /** Addresses by ip; of one account (and pool) when given. */
  listIps(filter: {
    accountId?: string | undefined;
    poolName?: string | undefined;
  }): Promise<DedicatedIpRecord[]>;
  updateIp(
    ip: string,
    change: Partial<Pick<DedicatedIpRecord, 'accountId' | 'poolName' | 'warmup'>>,
  ): Promise<void>;
  removeIp(ip: string): Promise<boolean>;
}

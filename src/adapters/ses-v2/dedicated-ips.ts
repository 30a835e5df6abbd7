/** SES v2 dedicated IPs and pools: pools (STANDARD/MANAGED), the account's addresses, their warm-up. */
import type { DedicatedIpView } from '../../core/index.ts';
import { pageLimit } from '../ses-shared.ts';
import { decodeToken, encodeToken, op, type V2Handler } from './handler.ts';
import { toTags } from './identities.ts';

const ipOutput = (v: DedicatedIpView) => ({
  Ip: v.ip,
  WarmupStatus: v.warmupStatus,
  WarmupPercentage: v.warmupPercentage,
  PoolName: v.poolName,
});

export const dedicatedIpHandlers: Record<string, V2Handler> = {
  CreateDedicatedIpPool: op<{
    PoolName: string;
    ScalingMode?: 'STANDARD' | 'MANAGED';
    Tags?: { Key: string; Value: string }[];
  }>(async (ctx, input) => {
    await ctx.core.dedicatedIps.createPool(
      ctx.caller.accountId,
      input.PoolName,
      input.ScalingMode ?? 'STANDARD',
      toTags(input.Tags) ?? [],
    );
    return {};
  }),

  GetDedicatedIpPool: op<{ PoolName: string }>(async (ctx, input) => {
    const pool = await ctx.core.dedicatedIps.getPool(ctx.caller.accountId, input.PoolName);
    return { DedicatedIpPool: { PoolName: pool.name, ScalingMode: pool.scalingMode } };
  }),

  ListDedicatedIpPools: op<{ NextToken?: string; PageSize?: number }>(async (ctx, input) => {
    const limit = pageLimit('PageSize', input.PageSize, 1000, 100);
    const pools = await ctx.core.dedicatedIps.listPools(
      ctx.caller.accountId,
      decodeToken(input.NextToken),
      limit + 1,
    );
    const page = pools.slice(0, limit);
    return {
      DedicatedIpPools: page.map((p) => p.name),
      NextToken: encodeToken(pools.length > limit ? page.at(-1)!.name : null),
    };
  }),

  DeleteDedicatedIpPool: op<{ PoolName: string }>(async (ctx, input) => {
    await ctx.core.dedicatedIps.deletePool(ctx.caller.accountId, input.PoolName);
    return {};
  }),

  PutDedicatedIpPoolScalingAttributes: op<{ PoolName: string; ScalingMode: 'STANDARD' | 'MANAGED' }>(
    async (ctx, input) => {
      await ctx.core.dedicatedIps.setScalingMode(ctx.caller.accountId, input.PoolName, input.ScalingMode);
      return {};
    },
  ),

  GetDedicatedIp: op<{ Ip: string }>(async (ctx, input) => ({
    DedicatedIp: ipOutput(await ctx.core.dedicatedIps.getIp(ctx.caller.accountId, input.Ip)),
  })),

  GetDedicatedIps: op<{ PoolName?: string; NextToken?: string; PageSize?: number }>(async (ctx, input) => {
    const limit = pageLimit('PageSize', input.PageSize, 1000, 100);
    const after = decodeToken(input.NextToken);
    const all = (await ctx.core.dedicatedIps.listIps(ctx.caller.accountId, input.PoolName)).filter(
      (v) => after === undefined || v.ip > after,
    );
    const page = all.slice(0, limit);
    return {
      DedicatedIps: page.map(ipOutput),
      NextToken: encodeToken(all.length > limit ? page.at(-1)!.ip : null),
    };
  }),

  PutDedicatedIpInPool: op<{ Ip: string; DestinationPoolName: string }>(async (ctx, input) => {
    await ctx.core.dedicatedIps.moveToPool(ctx.caller.accountId, input.Ip, input.DestinationPoolName);
    return {};
  }),

  GetBlacklistReports: op<{ BlacklistItemNames: string[] }>(async (ctx, input) => {
    const report = await ctx.core.dedicatedIps.blocklistReport(
      ctx.caller.accountId,
      input.BlacklistItemNames,
    );
    return {
      BlacklistReport: Object.fromEntries(
        Object.entries(report).map(([ip, entries]) => [
          ip,
          entries.map((e) => ({
            RblName: e.rblName,
            ListingTime: new Date(e.listingTime),
            ...(e.description ? { Description: e.description } : {}),
          })),
        ]),
      ),
    };
  }),

  PutDedicatedIpWarmupAttributes: op<{ Ip: string; WarmupPercentage: number }>(async (ctx, input) => {
    await ctx.core.dedicatedIps.setWarmup(ctx.caller.accountId, input.Ip, input.WarmupPercentage);
    return {};
  }),
};

/** SES v1 account actions: quota, statistics and the account's sending switch. */
import { action, type V1Handler } from './handler.ts';

export const accountActions: Record<string, V1Handler> = {
  GetSendQuota: action(async (ctx) => {
    const q = await ctx.core.accounts.sendQuota(ctx.caller.accountId);
    return { Max24HourSend: q.max24HourSend, MaxSendRate: q.maxSendRate, SentLast24Hours: q.sentLast24Hours };
  }),

  GetSendStatistics: action(async (ctx) => ({
    SendDataPoints: (await ctx.core.metrics.sendStatistics(ctx.caller.accountId)).map((b) => ({
      Timestamp: new Date(b.start),
      DeliveryAttempts: b.deliveryAttempts,
      Bounces: b.bounces,
      Complaints: b.complaints,
      Rejects: b.rejects,
    })),
  })),

  GetAccountSendingEnabled: action(async (ctx) => ({
    Enabled: (await ctx.core.accounts.get(ctx.caller.accountId)).sendingEnabled,
  })),

  UpdateAccountSendingEnabled: action<{ Enabled?: boolean }>(async (ctx, input) => {
    await ctx.core.accounts.setSendingEnabled(ctx.caller.accountId, input.Enabled ?? false);
    return undefined;
  }),
};

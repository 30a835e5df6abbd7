/** SES v2 account operations: GetAccount, PutAccountDetails, PutAccountSendingAttributes, PutAccountSuppressionAttributes. */
import type { AccountRecord, SuppressionReason } from '../../core/index.ts';
import { op, type V2Context, type V2Handler } from './handler.ts';

async function getAccount(ctx: V2Context): Promise<object> {
  const a: AccountRecord = await ctx.core.accounts.get(ctx.caller.accountId);
  const quota = await ctx.core.accounts.sendQuota(ctx.caller.accountId);
  return {
    DedicatedIpAutoWarmupEnabled: a.dedicatedIpAutoWarmup,
    EnforcementStatus: a.enforcementStatus,
    ProductionAccessEnabled: a.productionAccess,
    SendQuota: {
      Max24HourSend: quota.max24HourSend,
      MaxSendRate: quota.maxSendRate,
      SentLast24Hours: quota.sentLast24Hours,
    },
    SendingEnabled: a.sendingEnabled,
    SuppressionAttributes: { SuppressedReasons: a.suppressedReasons },
    ...(a.vdm
      ? {
          VdmAttributes: {
            VdmEnabled: a.vdm.vdmEnabled,
            ...(a.vdm.engagementMetrics
              ? { DashboardAttributes: { EngagementMetrics: a.vdm.engagementMetrics } }
              : {}),
            ...(a.vdm.optimizedSharedDelivery
              ? { GuardianAttributes: { OptimizedSharedDelivery: a.vdm.optimizedSharedDelivery } }
              : {}),
          },
        }
      : {}),
    ...(a.details
      ? {
          Details: {
            MailType: a.details.mailType,
            WebsiteURL: a.details.websiteUrl,
            ContactLanguage: a.details.contactLanguage ?? undefined,
            UseCaseDescription: a.details.useCaseDescription ?? undefined,
            AdditionalContactEmailAddresses: a.details.additionalContactEmailAddresses,
            ...(a.review ? { ReviewDetails: { Status: a.review.status, CaseId: a.review.caseId } } : {}),
          },
        }
      : {}),
  };
}

export const accountHandlers: Record<string, V2Handler> = {
  GetAccount: op(getAccount),

  PutAccountDedicatedIpWarmupAttributes: op<{ AutoWarmupEnabled?: boolean }>(async (ctx, input) => {
    await ctx.core.accounts.setDedicatedIpAutoWarmup(ctx.caller.accountId, input.AutoWarmupEnabled ?? false);
    return {};
  }),

  PutAccountDetails: op<{
    MailType: string;
    WebsiteURL: string;
    ContactLanguage?: string;
    UseCaseDescription?: string;
    AdditionalContactEmailAddresses?: string[];
    ProductionAccessEnabled?: boolean;
  }>(async (ctx, input) => {
    await ctx.core.accounts.putDetails(
      ctx.caller.accountId,
      {
        mailType: input.MailType,
        websiteUrl: input.WebsiteURL,
        contactLanguage: input.ContactLanguage ?? null,
        useCaseDescription: input.UseCaseDescription ?? null,
        additionalContactEmailAddresses: input.AdditionalContactEmailAddresses ?? [],
      },
      input.ProductionAccessEnabled === true,
    );
    return {};
  }),

  PutAccountSendingAttributes: op<{ SendingEnabled?: boolean }>(async (ctx, input) => {
    await ctx.core.accounts.setSendingEnabled(ctx.caller.accountId, input.SendingEnabled ?? false);
    return {};
  }),

  PutAccountSuppressionAttributes: op<{ SuppressedReasons?: SuppressionReason[] }>(async (ctx, input) => {
    await ctx.core.accounts.setSuppressedReasons(ctx.caller.accountId, input.SuppressedReasons ?? []);
    return {};
  }),
};

/**
 * SES v2 monitoring operations: BatchGetMetricData (VDM metrics from the counters), the VDM settings of the
 * account and of configuration sets, GetMessageInsights and GetEmailAddressInsights.
 */
import { op, type V2Handler } from './handler.ts';

type FeatureStatus = 'ENABLED' | 'DISABLED';

interface MetricQuery {
  Id: string;
  Namespace: string;
  Metric: string;
  Dimensions?: Record<string, string>;
  StartDate: Date;
  EndDate: Date;
}

const verdict = (v: string) => ({ ConfidenceVerdict: v });

export const monitoringHandlers: Record<string, V2Handler> = {
  BatchGetMetricData: op<{ Queries: MetricQuery[] }>(async (ctx, input) => {
    const results = await ctx.core.metrics.vdmBatch(
      ctx.caller.accountId,
      input.Queries.map((q) => ({
        id: q.Id,
        namespace: q.Namespace,
        metric: q.Metric,
        dimensions: q.Dimensions ?? {},
        from: q.StartDate.getTime(),
        to: q.EndDate.getTime(),
      })),
    );
    return {
      Results: results.map((r) => ({
        Id: r.id,
        Timestamps: r.timestamps.map((t) => new Date(t)),
        Values: r.values,
      })),
      Errors: [],
    };
  }),

  PutAccountVdmAttributes: op<{
    VdmAttributes: {
      VdmEnabled: FeatureStatus;
      DashboardAttributes?: { EngagementMetrics?: FeatureStatus };
      GuardianAttributes?: { OptimizedSharedDelivery?: FeatureStatus };
    };
  }>(async (ctx, input) => {
    const v = input.VdmAttributes;
    await ctx.core.accounts.setVdm(ctx.caller.accountId, {
      vdmEnabled: v.VdmEnabled,
      engagementMetrics: v.DashboardAttributes?.EngagementMetrics ?? null,
      optimizedSharedDelivery: v.GuardianAttributes?.OptimizedSharedDelivery ?? null,
    });
    return {};
  }),

  PutConfigurationSetVdmOptions: op<{
    ConfigurationSetName: string;
    VdmOptions?: {
      DashboardOptions?: { EngagementMetrics?: FeatureStatus };
      GuardianOptions?: { OptimizedSharedDelivery?: FeatureStatus };
    };
  }>(async (ctx, input) => {
    const v = input.VdmOptions;
    await ctx.core.configurationSets.setVdm(
      ctx.caller.accountId,
      input.ConfigurationSetName,
      v
        ? {
            engagementMetrics: v.DashboardOptions?.EngagementMetrics ?? null,
            optimizedSharedDelivery: v.GuardianOptions?.OptimizedSharedDelivery ?? null,
          }
        : null,
    );
    return {};
  }),

  GetMessageInsights: op<{ MessageId: string }>(async (ctx, input) => {
    const m = await ctx.core.insights.message(ctx.caller.accountId, input.MessageId);
    return {
      MessageId: m.messageId,
      FromEmailAddress: m.fromEmailAddress,
      ...(m.subject !== undefined ? { Subject: m.subject } : {}),
      EmailTags: m.tags.map((t) => ({ Name: t.name, Value: t.value })),
      Insights: m.insights.map((i) => ({
        Destination: i.destination,
        Isp: i.isp,
        Events: i.events.map((e) => ({
          Timestamp: new Date(e.timestamp),
          Type: e.type,
          ...(e.bounce || e.complaint
            ? {
                Details: {
                  ...(e.bounce
                    ? {
                        Bounce: {
                          BounceType: e.bounce.bounceType,
                          BounceSubType: e.bounce.bounceSubType,
                          DiagnosticCode: e.bounce.diagnosticCode,
                        },
                      }
                    : {}),
                  ...(e.complaint
                    ? {
                        Complaint: {
                          ComplaintSubType: e.complaint.complaintSubType,
                          ComplaintFeedbackType: e.complaint.complaintFeedbackType,
                        },
                      }
                    : {}),
                },
              }
            : {}),
        })),
      })),
    };
  }),

  GetEmailAddressInsights: op<{ EmailAddress: string }>(async (ctx, input) => {
    const i = await ctx.core.insights.address(ctx.caller.accountId, input.EmailAddress);
    return {
      MailboxValidation: {
        IsValid: verdict(i.isValid),
        Evaluations: {
          HasValidSyntax: verdict(i.hasValidSyntax),
          HasValidDnsRecords: verdict(i.hasValidDnsRecords),
          MailboxExists: verdict(i.mailboxExists),
          IsRoleAddress: verdict(i.isRoleAddress),
          IsDisposable: verdict(i.isDisposable),
          IsRandomInput: verdict(i.isRandomInput),
        },
      },
    };
  }),
};

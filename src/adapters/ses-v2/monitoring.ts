/**
 * SES v2 monitoring operations: BatchGetMetricData (VDM metrics from the counters), the VDM settings of the
 * account and of configuration sets, GetMessageInsights and GetEmailAddressInsights.
 */
import { SesError, VDM_METRICS } from '../../core/index.ts';
import { op, type V2Handler } from './handler.ts';

type FeatureStatus = 'ENABLED' | 'DISABLED';
const VDM_DIMENSIONS = new Set(['EMAIL_IDENTITY', 'CONFIGURATION_SET', 'ISP']);
const DAY = 86_400_000;

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
    if (input.Queries.length < 1 || input.Queries.length > 10)
      throw new SesError('BadRequestException', 'Queries must hold between 1 and 10 queries.');
    const ids = new Set<string>();
    for (const q of input.Queries) {
      if (ids.has(q.Id)) throw new SesError('BadRequestException', `Duplicate query Id ${q.Id}.`);
      ids.add(q.Id);
      if (q.Namespace !== 'VDM')
        throw new SesError('BadRequestException', `Unknown Namespace ${q.Namespace} (VDM is the only one).`);
      if (!(q.Metric in VDM_METRICS))
        throw new SesError('BadRequestException', `Unknown Metric ${q.Metric}.`);
      const dims = Object.keys(q.Dimensions ?? {});
      if (dims.length < 1 || dims.length > 3 || dims.some((d) => !VDM_DIMENSIONS.has(d)))
        throw new SesError(
          'BadRequestException',
          `Dimensions of query ${q.Id} must hold 1 to 3 of EMAIL_IDENTITY, CONFIGURATION_SET, ISP.`,
        );
      if (!(q.StartDate.getTime() < q.EndDate.getTime()))
        throw new SesError('BadRequestException', `StartDate of query ${q.Id} must be before its EndDate.`);
      if (q.EndDate.getTime() - q.StartDate.getTime() > 31 * DAY)
        throw new SesError('BadRequestException', `The range of query ${q.Id} must not exceed 30 days.`);
    }
    const results = [];
    for (const q of input.Queries) {
      const series = await ctx.core.metrics.vdmSeries(
        ctx.caller.accountId,
        q.Metric,
        q.Dimensions ?? {},
        q.StartDate.getTime(),
        q.EndDate.getTime(),
      );
      results.push({
        Id: q.Id,
        Timestamps: series.timestamps.map((t) => new Date(t)),
        Values: series.values,
      });
    }
    return { Results: results, Errors: [] };
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

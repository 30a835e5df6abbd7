/** SES v2 configuration sets and their event destinations. */
import {
  SesError,
  type ConfigurationSetRecord,
  type EventTypeName,
  type SuppressionReason,
} from '../../core/index.ts';
import { pageLimit } from '../ses-shared.ts';
import { decodeToken, encodeToken, op, type V2Handler } from './handler.ts';
import { fromTags, toTags } from './identities.ts';

interface EventDestinationInput {
  Enabled?: boolean;
  MatchingEventTypes?: EventTypeName[];
  SnsDestination?: { TopicArn: string };
  KinesisFirehoseDestination?: unknown;
  CloudWatchDestination?: { DimensionConfigurations?: WireDimension[] };
  EventBridgeDestination?: unknown;
  PinpointDestination?: unknown;
}

interface WireDimension {
  DimensionName: string;
  DimensionValueSource: 'MESSAGE_TAG' | 'EMAIL_HEADER' | 'LINK_TAG';
  DefaultDimensionValue: string;
}

function otherKind(d: EventDestinationInput): string | undefined {
  if (d.KinesisFirehoseDestination) return 'Kinesis Firehose';
  if (d.EventBridgeDestination) return 'EventBridge';
  if (d.PinpointDestination) return 'Pinpoint';
  return undefined;
}

/** An event destination as the core takes it (Create and Update carry the same shape). */
function eventDestination(name: string, d: EventDestinationInput) {
  return {
    name,
    enabled: d.Enabled,
    matchingEventTypes: d.MatchingEventTypes ?? [],
    snsTopicArn: d.SnsDestination?.TopicArn,
    cloudWatch: d.CloudWatchDestination
      ? {
          dimensions: (d.CloudWatchDestination.DimensionConfigurations ?? []).map((c) => ({
            name: c.DimensionName,
            source: c.DimensionValueSource,
            defaultValue: c.DefaultDimensionValue,
          })),
        }
      : undefined,
    otherKind: otherKind(d),
  };
}

interface VdmOptionsInput {
  DashboardOptions?: { EngagementMetrics?: 'ENABLED' | 'DISABLED' };
  GuardianOptions?: { OptimizedSharedDelivery?: 'ENABLED' | 'DISABLED' };
}

/** VdmOptions as stored: kept as given (SES accepts them on every configuration set). */
const vdmOptions = (v: VdmOptionsInput | undefined) =>
  v
    ? {
        engagementMetrics: v.DashboardOptions?.EngagementMetrics ?? null,
        optimizedSharedDelivery: v.GuardianOptions?.OptimizedSharedDelivery ?? null,
      }
    : undefined;

function unsupportedOptions(input: { ArchivingOptions?: unknown }): void {
  if (input.ArchivingOptions)
    throw new SesError(
      'BadRequestException',
      'ArchivingOptions (Mail Manager archiving) are not supported by Sesame.',
    );
}

function setOutput(c: ConfigurationSetRecord, tags: { key: string; value: string }[]): object {
  const o = c.options;
  return {
    ConfigurationSetName: c.name,
    ...(o.tracking
      ? {
          TrackingOptions: {
            CustomRedirectDomain: o.tracking.customRedirectDomain,
            HttpsPolicy: o.tracking.httpsPolicy,
          },
        }
      : {}),
    DeliveryOptions: {
      TlsPolicy: o.delivery.tlsPolicy,
      ...(o.delivery.sendingPoolName ? { SendingPoolName: o.delivery.sendingPoolName } : {}),
      ...(o.delivery.maxDeliverySeconds !== null
        ? { MaxDeliverySeconds: o.delivery.maxDeliverySeconds }
        : {}),
    },
    ReputationOptions: {
      ReputationMetricsEnabled: o.reputation.metricsEnabled,
      ...(o.reputation.lastFreshStart !== null
        ? { LastFreshStart: new Date(o.reputation.lastFreshStart) }
        : {}),
    },
    SendingOptions: { SendingEnabled: c.sendingEnabled },
    Tags: fromTags(tags),
    ...(o.suppression ? { SuppressionOptions: { SuppressedReasons: o.suppression.suppressedReasons } } : {}),
    ...(o.vdm
      ? {
          VdmOptions: {
            ...(o.vdm.engagementMetrics
              ? { DashboardOptions: { EngagementMetrics: o.vdm.engagementMetrics } }
              : {}),
            ...(o.vdm.optimizedSharedDelivery
              ? { GuardianOptions: { OptimizedSharedDelivery: o.vdm.optimizedSharedDelivery } }
              : {}),
          },
        }
      : {}),
  };
}

export const configurationSetHandlers: Record<string, V2Handler> = {
  CreateConfigurationSet: op<{
    ConfigurationSetName: string;
    TrackingOptions?: {
      CustomRedirectDomain: string;
      HttpsPolicy?: 'REQUIRE' | 'REQUIRE_OPEN_ONLY' | 'OPTIONAL';
    };
    DeliveryOptions?: {
      TlsPolicy?: 'REQUIRE' | 'OPTIONAL';
      SendingPoolName?: string;
      MaxDeliverySeconds?: number;
    };
    ReputationOptions?: { ReputationMetricsEnabled?: boolean; LastFreshStart?: Date };
    SendingOptions?: { SendingEnabled?: boolean };
    Tags?: { Key: string; Value: string }[];
    SuppressionOptions?: { SuppressedReasons?: SuppressionReason[] };
    VdmOptions?: VdmOptionsInput;
    ArchivingOptions?: unknown;
  }>(async (ctx, input) => {
    unsupportedOptions(input);
    await ctx.core.configurationSets.create(ctx.caller.accountId, {
      name: input.ConfigurationSetName,
      sendingEnabled: input.SendingOptions?.SendingEnabled,
      tracking: input.TrackingOptions
        ? {
            customRedirectDomain: input.TrackingOptions.CustomRedirectDomain,
            httpsPolicy: input.TrackingOptions.HttpsPolicy ?? 'OPTIONAL',
          }
        : undefined,
      delivery: input.DeliveryOptions
        ? {
            tlsPolicy: input.DeliveryOptions.TlsPolicy ?? 'OPTIONAL',
            sendingPoolName: input.DeliveryOptions.SendingPoolName ?? null,
            maxDeliverySeconds: input.DeliveryOptions.MaxDeliverySeconds ?? null,
          }
        : undefined,
      reputation: input.ReputationOptions
        ? {
            metricsEnabled: input.ReputationOptions.ReputationMetricsEnabled ?? false,
            lastFreshStart: input.ReputationOptions.LastFreshStart?.getTime() ?? null,
          }
        : undefined,
      suppression: input.SuppressionOptions
        ? { suppressedReasons: input.SuppressionOptions.SuppressedReasons ?? [] }
        : undefined,
      vdm: vdmOptions(input.VdmOptions),
      tags: toTags(input.Tags),
    });
    return {};
  }),

  GetConfigurationSet: op<{ ConfigurationSetName: string }>(async (ctx, input) => {
    const set = await ctx.core.configurationSets.get(ctx.caller.accountId, input.ConfigurationSetName);
    return setOutput(
      set,
      await ctx.core.tags.list(
        ctx.caller.accountId,
        ctx.core.configurationSets.arn(ctx.caller.accountId, set.name),
      ),
    );
  }),

  ListConfigurationSets: op<{ NextToken?: string; PageSize?: number }>(async (ctx, input) => {
    const page = await ctx.core.configurationSets.list(ctx.caller.accountId, {
      // 0 means the default, as for ListEmailIdentities.
      pageSize: pageLimit('PageSize', input.PageSize || undefined, 1000, 100),
      after: decodeToken(input.NextToken),
    });
    return { ConfigurationSets: page.items.map((c) => c.name), NextToken: encodeToken(page.next) };
  }),

  DeleteConfigurationSet: op<{ ConfigurationSetName: string }>(async (ctx, input) => {
    await ctx.core.configurationSets.delete(ctx.caller.accountId, input.ConfigurationSetName);
    return {};
  }),

  PutConfigurationSetSendingOptions: op<{ ConfigurationSetName: string; SendingEnabled?: boolean }>(
    async (ctx, input) => {
      await ctx.core.configurationSets.setSendingEnabled(
        ctx.caller.accountId,
        input.ConfigurationSetName,
        input.SendingEnabled ?? false,
      );
      return {};
    },
  ),

  PutConfigurationSetTrackingOptions: op<{
    ConfigurationSetName: string;
    CustomRedirectDomain?: string;
    HttpsPolicy?: 'REQUIRE' | 'REQUIRE_OPEN_ONLY' | 'OPTIONAL';
  }>(async (ctx, input) => {
    await ctx.core.configurationSets.setTracking(
      ctx.caller.accountId,
      input.ConfigurationSetName,
      input.CustomRedirectDomain
        ? { customRedirectDomain: input.CustomRedirectDomain, httpsPolicy: input.HttpsPolicy ?? 'OPTIONAL' }
        : null,
    );
    return {};
  }),

  PutConfigurationSetDeliveryOptions: op<{
    ConfigurationSetName: string;
    TlsPolicy?: 'REQUIRE' | 'OPTIONAL';
    SendingPoolName?: string;
    MaxDeliverySeconds?: number;
  }>(async (ctx, input) => {
    await ctx.core.configurationSets.setDelivery(ctx.caller.accountId, input.ConfigurationSetName, {
      tlsPolicy: input.TlsPolicy ?? 'OPTIONAL',
      sendingPoolName: input.SendingPoolName ?? null,
      maxDeliverySeconds: input.MaxDeliverySeconds ?? null,
    });
    return {};
  }),

  PutConfigurationSetReputationOptions: op<{
    ConfigurationSetName: string;
    ReputationMetricsEnabled?: boolean;
  }>(async (ctx, input) => {
    await ctx.core.configurationSets.setReputation(ctx.caller.accountId, input.ConfigurationSetName, {
      metricsEnabled: input.ReputationMetricsEnabled ?? false,
    });
    return {};
  }),

  PutConfigurationSetSuppressionOptions: op<{
    ConfigurationSetName: string;
    SuppressedReasons?: SuppressionReason[];
  }>(async (ctx, input) => {
    await ctx.core.configurationSets.setSuppression(
      ctx.caller.accountId,
      input.ConfigurationSetName,
      input.SuppressedReasons ?? null,
    );
    return {};
  }),

  CreateConfigurationSetEventDestination: op<{
    ConfigurationSetName: string;
    EventDestinationName: string;
    EventDestination: EventDestinationInput;
  }>(async (ctx, input) => {
    await ctx.core.configurationSets.createEventDestination(
      ctx.caller.accountId,
      input.ConfigurationSetName,
      eventDestination(input.EventDestinationName, input.EventDestination),
    );
    return {};
  }),

  UpdateConfigurationSetEventDestination: op<{
    ConfigurationSetName: string;
    EventDestinationName: string;
    EventDestination: EventDestinationInput;
  }>(async (ctx, input) => {
    await ctx.core.configurationSets.updateEventDestination(
      ctx.caller.accountId,
      input.ConfigurationSetName,
      eventDestination(input.EventDestinationName, input.EventDestination),
    );
    return {};
  }),

  GetConfigurationSetEventDestinations: op<{ ConfigurationSetName: string }>(async (ctx, input) => {
    const set = await ctx.core.configurationSets.get(ctx.caller.accountId, input.ConfigurationSetName);
    return {
      EventDestinations: set.eventDestinations.map((d) => ({
        Name: d.name,
        Enabled: d.enabled,
        MatchingEventTypes: d.matchingEventTypes,
        ...(d.snsTopicArn ? { SnsDestination: { TopicArn: d.snsTopicArn } } : {}),
        ...(d.cloudWatch
          ? {
              CloudWatchDestination: {
                DimensionConfigurations: d.cloudWatch.dimensions.map((c) => ({
                  DimensionName: c.name,
                  DimensionValueSource: c.source,
                  DefaultDimensionValue: c.defaultValue,
                })),
              },
            }
          : {}),
      })),
    };
  }),

  DeleteConfigurationSetEventDestination: op<{ ConfigurationSetName: string; EventDestinationName: string }>(
    async (ctx, input) => {
      await ctx.core.configurationSets.deleteEventDestination(
        ctx.caller.accountId,
        input.ConfigurationSetName,
        input.EventDestinationName,
      );
      return {};
    },
  ),
};

/** SES v1 configuration sets: the same objects as v2, seen through v1's shapes and spellings. */
import type { SesApiPort, EventTypeName } from '../../core/index.ts';
import { AwsProtocolError } from '../aws/protocol-error.ts';
import { pageLimit, pageToken } from '../ses-shared.ts';
import { action, type V1Handler } from './handler.ts';

const V1_TO_V2: Record<string, EventTypeName> = {
  send: 'SEND',
  reject: 'REJECT',
  bounce: 'BOUNCE',
  complaint: 'COMPLAINT',
  delivery: 'DELIVERY',
  open: 'OPEN',
  click: 'CLICK',
  renderingFailure: 'RENDERING_FAILURE',
};
const V2_TO_V1 = Object.fromEntries(Object.entries(V1_TO_V2).map(([k, v]) => [v, k])) as Record<
  string,
  string
>;

interface V1EventDestination {
  Name: string;
  Enabled?: boolean;
  MatchingEventTypes: string[];
  SNSDestination?: { TopicARN: string };
  KinesisFirehoseDestination?: unknown;
  CloudWatchDestination?: {
    DimensionConfigurations: {
      DimensionName: string;
      DimensionValueSource: 'messageTag' | 'emailHeader' | 'linkTag';
      DefaultDimensionValue: string;
    }[];
  };
}

const V1_SOURCES = { messageTag: 'MESSAGE_TAG', emailHeader: 'EMAIL_HEADER', linkTag: 'LINK_TAG' } as const;
const V2_SOURCES = { MESSAGE_TAG: 'messageTag', EMAIL_HEADER: 'emailHeader', LINK_TAG: 'linkTag' } as const;

function destinationInput(d: V1EventDestination) {
  return {
    name: d.Name,
    enabled: d.Enabled,
    matchingEventTypes: d.MatchingEventTypes.map((t) => V1_TO_V2[t] ?? (t.toUpperCase() as EventTypeName)),
    snsTopicArn: d.SNSDestination?.TopicARN,
    cloudWatch: d.CloudWatchDestination
      ? {
          dimensions: d.CloudWatchDestination.DimensionConfigurations.map((c) => ({
            name: c.DimensionName,
            source: V1_SOURCES[c.DimensionValueSource],
            defaultValue: c.DefaultDimensionValue,
          })),
        }
      : undefined,
    otherKind: d.KinesisFirehoseDestination ? 'Kinesis Firehose' : undefined,
  };
}

export const configurationSetActions: Record<string, V1Handler> = {
  CreateConfigurationSet: action<{ ConfigurationSet: { Name: string } }>(async (ctx, input) => {
    await ctx.core.configurationSets.create(ctx.caller.accountId, { name: input.ConfigurationSet.Name });
    return {};
  }),

  DescribeConfigurationSet: action<{
    ConfigurationSetName: string;
    ConfigurationSetAttributeNames?: string[];
  }>(async (ctx, input) => {
    const c = await ctx.core.configurationSets.get(ctx.caller.accountId, input.ConfigurationSetName);
    const want = new Set(input.ConfigurationSetAttributeNames ?? []);
    return {
      ConfigurationSet: { Name: c.name },
      ...(want.has('eventDestinations')
        ? {
            EventDestinations: c.eventDestinations.map((d) => ({
              Name: d.name,
              Enabled: d.enabled,
              MatchingEventTypes: d.matchingEventTypes
                .map((t) => V2_TO_V1[t])
                .filter((t): t is string => t !== undefined),
              ...(d.snsTopicArn ? { SNSDestination: { TopicARN: d.snsTopicArn } } : {}),
              ...(d.cloudWatch
                ? {
                    CloudWatchDestination: {
                      DimensionConfigurations: d.cloudWatch.dimensions.map((c) => ({
                        DimensionName: c.name,
                        DimensionValueSource: V2_SOURCES[c.source],
                        DefaultDimensionValue: c.defaultValue,
                      })),
                    },
                  }
                : {}),
            })),
          }
        : {}),
      ...(want.has('trackingOptions') && c.options.tracking
        ? { TrackingOptions: { CustomRedirectDomain: c.options.tracking.customRedirectDomain } }
        : {}),
      ...(want.has('deliveryOptions')
        ? {
            DeliveryOptions: {
              TlsPolicy: c.options.delivery.tlsPolicy === 'REQUIRE' ? 'Require' : 'Optional',
            },
          }
        : {}),
      ...(want.has('reputationOptions')
        ? {
            ReputationOptions: {
              SendingEnabled: c.sendingEnabled,
              ReputationMetricsEnabled: c.options.reputation.metricsEnabled,
              ...(c.options.reputation.lastFreshStart !== null
                ? { LastFreshStart: new Date(c.options.reputation.lastFreshStart) }
                : {}),
            },
          }
        : {}),
    };
  }),

  ListConfigurationSets: action<{ NextToken?: string; MaxItems?: number }>(async (ctx, input) => {
    const page = await ctx.core.configurationSets.list(ctx.caller.accountId, {
      pageSize: pageLimit('MaxItems', input.MaxItems, 1000, 1000),
      after: pageToken.decode(input.NextToken),
    });
    return {
      ConfigurationSets: page.items.map((c) => ({ Name: c.name })),
      ...(page.next ? { NextToken: pageToken.encode(page.next) } : {}),
    };
  }),

  DeleteConfigurationSet: action<{ ConfigurationSetName: string }>(async (ctx, input) => {
    await ctx.core.configurationSets.delete(ctx.caller.accountId, input.ConfigurationSetName);
    return {};
  }),

  CreateConfigurationSetEventDestination: action<{
    ConfigurationSetName: string;
    EventDestination: V1EventDestination;
  }>(async (ctx, input) => {
    await ctx.core.configurationSets.createEventDestination(
      ctx.caller.accountId,
      input.ConfigurationSetName,
      destinationInput(input.EventDestination),
    );
    return {};
  }),

  UpdateConfigurationSetEventDestination: action<{
    ConfigurationSetName: string;
    EventDestination: V1EventDestination;
  }>(async (ctx, input) => {
    await ctx.core.configurationSets.updateEventDestination(
      ctx.caller.accountId,
      input.ConfigurationSetName,
      destinationInput(input.EventDestination),
    );
    return {};
  }),

  DeleteConfigurationSetEventDestination: action<{
    ConfigurationSetName: string;
    EventDestinationName: string;
  }>(async (ctx, input) => {
    await ctx.core.configurationSets.deleteEventDestination(
      ctx.caller.accountId,
      input.ConfigurationSetName,
      input.EventDestinationName,
    );
    return {};
  }),

  CreateConfigurationSetTrackingOptions: action<{
    ConfigurationSetName: string;
    TrackingOptions: { CustomRedirectDomain?: string };
  }>(async (ctx, input) => {
    const c = await ctx.core.configurationSets.get(ctx.caller.accountId, input.ConfigurationSetName);
    if (c.options.tracking)
      throw new AwsProtocolError(
        'TrackingOptionsAlreadyExistsException',
        400,
        `Tracking options already exist for configuration set <${c.name}>.`,
      );
    await setTracking(ctx.core, ctx.caller.accountId, c.name, input.TrackingOptions.CustomRedirectDomain);
    return {};
  }),

  UpdateConfigurationSetTrackingOptions: action<{
    ConfigurationSetName: string;
    TrackingOptions: { CustomRedirectDomain?: string };
  }>(async (ctx, input) => {
    const c = await ctx.core.configurationSets.get(ctx.caller.accountId, input.ConfigurationSetName);
    if (!c.options.tracking) throw noTracking(c.name);
    await setTracking(ctx.core, ctx.caller.accountId, c.name, input.TrackingOptions.CustomRedirectDomain);
    return {};
  }),

  DeleteConfigurationSetTrackingOptions: action<{ ConfigurationSetName: string }>(async (ctx, input) => {
    const c = await ctx.core.configurationSets.get(ctx.caller.accountId, input.ConfigurationSetName);
    if (!c.options.tracking) throw noTracking(c.name);
    await ctx.core.configurationSets.setTracking(ctx.caller.accountId, c.name, null);
    return {};
  }),

  PutConfigurationSetDeliveryOptions: action<{
    ConfigurationSetName: string;
    DeliveryOptions?: { TlsPolicy?: 'Require' | 'Optional' };
  }>(async (ctx, input) => {
    const c = await ctx.core.configurationSets.get(ctx.caller.accountId, input.ConfigurationSetName);
    await ctx.core.configurationSets.setDelivery(ctx.caller.accountId, c.name, {
      ...c.options.delivery,
      tlsPolicy: input.DeliveryOptions?.TlsPolicy === 'Require' ? 'REQUIRE' : 'OPTIONAL',
    });
    return {};
  }),

  UpdateConfigurationSetReputationMetricsEnabled: action<{ ConfigurationSetName: string; Enabled: boolean }>(
    async (ctx, input) => {
      await ctx.core.configurationSets.setReputation(ctx.caller.accountId, input.ConfigurationSetName, {
        metricsEnabled: input.Enabled,
      });
      return undefined;
    },
  ),

  UpdateConfigurationSetSendingEnabled: action<{ ConfigurationSetName: string; Enabled: boolean }>(
    async (ctx, input) => {
      await ctx.core.configurationSets.setSendingEnabled(
        ctx.caller.accountId,
        input.ConfigurationSetName,
        input.Enabled,
      );
      return undefined;
    },
  ),
};

function noTracking(name: string): AwsProtocolError {
  return new AwsProtocolError(
    'TrackingOptionsDoesNotExistException',
    400,
    `No tracking options exist for configuration set <${name}>.`,
  );
}

async function setTracking(
  core: SesApiPort,
  accountId: string,
  name: string,
  domain: string | undefined,
): Promise<void> {
  if (!domain)
    throw new AwsProtocolError(
      'InvalidTrackingOptions',
      400,
      'TrackingOptions.CustomRedirectDomain is required.',
    );
  await core.configurationSets.setTracking(accountId, name, {
    customRedirectDomain: domain,
    httpsPolicy: 'OPTIONAL',
  });
}

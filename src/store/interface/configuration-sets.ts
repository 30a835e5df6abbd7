/** Configuration sets, their options and event destinations. */
import type { Page } from './common.ts';
import type { SuppressionReason } from './suppression.ts';

export type EventTypeName =
  | 'SEND'
  | 'REJECT'
  | 'BOUNCE'
  | 'COMPLAINT'
  | 'DELIVERY'
  | 'OPEN'
  | 'CLICK'
  | 'RENDERING_FAILURE'
  | 'DELIVERY_DELAY'
  | 'SUBSCRIPTION';

export interface EventDestinationRecord {
  name: string;
  enabled: boolean;
  matchingEventTypes: EventTypeName[];
  /** An SnsDestination: Sesame publishes to its own SNS-compatible topics. */
  snsTopicArn?: string;
  /** A CloudWatchDestination: the events become `AWS/SES` metrics with these dimensions. */
  cloudWatch?: { dimensions: CloudWatchDimensionRecord[] };
}

export interface CloudWatchDimensionRecord {
  name: string;
  /** Where the value comes from (SES v2's names; v1's messageTag/emailHeader/linkTag map to them). */
  source: 'MESSAGE_TAG' | 'EMAIL_HEADER' | 'LINK_TAG';
  defaultValue: string;
}

export interface ConfigurationSetOptions {
  tracking: {
    customRedirectDomain: string;
    httpsPolicy: 'REQUIRE' | 'REQUIRE_OPEN_ONLY' | 'OPTIONAL';
  } | null;
  delivery: {
    tlsPolicy: 'REQUIRE' | 'OPTIONAL';
    sendingPoolName: string | null;
    maxDeliverySeconds: number | null;
  };
  reputation: { metricsEnabled: boolean; lastFreshStart: number | null };
  /** Overrides the account's suppression reasons; null means the account's apply. */
  suppression: { suppressedReasons: SuppressionReason[] } | null;
  /** Virtual Deliverability Manager options (stored as given; the monitoring capability reads them). */
  vdm: {
    engagementMetrics: 'ENABLED' | 'DISABLED' | null;
    optimizedSharedDelivery: 'ENABLED' | 'DISABLED' | null;
  } | null;
}

export interface ConfigurationSetRecord {
  accountId: string;
  name: string;
  createdAt: number;
  sendingEnabled: boolean;
  options: ConfigurationSetOptions;
  eventDestinations: EventDestinationRecord[];
}

export interface ConfigurationSetStore {
  create(set: ConfigurationSetRecord): Promise<void>;
  get(accountId: string, name: string): Promise<ConfigurationSetRecord | null>;
  /** Ordered by name; `after` is the last name of the previous page. */
  list(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ConfigurationSetRecord>>;
  count(accountId: string): Promise<number>;
  modify(
    accountId: string,
    name: string,
    change: (set: ConfigurationSetRecord) => ConfigurationSetRecord,
  ): Promise<ConfigurationSetRecord | null>;
  delete(accountId: string, name: string): Promise<boolean>;
}

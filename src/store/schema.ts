/** Row types of the database tables, as Kysely sees them. Times are epoch milliseconds; booleans are 0/1. */
import type { Generated } from 'kysely';
import type { MetricColumn } from './interface/metrics.ts';

export interface AccountsTable {
  id: string;
  name: string;
  created_at: number;
  production_access: number;
  max_24h: number;
  max_rate: number;
  sending_enabled: number;
  enforcement_status: string;
  suppressed_reasons: string;
  details: string | null;
  review: string | null;
  review_status: string | null;
  review_updated_at: number | null;
  reputation_since: number | null;
  vdm: string | null;
  dedicated_ip_auto_warmup: number;
}

export interface AccessKeysTable {
  id: string;
  account_id: string;
  sealed_secret: string;
  status: string;
  created_at: number;
  user_name: string | null;
  permissions: string | null;
}

export interface IdentityPoliciesTable {
  account_id: string;
  identity: string;
  name: string;
  document: string;
  created_at: number;
}

export interface DedicatedIpPoolsTable {
  account_id: string;
  name: string;
  scaling_mode: string;
  created_at: number;
}

export interface DedicatedIpsTable {
  ip: string;
  node_id: string | null;
  ehlo: string | null;
  account_id: string | null;
  pool_name: string | null;
  warmup: string;
  created_at: number;
}

export interface IdentitiesTable {
  account_id: string;
  name: string;
  type: string;
  created_at: number;
  verification_status: string;
  verification_started_at: number;
  email_token: string | null;
  domain_token: string | null;
  last_checked_at: number | null;
  last_success_at: number | null;
  next_check_at: number | null;
  check_count: number;
  error_type: string | null;
  dkim_signing_enabled: number;
  dkim: string | null;
  mail_from: string | null;
  feedback_forwarding: number;
  configuration_set_name: string | null;
  notifications: string | null;
}

export interface TagsTable {
  account_id: string;
  resource_arn: string;
  key: string;
  value: string;
}

export interface MetaTable {
  key: string;
  value: number;
}

export interface MessagesTable {
  id: string;
  account_id: string;
  created_at: number;
  source: string;
  from_domain: string;
  mail_from_domain: string;
  configuration_set: string | null;
  size: number;
  recipient_count: number;
  mail: string;
  tags: string;
  feedback_address: string | null;
  list_management: string | null;
  operation: string;
  options: string | null;
  /** Where the body is in the spool (SQLite file); null when it is in message_bodies. */
  body_segment: string | null;
  body_offset: number | null;
  body_length: number | null;
}

export interface SpoolSegmentsTable {
  id: string;
  committed_end: number;
  live: number;
  sealed: number;
}

export interface MessageBodiesTable {
  message_id: string;
  body: Buffer;
}

export interface RecipientsTable {
  message_id: string;
  idx: number;
  address: string;
  domain: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  updated_at: number;
  last_response: string | null;
  owner: string | null;
}

export interface EventsTable {
  id: string;
  account_id: string;
  message_id: string;
  type: string;
  recipient: string | null;
  created_at: number;
  payload: string;
}

export interface SendCountsTable {
  account_id: string;
  bucket: number;
  count: number;
}

export interface SuppressedDestinationsTable {
  account_id: string;
  email: string;
  reason: string;
  last_update: number;
  message_id: string | null;
  feedback_id: string | null;
}

export interface RateBucketsTable {
  account_id: string;
  tokens: number;
  at: number;
}

export interface LeasesTable {
  name: string;
  owner: string;
  until: number;
}

export interface NodesTable {
  id: string;
  heartbeat_at: number;
  /** The node's traffic shaping in effect (JSON), for `sesame queue` and every node's console. */
  shaping: string | null;
}

export interface ConfigurationSetsTable {
  account_id: string;
  name: string;
  created_at: number;
  sending_enabled: number;
  options: string;
  event_destinations: string;
}

export interface SnsTopicsTable {
  arn: string;
  account_id: string;
  name: string;
  created_at: number;
  attributes: string;
}

export interface SnsSubscriptionsTable {
  arn: string;
  topic_arn: string;
  account_id: string;
  protocol: string;
  endpoint: string;
  status: string;
  token: string;
  created_at: number;
  confirmed_at: number | null;
}

export interface NotificationDeliveriesTable {
  id: string;
  account_id: string;
  type: string;
  topic_arn: string;
  subscription_arn: string;
  endpoint: string;
  sns_message_id: string;
  subject: string | null;
  message: string;
  token: string | null;
  created_at: number;
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

export interface SecretsTable {
  name: string;
  sealed: string;
}

export interface TemplatesTable {
  account_id: string;
  kind: string;
  name: string;
  created_at: number;
  updated_at: number;
  content: string;
}

export interface ContactListsTable {
  account_id: string;
  name: string;
  description: string | null;
  topics: string;
  created_at: number;
  updated_at: number;
}

export interface ContactsTable {
  account_id: string;
  list_name: string;
  email_key: string;
  email: string;
  topic_preferences: string;
  unsubscribe_all: number;
  attributes: string | null;
  created_at: number;
  updated_at: number;
}

export interface ReceiptFiltersTable {
  account_id: string;
  name: string;
  policy: string;
  cidr: string;
  created_at: number;
}

export interface ReceiptRuleSetsTable {
  account_id: string;
  name: string;
  created_at: number;
  active: number;
  rules: string;
}

export interface BucketsTable {
  name: string;
  account_id: string;
  created_at: number;
  endpoint: string | null;
  sealed_config: string | null;
}

export interface FunctionsTable {
  account_id: string;
  arn: string;
  url: string;
  sealed_secret: string;
  created_at: number;
}

export interface InboundMessagesTable {
  id: string;
  account_id: string;
  received_at: number;
  expires_at: number;
  status: string;
  client_ip: string;
  helo: string;
  mail_from: string;
  tls: number;
  size: number;
  recipients: string;
  mail: string;
  receipt: string | null;
  state: string;
  cursor: number;
  next_attempt_at: number;
  lease_until: number | null;
  lease_owner: string | null;
  updated_at: number;
}

export interface InboundBodiesTable {
  id: string;
  body: Buffer;
}

export interface InboundActionsTable {
  message_id: string;
  account_id: string;
  seq: number;
  rule_name: string;
  recipients: string;
  action: string;
  status: string;
  attempts: number;
  last_error: string | null;
  result: string | null;
  updated_at: number;
}

export interface InboundRefusalsTable {
  id: string;
  account_id: string | null;
  at: number;
  client_ip: string;
  mail_from: string;
  recipient: string | null;
  stage: string;
  reason: string;
  reply: string;
}

export type MetricCountsTable = {
  account_id: string;
  span: number;
  bucket: number;
  configuration_set: string;
  identity: string;
  isp: string;
} & Record<MetricColumn, number>;

export interface MetricDimensionCountsTable {
  account_id: string;
  span: number;
  bucket: number;
  metric: string;
  dimensions: string;
  count: number;
}

export interface MetricSamplesTable {
  account_id: string;
  metric: string;
  dimensions: string;
  at: number;
  value: number;
}

export interface AlarmsTable {
  account_id: string;
  name: string;
  arn: string;
  definition: string;
  state: string;
  state_reason: string;
  state_reason_data: string | null;
  state_updated_at: number;
  actions_enabled: number;
  configuration_updated_at: number;
}

export interface AlarmHistoryTable {
  id: string;
  account_id: string;
  alarm_name: string;
  at: number;
  type: string;
  summary: string;
  data: string;
}

export interface CapturedMailTable {
  id: string;
  account_id: string;
  message_id: string;
  captured_at: number;
  mail_from: string;
  /** JSON array of the envelope recipients. */
  recipients: string;
  from_header: string;
  subject: string;
  size: number;
  raw: Buffer;
}

export interface ConsoleUsersTable {
  id: string;
  account_id: string | null;
  email: string;
  role: string;
  password_hash: string | null;
  password_changed_at: number | null;
  setup_token_hash: string | null;
  setup_expires_at: number | null;
  created_at: number;
}

export interface Database {
  console_users: ConsoleUsersTable;
  captured_mail: CapturedMailTable;
  metric_counts: MetricCountsTable;
  metric_dimension_counts: MetricDimensionCountsTable;
  metric_samples: MetricSamplesTable;
  alarms: AlarmsTable;
  alarm_history: AlarmHistoryTable;
  receipt_filters: ReceiptFiltersTable;
  receipt_rule_sets: ReceiptRuleSetsTable;
  buckets: BucketsTable;
  functions: FunctionsTable;
  inbound_messages: InboundMessagesTable;
  inbound_bodies: InboundBodiesTable;
  inbound_actions: InboundActionsTable;
  inbound_refusals: InboundRefusalsTable;
  templates: TemplatesTable;
  contact_lists: ContactListsTable;
  contacts: ContactsTable;
  configuration_sets: ConfigurationSetsTable;
  sns_topics: SnsTopicsTable;
  sns_subscriptions: SnsSubscriptionsTable;
  notification_deliveries: NotificationDeliveriesTable;
  secrets: SecretsTable;
  messages: MessagesTable;
  message_bodies: MessageBodiesTable;
  spool_segments: SpoolSegmentsTable;
  recipients: RecipientsTable;
  events: EventsTable;
  send_counts: SendCountsTable;
  rate_buckets: RateBucketsTable;
  leases: LeasesTable;
  nodes: NodesTable;
  suppressed_destinations: SuppressedDestinationsTable;
  accounts: AccountsTable;
  access_keys: AccessKeysTable;
  identity_policies: IdentityPoliciesTable;
  dedicated_ip_pools: DedicatedIpPoolsTable;
  dedicated_ips: DedicatedIpsTable;
  identities: IdentitiesTable;
  tags: TagsTable;
  meta: MetaTable;
}

export type { Generated };

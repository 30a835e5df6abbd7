/**
 * Schema migrations, applied in order at start-up by Kysely's Migrator (which holds a lock, so several nodes
 * may start at once). Types are chosen to mean the same on SQLite and PostgreSQL: `bigint` epoch milliseconds,
 * `integer` 0/1 booleans, `text` JSON. Never edit a migration that has shipped; add a new one.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { METRIC_COLUMNS } from '../interface/metrics.ts';

export type Dialect = 'sqlite' | 'postgres';

type Step = (db: Kysely<unknown>, dialect: Dialect) => Promise<void>;

const m001_foundation: Step = async (db) => {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('production_access', 'integer', (c) => c.notNull())
    .addColumn('max_24h', 'double precision', (c) => c.notNull())
    .addColumn('max_rate', 'double precision', (c) => c.notNull())
    .addColumn('sending_enabled', 'integer', (c) => c.notNull())
    .addColumn('enforcement_status', 'text', (c) => c.notNull())
    .addColumn('suppressed_reasons', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .addColumn('review', 'text')
    .addColumn('review_status', 'text')
    .addColumn('review_updated_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('accounts_review_status')
    .on('accounts')
    .columns(['review_status', 'review_updated_at'])
    .execute();

  await db.schema
    .createTable('access_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('sealed_secret', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('access_keys_account').on('access_keys').column('account_id').execute();

  await db.schema
    .createTable('identities')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('verification_status', 'text', (c) => c.notNull())
    .addColumn('verification_started_at', 'bigint', (c) => c.notNull())
    .addColumn('email_token', 'text')
    .addColumn('domain_token', 'text')
    .addColumn('last_checked_at', 'bigint')
    .addColumn('last_success_at', 'bigint')
    .addColumn('next_check_at', 'bigint')
    .addColumn('check_count', 'integer', (c) => c.notNull())
    .addColumn('error_type', 'text')
    .addColumn('dkim_signing_enabled', 'integer', (c) => c.notNull())
    .addColumn('dkim', 'text')
    .addColumn('mail_from', 'text')
    .addColumn('feedback_forwarding', 'integer', (c) => c.notNull())
    .addColumn('configuration_set_name', 'text')
    .addPrimaryKeyConstraint('identities_pk', ['account_id', 'name'])
    .execute();
  await db.schema.createIndex('identities_next_check').on('identities').column('next_check_at').execute();
  await db.schema
    .createIndex('identities_email_token')
    .on('identities')
    .column('email_token')
    .unique()
    .execute();

  await db.schema
    .createTable('tags')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('resource_arn', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('tags_pk', ['account_id', 'resource_arn', 'key'])
    .execute();

  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into meta (key, value) values ('epoch', 1)`.execute(db);
};

const m002_messages: Step = async (db, dialect) => {
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('from_domain', 'text', (c) => c.notNull())
    .addColumn('mail_from_domain', 'text', (c) => c.notNull())
    .addColumn('configuration_set', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('recipient_count', 'integer', (c) => c.notNull())
    .addColumn('mail', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('feedback_address', 'text')
    .addColumn('list_management', 'text')
    .addColumn('operation', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('messages_account_created')
    .on('messages')
    .columns(['account_id', 'created_at'])
    .execute();

  // Bodies apart from the metadata, so scans of messages never drag megabytes along.
  await db.schema
    .createTable('message_bodies')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('body', sql.raw(blob), (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('recipients')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_response', 'text')
    .addColumn('owner', 'text')
    .addPrimaryKeyConstraint('recipients_pk', ['message_id', 'idx'])
    .execute();
  await db.schema
    .createIndex('recipients_owner_queue')
    .on('recipients')
    .columns(['status', 'owner', 'message_id', 'idx'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_message').on('events').columns(['message_id', 'created_at']).execute();
  await db.schema
    .createIndex('events_account_created')
    .on('events')
    .columns(['account_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('send_counts')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('send_counts_pk', ['account_id', 'bucket'])
    .execute();

  await db.schema
    .createTable('suppressed_destinations')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('last_update', 'bigint', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('feedback_id', 'text')
    .addPrimaryKeyConstraint('suppressed_destinations_pk', ['account_id', 'email'])
    .execute();
  await db.schema
    .createIndex('suppressed_destinations_updated')
    .on('suppressed_destinations')
    .columns(['account_id', 'last_update'])
    .execute();

  await db.schema
    .createTable('nodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .execute();
};

const m003_events: Step = async (db) => {
  await db.schema
    .createTable('configuration_sets')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sending_enabled', 'integer', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('event_destinations', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('configuration_sets_pk', ['account_id', 'name'])
    .execute();

  await db.schema
    .createTable('sns_topics')
    .addColumn('arn', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('attributes', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sns_topics_account').on('sns_topics').columns(['account_id', 'arn']).execute();

  await db.schema
    .createTable('sns_subscriptions')
    .addColumn('arn', 'text', (c) => c.primaryKey())
    .addColumn('topic_arn', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('sns_subscriptions_topic')
    .on('sns_subscriptions')
    .columns(['topic_arn', 'arn'])
    .execute();
  await db.schema.createIndex('sns_subscriptions_token').on('sns_subscriptions').column('token').execute();

  // The outbox of notifications: one row per (notification, HTTP subscription), written in the same
  // transaction as the state change it reports, delivered at least once by dispatch/.
  await db.schema
    .createTable('notification_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('topic_arn', 'text', (c) => c.notNull())
    .addColumn('subscription_arn', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('sns_message_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('token', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('notification_deliveries_due')
    .on('notification_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();

  await db.schema
    .createTable('secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .execute();

  // Per-message options the MTA and the tracker need (configuration set delivery and tracking options).
  await db.schema.alterTable('messages').addColumn('options', 'text').execute();
  // Identity notification topics and headers-in-notifications switches (SES v1).
  await db.schema.alterTable('identities').addColumn('notifications', 'text').execute();
};

const m004_templates_contacts: Step = async (db) => {
  await db.schema
    .createTable('templates')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('templates_pk', ['account_id', 'kind', 'name'])
    .execute();

  await db.schema
    .createTable('contact_lists')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('topics', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_lists_pk', ['account_id', 'name'])
    .execute();

  await db.schema
    .createTable('contacts')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('list_name', 'text', (c) => c.notNull())
    .addColumn('email_key', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('topic_preferences', 'text', (c) => c.notNull())
    .addColumn('unsubscribe_all', 'integer', (c) => c.notNull())
    .addColumn('attributes', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contacts_pk', ['account_id', 'list_name', 'email_key'])
    .execute();
};

const m005_receiving: Step = async (db, dialect) => {
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';
  // The MX looks up which accounts have a verified domain, across accounts.
  await db.schema.createIndex('identities_name').on('identities').column('name').execute();
  await db.schema
    .createTable('receipt_filters')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('cidr', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('receipt_filters_pk', ['account_id', 'name'])
    .execute();

  // A rule set with its ordered rules as JSON: every rule change is one read–change–write of the row.
  await db.schema
    .createTable('receipt_rule_sets')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('rules', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('receipt_rule_sets_pk', ['account_id', 'name'])
    .execute();
  await db.schema
    .createIndex('receipt_rule_sets_active')
    .on('receipt_rule_sets')
    .columns(['account_id', 'active'])
    .execute();

  await db.schema
    .createTable('buckets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('endpoint', 'text')
    .addColumn('sealed_config', 'text')
    .execute();

  await db.schema
    .createTable('functions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('arn', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('sealed_secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('functions_pk', ['account_id', 'arn'])
    .execute();

  // Received mail: one row per (message, account whose rules matched), the body once, one job row per
  // action. A row is processing until every action has run; its lease lets several nodes share the work.
  await db.schema
    .createTable('inbound_messages')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('client_ip', 'text', (c) => c.notNull())
    .addColumn('helo', 'text', (c) => c.notNull())
    .addColumn('mail_from', 'text', (c) => c.notNull())
    .addColumn('tls', 'integer', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('mail', 'text', (c) => c.notNull())
    .addColumn('receipt', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('cursor', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint')
    .addColumn('lease_owner', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_messages_pk', ['id', 'account_id'])
    .execute();
  await db.schema
    .createIndex('inbound_messages_due')
    .on('inbound_messages')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('inbound_messages_account')
    .on('inbound_messages')
    .columns(['account_id', 'received_at'])
    .execute();
  await db.schema
    .createIndex('inbound_messages_expiry')
    .on('inbound_messages')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('inbound_bodies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('body', sql.raw(blob), (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('inbound_actions')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('rule_name', 'text', (c) => c.notNull())
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('result', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_actions_pk', ['message_id', 'account_id', 'seq'])
    .execute();

  await db.schema
    .createTable('inbound_refusals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('client_ip', 'text', (c) => c.notNull())
    .addColumn('mail_from', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text')
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('reply', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inbound_refusals_at').on('inbound_refusals').column('at').execute();
};

/** Issue 16: sending metrics in buckets, CloudWatch alarms, reputation gauges, VDM settings, fresh starts. */
const m006_metrics: Step = async (db, dialect) => {
  let counters = db.schema
    .createTable('metric_counts')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('span', 'integer', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('configuration_set', 'text', (c) => c.notNull())
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('isp', 'text', (c) => c.notNull());
  for (const column of METRIC_COLUMNS)
    counters = counters.addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0));
  await counters
    .addPrimaryKeyConstraint('metric_counts_pk', [
      'account_id',
      'span',
      'bucket',
      'configuration_set',
      'identity',
      'isp',
    ])
    .execute();
  await db.schema.createIndex('metric_counts_age').on('metric_counts').columns(['span', 'bucket']).execute();

  await db.schema
    .createTable('metric_dimension_counts')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('span', 'integer', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('dimensions', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('metric_dimension_counts_pk', [
      'account_id',
      'metric',
      'dimensions',
      'span',
      'bucket',
    ])
    .execute();
  await db.schema
    .createIndex('metric_dimension_counts_age')
    .on('metric_dimension_counts')
    .columns(['span', 'bucket'])
    .execute();

  await db.schema
    .createTable('metric_samples')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('dimensions', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('metric_samples_pk', ['account_id', 'metric', 'dimensions', 'at'])
    .execute();
  await db.schema.createIndex('metric_samples_age').on('metric_samples').column('at').execute();

  await db.schema
    .createTable('alarms')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('arn', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('state_reason', 'text', (c) => c.notNull())
    .addColumn('state_reason_data', 'text')
    .addColumn('state_updated_at', 'bigint', (c) => c.notNull())
    .addColumn('actions_enabled', 'integer', (c) => c.notNull())
    .addColumn('configuration_updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('alarms_pk', ['account_id', 'name'])
    .execute();

  await db.schema
    .createTable('alarm_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('alarm_name', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('alarm_history_account')
    .on('alarm_history')
    .columns(['account_id', 'at'])
    .execute();

  await db.schema.alterTable('accounts').addColumn('reputation_since', 'bigint').execute();
  await db.schema.alterTable('accounts').addColumn('vdm', 'text').execute();
  void dialect;
};

/** Development mode's captured mail (sesame serve --dev). */
const m007_development: Step = async (db, dialect) => {
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';
  await db.schema
    .createTable('captured_mail')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('captured_at', 'bigint', (c) => c.notNull())
    .addColumn('mail_from', 'text', (c) => c.notNull())
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('from_header', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('raw', sql.raw(blob), (c) => c.notNull())
    .execute();
  await db.schema.createIndex('captured_mail_message').on('captured_mail').column('message_id').execute();
  await db.schema
    .createIndex('captured_mail_account')
    .on('captured_mail')
    .columns(['account_id', 'id'])
    .execute();
};

/** Issue 18: users of the web console. */
const m008_console: Step = async (db) => {
  await db.schema
    .createTable('console_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text')
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('password_changed_at', 'bigint')
    .addColumn('setup_token_hash', 'text')
    .addColumn('setup_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('console_users_account').on('console_users').column('account_id').execute();
  await db.schema.createIndex('console_users_setup').on('console_users').column('setup_token_hash').execute();
};

/** The console's lookups by account: its notification delivery log. */
const m009_console_lookups: Step = async (db) => {
  await db.schema
    .createIndex('notification_deliveries_account')
    .on('notification_deliveries')
    .columns(['account_id', 'created_at'])
    .execute();
};

/**
 * What several nodes share: each account's send-rate token bucket (the daily count is send_counts), and the
 * leases of singleton work.
 */
const m010_shared_work: Step = async (db) => {
  await db.schema
    .createTable('rate_buckets')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('tokens', 'double precision', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('until', 'bigint', (c) => c.notNull())
    .execute();
};

/** Sending authorization (identity policies, limited access keys) and dedicated IPs with their pools. */
const m011_authorization_and_ips: Step = async (db) => {
  await db.schema
    .createTable('identity_policies')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_policies_pk', ['account_id', 'identity', 'name'])
    .execute();
  // An access key's IAM user name (null: the account's root credentials) and its allowed actions/identities.
  await db.schema.alterTable('access_keys').addColumn('user_name', 'text').execute();
  await db.schema.alterTable('access_keys').addColumn('permissions', 'text').execute();
  await db.schema
    .alterTable('accounts')
    .addColumn('dedicated_ip_auto_warmup', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createTable('dedicated_ip_pools')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scaling_mode', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('dedicated_ip_pools_pk', ['account_id', 'name'])
    .execute();
  await db.schema
    .createTable('dedicated_ips')
    .addColumn('ip', 'text', (c) => c.primaryKey())
    .addColumn('node_id', 'text')
    .addColumn('ehlo', 'text')
    .addColumn('account_id', 'text')
    .addColumn('pool_name', 'text')
    .addColumn('warmup', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dedicated_ips_account').on('dedicated_ips').column('account_id').execute();
};

/** What each node's traffic shaping is doing (limits per address and provider, automation in effect). */
const m012_node_shaping: Step = async (db) => {
  await db.schema.alterTable('nodes').addColumn('shaping', 'text').execute();
};

/**
 * The body spool (store/body-spool.ts): a SQLite file's message bodies in segment files, the message row
 * saying where; each segment's committed end and how many messages still reference it.
 */
const m013_body_spool: Step = async (db) => {
  await db.schema.alterTable('messages').addColumn('body_segment', 'text').execute();
  await db.schema.alterTable('messages').addColumn('body_offset', 'bigint').execute();
  await db.schema.alterTable('messages').addColumn('body_length', 'integer').execute();
  await db.schema
    .createTable('spool_segments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('committed_end', 'bigint', (c) => c.notNull())
    .addColumn('live', 'integer', (c) => c.notNull())
    .addColumn('sealed', 'integer', (c) => c.notNull())
    .execute();
};

const steps: [string, Step][] = [
  ['001_foundation', m001_foundation],
  ['002_messages', m002_messages],
  ['003_events', m003_events],
  ['004_templates_contacts', m004_templates_contacts],
  ['005_receiving', m005_receiving],
  ['006_metrics', m006_metrics],
  ['007_development', m007_development],
  ['008_console', m008_console],
  ['009_console_lookups', m009_console_lookups],
  ['010_shared_work', m010_shared_work],
  ['011_authorization_and_ips', m011_authorization_and_ips],
  ['012_node_shaping', m012_node_shaping],
  ['013_body_spool', m013_body_spool],
];

export function migrations(dialect: Dialect): Record<string, Migration> {
  return Object.fromEntries(
    steps.map(([name, step]) => [
      name,
      { up: (db: Kysely<unknown>) => step(db, dialect) } satisfies Migration,
    ]),
  );
}

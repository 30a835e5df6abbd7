/**
 * The storage interface: the only thing the core knows about persistence. Implementations live beside it
 * (kysely-store.ts over SQLite or PostgreSQL); test/contract/ holds the one suite every implementation passes.
 *
 * Invariants every implementation keeps:
 * - Times are epoch milliseconds (numbers); booleans are booleans; absent optional values are `null`.
 * - `modify` functions run read–change–write atomically: no concurrent writer (another request, another node)
 *   can interleave between the read and the write of that row.
 * - A create that collides with an existing key throws {@link StoreConflictError} and changes nothing.
 * - Listing is ordered by the key named in each method and paginates with an exclusive `after` cursor.
 */

export * from './interface/common.ts';
export * from './interface/accounts.ts';
export * from './interface/identities.ts';
export * from './interface/messages.ts';
export * from './interface/suppression.ts';
export * from './interface/configuration-sets.ts';
export * from './interface/sns.ts';
export * from './interface/templates.ts';
export * from './interface/contacts.ts';
export * from './interface/receiving.ts';
export * from './interface/metrics.ts';
export * from './interface/development.ts';
export * from './interface/console.ts';
export * from './interface/quota.ts';
export * from './interface/leases.ts';
export * from './interface/authorization.ts';
export * from './interface/dedicated-ips.ts';

import type { AccessKeyStore, AccountStore } from './interface/accounts.ts';
import type { MetaStore, TagStore } from './interface/common.ts';
import type { ConfigurationSetStore } from './interface/configuration-sets.ts';
import type { ContactStore } from './interface/contacts.ts';
import type { DevelopmentStore } from './interface/development.ts';
import type { ConsoleUserStore } from './interface/console.ts';
import type { ReceivingStore } from './interface/receiving.ts';
import type { IdentityStore } from './interface/identities.ts';
import type { MessageStore } from './interface/messages.ts';
import type { MetricStore } from './interface/metrics.ts';
import type { NotificationStore, SecretStore, SnsStore } from './interface/sns.ts';
import type { SuppressionStore } from './interface/suppression.ts';
import type { TemplateStore } from './interface/templates.ts';
import type { QuotaStore } from './interface/quota.ts';
import type { LeaseStore } from './interface/leases.ts';
import type { IdentityPolicyStore } from './interface/authorization.ts';
import type { DedicatedIpStore } from './interface/dedicated-ips.ts';

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly templates: TemplateStore;
  readonly contacts: ContactStore;
  readonly receiving: ReceivingStore;
  readonly messages: MessageStore;
  readonly metrics: MetricStore;
  readonly configurationSets: ConfigurationSetStore;
  readonly sns: SnsStore;
  readonly notifications: NotificationStore;
  readonly secrets: SecretStore;
  readonly suppression: SuppressionStore;
  readonly accounts: AccountStore;
  readonly accessKeys: AccessKeyStore;
  readonly identities: IdentityStore;
  readonly tags: TagStore;
  readonly meta: MetaStore;
  readonly development: DevelopmentStore;
  readonly consoleUsers: ConsoleUserStore;
  readonly quotas: QuotaStore;
  readonly leases: LeaseStore;
  readonly identityPolicies: IdentityPolicyStore;
  readonly dedicatedIps: DedicatedIpStore;
  /** Applies pending migrations (safe to call from several nodes at once). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
export { storeFailure, type StoreFailure } from './sql-errors.ts';

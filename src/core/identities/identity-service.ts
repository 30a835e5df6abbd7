/**
 * Email identities: addresses and domains an account may send from. Domains get Easy DKIM (three RSA keys,
 * published as TXT records because Sesame is not AWS) or BYODKIM; an address is verified by a one-time link.
 * Verification itself is done by the {@link IdentityVerifier} in the background.
 */
import { newUrlToken } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import type { PublicLinks } from '../../lib/public-links.ts';
import {
  StoreConflictError,
  type IdentityRecord,
  type IdentityType,
  type NotificationType,
  type Store,
  type Tag,
  type VerificationStatus,
} from '../../store/store.ts';
import type { EpochCache } from '../cache.ts';
import { SesError, alreadyExists, badRequest, notFound } from '../errors.ts';
import type { TagService } from '../tags/tag-service.ts';
import { dkimView, type DkimRecords, type DkimSigningInput, type DkimView } from './dkim-records.ts';
import { identityDnsRecords, type DnsRecord } from './dns-records.ts';
import { domainAndParents, normalizeDomain, parseIdentity } from './names.ts';
import type { SenderIdentities } from './sender-identities.ts';
import { EMAIL_LINK_LIFETIME_MS, type IdentityVerifier } from './verifier.ts';

export const MAX_IDENTITIES_PER_ACCOUNT = 10_000;

export interface IdentityView {
  record: IdentityRecord;
  arn: string;
  /** The status clients see: an address counts as verified when its domain (or a parent domain) is. */
  status: VerificationStatus;
  verifiedForSending: boolean;
  dkim: DkimView;
  tags: Tag[];
}

/** Sends the verification message of an address identity (Sesame's own system mail). */
export interface VerificationMailer {
  sendAddressVerification(identity: IdentityRecord, link: string): Promise<void>;
}

export interface CreateIdentityInput {
  identity: string;
  tags?: Tag[];
  configurationSetName?: string | undefined;
  dkimSigning?: DkimSigningInput | undefined;
}

export interface IdentitySettings {
  region: string;
  mailHost: string;
  /**
   * Development mode: every record Sesame asks for counts as published and an address needs no link, so a
   * new or changed identity is checked (and verified) before the call returns.
   */
  verifyAtOnce?: boolean;
}

export class IdentityService {
  readonly #store: Store;
  readonly #cache: EpochCache;
  readonly #verifier: IdentityVerifier;
  readonly #tags: TagService;
  readonly #senders: SenderIdentities;
  readonly #dkimRecords: DkimRecords;
  readonly #links: PublicLinks;
  readonly #mailer: VerificationMailer;
  readonly #settings: IdentitySettings;
  readonly #log: Logger;
  readonly #now: () => number;
  #topicExists: (accountId: string, arn: string) => Promise<boolean> = async () => false;

  constructor(deps: {
    store: Store;
    cache: EpochCache;
    verifier: IdentityVerifier;
    tags: TagService;
    senders: SenderIdentities;
    dkim: DkimRecords;
    links: PublicLinks;
    mailer: VerificationMailer;
    settings: IdentitySettings;
    logger: Logger;
    now: () => number;
  }) {
    this.#store = deps.store;
    this.#cache = deps.cache;
    this.#verifier = deps.verifier;
    this.#tags = deps.tags;
    this.#senders = deps.senders;
    this.#dkimRecords = deps.dkim;
    this.#links = deps.links;
    this.#mailer = deps.mailer;
    this.#settings = deps.settings;
    this.#log = deps.logger;
    this.#now = deps.now;
  }

  arn(accountId: string, name: string): string {
    return `arn:aws:ses:${this.#settings.region}:${accountId}:identity/${name}`;
  }

  /**
   * @param deliver sends the verification email of an address (given its link token) instead of Sesame's own
   *   message (custom verification emails); its errors reach the caller.
   */
  async create(
    accountId: string,
    input: CreateIdentityInput,
    deliver?: (token: string) => Promise<void>,
  ): Promise<IdentityView> {
    const parsed = parseIdentity(input.identity);
    if (parsed.type === 'EMAIL_ADDRESS' && input.dkimSigning)
      throw badRequest('DKIM signing attributes can only be set on a domain identity.');
    if (input.configurationSetName)
      await this.#requireConfigurationSet(accountId, input.configurationSetName);
    if ((await this.#store.identities.count(accountId)) >= MAX_IDENTITIES_PER_ACCOUNT)
      throw new SesError(
        'LimitExceededException',
        `An account can have at most ${MAX_IDENTITIES_PER_ACCOUNT} identities.`,
      );
    const now = this.#now();
    const record: IdentityRecord = {
      ...blankIdentity(accountId, parsed.name, parsed.type, now),
      emailToken: parsed.type === 'EMAIL_ADDRESS' ? newUrlToken() : null,
      nextCheckAt: parsed.type === 'DOMAIN' ? now : now + EMAIL_LINK_LIFETIME_MS,
      dkimSigningEnabled: true,
      dkim:
        parsed.type === 'DOMAIN'
          ? await this.#dkimRecords.create(input.dkimSigning ?? { origin: 'AWS_SES' }, now)
          : null,
      configurationSetName: input.configurationSetName ?? null,
    };
    try {
      await this.#store.identities.create(record);
    } catch (err) {
      if (err instanceof StoreConflictError)
        throw alreadyExists('Identity', `Email identity ${parsed.name} already exists.`);
      throw err;
    }
    if (input.tags?.length) await this.#tags.put(accountId, this.arn(accountId, record.name), input.tags);
    await this.#cache.changed();
    this.#log.info({ accountId, identity: record.name, type: record.type }, 'identity created');
    if (record.type === 'EMAIL_ADDRESS' && (deliver || !this.#settings.verifyAtOnce))
      await this.#sendVerification(record, deliver);
    return this.#view(await this.#settle(record));
  }

  /**
   * SES v1 VerifyEmailIdentity / VerifyEmailAddress: creates the address identity, or sends a fresh
   * verification link when it exists and is not verified yet (a verified address is left as it is).
   */
  async verifyEmailAddress(
    accountId: string,
    address: string,
    deliver?: (token: string) => Promise<void>,
  ): Promise<'sent' | 'already-verified'> {
    const parsed = parseIdentity(address);
    if (parsed.type !== 'EMAIL_ADDRESS') throw badRequest(`Invalid email address<${address}>.`);
    const existing = await this.#store.identities.get(accountId, parsed.name);
    if (!existing) {
      await this.create(accountId, { identity: address }, deliver);
      return 'sent';
    }
    if (existing.verificationStatus === 'SUCCESS') return 'already-verified';
    const now = this.#now();
    const updated = await this.#modify(accountId, parsed.name, (i) => ({
      ...i,
      verificationStatus: 'PENDING',
      verificationStartedAt: now,
      emailToken: newUrlToken(),
      nextCheckAt: now + EMAIL_LINK_LIFETIME_MS,
    }));
    if (deliver || !this.#settings.verifyAtOnce) await this.#sendVerification(updated, deliver);
    await this.#settle(updated);
    return 'sent';
  }

  /** Creates a domain identity for SES v1 VerifyDomainIdentity, or returns the token of the existing one. */
  async verifyDomainWithToken(accountId: string, domain: string): Promise<string> {
    const name = normalizeDomain(domain);
    if (!name) throw badRequest(`Invalid domain name ${domain}.`);
    const existing = await this.#store.identities.get(accountId, name);
    if (existing?.domainToken) return existing.domainToken;
    const token = Buffer.from(newUrlToken(32), 'base64url').toString('base64');
    if (existing) {
      await this.#modify(accountId, name, (i) => ({
        ...i,
        domainToken: token,
        nextCheckAt: this.#now(),
        checkCount: 0,
      }));
    } else {
      const now = this.#now();
      await this.#insertOrReuse({
        ...blankIdentity(accountId, name, 'DOMAIN', now),
        domainToken: token,
        nextCheckAt: now,
      });
    }
    const stored = await this.#store.identities.get(accountId, name);
    if (stored) await this.#settle(stored);
    else this.#verifier.wake();
    return token;
  }

  async get(accountId: string, name: string): Promise<IdentityView> {
    return this.#view(await this.#require(accountId, name));
  }

  /** Like get, but undefined when absent (v1 attribute maps skip unknown identities). */
  async find(accountId: string, name: string): Promise<IdentityView | undefined> {
    const parsed = tryParse(name);
    const record = parsed && (await this.#store.identities.get(accountId, parsed));
    return record ? this.#view(record) : undefined;
  }

  async list(
    accountId: string,
    options: { pageSize: number; after?: string | undefined; type?: IdentityType | undefined },
  ): Promise<{ items: IdentityView[]; next: string | null }> {
    const page = await this.#store.identities.list(accountId, {
      limit: options.pageSize,
      after: options.after,
      type: options.type,
    });
    return { items: await Promise.all(page.items.map((r) => this.#view(r, false))), next: page.next };
  }

  async delete(accountId: string, name: string): Promise<void> {
    const record = await this.#require(accountId, name);
    await this.#store.identities.delete(accountId, record.name);
    // Its sending-authorization policies go with it (a new identity of that name starts with none).
    await this.#store.identityPolicies.removeAll(accountId, record.name);
    await this.#tags.removeAll(accountId, this.arn(accountId, record.name));
    await this.#cache.changed();
    this.#log.info({ accountId, identity: record.name }, 'identity deleted');
  }

  async setDkimSigningEnabled(accountId: string, name: string, enabled: boolean): Promise<void> {
    const record = await this.#require(accountId, name);
    if (enabled && record.type === 'DOMAIN' && !record.dkim)
      throw badRequest(
        `DKIM is not set up for ${record.name}; set it up first (VerifyDomainDkim or PutEmailIdentityDkimSigningAttributes).`,
      );
    await this.#modify(accountId, record.name, (i) => ({ ...i, dkimSigningEnabled: enabled }));
  }

  /** PutEmailIdentityDkimSigningAttributes / VerifyDomainDkim: sets up Easy DKIM or BYODKIM, or rotates keys. */
  async setDkimSigning(accountId: string, name: string, input: DkimSigningInput): Promise<DkimView> {
    const record = await this.#require(accountId, name);
    if (record.type !== 'DOMAIN')
      throw badRequest('DKIM signing attributes can only be set on a domain identity.');
    const now = this.#now();
    const dkim = await this.#dkimRecords.change(record.dkim, input, now);
    const updated = await this.#modify(accountId, record.name, (i) => ({
      ...i,
      dkim,
      dkimSigningEnabled: true,
      nextCheckAt: now,
      checkCount: 0,
    }));
    return dkimView(await this.#settle(updated), undefined);
  }

  async setMailFrom(
    accountId: string,
    name: string,
    input: {
      domain?: string | undefined;
      behaviorOnMxFailure?: 'USE_DEFAULT_VALUE' | 'REJECT_MESSAGE' | undefined;
    },
  ): Promise<void> {
    const record = await this.#require(accountId, name);
    if (!input.domain) {
      await this.#modify(accountId, record.name, (i) => ({ ...i, mailFrom: null }));
      return;
    }
    const domain = normalizeDomain(input.domain);
    const base = record.type === 'DOMAIN' ? record.name : record.name.slice(record.name.lastIndexOf('@') + 1);
    if (!domain || !domain.endsWith(`.${base}`))
      throw badRequest(`The MAIL FROM domain must be a subdomain of ${base}; ${input.domain} is not.`);
    const now = this.#now();
    const updated = await this.#modify(accountId, record.name, (i) => ({
      ...i,
      mailFrom: {
        domain,
        status: 'PENDING',
        behaviorOnMxFailure: input.behaviorOnMxFailure ?? 'USE_DEFAULT_VALUE',
        startedAt: now,
      },
      nextCheckAt: now,
      checkCount: 0,
    }));
    await this.#settle(updated);
  }

  /**
   * Email feedback forwarding. As in SES, it can be turned off only when bounces and complaints reach the
   * owner another way: both a Bounce and a Complaint notification topic are set on the identity.
   */
  async setFeedbackForwarding(accountId: string, name: string, enabled: boolean): Promise<void> {
    const record = await this.#require(accountId, name);
    if (!enabled && !(record.notifications?.topics.Bounce && record.notifications.topics.Complaint))
      throw badRequest(
        `Feedback forwarding cannot be disabled for ${record.name} until both a Bounce and a Complaint notification topic are set (SetIdentityNotificationTopic).`,
      );
    await this.#modify(accountId, record.name, (i) => ({ ...i, feedbackForwarding: enabled }));
  }

  /** SES v1 SetIdentityNotificationTopic: a topic (or none) for Bounce, Complaint or Delivery notifications. */
  async setNotificationTopic(
    accountId: string,
    name: string,
    type: NotificationType,
    topicArn: string | undefined,
  ): Promise<void> {
    const record = await this.#require(accountId, name);
    if (topicArn !== undefined && !(await this.#topicExists(accountId, topicArn)))
      throw badRequest(`SNS topic <${topicArn}> does not exist; create it with Sesame's SNS API.`);
    await this.#modify(accountId, record.name, (i) => {
      const n = i.notifications ?? { topics: {}, headers: {} };
      const topics = { ...n.topics };
      if (topicArn === undefined) delete topics[type];
      else topics[type] = topicArn;
      return { ...i, notifications: { ...n, topics } };
    });
  }

  /** SES v1 SetIdentityHeadersInNotificationsEnabled. */
  async setHeadersInNotifications(
    accountId: string,
    name: string,
    type: NotificationType,
    enabled: boolean,
  ): Promise<void> {
    const record = await this.#require(accountId, name);
    await this.#modify(accountId, record.name, (i) => {
      const n = i.notifications ?? { topics: {}, headers: {} };
      return { ...i, notifications: { ...n, headers: { ...n.headers, [type]: enabled } } };
    });
  }

  useTopicCheck(check: (accountId: string, arn: string) => Promise<boolean>): void {
    this.#topicExists = check;
  }

  async setConfigurationSet(
    accountId: string,
    name: string,
    configurationSetName: string | undefined,
  ): Promise<void> {
    const record = await this.#require(accountId, name);
    if (configurationSetName) await this.#requireConfigurationSet(accountId, configurationSetName);
    await this.#modify(accountId, record.name, (i) => ({
      ...i,
      configurationSetName: configurationSetName ?? null,
    }));
  }

  /** Follows an address-verification link. Returns the identity, or undefined for an unknown or expired link. */
  async confirmEmailToken(token: string): Promise<IdentityRecord | undefined> {
    const record = await this.#store.identities.findByEmailToken(token);
    if (!record) return undefined;
    const now = this.#now();
    if (now - record.verificationStartedAt >= EMAIL_LINK_LIFETIME_MS) return undefined;
    const updated = await this.#modify(record.accountId, record.name, (i) => ({
      ...i,
      verificationStatus: 'SUCCESS',
      emailToken: null,
      lastSuccessAt: now,
      nextCheckAt: i.mailFrom?.status === 'PENDING' ? now : null,
    }));
    this.#log.info({ accountId: record.accountId, identity: record.name }, 'email address verified');
    return updated;
  }

  /** Runs the DNS checks of an identity now (CLI `identity check`). */
  async checkNow(accountId: string, name: string): Promise<IdentityView> {
    const record = await this.#require(accountId, name);
    const checked = await this.#verifier.check(record);
    await this.#cache.changed();
    return this.#view(checked);
  }

  /** Accounts that have an identity of this name (for operator commands given only a domain). */
  async accountsWithIdentity(name: string, accountIds: string[]): Promise<string[]> {
    const parsed = tryParse(name);
    if (!parsed) return [];
    const found = await Promise.all(
      accountIds.map(async (id) => ((await this.#store.identities.get(id, parsed)) ? id : undefined)),
    );
    return found.filter((id): id is string => id !== undefined);
  }

  /**
   * Why the records below cannot be published as they are, if they cannot: the SPF and MX records name this
   * node's mail host (SESAME_HOSTNAME, the machine's host name by default), which must be a fully qualified name.
   */
  mailHostProblem(): string | undefined {
    const host = this.#settings.mailHost;
    if (/^[a-z0-9-]+(\.[a-z0-9-]+)+\.?$/i.test(host) && !/^localhost(\.|$)/i.test(host)) return undefined;
    return `This server's mail host name is "${host}", not a fully qualified domain name: set SESAME_HOSTNAME to the public DNS name of this server (for example mail.example.com) before publishing the SPF and MX records below.`;
  }

  /** The DNS records to publish for a domain identity (or an address's MAIL FROM domain). */
  async dnsRecords(accountId: string, name: string): Promise<DnsRecord[]> {
    return identityDnsRecords(await this.#require(accountId, name), this.#settings.mailHost);
  }

  // ---- internals -------------------------------------------------------------------------------------

  /** After a change that needs a DNS check: wakes the verifier, or (development mode) checks at once. */
  async #settle(record: IdentityRecord): Promise<IdentityRecord> {
    if (!this.#settings.verifyAtOnce) {
      this.#verifier.wake();
      return record;
    }
    const checked = await this.#verifier.check(record);
    await this.#cache.changed();
    return checked;
  }

  async #view(record: IdentityRecord, withTags = true): Promise<IdentityView> {
    let status = record.verificationStatus;
    let parent: IdentityRecord | undefined;
    if (record.type === 'EMAIL_ADDRESS') {
      const domain = record.name.slice(record.name.lastIndexOf('@') + 1);
      for (const d of domainAndParents(domain)) {
        parent = (await this.#store.identities.get(record.accountId, d)) ?? undefined;
        if (parent) break;
      }
      if (status !== 'SUCCESS' && (await this.#senders.verifiedDomain(record.accountId, domain)))
        status = 'SUCCESS';
    }
    return {
      record,
      arn: this.arn(record.accountId, record.name),
      status,
      verifiedForSending: status === 'SUCCESS',
      dkim: dkimView(record, parent),
      tags: withTags ? await this.#tags.list(record.accountId, this.arn(record.accountId, record.name)) : [],
    };
  }

  async #insertOrReuse(record: IdentityRecord): Promise<void> {
    try {
      await this.#store.identities.create(record);
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
    }
    await this.#cache.changed();
  }

  async #sendVerification(record: IdentityRecord, deliver?: (token: string) => Promise<void>): Promise<void> {
    if (!record.emailToken) return;
    if (deliver) return deliver(record.emailToken);
    try {
      await this.#mailer.sendAddressVerification(record, this.#links.verifyEmail(record.emailToken));
    } catch (err) {
      this.#log.error({ err, identity: record.name }, 'could not send the address verification message');
    }
  }

  async #require(accountId: string, name: string): Promise<IdentityRecord> {
    const parsed = tryParse(name);
    const record = parsed ? await this.#store.identities.get(accountId, parsed) : null;
    if (!record) throw notFound('Identity', `Email identity ${name} does not exist.`);
    return record;
  }

  async #modify(
    accountId: string,
    name: string,
    change: (i: IdentityRecord) => IdentityRecord,
  ): Promise<IdentityRecord> {
    const updated = await this.#store.identities.modify(accountId, name, change);
    if (!updated) throw notFound('Identity', `Email identity ${name} does not exist.`);
    await this.#cache.changed();
    return updated;
  }

  async #requireConfigurationSet(accountId: string, name: string): Promise<void> {
    if (!(await this.#store.configurationSets.get(accountId, name)))
      throw notFound('ConfigurationSet', `Configuration set <${name}> does not exist.`);
  }
}

function tryParse(name: string): string | undefined {
  try {
    return parseIdentity(name).name;
  } catch {
    return undefined;
  }
}

/** A new identity before anything is known of it: pending, no tokens, no DKIM, no MAIL FROM, no settings. */
function blankIdentity(accountId: string, name: string, type: IdentityType, now: number): IdentityRecord {
  return {
    accountId,
    name,
    type,
    createdAt: now,
    verificationStatus: 'PENDING',
    verificationStartedAt: now,
    emailToken: null,
    domainToken: null,
    lastCheckedAt: null,
    lastSuccessAt: null,
    nextCheckAt: null,
    checkCount: 0,
    errorType: null,
    dkimSigningEnabled: false,
    dkim: null,
    mailFrom: null,
    feedbackForwarding: true,
    configurationSetName: null,
    notifications: null,
  };
}

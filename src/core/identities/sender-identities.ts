/**
 * Which identity covers an address when mail is sent: verification of senders and (in the sandbox)
 * recipients, the sender's MAIL FROM and default configuration set, the DKIM key that signs, the notification
 * settings events follow. Read on every send and every delivery, so everything is cached; every identity change
 * bumps the cache epoch.
 */
import type { SecretBox } from '../../lib/secret-box.ts';
import type {
  IdentityNotificationsRecord,
  IdentityRecord,
  MailFromRecord,
  Store,
} from '../../store/store.ts';
import type { EpochCache } from '../cache.ts';
import { domainAndParents, parseEmailAddress, parseIdentity } from './names.ts';

export interface SenderProfile {
  /** Name of the verified identity that covers the address. */
  identity: string;
  identityArn: string;
  mailFrom: MailFromRecord | null;
  configurationSetName: string | null;
}

export interface DkimSigningKey {
  domain: string;
  selector: string;
  privateKeyPem: string;
}

/**
 * The address whose identity's DKIM key signs a message: its source when that is in the From domain, else the
 * From domain's postmaster (so the From domain's identity signs).
 */
export function signingAddress(message: { source: string; fromDomain: string }): string {
  return message.source.toLowerCase().endsWith(`@${message.fromDomain}`)
    ? message.source
    : `postmaster@${message.fromDomain}`;
}

/**
 * The account whose identity settings (DKIM key) apply to a message: the owner of the identity it was sent
 * as (`mail.sourceArn`), which sending authorization makes another account than the sender's.
 */
export function identityOwner(message: { accountId: string; mail: Record<string, unknown> }): string {
  const arn = message.mail.sourceArn;
  const owner = typeof arn === 'string' ? /^arn:aws:ses:[^:]+:(\d{12}):identity\//.exec(arn)?.[1] : undefined;
  return owner ?? message.accountId;
}

export class SenderIdentities {
  readonly #store: Store;
  readonly #box: SecretBox;
  readonly #cache: EpochCache;
  readonly #arn: (accountId: string, name: string) => string;

  constructor(deps: {
    store: Store;
    box: SecretBox;
    cache: EpochCache;
    arn: (accountId: string, name: string) => string;
  }) {
    this.#store = deps.store;
    this.#box = deps.box;
    this.#cache = deps.cache;
    this.#arn = deps.arn;
  }

  /**
   * Whether an account may use an address as sender or (in the sandbox) as recipient: the address itself is
   * verified, or its domain or a parent domain is.
   */
  async isVerified(accountId: string, address: string): Promise<boolean> {
    const parsed = parseEmailAddress(address);
    if (!parsed) return false;
    const name = `${parsed.local}@${parsed.domain}`;
    return this.#cache.get(`verified:${accountId}:${name.toLowerCase()}`, async () => {
      const own = await this.#store.identities.get(accountId, name);
      if (own?.verificationStatus === 'SUCCESS') return true;
      return (await this.verifiedDomain(accountId, parsed.domain)) !== undefined;
    });
  }

  /** Whether the account holds this identity (by its stored name) and it is verified. */
  identityVerified(accountId: string, name: string): Promise<boolean> {
    return this.#cache.get(`identity-verified:${accountId}:${name.toLowerCase()}`, async () => {
      let stored: string;
      try {
        stored = parseIdentity(name).name;
      } catch {
        return false;
      }
      const r = await this.#store.identities.get(accountId, stored);
      return r?.verificationStatus === 'SUCCESS';
    });
  }

  /**
   * What sending as an address uses: the verified identity that covers it (the address itself, else its
   * domain or a parent domain), with that identity's custom MAIL FROM and default configuration set.
   * Undefined when the account may not send as the address.
   */
  async senderProfile(accountId: string, address: string): Promise<SenderProfile | undefined> {
    const parsed = parseEmailAddress(address);
    if (!parsed) return undefined;
    const name = `${parsed.local}@${parsed.domain}`;
    return this.#cache.get(`sender:${accountId}:${name.toLowerCase()}`, async () => {
      const own = await this.#store.identities.get(accountId, name);
      const domain = await this.verifiedDomain(accountId, parsed.domain);
      const verified = own?.verificationStatus === 'SUCCESS' ? own : domain;
      if (!verified) return undefined;
      // The address's own settings win over its domain's.
      const mailFrom = own?.mailFrom ?? domain?.mailFrom ?? null;
      return {
        identity: verified.name,
        identityArn: this.#arn(accountId, verified.name),
        mailFrom,
        configurationSetName: own?.configurationSetName ?? domain?.configurationSetName ?? null,
      };
    });
  }

  /**
   * The DKIM key that signs mail from an address: the most specific domain identity (the address's domain or
   * a parent) whose DKIM is verified and enabled, unless signing is turned off for the address itself.
   */
  async dkimKeyFor(accountId: string, fromAddress: string): Promise<DkimSigningKey | undefined> {
    const parsed = parseEmailAddress(fromAddress);
    if (!parsed) return undefined;
    const name = `${parsed.local}@${parsed.domain}`;
    return this.#cache.get(`dkim:${accountId}:${name.toLowerCase()}`, async () => {
      const own = await this.#store.identities.get(accountId, name);
      if (own && !own.dkimSigningEnabled) return undefined;
      for (const d of domainAndParents(parsed.domain)) {
        const rec = await this.#store.identities.get(accountId, d);
        if (!rec?.dkim) continue;
        if (rec.dkim.status !== 'SUCCESS' || !rec.dkimSigningEnabled) return undefined;
        const key = rec.dkim.keys.find((k) => k.selector === rec.dkim!.activeSelector) ?? rec.dkim.keys[0];
        if (!key) return undefined;
        return {
          domain: rec.name,
          selector: key.selector,
          privateKeyPem: this.#box.open(key.sealedPrivateKey),
        };
      }
      return undefined;
    });
  }

  /** Notification topics and forwarding of the identity a message was sent as. */
  notificationSettings(
    accountId: string,
    name: string,
  ): Promise<{ notifications: IdentityNotificationsRecord | null; feedbackForwarding: boolean } | undefined> {
    return this.#cache.get(`notify:${accountId}:${name}`, async () => {
      const r = await this.#store.identities.get(accountId, name);
      return r ? { notifications: r.notifications, feedbackForwarding: r.feedbackForwarding } : undefined;
    });
  }

  /** The verified domain identity (the domain or a parent) that covers a domain. Not cached. */
  async verifiedDomain(accountId: string, domain: string): Promise<IdentityRecord | undefined> {
    for (const d of domainAndParents(domain)) {
      const rec = await this.#store.identities.get(accountId, d);
      if (rec?.verificationStatus === 'SUCCESS') return rec;
    }
    return undefined;
  }
}

/**
 * Sending authorization: an identity's owner attaches policies to it (v2 Create/Get/Update/DeleteEmailIdentity-
 * Policy, v1 Put/Get/List/DeleteIdentityPolicy), and a send that names another account's identity by ARN is
 * allowed only when those policies allow its caller, action and conditions. The delegate's quotas and
 * reputation are charged; the owner's identity settings (DKIM, MAIL FROM) apply.
 */
import type { Store } from '../../store/store.ts';
import type { EpochCache } from '../cache.ts';
import { SesError, notFound } from '../errors.ts';
import { parseEmailAddress, parseIdentity } from '../identities/names.ts';
import { mayUseIdentity, sendDenied, type Principal, principalArn } from './key-permissions.ts';
import {
  MAX_POLICIES_PER_IDENTITY,
  checkPolicyName,
  evaluate,
  parsePolicy,
  type AuthorizationRequest,
  type PolicyDocument,
} from './policy.ts';

/** An identity ARN a send names, split: `arn:aws:ses:<region>:<account>:identity/<name>`. */
export interface IdentityArn {
  arn: string;
  region: string;
  accountId: string;
  identity: string;
}

export function parseIdentityArn(arn: string): IdentityArn | undefined {
  const m = /^arn:aws:ses:([a-z0-9-]+):(\d{12}):identity\/(.+)$/.exec(arn);
  return m ? { arn, region: m[1]!, accountId: m[2]!, identity: m[3]! } : undefined;
}

/** Whether an identity (an address, or a domain and its subdomains) covers an address. */
export function identityCovers(identity: string, address: string): boolean {
  const id = identity.toLowerCase();
  const a = address.toLowerCase();
  if (id.includes('@')) return a === id;
  const domain = parseEmailAddress(a)?.domain;
  return domain !== undefined && (domain === id || domain.endsWith(`.${id}`));
}

/** One send's request to use an identity: who, which action, and the condition values. */
export interface SendAuthorization {
  principal: Principal;
  action: string;
  /** The identity's owner (the caller's own account when no ARN of another account is named). */
  ownerAccountId: string;
  identity: string;
  /** The condition values, built only when another account's policies are evaluated. */
  values: () => AuthorizationRequest['values'];
}

export type PolicyWrite = 'create' | 'update' | 'put';

export class SendingAuthorization {
  readonly #store: Store;
  readonly #cache: EpochCache;
  readonly #region: string;
  readonly #now: () => number;

  constructor(deps: { store: Store; cache: EpochCache; region: string; now: () => number }) {
    this.#store = deps.store;
    this.#cache = deps.cache;
    this.#region = deps.region;
    this.#now = deps.now;
  }

  identityArn(accountId: string, identity: string): string {
    return `arn:aws:ses:${this.#region}:${accountId}:identity/${identity}`;
  }

  /**
   * Creates (v2 Create: AlreadyExists if present), replaces (v2 Update: NotFound if absent) or puts (v1) a
   * policy; the identity may be named or given by ARN (v1).
   */
  async writePolicy(
    accountId: string,
    identityOrArn: string,
    name: string,
    document: string,
    mode: PolicyWrite,
  ): Promise<void> {
    const identity = await this.#identity(accountId, identityOrArn);
    checkPolicyName(name);
    parsePolicy(document, this.identityArn(accountId, identity));
    const existing = await this.#store.identityPolicies.list(accountId, identity);
    const present = existing.some((p) => p.name === name);
    if (mode === 'create' && present)
      throw new SesError(
        'AlreadyExistsException',
        `Policy ${name} already exists for identity ${identity}.`,
        {
          resource: 'Resource',
        },
      );
    if (mode === 'update' && !present)
      throw notFound('Resource', `Policy ${name} does not exist for identity ${identity}.`);
    if (!present && existing.length >= MAX_POLICIES_PER_IDENTITY)
      throw new SesError(
        'LimitExceededException',
        `Identity ${identity} already has ${MAX_POLICIES_PER_IDENTITY} policies, the most it may have.`,
      );
    await this.#store.identityPolicies.put({ accountId, identity, name, document, createdAt: this.#now() });
    await this.#cache.changed();
  }

  /** The identity's policies by name (all of them, or those named; unknown names are left out, as in SES). */
  async policies(
    accountId: string,
    identityOrArn: string,
    names?: string[],
  ): Promise<Record<string, string>> {
    const identity = await this.#identity(accountId, identityOrArn);
    const rows = await this.#store.identityPolicies.list(accountId, identity);
    return Object.fromEntries(
      rows.filter((r) => !names || names.includes(r.name)).map((r) => [r.name, r.document]),
    );
  }

  /** v1 DeleteIdentityPolicy succeeds when the policy is absent; v2 DeleteEmailIdentityPolicy says NotFound. */
  async deletePolicy(
    accountId: string,
    identityOrArn: string,
    name: string,
    mustExist: boolean,
  ): Promise<void> {
    const identity = await this.#identity(accountId, identityOrArn);
    const removed = await this.#store.identityPolicies.remove(accountId, identity, name);
    if (!removed && mustExist)
      throw notFound('Resource', `Policy ${name} does not exist for identity ${identity}.`);
    await this.#cache.changed();
  }

  /**
   * Refuses a send the caller may not make with this identity: a key limited to other identities, or another
   * account's identity whose policies do not allow the caller, action and conditions (explicit Deny wins).
   */
  async authorizeSend(r: SendAuthorization): Promise<void> {
    const arn = this.identityArn(r.ownerAccountId, r.identity);
    if (!mayUseIdentity(r.principal, r.identity, arn)) throw sendDenied(r.principal, r.action, arn);
    if (r.ownerAccountId === r.principal.accountId) return;
    const policies = await this.#parsedPolicies(r.ownerAccountId, r.identity);
    const request: AuthorizationRequest = {
      accountId: r.principal.accountId,
      userArn: r.principal.userName ? principalArn(r.principal) : null,
      action: r.action,
      values: r.values(),
    };
    if (evaluate(policies, request) !== 'allow') throw sendDenied(r.principal, r.action, arn);
  }

  #parsedPolicies(accountId: string, identity: string): Promise<PolicyDocument[]> {
    return this.#cache.get(`policies:${accountId}:${identity}`, async () => {
      const rows = await this.#store.identityPolicies.list(accountId, identity);
      const arn = this.identityArn(accountId, identity);
      // Stored documents were valid when written; one that no longer parses grants nothing.
      return rows.flatMap((r) => {
        try {
          return [parsePolicy(r.document, arn)];
        } catch {
          return [];
        }
      });
    });
  }

  /** The stored name of an identity given by name or by ARN of this account; NotFound when absent. */
  async #identity(accountId: string, identityOrArn: string): Promise<string> {
    const arn = parseIdentityArn(identityOrArn);
    if (arn && (arn.accountId !== accountId || arn.region !== this.#region))
      throw notFound('Identity', `Identity ${identityOrArn} does not exist.`);
    const given = arn ? arn.identity : identityOrArn;
    let name: string | undefined;
    try {
      name = parseIdentity(given).name;
    } catch {
      name = undefined;
    }
    const record = name ? await this.#store.identities.get(accountId, name) : null;
    if (!record) throw notFound('Identity', `Identity ${given} does not exist.`);
    return record.name;
  }
}

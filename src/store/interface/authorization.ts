/** Sending authorization: the policies an identity's owner attaches to it (PutIdentityPolicy, …). */

export interface IdentityPolicyRecord {
  accountId: string;
  /** The identity (domain or address) the policy is attached to, as stored for the identity. */
  identity: string;
  name: string;
  /** The policy document as given (JSON text). */
  document: string;
  createdAt: number;
}

export interface IdentityPolicyStore {
  /** The identity's policies, by name. */
  list(accountId: string, identity: string): Promise<IdentityPolicyRecord[]>;
  /** Creates or replaces the policy of that name. */
  put(policy: IdentityPolicyRecord): Promise<void>;
  /** Whether a policy of that name was there. */
  remove(accountId: string, identity: string, name: string): Promise<boolean>;
  /** Every policy of the identity (it is deleted). */
  removeAll(accountId: string, identity: string): Promise<void>;
}

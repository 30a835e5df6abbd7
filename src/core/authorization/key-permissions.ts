/**
 * Access keys with limited rights, like an IAM user's policy: only some actions (e.g. `ses:SendRawEmail` for
 * SMTP credentials that cannot manage identities) and, for sending, only some identities.
 */
import type { AccessKeyPermissions } from '../../store/store.ts';
import { SesError, badRequest } from '../errors.ts';
import { wildcardMatch } from './policy.ts';

/** Who calls: the account, and the access key's IAM user and limits (null: the account's root credentials). */
export interface Principal {
  accountId: string;
  accessKeyId?: string | undefined;
  userName?: string | null | undefined;
  permissions?: AccessKeyPermissions | null | undefined;
}

/** The caller's ARN as IAM names it in denials and policies match it. */
export function principalArn(p: Principal): string {
  return p.userName ? `arn:aws:iam::${p.accountId}:user/${p.userName}` : `arn:aws:iam::${p.accountId}:root`;
}

export function validatePermissions(p: AccessKeyPermissions): void {
  if (p.actions.length === 0) throw badRequest('A limited access key needs at least one allowed action.');
  for (const a of p.actions)
    if (a !== '*' && !/^ses:[A-Za-z*?]+$/.test(a))
      throw badRequest(`Action ${a} is not an SES action (ses:SendRawEmail, ses:Send*, ses:*, …).`);
  for (const i of p.identities ?? [])
    if (i === '' || /\s/.test(i))
      throw badRequest(`Identity ${JSON.stringify(i)} is not an identity name or ARN.`);
}

/** Refuses an operation the key may not call (IAM's wording, as SES v2 and v1 answer it). */
export function checkAction(p: Principal, action: string): void {
  if (!p.permissions || p.permissions.actions.some((a) => wildcardMatch(a, action, true))) return;
  throw new SesError(
    'AccessDeniedException',
    `User: ${principalArn(p)} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
  );
}

/** Whether a key limited to some identities may send as this one (matched by name or ARN, `*` wildcards). */
export function mayUseIdentity(p: Principal, identity: string, identityArn: string): boolean {
  const allowed = p.permissions?.identities;
  if (!allowed) return true;
  return allowed.some((i) => wildcardMatch(i, identity, true) || wildcardMatch(i, identityArn, true));
}

/** SES's refusal of a send the caller is not authorized for (SMTP: `554 Access denied: …`). */
export function sendDenied(p: Principal, action: string, identityArn: string): SesError {
  return new SesError(
    'AccessDeniedException',
    `User \`${principalArn(p)}' is not authorized to perform \`${action}' on resource \`${identityArn}'`,
  );
}

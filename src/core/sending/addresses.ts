/** Email addresses as sending checks them: deliverable syntax, and the destination domain. */
import { parseEmailAddress } from '../identities/names.ts';

/**
 * Whether an address is syntactically deliverable. Internationalised (UTF-8) local parts are allowed here;
 * whether they can be delivered depends on the receiving server (SMTPUTF8).
 */
export function isValidAddress(address: string): boolean {
  if (/[\s<>()[\],;:\\"]/.test(address) || address.length > 320) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return false;
  if (/[^\x20-\x7e]/.test(address)) return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address);
  return parseEmailAddress(address) !== undefined;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

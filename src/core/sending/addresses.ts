/** Email address lists: parsing header values and API strings into mailboxes, and checking syntax. */
import addressparser, { type Address } from 'nodemailer/lib/addressparser';
import { parseEmailAddress } from '../identities/names.ts';

export interface Mailbox {
  /** Display name, possibly empty. */
  name: string;
  address: string;
}

function flatten(list: Address[]): Mailbox[] {
  const out: Mailbox[] = [];
  for (const a of list) {
    if (a.group) out.push(...flatten(a.group));
    else if (a.address) out.push({ name: a.name, address: a.address });
  }
  return out;
}

/** Parses an address header value or API string (`Name <a@b>, c@d`). */
export function parseMailboxes(value: string): Mailbox[] {
  return flatten(addressparser(value));
}

const BARE_ADDRESS = /^[^\s<>()[\],;:\\"@]+@[^\s<>()[\],;:\\"@]+$/;

/** Parses one address given as a string (`a@b` or `Name <a@b>`); undefined when it is not exactly one address. */
export function parseMailbox(value: string): Mailbox | undefined {
  // Most values are a bare address: no need for the full RFC 5322 parser then.
  if (BARE_ADDRESS.test(value)) return { name: '', address: value };
  const list = parseMailboxes(value);
  return list.length === 1 ? list[0] : undefined;
}

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

export function formatMailbox(m: Mailbox): string {
  return m.name ? `${m.name} <${m.address}>` : m.address;
}

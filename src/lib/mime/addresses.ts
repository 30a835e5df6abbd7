/** Address lists: header values and API strings (`Name <a@b>, c@d`) as mailboxes (nodemailer's addressparser). */
import addressparser, { type Address } from 'nodemailer/lib/addressparser';

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

/** One address and nothing else: addressparser would answer it as it is, with no name. */
const BARE_ADDRESS = /^[^\s<>()[\],;:\\"@]+@[^\s<>()[\],;:\\"@]+$/;

/** Parses an address header value or API string (`Name <a@b>, c@d`). */
export function parseMailboxes(value: string): Mailbox[] {
  // Most values are one bare address: no need for the full RFC 5322 parser then.
  if (BARE_ADDRESS.test(value)) return [{ name: '', address: value }];
  return flatten(addressparser(value));
}

/** Parses one address given as a string (`a@b` or `Name <a@b>`); undefined when it is not exactly one address. */
export function parseMailbox(value: string): Mailbox | undefined {
  const list = parseMailboxes(value);
  return list.length === 1 ? list[0] : undefined;
}

export function formatMailbox(m: Mailbox): string {
  return m.name ? `${m.name} <${m.address}>` : m.address;
}

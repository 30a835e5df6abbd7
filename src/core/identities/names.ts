/** Parsing and normalising identity names: email addresses and domains. */
import { domainToASCII } from 'node:url';
import { badRequest } from '../errors.ts';

export interface ParsedIdentity {
  type: 'EMAIL_ADDRESS' | 'DOMAIN';
  /** Lowercase ASCII domain, or `local@domain` with the domain lowercased. */
  name: string;
  domain: string;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// RFC 5322 dot-atom local part (printable ASCII without specials); quoted local parts are not accepted for identities.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

export function normalizeDomain(raw: string): string | undefined {
  let d = raw.trim().replace(/\.$/, '');
  if (!d) return undefined;
  if (/[^ -~]/.test(d)) d = domainToASCII(d);
  d = d.toLowerCase();
  if (!d || d.length > 253) return undefined;
  const labels = d.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return undefined;
  return d;
}

export function parseEmailAddress(raw: string): { local: string; domain: string } | undefined {
  const s = raw.trim();
  const at = s.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = s.slice(0, at);
  const domain = normalizeDomain(s.slice(at + 1));
  if (!domain || local.length > 64 || !LOCAL.test(local)) return undefined;
  return { local, domain };
}

/**
 * An identity name as given to CreateEmailIdentity / VerifyEmailIdentity / VerifyEmailAddress. A mailbox with a
 * display name (`Foo <foo@example.com>`) names the address inside it, as SES takes it.
 */
export function parseIdentity(raw: string): ParsedIdentity {
  if (raw.includes('@')) {
    const mailbox = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(raw);
    const addr = parseEmailAddress(mailbox ? mailbox[1]! : raw);
    if (!addr) throw badRequest(`Invalid email address<${raw}>.`);
    return { type: 'EMAIL_ADDRESS', name: `${addr.local}@${addr.domain}`, domain: addr.domain };
  }
  const domain = normalizeDomain(raw);
  if (!domain) throw badRequest(`Invalid domain name ${raw}.`);
  return { type: 'DOMAIN', name: domain, domain };
}

/** The domain and each parent domain, most specific first: a.b.example.com → a.b.example.com, b.example.com, example.com. */
export function domainAndParents(domain: string): string[] {
  const labels = domain.split('.');
  const out: string[] = [];
  for (let i = 0; i < labels.length - 1; i++) out.push(labels.slice(i).join('.'));
  return out;
}

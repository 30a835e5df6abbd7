/** The DNS records an identity's owner publishes: DKIM keys, the v1 verification token, SPF, DMARC, MAIL FROM. */
import type { IdentityRecord } from '../../store/store.ts';

export interface DnsRecord {
  name: string;
  type: 'TXT' | 'MX';
  value: string;
  purpose: string;
}

/** The records for a domain identity (or an address's MAIL FROM domain); `mailHost` is this node's mail host. */
export function identityDnsRecords(record: IdentityRecord, mailHost: string): DnsRecord[] {
  const host = mailHost;
  const out: DnsRecord[] = [];
  if (record.type === 'DOMAIN') {
    const keys = [...(record.dkim?.keys ?? []), ...(record.dkim?.pendingKeys ?? [])];
    for (const k of keys) {
      const waiting = record.dkim?.pendingKeys?.includes(k) ? ' (new key of a rotation)' : '';
      out.push({
        name: `${k.selector}._domainkey.${record.name}`,
        type: 'TXT',
        value: `v=DKIM1; k=rsa; p=${k.publicKey}`,
        purpose: `DKIM${waiting}`,
      });
    }
    if (record.domainToken)
      out.push({
        name: `_amazonses.${record.name}`,
        type: 'TXT',
        value: record.domainToken,
        purpose: 'domain verification token (SES v1)',
      });
    out.push({
      name: record.name,
      type: 'TXT',
      value: `v=spf1 a:${host} ~all`,
      purpose: 'SPF (recommended)',
    });
    out.push({
      name: `_dmarc.${record.name}`,
      type: 'TXT',
      value: 'v=DMARC1; p=none;',
      purpose: 'DMARC (recommended)',
    });
    out.push({
      name: record.name,
      type: 'MX',
      value: `10 ${host}.`,
      purpose: 'receiving: only if this domain’s mail is to be received here (receipt rules)',
    });
  }
  if (record.mailFrom) {
    out.push({
      name: record.mailFrom.domain,
      type: 'MX',
      value: `10 ${host}.`,
      purpose: 'custom MAIL FROM domain',
    });
    out.push({
      name: record.mailFrom.domain,
      type: 'TXT',
      value: `v=spf1 a:${host} ~all`,
      purpose: 'SPF for the MAIL FROM domain',
    });
  }
  return out;
}

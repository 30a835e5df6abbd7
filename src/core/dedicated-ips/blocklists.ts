/**
 * GetBlacklistReports: whether the account's dedicated IPs are listed on DNS blocklists (DNSBL zones, RFC
 * 5782): an A record under the reversed address means listed, its TXT record says why.
 */
import { isDnsNotFound, type DnsResolver } from '../../lib/dns.ts';
import { SesError } from '../errors.ts';

export interface BlocklistEntry {
  rblName: string;
  /** When Sesame saw the listing (DNSBLs do not publish when an address was listed). */
  listingTime: number;
  description: string | null;
}

/** The DNSBL query name of an address in a zone: 192.0.2.1 → 1.2.0.192.<zone>; IPv6 by reversed nibbles. */
export function dnsblName(ip: string, zone: string): string | undefined {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (v4) return `${v4[4]}.${v4[3]}.${v4[2]}.${v4[1]}.${zone}`;
  if (!ip.includes(':')) return undefined;
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  if (all.length !== 8) return undefined;
  const nibbles = all.map((g) => g.padStart(4, '0')).join('');
  return `${[...nibbles].reverse().join('.')}.${zone}`;
}

export async function checkBlocklists(
  dns: DnsResolver,
  zones: string[],
  ip: string,
  now: number,
): Promise<BlocklistEntry[]> {
  const entries: BlocklistEntry[] = [];
  for (const zone of zones) {
    const name = dnsblName(ip, zone);
    if (!name) continue;
    let listed: string[];
    try {
      listed = await dns.a(name);
    } catch (err) {
      if (isDnsNotFound(err)) continue;
      // Not "not listed": the zone did not answer. Said as such, never as a listing or a database failure.
      const code = (err as { code?: string }).code ?? (err as Error).message;
      throw new SesError(
        'ServiceUnavailable',
        `The DNS blocklist ${zone} could not be queried for ${ip} (${code}); try again later.`,
      );
    }
    // 127.0.0.0/8 answers are listings (RFC 5782 §2.1); anything else is a zone's error signal.
    if (!listed.some((a) => a.startsWith('127.'))) continue;
    const txt = await dns.txt(name).catch(() => [] as string[]);
    entries.push({ rblName: zone, listingTime: now, description: txt.join(' ') || null });
  }
  return entries;
}

/**
 * DNS lookups through configurable servers (`ip[:port]`), so that tests and air-gapped setups can point
 * Sesame at their own resolver. Errors keep Node's codes (ENOTFOUND, ENODATA, ESERVFAIL, ETIMEOUT …).
 */
import { Resolver } from 'node:dns/promises';

export interface DnsResolver {
  /** TXT records, each record's character-strings joined. */
  txt(name: string): Promise<string[]>;
  mx(name: string): Promise<{ exchange: string; priority: number }[]>;
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
  /** Any record type, answered as `dns.promises.resolve` answers it (the resolver mailauth takes). */
  resolve(name: string, rrtype: string): Promise<unknown>;
}

/** Codes that mean "the name or record does not exist" rather than "DNS failed". */
export const DNS_NOT_FOUND_CODES = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export function isDnsNotFound(err: unknown): boolean {
  return DNS_NOT_FOUND_CODES.has((err as { code?: string }).code ?? '');
}

export function createDnsResolver(servers: string[], timeoutMs = 3000): DnsResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (servers.length > 0) resolver.setServers(servers);
  return {
    txt: async (name) => (await resolver.resolveTxt(name)).map((chunks) => chunks.join('')),
    mx: (name) => resolver.resolveMx(name),
    a: (name) => resolver.resolve4(name),
    aaaa: (name) => resolver.resolve6(name),
    resolve: (name, rrtype) => resolver.resolve(name, rrtype),
  };
}

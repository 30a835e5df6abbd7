/**
 * Where to deliver a domain's mail (RFC 5321 §5.1): its MX hosts by preference (equal preferences shuffled),
 * else the domain itself (implicit MX from A/AAAA); a null MX (RFC 7505) means the domain takes no mail.
 * Answers are cached for a minute.
 */
import { isDnsNotFound, type DnsResolver } from '../../lib/dns.ts';

export interface MxHost {
  name: string;
  priority: number;
  addresses: string[];
}

export type Route =
  | { kind: 'hosts'; hosts: MxHost[] }
  | { kind: 'null-mx' }
  | { kind: 'no-domain'; detail: string }
  | { kind: 'dns-error'; detail: string };

const TTL_MS = 60_000;

export class MxResolver {
  readonly #dns: DnsResolver;
  readonly #cache = new Map<string, { route: Promise<Route>; at: number }>();

  constructor(dns: DnsResolver) {
    this.#dns = dns;
  }

  resolve(domain: string): Promise<Route> {
    const hit = this.#cache.get(domain);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.route;
    const route = this.#lookup(domain);
    this.#cache.set(domain, { route, at: Date.now() });
    // Failures are not cached: the next attempt asks again.
    void route.then((r) => {
      if (r.kind === 'dns-error') this.#cache.delete(domain);
    });
    return route;
  }

  /** Addresses of a host (an IP literal is its own address). */
  async addresses(host: string): Promise<string[] | { detail: string }> {
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':')) return [host];
    const out: string[] = [];
    let failure: string | undefined;
    for (const family of ['a', 'aaaa'] as const) {
      try {
        out.push(...(await this.#dns[family](host)));
      } catch (err) {
        if (!isDnsNotFound(err))
          failure = `address lookup for ${host} failed: ${(err as { code?: string }).code ?? String(err)}`;
      }
    }
    return out.length > 0 ? out : { detail: failure ?? `${host} has no address records` };
  }

  async #lookup(domain: string): Promise<Route> {
    let mx: { exchange: string; priority: number }[];
    try {
      mx = await this.#dns.mx(domain);
    } catch (err) {
      if (!isDnsNotFound(err))
        return {
          kind: 'dns-error',
          detail: `MX lookup for ${domain} failed: ${(err as { code?: string }).code ?? String(err)}`,
        };
      mx = [];
    }
    if (mx.length === 1 && (mx[0]!.exchange === '' || mx[0]!.exchange === '.')) return { kind: 'null-mx' };
    const candidates =
      mx.length > 0
        ? shuffleEqual(mx.filter((m) => m.exchange && m.exchange !== '.'))
        : [{ exchange: domain, priority: 0 }];
    const hosts: MxHost[] = [];
    let dnsError: string | undefined;
    for (const c of candidates) {
      const name = c.exchange.replace(/\.$/, '').toLowerCase();
      const addresses: string[] = [];
      for (const family of ['a', 'aaaa'] as const) {
        try {
          addresses.push(...(await this.#dns[family](name)));
        } catch (err) {
          if (!isDnsNotFound(err))
            dnsError = `address lookup for ${name} failed: ${(err as { code?: string }).code ?? String(err)}`;
        }
      }
      if (addresses.length > 0) hosts.push({ name, priority: c.priority, addresses });
    }
    if (hosts.length > 0) return { kind: 'hosts', hosts };
    if (dnsError) return { kind: 'dns-error', detail: dnsError };
    return {
      kind: 'no-domain',
      detail:
        mx.length > 0
          ? `no address for the MX hosts of ${domain}`
          : `${domain} has no MX and no address records`,
    };
  }
}

function shuffleEqual(
  list: { exchange: string; priority: number }[],
): { exchange: string; priority: number }[] {
  return list
    .map((m) => ({ m, r: Math.random() }))
    .sort((a, b) => a.m.priority - b.m.priority || a.r - b.r)
    .map((x) => x.m);
}

/**
 * Mailbox providers (VDM's ISP dimension), told by the recipient's domain. Providers that run a feedback loop
 * are marked: VDM's complaint rate counts only deliveries to them (DELIVERY_COMPLAINT).
 */
const PROVIDERS: { name: string; fbl: boolean; domains: RegExp }[] = [
  { name: 'Gmail', fbl: false, domains: /^(gmail\.com|googlemail\.com)$/ },
  { name: 'Yahoo', fbl: true, domains: /^(yahoo\.[a-z.]+|ymail\.com|rocketmail\.com)$/ },
  { name: 'AOL', fbl: true, domains: /^(aol\.[a-z.]+|aim\.com)$/ },
  { name: 'Hotmail', fbl: true, domains: /^(hotmail\.[a-z.]+|outlook\.[a-z.]+|live\.[a-z.]+|msn\.com)$/ },
  { name: 'iCloud', fbl: false, domains: /^(icloud\.com|me\.com|mac\.com)$/ },
  { name: 'Comcast', fbl: true, domains: /^comcast\.net$/ },
  { name: 'GMX', fbl: false, domains: /^(gmx\.[a-z.]+|web\.de)$/ },
  { name: 'Orange', fbl: false, domains: /^(orange\.fr|wanadoo\.fr)$/ },
];

export const OTHER_ISP = 'Others';

export function ispOfDomain(domain: string): { name: string; fbl: boolean } {
  const d = domain.toLowerCase();
  for (const p of PROVIDERS) if (p.domains.test(d)) return p;
  return { name: OTHER_ISP, fbl: false };
}

export function ispOfAddress(address: string): { name: string; fbl: boolean } {
  return ispOfDomain(address.slice(address.lastIndexOf('@') + 1));
}

/**
 * A DMARC record read as a receiver would (RFC 7489 §6.3–6.4), to say exactly what is wrong with a published
 * one: mailauth only reports a broken record as "no policy".
 */

export interface DmarcRecord {
  p: 'none' | 'quarantine' | 'reject';
  tags: Map<string, string>;
}

export type DmarcReading = { ok: true; record: DmarcRecord } | { ok: false; problem: string };

const POLICIES = new Set(['none', 'quarantine', 'reject']);

export function readDmarcRecord(text: string): DmarcReading {
  const parts = text
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const tags = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, problem: `"${part}" is not a tag=value pair` };
    tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const first = parts[0]?.replace(/\s+/g, '');
  if (first !== 'v=DMARC1')
    return { ok: false, problem: 'a DMARC record must begin with v=DMARC1 (exactly that, first)' };
  const p = tags.get('p');
  if (p === undefined) return { ok: false, problem: 'the p= tag (none, quarantine or reject) is missing' };
  if (!POLICIES.has(p.toLowerCase()))
    return { ok: false, problem: `p=${p} is not one of none, quarantine, reject` };
  if (parts[1] && !/^p\s*=/i.test(parts[1]))
    return { ok: false, problem: 'p= must be the second tag, right after v=DMARC1' };
  const sp = tags.get('sp');
  if (sp !== undefined && !POLICIES.has(sp.toLowerCase()))
    return { ok: false, problem: `sp=${sp} is not one of none, quarantine, reject` };
  for (const align of ['adkim', 'aspf'] as const) {
    const v = tags.get(align);
    if (v !== undefined && !/^[rs]$/i.test(v))
      return { ok: false, problem: `${align}=${v} must be r (relaxed) or s (strict)` };
  }
  const pct = tags.get('pct');
  if (pct !== undefined && !(/^\d{1,3}$/.test(pct) && Number(pct) <= 100))
    return { ok: false, problem: `pct=${pct} must be a whole number from 0 to 100` };
  for (const uriTag of ['rua', 'ruf'] as const) {
    const v = tags.get(uriTag);
    if (v !== undefined && v.split(',').some((u) => !/^mailto:[^@\s]+@[^@\s]+/i.test(u.trim())))
      return { ok: false, problem: `${uriTag}= must be a list of mailto: addresses` };
  }
  return { ok: true, record: { p: p.toLowerCase() as DmarcRecord['p'], tags } };
}

/** DNS records as a zone-file fragment (what `sesame dns-records` prints and the console copies). */

/** Formats records as a zone-file fragment; TXT values are split into quoted 255-byte strings. */
export function zoneFile(records: { name: string; type: string; value: string; purpose: string }[]): string {
  return records
    .map((r) => {
      const value =
        r.type === 'TXT' ? (r.value.match(/.{1,255}/g) ?? ['']).map((c) => `"${c}"`).join(' ') : r.value;
      return `; ${r.purpose}\n${r.name}.\t3600\tIN\t${r.type}\t${value}`;
    })
    .join('\n');
}

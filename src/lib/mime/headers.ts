/** Header blocks of CRLF messages: reading the fields, rewriting the block without touching the body. */
export interface HeaderField {
  name: string;
  value: string;
}

export interface HeaderBlock {
  /** Unfolded header fields in order. */
  fields: HeaderField[];
  /** Each field's raw lines (with CRLF), for rewriting. */
  raw: string[];
  /** Offset of the body (after the empty line). */
  bodyOffset: number;
}

/** Splits the header block of a CRLF message. Header bytes are read as UTF-8 (RFC 6532 allows it). */
export function parseHeaderBlock(message: Buffer): HeaderBlock {
  let end = message.indexOf('\r\n\r\n');
  let bodyOffset = end + 4;
  if (end < 0) {
    end = message.length;
    bodyOffset = message.length;
  }
  const text = message.subarray(0, end).toString('utf8');
  const fields: HeaderField[] = [];
  const raw: string[] = [];
  for (const line of text.split('\r\n')) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && raw.length > 0) {
      raw[raw.length - 1] += `${line}\r\n`;
      // Unfolded (RFC 5322 §2.2.3) and trimmed: a value that starts on the next line has no leading space.
      const field = fields[fields.length - 1]!;
      field.value = field.value ? `${field.value} ${line.trim()}` : line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    raw.push(`${line}\r\n`);
    fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return { fields, raw, bodyOffset };
}

export function headerValue(block: HeaderBlock, name: string): string | undefined {
  const lower = name.toLowerCase();
  return block.fields.find((f) => f.name.toLowerCase() === lower)?.value;
}

export function headerValues(block: HeaderBlock, name: string): string[] {
  const lower = name.toLowerCase();
  return block.fields.filter((f) => f.name.toLowerCase() === lower).map((f) => f.value);
}

/** Rewrites a message's header block: drops the named headers, puts `prepend` first; the body is unchanged. */
export function rewriteHeaders(
  message: Buffer,
  block: HeaderBlock,
  drop: Set<string>,
  prepend: HeaderField[],
): Buffer {
  const kept = block.raw.filter((_, i) => !drop.has(block.fields[i]!.name.toLowerCase()));
  const head = prepend.map((h) => `${h.name}: ${h.value}\r\n`).join('') + kept.join('') + '\r\n';
  return Buffer.concat([Buffer.from(head, 'utf8'), message.subarray(block.bodyOffset)]);
}

/** The last second formatted: every message accepted within a second carries the same Date. */
let lastDate: { second: number; text: string } = { second: NaN, text: '' };

/** RFC 5322 date (Date header). */
export function rfc5322Date(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastDate.second) lastDate = { second, text: d.toUTCString().replace(/GMT$/, '+0000') };
  return lastDate.text;
}

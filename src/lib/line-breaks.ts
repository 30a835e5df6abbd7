/** A CR not followed by LF, or an LF not preceded by CR: a line break that is not SMTP's CRLF. */
const LONE_LINE_BREAK = /\r(?!\n)|(?<!\r)\n/;

/**
 * Whether the bytes hold a line break other than CRLF. One regular expression over a latin1 view: several times
 * faster than walking the line ends with indexOf for a 100 KB message.
 */
export function hasLoneLineBreak(bytes: Buffer): boolean {
  return LONE_LINE_BREAK.test(bytes.toString('latin1'));
}

/** The text with every CR, LF and CRLF as CRLF (the text itself when it is CRLF already). */
export function toCrlfText(text: string): string {
  return LONE_LINE_BREAK.test(text) ? text.replace(/\r\n|\r|\n/g, '\r\n') : text;
}

/** The bytes with every CR, LF and CRLF as CRLF (the bytes themselves when they are CRLF already). */
export function toCrlf(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  return LONE_LINE_BREAK.test(text) ? Buffer.from(text.replace(/\r\n|\r|\n/g, '\r\n'), 'latin1') : bytes;
}

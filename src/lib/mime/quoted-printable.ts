/**
 * Quoted-printable for the common text — printable ASCII with line breaks, the kind an HTML body written on
 * one long line is — exactly as nodemailer's qp.Encoder writes it, without its per-byte encoding and its
 * substr/regex line wrapping (more than half of the time it took to build a 2 KB API message). For such text
 * the encoding itself writes every byte as it is, so only the soft line breaks remain: nodemailer's `wrap`,
 * step by step, on indexes. Anything else answers undefined and goes through nodemailer (a test holds the
 * two to each other over random text).
 */

const LINE_LENGTH = 76;
/** nodemailer's `lineMargin`: where it looks back for a line break or a space to wrap at. */
const MARGIN = Math.floor(LINE_LENGTH / 3);
/** The encoder's input slice: larger input is wrapped slice by slice, which this does not model. */
const MAX_LENGTH = 64 * 1024;

/** Bytes qp writes as they are (RFC 2045 6.7): TAB, LF, CR, and printable ASCII but `=`. */
const LITERAL_ONLY = /^[\t\n\r\x20-\x3c\x3e-\x7e]*$/;
/** Whitespace that ends a line or the text: qp encodes it (=20, =09). */
const TRAILING_WHITESPACE = /[ \t](?:[\r\n]|$)/;

/** Where `wrap` prefers to break a long line: after one of these. */
const isBreak = (c: number) =>
  c === 0x20 || c === 0x09 || c === 0x2e || c === 0x2c || c === 0x21 || c === 0x3f;

/** The text as qp.Encoder (text mode, 76 columns) writes it, or undefined when it is not such text. */
export function quotedPrintableText(text: string): string | undefined {
  if (text.length > MAX_LENGTH || !LITERAL_ONLY.test(text) || TRAILING_WHITESPACE.test(text))
    return undefined;
  return wrap(text);
}

/** nodemailer's qp `wrap(str, 76)` for a string without `=` (so without escapes to keep whole). */
function wrap(str: string): string {
  const len = str.length;
  if (len <= LINE_LENGTH) return str;
  const out: string[] = [];
  let pos = 0;
  let crlf = str.indexOf('\r\n');
  while (pos < len) {
    const end = Math.min(pos + LINE_LENGTH, len);
    if (crlf !== -1 && crlf < pos) crlf = str.indexOf('\r\n', pos);
    // A CRLF within the window ends the line there.
    if (crlf !== -1 && crlf + 2 <= end) {
      out.push(str.slice(pos, crlf + 2));
      pos = crlf + 2;
      continue;
    }
    if (str.charCodeAt(end - 1) === 0x0a) {
      out.push(str.slice(pos, end));
      pos = end;
      continue;
    }
    // /\n.*?$/ over the window's last MARGIN characters: an LF with no line terminator after it.
    const tail = Math.max(pos, end - MARGIN);
    let terminator = -1;
    for (let i = end - 1; i >= tail; i--) {
      const c = str.charCodeAt(i);
      if (c === 0x0a || c === 0x0d) {
        terminator = i;
        break;
      }
    }
    if (terminator !== -1 && str.charCodeAt(terminator) === 0x0a) {
      out.push(str.slice(pos, terminator + 1));
      pos = terminator + 1;
      continue;
    }
    // A long line breaks after its last space or punctuation within the margin.
    let lineEnd = end;
    if (end - pos > LINE_LENGTH - MARGIN)
      for (let i = end - 1; i >= tail; i--)
        if (isBreak(str.charCodeAt(i))) {
          lineEnd = i + 1;
          break;
        }
    if (lineEnd < len && str.charCodeAt(lineEnd - 1) !== 0x0a) {
      // A full-width line leaves room for the soft break's `=`.
      if (lineEnd - pos === LINE_LENGTH) lineEnd--;
      out.push(str.slice(pos, lineEnd), '=\r\n');
    } else out.push(str.slice(pos, lineEnd));
    pos = lineEnd;
  }
  return out.join('');
}

/**
 * MIME: building the message of a Simple send (nodemailer's MailComposer: RFC 2047 subjects and names,
 * RFC 2231 file names, attachments) and editing the header block of a Raw message without touching its body.
 */
import { Readable } from 'node:stream';
import { Joiner, Rewriter, Splitter } from 'mailsplit';
import MailComposer from 'nodemailer/lib/mail-composer';
import { badRequest } from '../errors.ts';

export interface HeaderField {
  name: string;
  value: string;
}

export interface SimpleAttachment {
  content: Buffer;
  fileName: string;
  contentType?: string | undefined;
  disposition?: 'ATTACHMENT' | 'INLINE' | undefined;
  contentId?: string | undefined;
  description?: string | undefined;
  transferEncoding?: 'BASE64' | 'QUOTED_PRINTABLE' | 'SEVEN_BIT' | undefined;
}

export interface SimpleMessage {
  from: string;
  to: string[];
  cc: string[];
  replyTo: string[];
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
  headers: HeaderField[];
  attachments: SimpleAttachment[];
  messageIdHeader: string;
  date: Date;
}

/** Headers a Simple send may not set through `Headers` (Sesame sets them itself). */
const RESERVED = new Set([
  'bcc',
  'cc',
  'content-disposition',
  'content-transfer-encoding',
  'content-type',
  'date',
  'from',
  'message-id',
  'mime-version',
  'reply-to',
  'return-path',
  'sender',
  'subject',
  'to',
]);

export function checkCustomHeaders(headers: HeaderField[]): void {
  for (const h of headers) {
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(h.name)) throw badRequest(`Invalid header name "${h.name}".`);
    if (RESERVED.has(h.name.toLowerCase()))
      throw badRequest(`The header ${h.name} is reserved and cannot be set in Headers.`);
  }
}

const TRANSFER: Record<string, string> = {
  BASE64: 'base64',
  QUOTED_PRINTABLE: 'quoted-printable',
  SEVEN_BIT: '7bit',
};

export async function buildSimpleMime(m: SimpleMessage): Promise<Buffer> {
  const composer = new MailComposer({
    // A template preview (TestRenderTemplate) has neither sender nor Message-ID.
    ...(m.from ? { from: m.from } : {}),
    ...(m.to.length ? { to: m.to } : {}),
    ...(m.cc.length ? { cc: m.cc } : {}),
    ...(m.replyTo.length ? { replyTo: m.replyTo } : {}),
    subject: m.subject,
    ...(m.text !== undefined ? { text: m.text } : {}),
    ...(m.html !== undefined ? { html: m.html } : {}),
    ...(m.messageIdHeader ? { messageId: m.messageIdHeader } : {}),
    date: m.date,
    headers: m.headers.map((h) => ({ key: h.name, value: h.value })),
    attachments: m.attachments.map((a) => ({
      content: a.content,
      filename: a.fileName,
      ...(a.contentType ? { contentType: a.contentType } : {}),
      contentDisposition: a.disposition === 'INLINE' ? 'inline' : 'attachment',
      ...(a.contentId ? { cid: a.contentId.replace(/^<|>$/g, '') } : {}),
      ...(a.transferEncoding ? { contentTransferEncoding: TRANSFER[a.transferEncoding] } : {}),
      ...(a.description ? { headers: { 'Content-Description': a.description } } : {}),
    })),
    // Only the content given in the request is used: never a file path or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}

export interface HeaderBlock {
  /** Unfolded header fields in order. */
  fields: HeaderField[];
  /** Each field's raw lines (with CRLF), for rewriting. */
  raw: string[];
  /** Offset of the body (after the empty line). */
  bodyOffset: number;
}

/** Normalises line endings to CRLF (SMTP's, and what DKIM signs). */
export function toCrlf(message: Buffer): Buffer {
  if (!message.includes(10)) return message;
  let lone = false;
  for (let i = message.indexOf(10); i >= 0; i = message.indexOf(10, i + 1)) {
    if (i === 0 || message[i - 1] !== 13) {
      lone = true;
      break;
    }
  }
  return lone ? Buffer.from(message.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1') : message;
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
      fields[fields.length - 1]!.value += ` ${line.trim()}`;
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

/** RFC 5322 date (Date header). */
export function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * Edits the text parts of the given content types (never attachments), decoded from their transfer encoding
 * and encoded back; everything else passes through untouched. The text is handed over as latin1, which keeps
 * every byte as it is: edits that touch only ASCII survive any ASCII-compatible charset.
 */
export async function rewriteTextParts(
  message: Buffer,
  contentTypes: string[],
  edit: (text: string, contentType: string) => string,
): Promise<Buffer> {
  const rewriter = new Rewriter(
    (node) => contentTypes.includes(node.contentType || '') && node.disposition !== 'attachment',
  );
  rewriter.on('node', ({ node, decoder, encoder }) => {
    const chunks: Buffer[] = [];
    decoder.on('data', (c: Buffer) => chunks.push(c));
    decoder.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      encoder.end(Buffer.from(edit(text, node.contentType || ''), 'latin1'));
    });
  });
  const out: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const joiner = new Joiner();
    joiner.on('data', (c: Buffer) => out.push(c));
    joiner.on('end', resolve);
    joiner.on('error', reject);
    Readable.from([message]).pipe(new Splitter()).pipe(rewriter).pipe(joiner);
  });
  // mailsplit's encoders end re-encoded lines with LF; SMTP sends CRLF, and DKIM must sign what is sent.
  return toCrlf(Buffer.concat(out));
}

/**
 * Building a message from its parts (nodemailer's MailComposer: RFC 2047 subjects and names, RFC 2231 file names,
 * attachments), with a direct writer for the common text/HTML message that emits exactly what MailComposer
 * emits. Knows no domain rules: which headers a sender may set is the caller's business.
 */
import { randomBytes } from 'node:crypto';
import type { Transform } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import type MimeNode from 'nodemailer/lib/mime-node';
import * as base64 from 'nodemailer/lib/base64';
import * as qp from 'nodemailer/lib/qp';
import { foldLines, isPlainText } from 'nodemailer/lib/mime-funcs';
import { toCrlf, toCrlfText } from '../line-breaks.ts';
import { rfc5322Date, type HeaderField } from './headers.ts';
import { quotedPrintableText } from './quoted-printable.ts';

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

const TRANSFER: Record<string, string> = {
  BASE64: 'base64',
  QUOTED_PRINTABLE: 'quoted-printable',
  SEVEN_BIT: '7bit',
};

export async function buildSimpleMime(m: SimpleMessage): Promise<Buffer> {
  const fast = simpleText(m);
  // One conversion to bytes, after the line breaks are CRLF.
  if (fast !== undefined) return Buffer.from(toCrlfText(fast), 'utf8');
  const root = new MailComposer(composerOptions(m)).compile();
  // Text given with LF line breaks goes out as CRLF (SMTP's); DKIM must sign that form, not the LF one.
  return toCrlf(writeMimeTree(root) ?? (await root.build()));
}

/** The message as MailComposer options (exported for the test that holds writeSimpleText to them). */
export function composerOptions(m: SimpleMessage): ConstructorParameters<typeof MailComposer>[0] {
  return {
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
  };
}

/** Header lines folded as MimeNode folds them (foldLines returns a line shorter than 76 as it is). */
const fold = (line: string): string => (line.length < 76 ? line : foldLines(line, 76));

/**
 * nodemailer's hasLongerLines(text, 76) — `^.{77,}` with the m flag: a run of 77 code units without CR, LF,
 * U+2028 or U+2029; over 128 KB always true — without building the expression per call, and stopping at the
 * first long line (the expression scans a whole long line first).
 */
export function hasLongerLines76(text: string): boolean {
  if (text.length > 128 * 1024) return true;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) run = 0;
    else if (++run > 76) return true;
  }
  return false;
}

/** A dot-atom local part and a lower-case LDH domain: MailComposer writes such an address as it is. */
const PLAIN_ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;
/** `Name <address>` with a name of word characters and single spaces (written unquoted, unencoded). */
const NAMED_ADDRESS = /^([A-Za-z0-9_]+(?: [A-Za-z0-9_]+)*) <([^<>\s]+)>$/;

function plainAddress(value: string): boolean {
  if (PLAIN_ADDRESS.test(value)) return true;
  const named = NAMED_ADDRESS.exec(value);
  return named !== null && PLAIN_ADDRESS.test(named[2]!);
}

/** A text part as MailComposer writes it: 7bit when plain with short lines, else quoted-printable or base64. */
function textPart(text: string): { encoding: string; body: string } | undefined {
  // MimeNode.setContent's tests (over 128 KB it counts the lines as long).
  if (isPlainText(text) && !hasLongerLines76(text)) return { encoding: '7bit', body: text };
  // Printable ASCII with some Latin letter: quoted-printable by the test below, wrapped without the encoder.
  if (/[A-Za-z]/.test(text)) {
    const body = quotedPrintableText(text);
    if (body !== undefined) return { encoding: 'quoted-printable', body };
  }
  // MimeNode._getTextEncoding: more Latin letters than control or non-ASCII characters → quoted-printable.
  let other = 0;
  let latin = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x08 || c === 0x0b || c === 0x0c || (c >= 0x0e && c <= 0x1f) || c >= 0x80) other++;
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) latin++;
  }
  if (other >= latin) return { encoding: 'base64', body: base64.wrap(base64.encode(text), 76) };
  const body = runEncoder(new qp.Encoder({ binary: false }), text);
  return body === undefined ? undefined : { encoding: 'quoted-printable', body };
}

/**
 * The common message — text and/or HTML, plain addresses, an ASCII subject, no attachments and no custom
 * headers — written directly, byte for byte as MailComposer writes it (a test compares the two over many
 * messages). MailComposer's general machinery (address parsing, header normalisation and encoding, a random
 * boundary per node) was most of the CPU time of an API send. Anything else answers undefined.
 */
export function writeSimpleText(m: SimpleMessage, baseBoundary?: string): Buffer | undefined {
  const text = simpleText(m, baseBoundary);
  return text === undefined ? undefined : Buffer.from(text, 'utf8');
}

/** writeSimpleText's message as a string (ASCII only: every part it writes is 7bit, QP or base64). */
function simpleText(m: SimpleMessage, baseBoundary?: string): string | undefined {
  if (m.attachments.length || m.headers.length || !m.from || !m.messageIdHeader) return undefined;
  if (!m.text && !m.html) return undefined;
  if (m.text === '' || m.html === '') return undefined;
  const head: string[] = [];
  const addressField = (name: string, list: string[]) => {
    if (list.length) head.push(`${name}: ${list.join(', ')}`);
  };
  if (![m.from, ...m.to, ...m.cc, ...m.replyTo].every(plainAddress)) return undefined;
  addressField('From', [m.from]);
  addressField('To', m.to);
  addressField('Cc', m.cc);
  addressField('Reply-To', m.replyTo);
  if (!/^[\x20-\x7e]*$/.test(m.subject) || m.subject.includes('=?')) return undefined;
  if (m.subject.trim()) head.push(`Subject: ${m.subject}`);
  if (!/^<[\x21-\x3b\x3d\x3f-\x7e]+>$/.test(m.messageIdHeader)) return undefined;
  head.push(`Message-ID: ${m.messageIdHeader}`, `Date: ${rfc5322Date(m.date)}`);

  const parts: { type: string; part: { encoding: string; body: string } }[] = [];
  for (const [type, content] of [
    ['text/plain', m.text],
    ['text/html', m.html],
  ] as const) {
    if (content === undefined) continue;
    const part = textPart(content);
    if (!part) return undefined;
    parts.push({ type: `${type}; charset=utf-8`, part });
  }
  if (parts.length === 1) {
    const { type, part } = parts[0]!;
    head.push(`Content-Transfer-Encoding: ${part.encoding}`, 'MIME-Version: 1.0', `Content-Type: ${type}`);
    return withLastNewlineText(`${head.map(fold).join('\r\n')}\r\n\r\n${part.body}`);
  }
  const boundary = `--_NmP-${baseBoundary ?? randomBytes(8).toString('hex')}-Part_1`;
  head.push('MIME-Version: 1.0', `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`);
  const out = [`${head.map(fold).join('\r\n')}\r\n\r\n`];
  for (const [i, { type, part }] of parts.entries())
    out.push(
      `${i > 0 ? '\r\n' : ''}--${boundary}\r\n`,
      `Content-Type: ${type}\r\nContent-Transfer-Encoding: ${part.encoding}\r\n\r\n`,
      part.body,
    );
  out.push(`\r\n--${boundary}--\r\n`);
  return out.join('');
}

/** The message of a compiled MailComposer tree, written synchronously; undefined when it needs MimeNode.build(). */
export function writeMimeTree(root: MimeNode): Buffer | undefined {
  const parts: (string | Buffer)[] = [];
  return serialise(root, parts) ? withLastNewline(parts) : undefined;
}

/**
 * MailComposer's tree written out synchronously — what MimeNode.build() writes through its chain of streams
 * (one PassThrough and encoder per part, a setImmediate between them), which cost a large share of an API
 * send. The same headers (buildHeaders), boundaries and transfer encodings (nodemailer's own encoders); a
 * tree with anything else — raw nodes, transforms, content that is not a string or a Buffer — answers false
 * and is built by MimeNode.build().
 * A test compares both on the same compiled trees.
 */
function serialise(node: MimeNode, out: (string | Buffer)[]): boolean {
  const internal = node as MimeNode & { _raw?: unknown; _transforms: unknown[]; _processFuncs: unknown[] };
  if (internal._raw || internal._transforms.length || internal._processFuncs.length || node.newline)
    return false;
  const transferEncoding = node.getTransferEncoding();
  out.push(`${node.buildHeaders()}\r\n\r\n`);
  const content = node.content;
  if (content) {
    if (typeof content !== 'string' && !Buffer.isBuffer(content)) return false;
    if (transferEncoding === 'base64') out.push(base64.wrap(base64.encode(content), 76));
    else if (transferEncoding === 'quoted-printable') {
      // As MimeNode does: outside text a lone CR or LF is data (the encoder's binary mode).
      const encoded = runEncoder(
        new qp.Encoder({ binary: !/^text\//i.test(node.contentType ?? '') }),
        content,
      );
      if (encoded === undefined) return false;
      out.push(encoded);
    } else out.push(content);
  }
  if (node.multipart) {
    for (const [i, child] of node.childNodes.entries()) {
      out.push(`${i > 0 ? '\r\n' : ''}--${String(node.boundary)}\r\n`);
      if (!serialise(child, out)) return false;
    }
    out.push(`\r\n--${String(node.boundary)}--\r\n`);
  }
  return true;
}

/**
 * Runs a nodemailer encoder stream's transform over the whole content at once, without the stream machinery:
 * its wrapping depends on how it is fed, so the encoder itself is used rather than qp.wrap(qp.encode()).
 * Undefined if it did not finish synchronously (it always does in the versions we use; a test would notice).
 */
function runEncoder(encoder: Transform, content: string | Buffer): string | undefined {
  const out: string[] = [];
  let finished = 0;
  // The encoders push ASCII strings (or Buffers of them).
  encoder.push = (chunk: string | Buffer | null) => {
    if (chunk !== null) out.push(typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
    return true;
  };
  const transform = encoder._transform.bind(encoder);
  transform(
    Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'),
    'buffer' as BufferEncoding,
    () => finished++,
  );
  encoder._flush?.(() => finished++);
  return finished === 2 ? out.join('') : undefined;
}

/** withLastNewline for a message written as a string. */
function withLastNewlineText(message: string): string {
  const last = message.charCodeAt(message.length - 1);
  return last === 10 ? message : `${message}${last === 13 ? '\n' : '\r\n'}`;
}

/** As nodemailer's LastNewline stream: a message always ends with a line break. */
function withLastNewline(parts: (string | Buffer)[]): Buffer {
  const message = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
  const last = message.at(-1);
  if (last === 10) return message;
  return Buffer.concat([message, Buffer.from(last === 13 ? '\n' : '\r\n')]);
}

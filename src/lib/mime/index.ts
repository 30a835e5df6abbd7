/**
 * MIME without domain knowledge: composing messages, reading and rewriting header blocks, editing text parts,
 * parsing address lists. The core (sending, templates, tracking, unsubscribe links) and the MTA use it. This is
 * the one home of nodemailer's MIME internals (`nodemailer/lib/{mail-composer,mime-node,qp,base64,mime-funcs,
 * addressparser}`); the lint boundaries refuse those subpaths anywhere else.
 */
export { buildSimpleMime, composerOptions, writeMimeTree, writeSimpleText } from './compose.ts';
export type { SimpleAttachment, SimpleMessage } from './compose.ts';
export {
  headerValue,
  headerValues,
  parseHeaderBlock,
  rewriteHeaders,
  rfc5322Date,
  type HeaderBlock,
  type HeaderField,
} from './headers.ts';
export { rewriteTextParts } from './text-parts.ts';
export { formatMailbox, parseMailbox, parseMailboxes, type Mailbox } from './addresses.ts';
export { toCrlf } from '../line-breaks.ts';

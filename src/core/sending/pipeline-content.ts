/**
 * Send pipeline steps that read and build the content: the addresses and control headers of the input, the
 * template and its rendering, and the MIME message as it will be sent.
 */
import {
  buildSimpleMime,
  headerValue,
  headerValues,
  parseHeaderBlock,
  parseMailbox,
  parseMailboxes,
  rewriteHeaders,
  rfc5322Date,
  toCrlf,
  type HeaderBlock,
  type HeaderField,
  type Mailbox,
} from '../../lib/mime/index.ts';
import { UNSUBSCRIBE_PLACEHOLDER } from '../contacts/list-management.ts';
import { SesError, badRequest } from '../errors.ts';
import { RenderingError, mergeTemplateData, parseTemplateData } from '../templates/renderer.ts';
import { isValidAddress } from './addresses.ts';
import { checkCustomHeaders } from './custom-headers.ts';
import type { SendContext } from './pipeline.ts';
import type { TemplateContent } from './types.ts';

/** Headers that steer SES and never leave it (ses-spec.md §2.5, §3.3). */
const CONTROL_HEADERS = new Set([
  'x-ses-configuration-set',
  'x-ses-message-tags',
  'x-ses-source-arn',
  'x-ses-from-arn',
  'x-ses-return-path-arn',
  'x-ses-list-management-options',
]);

/**
 * Headers a message may carry once (RFC 5322 §3.6's and MIME's singletons, and the list headers SES reads).
 * SES refuses a second one with "Duplicate header 'X'." — a second From would show a domain nobody checked.
 * Trace and signature fields (Received, DKIM-Signature, …) may repeat.
 */
const SINGLE_HEADERS = new Set([
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'content-id',
  'list-unsubscribe',
  'list-unsubscribe-post',
]);

/** The header block of a raw message as SES takes it: no repeated singleton, no NUL character. */
function checkHeaderBlock(block: HeaderBlock): void {
  const seen = new Set<string>();
  for (const { name, value } of block.fields) {
    if (name.includes('\u0000') || value.includes('\u0000'))
      throw new SesError(
        'MessageRejected',
        `The header '${name.replaceAll('\u0000', '')}' contains a NUL character.`,
      );
    const lower = name.toLowerCase();
    if (!SINGLE_HEADERS.has(lower)) continue;
    if (seen.has(lower)) throw badRequest(`Duplicate header '${name}'.`);
    seen.add(lower);
  }
}

function mailbox(value: string, what: string): Mailbox {
  const m = parseMailbox(value);
  if (!m || !isValidAddress(m.address))
    throw new SesError('MessageRejected', `Illegal address in ${what}: ${value}`);
  return m;
}

export function readContent(ctx: SendContext): void {
  const { input } = ctx;
  const dest = input.destination;
  if (input.content.kind !== 'raw') {
    if (!input.from) throw badRequest('FromEmailAddress is required for Simple and Template content.');
    ctx.from = mailbox(input.from, 'FromEmailAddress');
    ctx.to = dest?.to ?? [];
    ctx.cc = dest?.cc ?? [];
    ctx.recipients = [...ctx.to, ...ctx.cc, ...(dest?.bcc ?? [])];
    ctx.senderChecks = [input.from];
  } else {
    const message = toCrlf(input.content.data);
    const block = parseHeaderBlock(message);
    checkHeaderBlock(block);
    ctx.raw = { message, block };
    const headerFrom = headerValue(block, 'from');
    const source = input.from ?? headerFrom;
    if (!source) throw new SesError('MessageRejected', "Missing required header 'From'.");
    ctx.from = mailbox(source, input.from ? 'Source' : 'the From header');
    ctx.senderChecks = [source];
    // Every author the From header names must be the sender's (a list of them is allowed with a Sender).
    if (input.from && headerFrom && headerFrom !== input.from) {
      const authors = parseMailboxes(headerFrom);
      ctx.senderChecks.push(...(authors.length > 1 ? authors.map((m) => m.address) : [headerFrom]));
    }
    for (const name of ['sender', 'return-path']) {
      const v = headerValue(block, name);
      if (v) ctx.senderChecks.push(v.replace(/^<(.*)>$/, '$1'));
    }
    const list = (name: string) =>
      headerValues(block, name).flatMap((v) => parseMailboxes(v).map((m) => m.address));
    ctx.to = list('to');
    ctx.cc = list('cc');
    ctx.recipients = dest
      ? [...(dest.to ?? []), ...(dest.cc ?? []), ...(dest.bcc ?? [])]
      : [...ctx.to, ...ctx.cc, ...list('bcc')];
    // X-SES-CONFIGURATION-SET and X-SES-MESSAGE-TAGS steer the send; API parameters win over them.
    ctx.configurationSet ??= headerValue(block, 'x-ses-configuration-set')?.trim() || null;
    // X-SES-LIST-MANAGEMENT-OPTIONS: <contact list>[; topic=<topic>] (the SMTP and raw form of ListManagementOptions).
    const lm = headerValue(block, 'x-ses-list-management-options');
    if (lm && !input.listManagement) {
      const [list, ...params] = lm.split(';').map((s) => s.trim());
      const topic = params.find((p) => /^topic\s*=/i.test(p))?.replace(/^topic\s*=\s*/i, '');
      if (list) ctx.listManagement = { contactListName: list, topicName: topic || undefined };
    }
    for (const pair of (headerValue(block, 'x-ses-message-tags') ?? '').split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) ctx.tags[pair.slice(0, eq).trim()] = [pair.slice(eq + 1).trim()];
    }
  }
  if (input.envelopeFrom) ctx.senderChecks.push(input.envelopeFrom);
  for (const t of input.tags ?? []) ctx.tags[t.name] = [t.value];
}

export async function resolveTemplate(ctx: SendContext): Promise<void> {
  const c = ctx.input.content;
  if (c.kind !== 'template') return;
  if (c.compiled) ctx.template = c.compiled;
  else if (c.inline) ctx.template = ctx.deps.inlineTemplate(c.inline);
  else if (c.name) ctx.template = await ctx.deps.template(ctx.account.id, c.name);
  else throw badRequest('Template content needs a TemplateName, a TemplateArn or TemplateContent.');
}

export function renderTemplate(ctx: SendContext): void {
  const c = ctx.input.content;
  if (c.kind !== 'template') return;
  try {
    ctx.rendered = ctx.template!.render(templateData(c));
    if (/[\r\n]/.test(ctx.rendered.subject))
      throw new RenderingError('invalid-template', 'The rendered subject contains a line break.');
  } catch (err) {
    if (!(err instanceof RenderingError)) throw err;
    ctx.renderingFailure = err.message;
  }
}

/** The data a template is rendered with; the unsubscribe placeholder renders as itself (filled in per recipient). */
function templateData(c: TemplateContent): Record<string, unknown> {
  let data = parseTemplateData(
    c.data,
    c.replacementData === undefined ? 'TemplateData' : 'DefaultTemplateData',
  );
  if (c.replacementData !== undefined)
    data = mergeTemplateData(data, parseTemplateData(c.replacementData, 'ReplacementTemplateData'));
  return { amazonSESUnsubscribeUrl: UNSUBSCRIBE_PLACEHOLDER, ...data };
}

export async function buildMime(ctx: SendContext): Promise<void> {
  const { input, deps } = ctx;
  const date = new Date(ctx.now);
  const messageIdHeader = `<${ctx.messageId}@${deps.mailHost}>`;
  const c = input.content;
  if (c.kind !== 'raw') {
    // A message that could not be rendered is kept without a body: nothing of it is ever delivered.
    if (ctx.renderingFailure !== undefined) {
      ctx.mime = Buffer.alloc(0);
      return;
    }
    const parts =
      c.kind === 'simple'
        ? { subject: c.subject.data, text: c.text?.data, html: c.html?.data }
        : ctx.rendered!;
    checkCustomHeaders(c.headers ?? []);
    ctx.mime = await buildSimpleMime({
      from: input.from!,
      to: ctx.to,
      cc: ctx.cc,
      replyTo: input.replyTo ?? [],
      subject: parts.subject,
      text: parts.text,
      html: parts.html,
      headers: c.headers ?? [],
      attachments: c.attachments ?? [],
      messageIdHeader,
      date,
    });
  } else {
    const { message, block } = ctx.raw!;
    // SES sets its own Message-ID, and a Date of the time it accepted the message (any Date given is replaced);
    // Bcc and the X-SES-* control headers never leave.
    const drop = new Set(['bcc', 'message-id', 'date', ...CONTROL_HEADERS]);
    const prepend: HeaderField[] = [
      { name: 'Message-ID', value: messageIdHeader },
      { name: 'Date', value: rfc5322Date(date) },
    ];
    if (input.replyTo?.length && !headerValue(block, 'reply-to'))
      prepend.push({ name: 'Reply-To', value: input.replyTo.join(', ') });
    ctx.mime = rewriteHeaders(message, block, drop, prepend);
  }
  ctx.headers = parseHeaderBlock(ctx.mime).fields;
}

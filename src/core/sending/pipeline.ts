/**
 * The sending pipeline: every way of sending (SES v2, SES v1, SMTP) ends here. It reads like a table of
 * contents — each step is short, checks one rule and returns early with an SES-named error. Only the last
 * step commits, and only after the commit is the caller answered.
 */
import { newMessageId } from '../../lib/ids.ts';
import type {
  AccountRecord,
  AcceptedMessage,
  ConfigurationSetRecord,
  EventRecord,
  EventTypeName,
  MessageOptions,
  MessageRecord,
  RecipientRecord,
  RecipientStatus,
  SuppressedDestinationRecord,
} from '../../store/store.ts';
import { SesError, badRequest } from '../errors.ts';
import type { SenderProfile } from '../identities/identity-service.ts';
import {
  domainOf,
  formatMailbox,
  isValidAddress,
  parseMailbox,
  parseMailboxes,
  type Mailbox,
} from './addresses.ts';
import { eventRecord, feedbackId, mailObject } from './events.ts';
import {
  buildSimpleMime,
  checkCustomHeaders,
  headerValue,
  headerValues,
  parseHeaderBlock,
  rewriteHeaders,
  rfc5322Date,
  toCrlf,
  type HeaderBlock,
  type HeaderField,
} from './mime.ts';
import { isSimulatorAddress } from './simulator.ts';
import type { SendInput, SendingSettings, TemplateContent } from './types.ts';
import {
  RenderingError,
  mergeTemplateData,
  parseTemplateData,
  type CompiledTemplate,
  type RenderedParts,
} from '../templates/renderer.ts';
import { UNSUBSCRIBE_PLACEHOLDER } from '../contacts/contact-service.ts';

export const MAX_RECIPIENTS = 50;

/** Headers that steer SES and never leave it (ses-spec.md §2.5, §3.3). */
const CONTROL_HEADERS = new Set([
  'x-ses-configuration-set',
  'x-ses-message-tags',
  'x-ses-source-arn',
  'x-ses-from-arn',
  'x-ses-return-path-arn',
  'x-ses-list-management-options',
]);

/** What a step needs from the rest of the core. */
export interface PipelineDeps extends SendingSettings {
  now: () => number;
  senderProfile(accountId: string, address: string): Promise<SenderProfile | undefined>;
  isVerified(accountId: string, address: string): Promise<boolean>;
  dailyAllows(accountId: string, max24HourSend: number): Promise<boolean>;
  takeRate(accountId: string, maxSendRate: number, units: number): boolean;
  returnRate(accountId: string, units: number): void;
  suppressedAmong(accountId: string, emails: string[]): Promise<SuppressedDestinationRecord[]>;
  configurationSet(accountId: string, name: string): Promise<ConfigurationSetRecord | undefined>;
  /** A stored template, compiled (NotFoundException when the account has none of that name). */
  template(accountId: string, nameOrArn: string): Promise<CompiledTemplate>;
  /** An inline template (TemplateContent), checked and compiled. */
  inlineTemplate(content: {
    subject: string | null;
    text: string | null;
    html: string | null;
  }): CompiledTemplate;
  /** Lowercase addresses of recipients opted out of a contact list or topic (NotFound for an unknown list). */
  optedOut(
    accountId: string,
    listName: string,
    topicName: string | null,
    recipients: string[],
  ): Promise<Set<string>>;
  commit(accepted: AcceptedMessage): Promise<void>;
}

/** The state a send accumulates on its way through the steps. */
export interface SendContext {
  input: SendInput;
  account: AccountRecord;
  deps: PipelineDeps;
  now: number;
  messageId: string;
  raw?: { message: Buffer; block: HeaderBlock };
  /** The sender identity address (FromEmailAddress / Source / the From header). */
  from: Mailbox;
  /** Every address that must be a verified identity, as given. */
  senderChecks: string[];
  recipients: string[];
  to: string[];
  cc: string[];
  profile?: SenderProfile;
  mailFromDomain: string;
  configurationSet: string | null;
  configurationSetRecord?: ConfigurationSetRecord;
  tags: Record<string, string[]>;
  suppressed: Map<number, SuppressedDestinationRecord>;
  /** ListManagementOptions (or the X-SES-LIST-MANAGEMENT-OPTIONS header of a raw message). */
  listManagement: SendInput['listManagement'];
  /** Recipients opted out of the send's contact list or topic (by index). */
  unsubscribed: Set<number>;
  template?: CompiledTemplate;
  rendered?: RenderedParts;
  /** Why the template could not be rendered: the message is accepted, but nothing is delivered. */
  renderingFailure?: string;
  rateTaken: number;
  mime?: Buffer;
  headers: HeaderField[];
}

export type Step = (ctx: SendContext) => Promise<void> | void;

export const sendPipeline: [string, Step][] = [
  ['read the content', readContent],
  ['check the recipients', checkRecipients],
  ['refuse header injection', refuseHeaderInjection],
  ['check the sender identities are verified', checkSenderIdentities],
  ['choose the MAIL FROM domain', chooseMailFromDomain],
  ['resolve the configuration set', resolveConfigurationSet],
  ['resolve the template', resolveTemplate],
  ['check sending is enabled', checkSendingEnabled],
  ['check the sandbox', checkSandbox],
  ['check quotas and the send rate', checkQuota],
  ['apply the suppression list', applySuppression],
  ['apply the contact list', applyContactList],
  ['render the template', renderTemplate],
  ['build the MIME message', buildMime],
  ['check the size', checkSize],
  ['commit', commit],
];

/**
 * The steps a bulk send runs once for the whole call: what they refuse (an unverified sender, an unknown
 * configuration set or template, sending paused) fails the call rather than one entry.
 */
export const callLevelSteps = new Set([
  'read the content',
  'refuse header injection',
  'check the sender identities are verified',
  'choose the MAIL FROM domain',
  'resolve the configuration set',
  'resolve the template',
  'check sending is enabled',
]);

export async function runSendPipeline(
  input: SendInput,
  account: AccountRecord,
  deps: PipelineDeps,
  steps: [string, Step][] = sendPipeline,
): Promise<string> {
  const now = deps.now();
  const ctx: SendContext = {
    input,
    account,
    deps,
    now,
    messageId: newMessageId(now),
    from: { name: '', address: '' },
    senderChecks: [],
    recipients: [],
    to: [],
    cc: [],
    mailFromDomain: deps.bounceDomain,
    configurationSet: input.configurationSetName ?? null,
    tags: {},
    suppressed: new Map(),
    listManagement: input.listManagement,
    unsubscribed: new Set(),
    rateTaken: 0,
    headers: [],
  };
  try {
    for (const [, step] of steps) await step(ctx);
  } catch (err) {
    if (ctx.rateTaken > 0) deps.returnRate(account.id, ctx.rateTaken);
    throw err;
  }
  return ctx.messageId;
}

// ---- steps ---------------------------------------------------------------------------------------------

function mailbox(value: string, what: string): Mailbox {
  const m = parseMailbox(value);
  if (!m || !isValidAddress(m.address))
    throw new SesError('MessageRejected', `Illegal address in ${what}: ${value}`);
  return m;
}

function readContent(ctx: SendContext): void {
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
    ctx.raw = { message, block };
    const headerFrom = headerValue(block, 'from');
    const source = input.from ?? headerFrom;
    if (!source) throw new SesError('MessageRejected', "Missing required header 'From'.");
    ctx.from = mailbox(source, input.from ? 'Source' : 'the From header');
    ctx.senderChecks = [source];
    if (input.from && headerFrom && headerFrom !== input.from) ctx.senderChecks.push(headerFrom);
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

function checkRecipients(ctx: SendContext): void {
  if (ctx.recipients.length === 0)
    throw badRequest('At least one recipient is required (Destination or To, Cc or Bcc headers).');
  if (ctx.recipients.length > MAX_RECIPIENTS) throw badRequest(`Recipient count exceeds ${MAX_RECIPIENTS}.`);
  ctx.recipients = ctx.recipients.map((r) => {
    const m = parseMailbox(r);
    if (!m || !isValidAddress(m.address)) throw new SesError('MessageRejected', `Illegal address: ${r}`);
    return m.address;
  });
}

function refuseHeaderInjection(ctx: SendContext): void {
  const { input } = ctx;
  const check = (what: string, value: string | undefined) => {
    if (value !== undefined && /[\r\n]/.test(value))
      throw badRequest(`Header injection refused: ${what} contains a line break.`);
  };
  check('FromEmailAddress', input.from);
  for (const a of [
    ...(input.destination?.to ?? []),
    ...(input.destination?.cc ?? []),
    ...(input.destination?.bcc ?? []),
  ])
    check('a destination address', a);
  for (const a of input.replyTo ?? []) check('ReplyToAddresses', a);
  check('FeedbackForwardingEmailAddress', input.feedbackAddress);
  if (input.content.kind === 'simple') check('the Subject', input.content.subject.data);
  if (input.content.kind !== 'raw') {
    for (const h of input.content.headers ?? []) {
      check(`the header ${h.name}`, h.name);
      check(`the header ${h.name}`, h.value);
    }
    for (const a of input.content.attachments ?? []) {
      check('an attachment FileName', a.fileName);
      check('an attachment ContentType', a.contentType);
      check('an attachment ContentId', a.contentId);
      check('an attachment ContentDescription', a.description);
    }
  }
  for (const t of input.tags ?? []) {
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(t.name) || !/^[A-Za-z0-9_.@-]{0,256}$/.test(t.value))
      throw badRequest(
        `Invalid message tag ${t.name}=${t.value}: names and values may contain only ASCII letters, digits, underscores and dashes.`,
      );
  }
}

/** Formats the SES refusal for unverified addresses ("… failed the check in region US-EAST-1: a, b"). */
function notVerified(region: string, identities: string[]): SesError {
  return new SesError(
    'MessageRejected',
    `Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${identities.join(', ')}`,
  );
}

async function checkSenderIdentities(ctx: SendContext): Promise<void> {
  const failed: string[] = [];
  for (const given of [...new Set(ctx.senderChecks)]) {
    const m = parseMailbox(given);
    const profile = m && (await ctx.deps.senderProfile(ctx.account.id, m.address));
    if (!profile) failed.push(given);
    else if (m.address === ctx.from.address) ctx.profile = profile;
  }
  if (failed.length) throw notVerified(ctx.deps.region, failed);
}

function chooseMailFromDomain(ctx: SendContext): void {
  const mailFrom = ctx.profile?.mailFrom;
  ctx.configurationSet ??= ctx.profile?.configurationSetName ?? null;
  if (!mailFrom) return;
  if (mailFrom.status === 'SUCCESS') ctx.mailFromDomain = mailFrom.domain;
  else if (mailFrom.behaviorOnMxFailure === 'REJECT_MESSAGE')
    throw new SesError(
      'MailFromDomainNotVerifiedException',
      `The custom MAIL FROM domain ${mailFrom.domain} is not verified (status ${mailFrom.status}) and its identity is set to reject messages on MX failure.`,
    );
}

function checkSendingEnabled(ctx: SendContext): void {
  if (ctx.account.enforcementStatus === 'SHUTDOWN')
    throw new SesError(
      'SendingPausedException',
      'Sending is paused for this account because of its reputation (enforcement status SHUTDOWN).',
      {
        reason: 'account',
      },
    );
  if (!ctx.account.sendingEnabled)
    throw new SesError('SendingPausedException', 'Sending is paused for this account.', {
      reason: 'account',
    });
  const set = ctx.configurationSetRecord;
  if (set && !set.sendingEnabled)
    throw new SesError('SendingPausedException', `Sending is paused for configuration set <${set.name}>.`, {
      reason: 'configuration-set',
    });
}

async function resolveConfigurationSet(ctx: SendContext): Promise<void> {
  if (ctx.configurationSet === null) return;
  const set = await ctx.deps.configurationSet(ctx.account.id, ctx.configurationSet);
  if (!set)
    throw new SesError('NotFoundException', `Configuration set <${ctx.configurationSet}> does not exist.`, {
      resource: 'ConfigurationSet',
    });
  ctx.configurationSetRecord = set;
}

async function checkSandbox(ctx: SendContext): Promise<void> {
  if (ctx.account.productionAccess) return;
  const failed: string[] = [];
  for (const r of ctx.recipients)
    if (!isSimulatorAddress(r) && !(await ctx.deps.isVerified(ctx.account.id, r))) failed.push(r);
  if (failed.length) throw notVerified(ctx.deps.region, failed);
}

async function checkQuota(ctx: SendContext): Promise<void> {
  const { account, deps } = ctx;
  const counted = ctx.recipients.filter((r) => !isSimulatorAddress(r)).length;
  if (counted > 0 && !(await deps.dailyAllows(account.id, account.max24HourSend)))
    throw new SesError('TooManyRequestsException', 'Daily message quota exceeded.', { reason: 'daily' });
  // The send rate counts every recipient, simulator addresses included.
  if (!deps.takeRate(account.id, account.maxSendRate, ctx.recipients.length))
    throw new SesError('TooManyRequestsException', 'Maximum sending rate exceeded.', { reason: 'rate' });
  ctx.rateTaken = ctx.recipients.length;
}

async function applySuppression(ctx: SendContext): Promise<void> {
  // A configuration set may override the account-level list; with no reasons it turns the list off.
  const override = ctx.configurationSetRecord?.options.suppression;
  if (override && override.suppressedReasons.length === 0) return;
  const lower = ctx.recipients.map((r) => r.toLowerCase());
  const found = await ctx.deps.suppressedAmong(
    ctx.account.id,
    lower.filter((r) => !isSimulatorAddress(r)),
  );
  if (found.length === 0) return;
  const byEmail = new Map(found.map((f) => [f.email, f]));
  lower.forEach((r, i) => {
    const f = byEmail.get(r);
    if (f) ctx.suppressed.set(i, f);
  });
}

async function resolveTemplate(ctx: SendContext): Promise<void> {
  const c = ctx.input.content;
  if (c.kind !== 'template') return;
  if (c.compiled) ctx.template = c.compiled;
  else if (c.inline) ctx.template = ctx.deps.inlineTemplate(c.inline);
  else if (c.name) ctx.template = await ctx.deps.template(ctx.account.id, c.name);
  else throw badRequest('Template content needs a TemplateName, a TemplateArn or TemplateContent.');
}

async function applyContactList(ctx: SendContext): Promise<void> {
  const lm = ctx.listManagement;
  if (!lm) return;
  const out = await ctx.deps.optedOut(
    ctx.account.id,
    lm.contactListName,
    lm.topicName ?? null,
    ctx.recipients,
  );
  ctx.recipients.forEach((r, i) => {
    if (out.has(r.toLowerCase()) && !ctx.suppressed.has(i)) ctx.unsubscribed.add(i);
  });
}

/**
 * Renders a templated send. As in SES, what cannot be rendered (data that is not a JSON object, a missing
 * attribute) does not fail the call: the message is accepted and recorded with a Rendering Failure event.
 */
function renderTemplate(ctx: SendContext): void {
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

async function buildMime(ctx: SendContext): Promise<void> {
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
    // SES sets its own Message-ID; Bcc and the X-SES-* control headers never leave.
    const drop = new Set(['bcc', 'message-id', ...CONTROL_HEADERS]);
    const prepend: HeaderField[] = [{ name: 'Message-ID', value: messageIdHeader }];
    if (!headerValue(block, 'date')) prepend.push({ name: 'Date', value: rfc5322Date(date) });
    if (input.replyTo?.length && !headerValue(block, 'reply-to'))
      prepend.push({ name: 'Reply-To', value: input.replyTo.join(', ') });
    ctx.mime = rewriteHeaders(message, block, drop, prepend);
  }
  ctx.headers = parseHeaderBlock(ctx.mime).fields;
}

function checkSize(ctx: SendContext): void {
  if (ctx.renderingFailure !== undefined) return;
  const size = ctx.mime!.length;
  const limit = Math.min(ctx.deps.maxMessageSize, ctx.input.maxMessageSize ?? Infinity);
  if (size > limit)
    throw new SesError('MessageRejected', `Message length is more than ${limit} bytes long: '${size}'.`);
}

/** What the configuration set asks of delivery and tracking. */
function messageOptions(ctx: SendContext): MessageOptions | null {
  const set = ctx.configurationSetRecord;
  if (!set) return null;
  const wants = (t: EventTypeName) =>
    set.eventDestinations.some((d) => d.enabled && d.matchingEventTypes.includes(t));
  const open = wants('OPEN');
  const click = wants('CLICK');
  const tracking = set.options.tracking;
  const base = tracking
    ? `${tracking.httpsPolicy === 'OPTIONAL' ? 'http' : 'https'}://${tracking.customRedirectDomain}`
    : ctx.deps.publicUrl;
  return {
    tlsRequired: set.options.delivery.tlsPolicy === 'REQUIRE',
    maxDeliverySeconds: set.options.delivery.maxDeliverySeconds,
    tracking: open || click ? { base, open, click } : null,
  };
}

async function commit(ctx: SendContext): Promise<void> {
  const { deps, account, input } = ctx;
  const tags: Record<string, string[]> = {
    ...(ctx.configurationSet ? { 'ses:configuration-set': [ctx.configurationSet] } : {}),
    ...(input.sourceIp ? { 'ses:source-ip': [input.sourceIp] } : {}),
    'ses:from-domain': [domainOf(ctx.from.address)],
    ...(input.callerIdentity ? { 'ses:caller-identity': [input.callerIdentity] } : {}),
    'ses:operation': [input.operation],
    ...ctx.tags,
  };
  const message: MessageRecord = {
    id: ctx.messageId,
    accountId: account.id,
    createdAt: ctx.now,
    source: ctx.from.address,
    fromDomain: domainOf(parseMailbox(headerFromOf(ctx))?.address ?? ctx.from.address),
    mailFromDomain: ctx.mailFromDomain,
    configurationSet: ctx.configurationSet,
    size: ctx.mime!.length,
    recipientCount: ctx.recipients.length,
    mail: mailObject({
      messageId: ctx.messageId,
      timestamp: ctx.now,
      source: formatMailbox(ctx.from),
      sourceArn: ctx.profile?.identityArn ?? '',
      sourceIp: input.sourceIp,
      callerIdentity: input.callerIdentity,
      accountId: account.id,
      destination: ctx.recipients,
      headers: ctx.headers,
    }),
    tags,
    feedbackAddress: input.feedbackAddress ?? null,
    listManagement: ctx.listManagement
      ? {
          contactListName: ctx.listManagement.contactListName,
          topicName: ctx.listManagement.topicName ?? null,
        }
      : null,
    operation: input.operation,
    options: messageOptions(ctx),
  };
  const recipients: RecipientRecord[] = ctx.recipients.map((address, index) => {
    const [status, lastResponse] = recipientStart(ctx, index);
    return {
      messageId: ctx.messageId,
      index,
      address,
      domain: domainOf(address),
      status,
      attempts: 0,
      nextAttemptAt: status === 'queued' ? ctx.now : null,
      updatedAt: ctx.now,
      lastResponse,
      owner: deps.nodeId,
    };
  });
  const events: EventRecord[] = [eventRecord(message, 'Send', { key: 'send', value: {} }, ctx.now)];
  if (ctx.renderingFailure !== undefined)
    events.push(
      eventRecord(
        message,
        'Rendering Failure',
        { key: 'failure', value: { errorMessage: ctx.renderingFailure, templateName: ctx.template!.name } },
        ctx.now,
      ),
    );
  else if (ctx.suppressed.size > 0) events.push(suppressedBounce(message, ctx, deps.mailHost));
  await deps.commit({
    message,
    body: ctx.mime!,
    recipients,
    events,
    quotaRecipients: ctx.recipients.filter((r) => !isSimulatorAddress(r)).length,
  });
}

/** Where a recipient starts: queued for delivery, or done already (and why). */
function recipientStart(ctx: SendContext, index: number): [RecipientStatus, string | null] {
  if (ctx.renderingFailure !== undefined)
    return ['failed', `not sent: the template could not be rendered: ${ctx.renderingFailure}`];
  if (ctx.suppressed.has(index)) return ['suppressed', 'suppressed: on the account-level suppression list'];
  if (ctx.unsubscribed.has(index)) {
    const lm = ctx.listManagement!;
    return [
      'unsubscribed',
      `not sent: unsubscribed from contact list ${lm.contactListName}${lm.topicName ? ` (topic ${lm.topicName})` : ''}`,
    ];
  }
  return ['queued', null];
}

function headerFromOf(ctx: SendContext): string {
  return ctx.headers.find((h) => h.name.toLowerCase() === 'from')?.value ?? ctx.from.address;
}

function suppressedBounce(message: MessageRecord, ctx: SendContext, mailHost: string): EventRecord {
  const bounced = [...ctx.suppressed.keys()].map((i) => ({
    emailAddress: ctx.recipients[i]!,
    action: 'failed',
    status: '5.1.1',
    diagnosticCode:
      'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
  }));
  return eventRecord(
    message,
    'Bounce',
    {
      key: 'bounce',
      value: {
        bounceType: 'Permanent',
        bounceSubType: 'OnAccountSuppressionList',
        bouncedRecipients: bounced,
        timestamp: new Date(ctx.now).toISOString(),
        feedbackId: feedbackId(ctx.now),
        reportingMTA: `dns; ${mailHost}`,
      },
    },
    ctx.now,
  );
}

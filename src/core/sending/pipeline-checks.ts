/**
 * Send pipeline steps that check one rule each (recipients, header injection, verified identities, MAIL FROM,
 * configuration set, sending switches, sandbox, quotas, suppression list, contact list, size) and refuse with
 * an SES-named error, or mark recipients that are not sent to.
 */
import { parseMailbox } from '../../lib/mime/index.ts';
import { SesError, badRequest } from '../errors.ts';
import { isValidAddress } from './addresses.ts';
import { MAX_RECIPIENTS, type SendContext } from './pipeline.ts';
import { isSimulatorAddress } from './simulator.ts';
import { notVerified } from './pipeline-senders.ts';

export function checkRecipients(ctx: SendContext): void {
  if (ctx.recipients.length === 0)
    throw badRequest('At least one recipient is required (Destination or To, Cc or Bcc headers).');
  if (ctx.recipients.length > MAX_RECIPIENTS) throw badRequest(`Recipient count exceeds ${MAX_RECIPIENTS}.`);
  ctx.recipients = ctx.recipients.map((r) => {
    const m = parseMailbox(r);
    if (!(m?.address ?? r).includes('@'))
      throw new SesError('MessageRejected', "Missing final '@domain'", { reason: 'address-without-domain' });
    if (!m || !isValidAddress(m.address)) throw new SesError('MessageRejected', `Illegal address: ${r}`);
    return m.address;
  });
}

export function refuseHeaderInjection(ctx: SendContext): void {
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
  for (const t of input.tags ?? []) checkMessageTag(t);
}

/** The `ses:` tags a sender may set itself (SES fills the Feedback-ID header's first fields from them). */
const RESERVED_TAGS_ALLOWED = new Set(['ses:feedback-id-a', 'ses:feedback-id-b']);
const TAG_CHARACTERS = /^[A-Za-z0-9_-]*$/;

/** SES's message-tag rules, in SES's order and words (EmailTags, Tags, DefaultEmailTags, ReplacementEmailTags). */
function checkMessageTag(t: { name: string; value: string }): void {
  if (t.name === '') throw badRequest('The tag name must be specified.');
  if (t.value === '') throw badRequest('The tag value must be specified.');
  if (t.name.length > 255) throw badRequest('Tag name cannot exceed 255 characters.');
  if (!TAG_CHARACTERS.test(t.name) && !RESERVED_TAGS_ALLOWED.has(t.name))
    throw badRequest(
      `Invalid tag name <${t.name}>: only alphanumeric ASCII characters, '_', and '-' are allowed.`,
    );
  if (t.value.length > 255) throw badRequest('Tag value cannot exceed 255 characters.');
  if (!TAG_CHARACTERS.test(t.value))
    throw badRequest(
      `Invalid tag value <${t.value}>: only alphanumeric ASCII characters, '_', and '-' are allowed.`,
    );
}

export function chooseMailFromDomain(ctx: SendContext): void {
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

export function checkSendingEnabled(ctx: SendContext): void {
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

export async function resolveConfigurationSet(ctx: SendContext): Promise<void> {
  if (ctx.configurationSet === null) return;
  const set = await ctx.deps.configurationSet(ctx.account.id, ctx.configurationSet);
  if (!set)
    throw new SesError('NotFoundException', `Configuration set <${ctx.configurationSet}> does not exist.`, {
      resource: 'ConfigurationSet',
    });
  ctx.configurationSetRecord = set;
}

export async function checkSandbox(ctx: SendContext): Promise<void> {
  if (ctx.account.productionAccess) return;
  const failed: string[] = [];
  for (const r of ctx.recipients)
    if (!isSimulatorAddress(r) && !(await ctx.deps.isVerified(ctx.account.id, r))) failed.push(r);
  if (failed.length) throw notVerified(ctx.deps.region, failed);
}

export async function checkQuota(ctx: SendContext): Promise<void> {
  const { account, deps } = ctx;
  const counted = ctx.recipients.filter((r) => !isSimulatorAddress(r)).length;
  if (counted > 0) {
    if (!(await deps.takeDaily(account.id, account.max24HourSend, counted)))
      throw new SesError('TooManyRequestsException', 'Daily message quota exceeded.', { reason: 'daily' });
    ctx.dailyTaken = counted;
  }
  // The send rate counts every recipient, simulator addresses included.
  if (!(await deps.takeRate(account.id, account.maxSendRate, ctx.recipients.length)))
    throw new SesError('TooManyRequestsException', 'Maximum sending rate exceeded.', { reason: 'rate' });
  ctx.rateTaken = ctx.recipients.length;
}

export async function applySuppression(ctx: SendContext): Promise<void> {
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

export async function applyContactList(ctx: SendContext): Promise<void> {
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
export function checkSize(ctx: SendContext): void {
  if (ctx.renderingFailure !== undefined) return;
  const size = ctx.mime!.length;
  const limit = Math.min(ctx.deps.maxMessageSize, ctx.input.maxMessageSize ?? Infinity);
  if (size > limit)
    throw new SesError('MessageRejected', `Message length is more than ${limit} bytes long: '${size}'.`);
}

/** What the configuration set asks of delivery and tracking. */

/**
 * The sending pipeline: every way of sending (SES v2, SES v1, SMTP) ends here. It reads like a table of
 * contents — each step is short, checks one rule and returns early with an SES-named error (the steps live in
 * pipeline-content.ts, pipeline-checks.ts and pipeline-commit.ts). Only the last step commits, and only after
 * the commit is the caller answered.
 */
import { newMessageId } from '../../lib/ids.ts';
import type { HeaderBlock, HeaderField, Mailbox } from '../../lib/mime/index.ts';
import type {
  AccountRecord,
  AcceptedMessage,
  ConfigurationSetRecord,
  SuppressedDestinationRecord,
} from '../../store/store.ts';
import type { SenderProfile } from '../identities/sender-identities.ts';
import type { CompiledTemplate, RenderedParts } from '../templates/renderer.ts';
import {
  applyContactList,
  applySuppression,
  checkQuota,
  checkRecipients,
  checkSandbox,
  checkSendingEnabled,
  checkSize,
  chooseMailFromDomain,
  refuseHeaderInjection,
  resolveConfigurationSet,
} from './pipeline-checks.ts';
import { commit } from './pipeline-commit.ts';
import { checkSenderIdentities, readIdentityArns } from './pipeline-senders.ts';
import type { IdentityArn, SendAuthorization } from '../authorization/sending-authorization.ts';
import { buildMime, readContent, renderTemplate, resolveTemplate } from './pipeline-content.ts';
import type { SendInput, SendingSettings } from './types.ts';

export const MAX_RECIPIENTS = 50;

/** What a step needs from the rest of the core. */
export interface PipelineDeps extends SendingSettings {
  now: () => number;
  senderProfile(accountId: string, address: string): Promise<SenderProfile | undefined>;
  /** Whether the account holds this identity (by its stored name), verified. */
  identityVerified(accountId: string, name: string): Promise<boolean>;
  /** Refuses (AccessDeniedException) a use of an identity the caller is not authorized for. */
  authorizeSend(request: SendAuthorization): Promise<void>;
  isVerified(accountId: string, address: string): Promise<boolean>;
  /** Takes units of the daily quota if any remains (quota.ts); `returnDaily` gives them back. */
  takeDaily(accountId: string, max24HourSend: number, units: number): Promise<boolean>;
  returnDaily(accountId: string, units: number): void;
  takeRate(accountId: string, maxSendRate: number, units: number): Promise<boolean>;
  returnRate(accountId: string, units: number): void;
  /** Whether the commit writes the quota units (one process) or they were counted when taken (shared). */
  quotaCountsAtCommit: boolean;
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
  /** Identity ARNs the request names (sending authorization). */
  identityArns: IdentityArn[];
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
  dailyTaken: number;
  mime?: Buffer;
  headers: HeaderField[];
}

export type Step = (ctx: SendContext) => Promise<void> | void;

export const sendPipeline: [string, Step][] = [
  ['read the content', readContent],
  ['read the identity ARNs', readIdentityArns],
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
  'read the identity ARNs',
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
    identityArns: [],
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
    dailyTaken: 0,
    headers: [],
  };
  try {
    for (const [, step] of steps) await step(ctx);
  } catch (err) {
    if (ctx.rateTaken > 0) deps.returnRate(account.id, ctx.rateTaken);
    if (ctx.dailyTaken > 0) deps.returnDaily(account.id, ctx.dailyTaken);
    throw err;
  }
  return ctx.messageId;
}

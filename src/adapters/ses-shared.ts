/**
 * What SES v1 and SES v2 share above their protocols: who a send comes from (sending authorization's
 * principal and conditions), page tokens and sizes, and custom verification email templates, whose members
 * have the same names in both APIs.
 */
import {
  SesError,
  type SendPrincipal,
  type SesApiPort,
  type VerificationTemplateContent,
} from '../core/index.ts';
import type { Caller } from './aws/auth.ts';

/** The caller of a send as sending authorization sees it (`ses:ApiVersion`, `aws:SecureTransport`, …). */
export function sendPrincipal(caller: Caller, apiVersion: '1' | '2'): SendPrincipal {
  return {
    accountId: caller.accountId,
    accessKeyId: caller.accessKeyId,
    userName: caller.userName,
    permissions: caller.permissions,
    apiVersion,
    secureTransport: caller.secure,
    userAgent: caller.userAgent,
  };
}

/**
 * NextToken values, opaque to clients: the store's cursor behind a version prefix, base64url-encoded. A token
 * Sesame did not issue is refused (SES v2 BadRequestException, v1 InvalidParameterValue, SNS InvalidParameter)
 * rather than answered with an empty page.
 */
export const pageToken = {
  encode(cursor: string | null): string | undefined {
    return cursor === null
      ? undefined
      : Buffer.from(`${TOKEN_PREFIX}${cursor}`, 'utf8').toString('base64url');
  },
  decode(token: string | undefined): string | undefined {
    if (token === undefined || token === '') return undefined;
    const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
    if (!text.startsWith(TOKEN_PREFIX) || text.length === TOKEN_PREFIX.length)
      throw new SesError('BadRequestException', 'The NextToken is not valid.');
    return text.slice(TOKEN_PREFIX.length);
  },
};
const TOKEN_PREFIX = 'sesame-page:';

/** A page size member (PageSize, MaxItems, MaxResults) within [1, max] as SES requires; absent means `fallback`. */
export function pageLimit(member: string, value: number | undefined, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new SesError('BadRequestException', `${member} must be between 1 and ${max}.`);
  return value;
}

export interface VerificationTemplateMembers {
  TemplateName: string;
  FromEmailAddress?: string;
  TemplateSubject?: string;
  TemplateContent?: string;
  SuccessRedirectionURL?: string;
  FailureRedirectionURL?: string;
}

/** The members given, as the core names them (absent ones stay undefined: v1 updates may omit any). */
const verificationTemplateFields = (i: VerificationTemplateMembers) => ({
  fromEmailAddress: i.FromEmailAddress,
  subject: i.TemplateSubject,
  content: i.TemplateContent,
  successRedirectionUrl: i.SuccessRedirectionURL,
  failureRedirectionUrl: i.FailureRedirectionURL,
});

/** A template's summary (List…): everything but its content. */
const verificationTemplateSummary = (t: { name: string; content: VerificationTemplateContent }) => ({
  TemplateName: t.name,
  FromEmailAddress: t.content.fromEmailAddress,
  TemplateSubject: t.content.subject,
  SuccessRedirectionURL: t.content.successRedirectionUrl,
  FailureRedirectionURL: t.content.failureRedirectionUrl,
});

/** A whole template (Get…). */
const verificationTemplateMembers = (t: { name: string; content: VerificationTemplateContent }) => ({
  ...verificationTemplateSummary(t),
  TemplateContent: t.content.content,
});

/** What a handler of either API gets. */
export interface SesCallContext {
  core: SesApiPort;
  caller: Caller;
  sourceIp: string;
}

/**
 * The custom verification email template operations, the same in both APIs but for paging: each adapter
 * decodes its own page size and token and wraps these.
 */
export const customVerificationOperations = {
  create: async (ctx: SesCallContext, input: VerificationTemplateMembers): Promise<object> => {
    // Every member is required on create; the codec has checked them against the model.
    const content = verificationTemplateFields(input) as VerificationTemplateContent;
    await ctx.core.templates.createVerification(ctx.caller.accountId, input.TemplateName, content);
    return {};
  },

  get: async (ctx: SesCallContext, input: { TemplateName: string }): Promise<object> => {
    return verificationTemplateMembers(
      await ctx.core.templates.getVerification(ctx.caller.accountId, input.TemplateName),
    );
  },

  list: async (
    ctx: SesCallContext,
    after: string | undefined,
    limit: number,
  ): Promise<{ CustomVerificationEmailTemplates: object[]; next: string | null }> => {
    const page = await ctx.core.templates.listVerification(ctx.caller.accountId, after, limit);
    return { CustomVerificationEmailTemplates: page.items.map(verificationTemplateSummary), next: page.next };
  },

  update: async (ctx: SesCallContext, input: VerificationTemplateMembers): Promise<object> => {
    await ctx.core.templates.updateVerification(
      ctx.caller.accountId,
      input.TemplateName,
      verificationTemplateFields(input),
    );
    return {};
  },

  delete: async (ctx: SesCallContext, input: { TemplateName: string }): Promise<object> => {
    await ctx.core.templates.deleteVerification(ctx.caller.accountId, input.TemplateName);
    return {};
  },

  /** Answers `{MessageId}`, or nothing when the address is verified already (nothing is sent then). */
  send: async (
    ctx: SesCallContext,
    input: { EmailAddress: string; TemplateName: string; ConfigurationSetName?: string },
  ): Promise<object> => {
    const messageId = await ctx.core.customVerification.send({
      accountId: ctx.caller.accountId,
      emailAddress: input.EmailAddress,
      templateName: input.TemplateName,
      configurationSetName: input.ConfigurationSetName,
      operation: 'SendCustomVerificationEmail',
      sourceIp: ctx.sourceIp,
      callerIdentity: ctx.caller.accessKeyId,
    });
    return messageId ? { MessageId: messageId } : {};
  },
};

/** SES v2 email templates and custom verification email templates. */
import { SesError, type EmailTemplateContent } from '../../core/index.ts';
import { decodeToken, encodeToken, op, type V2Handler } from './handler.ts';

interface TemplateContentInput {
  Subject?: string;
  Text?: string;
  Html?: string;
}

export const toEmailTemplateContent = (c: TemplateContentInput | undefined): EmailTemplateContent => ({
  subject: c?.Subject ?? null,
  text: c?.Text ?? null,
  html: c?.Html ?? null,
});

/** PageSize within [1, max] (SES refuses others); absent means `fallback`. */
export function pageSize(value: number | undefined, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new SesError('BadRequestException', `PageSize must be between 1 and ${max}.`);
  return value;
}

interface VerificationInput {
  TemplateName: string;
  FromEmailAddress: string;
  TemplateSubject: string;
  TemplateContent: string;
  SuccessRedirectionURL: string;
  FailureRedirectionURL: string;
}

const verificationContent = (i: VerificationInput) => ({
  fromEmailAddress: i.FromEmailAddress,
  subject: i.TemplateSubject,
  content: i.TemplateContent,
  successRedirectionUrl: i.SuccessRedirectionURL,
  failureRedirectionUrl: i.FailureRedirectionURL,
});

export const templateHandlers: Record<string, V2Handler> = {
  CreateEmailTemplate: op<{ TemplateName: string; TemplateContent: TemplateContentInput }>(
    async (ctx, input) => {
      await ctx.core.templates.create(
        ctx.caller.accountId,
        input.TemplateName,
        toEmailTemplateContent(input.TemplateContent),
      );
      return {};
    },
  ),

  GetEmailTemplate: op<{ TemplateName: string }>(async (ctx, input) => {
    const t = await ctx.core.templates.get(ctx.caller.accountId, input.TemplateName);
    return {
      TemplateName: t.name,
      TemplateContent: {
        ...(t.content.subject !== null ? { Subject: t.content.subject } : {}),
        ...(t.content.text !== null ? { Text: t.content.text } : {}),
        ...(t.content.html !== null ? { Html: t.content.html } : {}),
      },
    };
  }),

  ListEmailTemplates: op<{ NextToken?: string; PageSize?: number }>(async (ctx, input) => {
    const page = await ctx.core.templates.list(
      ctx.caller.accountId,
      decodeToken(input.NextToken),
      pageSize(input.PageSize, 100, 10),
    );
    return {
      TemplatesMetadata: page.items.map((t) => ({
        TemplateName: t.name,
        CreatedTimestamp: new Date(t.createdAt),
      })),
      NextToken: encodeToken(page.next),
    };
  }),

  UpdateEmailTemplate: op<{ TemplateName: string; TemplateContent: TemplateContentInput }>(
    async (ctx, input) => {
      await ctx.core.templates.update(
        ctx.caller.accountId,
        input.TemplateName,
        toEmailTemplateContent(input.TemplateContent),
      );
      return {};
    },
  ),

  DeleteEmailTemplate: op<{ TemplateName: string }>(async (ctx, input) => {
    await ctx.core.templates.delete(ctx.caller.accountId, input.TemplateName);
    return {};
  }),

  TestRenderEmailTemplate: op<{ TemplateName: string; TemplateData: string }>(async (ctx, input) => ({
    RenderedTemplate: await ctx.core.templates.testRender(
      ctx.caller.accountId,
      input.TemplateName,
      input.TemplateData,
    ),
  })),

  CreateCustomVerificationEmailTemplate: op<VerificationInput>(async (ctx, input) => {
    await ctx.core.templates.createVerification(
      ctx.caller.accountId,
      input.TemplateName,
      verificationContent(input),
    );
    return {};
  }),

  GetCustomVerificationEmailTemplate: op<{ TemplateName: string }>(async (ctx, input) => {
    const t = await ctx.core.templates.getVerification(ctx.caller.accountId, input.TemplateName);
    return {
      TemplateName: t.name,
      FromEmailAddress: t.content.fromEmailAddress,
      TemplateSubject: t.content.subject,
      TemplateContent: t.content.content,
      SuccessRedirectionURL: t.content.successRedirectionUrl,
      FailureRedirectionURL: t.content.failureRedirectionUrl,
    };
  }),

  ListCustomVerificationEmailTemplates: op<{ NextToken?: string; PageSize?: number }>(async (ctx, input) => {
    const page = await ctx.core.templates.listVerification(
      ctx.caller.accountId,
      decodeToken(input.NextToken),
      pageSize(input.PageSize, 50, 50),
    );
    return {
      CustomVerificationEmailTemplates: page.items.map((t) => ({
        TemplateName: t.name,
        FromEmailAddress: t.content.fromEmailAddress,
        TemplateSubject: t.content.subject,
        SuccessRedirectionURL: t.content.successRedirectionUrl,
        FailureRedirectionURL: t.content.failureRedirectionUrl,
      })),
      NextToken: encodeToken(page.next),
    };
  }),

  UpdateCustomVerificationEmailTemplate: op<VerificationInput>(async (ctx, input) => {
    await ctx.core.templates.updateVerification(
      ctx.caller.accountId,
      input.TemplateName,
      verificationContent(input),
    );
    return {};
  }),

  DeleteCustomVerificationEmailTemplate: op<{ TemplateName: string }>(async (ctx, input) => {
    await ctx.core.templates.deleteVerification(ctx.caller.accountId, input.TemplateName);
    return {};
  }),

  SendCustomVerificationEmail: op<{
    EmailAddress: string;
    TemplateName: string;
    ConfigurationSetName?: string;
  }>(async (ctx, input) => {
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
  }),
};

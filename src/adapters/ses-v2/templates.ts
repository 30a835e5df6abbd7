/** SES v2 email templates and custom verification email templates. */
import type { EmailTemplateContent } from '../../core/index.ts';
import { customVerificationOperations, pageLimit } from '../ses-shared.ts';
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
export const pageSize = (value: number | undefined, max: number, fallback: number): number =>
  pageLimit('PageSize', value, max, fallback);

export const templateHandlers: Record<string, V2Handler> = {
  CreateEmailTemplate: op<{
    TemplateName: string;
    TemplateContent: TemplateContentInput;
    Tags?: { Key: string; Value: string }[];
  }>(async (ctx, input) => {
    await ctx.core.templates.create(
      ctx.caller.accountId,
      input.TemplateName,
      toEmailTemplateContent(input.TemplateContent),
      (input.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
    );
    return {};
  }),

  GetEmailTemplate: op<{ TemplateName: string }>(async (ctx, input) => {
    const t = await ctx.core.templates.get(ctx.caller.accountId, input.TemplateName);
    const tags = await ctx.core.templates.tagsOf(ctx.caller.accountId, t.name);
    return {
      TemplateName: t.name,
      TemplateContent: {
        ...(t.content.subject !== null ? { Subject: t.content.subject } : {}),
        ...(t.content.text !== null ? { Text: t.content.text } : {}),
        ...(t.content.html !== null ? { Html: t.content.html } : {}),
      },
      Tags: tags.map((x) => ({ Key: x.key, Value: x.value })),
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

  CreateCustomVerificationEmailTemplate: op(customVerificationOperations.create),
  GetCustomVerificationEmailTemplate: op(customVerificationOperations.get),
  ListCustomVerificationEmailTemplates: op<{ NextToken?: string; PageSize?: number }>(async (ctx, input) => {
    const { next, ...out } = await customVerificationOperations.list(
      ctx,
      decodeToken(input.NextToken),
      pageSize(input.PageSize, 50, 50),
    );
    return { ...out, NextToken: encodeToken(next) };
  }),
  UpdateCustomVerificationEmailTemplate: op(customVerificationOperations.update),
  DeleteCustomVerificationEmailTemplate: op(customVerificationOperations.delete),
  SendCustomVerificationEmail: op(customVerificationOperations.send),
};

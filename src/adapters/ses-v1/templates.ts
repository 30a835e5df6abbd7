/** SES v1 templates, templated and bulk templated sends, and custom verification emails (the v2 core). */
import { SesError, type BulkStatus, type EmailTemplateContent } from '../../core/index.ts';
import { customVerificationOperations, pageLimit, pageToken } from '../ses-shared.ts';
import { action, pascal, type V1Handler } from './handler.ts';
import { authorization, tags, V1_MAX_MESSAGE_SIZE, type Common } from './sending.ts';

interface TemplateInput {
  TemplateName: string;
  SubjectPart?: string;
  TextPart?: string;
  HtmlPart?: string;
}

const content = (t: TemplateInput): EmailTemplateContent => ({
  subject: t.SubjectPart ?? null,
  text: t.TextPart ?? null,
  html: t.HtmlPart ?? null,
});

const token = {
  decode: (t: string | undefined) => pageToken.decode(t),
  encode: (next: string | null) => (next ? { NextToken: pageToken.encode(next) } : {}),
};

/** v1 names the bulk statuses in PascalCase, and two of them differently. */
const V1_STATUS: Partial<Record<BulkStatus, string>> = {
  CONFIGURATION_SET_NOT_FOUND: 'ConfigurationSetDoesNotExist',
  TEMPLATE_NOT_FOUND: 'TemplateDoesNotExist',
  INVALID_PARAMETER: 'InvalidParameterValue',
  MAIL_FROM_DOMAIN_NOT_VERIFIED: 'MailFromDomainNotVerified',
};

type Destination = { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
const destination = (d: Destination) => ({ to: d.ToAddresses, cc: d.CcAddresses, bcc: d.BccAddresses });

function templateRef(input: { Template?: string; TemplateArn?: string }): string {
  const name = input.TemplateArn ?? input.Template;
  if (!name) throw new SesError('BadRequestException', 'Template or TemplateArn is required.');
  return name;
}

export const templateActions: Record<string, V1Handler> = {
  CreateTemplate: action<{ Template: TemplateInput }>(async (ctx, input) => {
    await ctx.core.templates.create(
      ctx.caller.accountId,
      input.Template.TemplateName,
      content(input.Template),
    );
    return {};
  }),

  GetTemplate: action<{ TemplateName: string }>(async (ctx, input) => {
    const t = await ctx.core.templates.get(ctx.caller.accountId, input.TemplateName);
    return {
      Template: {
        TemplateName: t.name,
        ...(t.content.subject !== null ? { SubjectPart: t.content.subject } : {}),
        ...(t.content.text !== null ? { TextPart: t.content.text } : {}),
        ...(t.content.html !== null ? { HtmlPart: t.content.html } : {}),
      },
    };
  }),

  ListTemplates: action<{ NextToken?: string; MaxItems?: number }>(async (ctx, input) => {
    const page = await ctx.core.templates.list(
      ctx.caller.accountId,
      token.decode(input.NextToken),
      pageLimit('MaxItems', input.MaxItems, 100, 10),
    );
    return {
      TemplatesMetadata: page.items.map((t) => ({ Name: t.name, CreatedTimestamp: new Date(t.createdAt) })),
      ...token.encode(page.next),
    };
  }),

  UpdateTemplate: action<{ Template: TemplateInput }>(async (ctx, input) => {
    await ctx.core.templates.update(
      ctx.caller.accountId,
      input.Template.TemplateName,
      content(input.Template),
    );
    return {};
  }),

  DeleteTemplate: action<{ TemplateName: string }>(async (ctx, input) => {
    // SES v1 DeleteTemplate succeeds for a template that does not exist.
    await ctx.core.templates.delete(ctx.caller.accountId, input.TemplateName).catch((err: unknown) => {
      if (!(err instanceof SesError && err.code === 'NotFoundException')) throw err;
    });
    return {};
  }),

  TestRenderTemplate: action<{ TemplateName: string; TemplateData: string }>(async (ctx, input) => ({
    RenderedTemplate: await ctx.core.templates.testRender(
      ctx.caller.accountId,
      input.TemplateName,
      input.TemplateData,
    ),
  })),

  SendTemplatedEmail: action<
    Common & {
      Source: string;
      Destination: Destination;
      ReplyToAddresses?: string[];
      ReturnPath?: string;
      Template?: string;
      TemplateArn?: string;
      TemplateData: string;
    }
  >(async (ctx, input) => {
    const { messageId } = await ctx.core.sending.send({
      ...authorization(ctx, input),
      accountId: ctx.caller.accountId,
      operation: 'SendTemplatedEmail',
      sourceIp: ctx.sourceIp,
      callerIdentity: ctx.caller.accessKeyId,
      from: input.Source,
      destination: destination(input.Destination),
      replyTo: input.ReplyToAddresses,
      feedbackAddress: input.ReturnPath,
      content: { kind: 'template', name: templateRef(input), data: input.TemplateData },
      tags: tags(input),
      configurationSetName: input.ConfigurationSetName,
      maxMessageSize: V1_MAX_MESSAGE_SIZE,
    });
    return { MessageId: messageId };
  }),

  SendBulkTemplatedEmail: action<{
    Source: string;
    SourceArn?: string;
    ReplyToAddresses?: string[];
    ReturnPath?: string;
    ReturnPathArn?: string;
    ConfigurationSetName?: string;
    DefaultTags?: { Name: string; Value: string }[];
    Template?: string;
    TemplateArn?: string;
    DefaultTemplateData: string;
    Destinations: {
      Destination: Destination;
      ReplacementTags?: { Name: string; Value: string }[];
      ReplacementTemplateData?: string;
    }[];
  }>(async (ctx, input) => {
    const results = await ctx.core.sending.sendBulk({
      accountId: ctx.caller.accountId,
      common: {
        ...authorization(ctx, input),
        operation: 'SendBulkTemplatedEmail',
        sourceIp: ctx.sourceIp,
        callerIdentity: ctx.caller.accessKeyId,
        from: input.Source,
        replyTo: input.ReplyToAddresses,
        feedbackAddress: input.ReturnPath,
        configurationSetName: input.ConfigurationSetName,
        maxMessageSize: V1_MAX_MESSAGE_SIZE,
      },
      template: { name: templateRef(input), data: input.DefaultTemplateData },
      defaultTags: input.DefaultTags ? tags({ Tags: input.DefaultTags }) : undefined,
      entries: input.Destinations.map((d) => ({
        destination: destination(d.Destination),
        replacementData: d.ReplacementTemplateData,
        replacementTags: d.ReplacementTags ? tags({ Tags: d.ReplacementTags }) : undefined,
      })),
    });
    return {
      Status: results.map((r) => ({
        Status: V1_STATUS[r.status] ?? pascal(r.status),
        ...(r.error ? { Error: r.error } : {}),
        ...(r.messageId ? { MessageId: r.messageId } : {}),
      })),
    };
  }),

  CreateCustomVerificationEmailTemplate: action(customVerificationOperations.create),
  GetCustomVerificationEmailTemplate: action(customVerificationOperations.get),
  ListCustomVerificationEmailTemplates: action<{ NextToken?: string; MaxResults?: number }>(
    async (ctx, input) => {
      const { next, ...out } = await customVerificationOperations.list(
        ctx,
        token.decode(input.NextToken),
        pageLimit('MaxResults', input.MaxResults, 50, 50),
      );
      return { ...out, ...token.encode(next) };
    },
  ),
  UpdateCustomVerificationEmailTemplate: action(customVerificationOperations.update),
  DeleteCustomVerificationEmailTemplate: action(customVerificationOperations.delete),
  SendCustomVerificationEmail: action(customVerificationOperations.send),
};

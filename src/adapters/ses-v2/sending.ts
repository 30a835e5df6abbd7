/** SES v2 SendEmail (Simple and Raw content) into the core's sending pipeline. */
import { SesError, type SendInput, type SimpleAttachment } from '../../core/index.ts';
import { toEmailTemplateContent } from './templates.ts';
import { sendPrincipal } from '../ses-shared.ts';
import { op, type V2Context, type V2Handler } from './handler.ts';

interface ContentInput {
  Data: string;
  Charset?: string;
}

interface AttachmentInput {
  RawContent: Buffer;
  FileName: string;
  ContentType?: string;
  ContentDisposition?: string;
  ContentId?: string;
  ContentDescription?: string;
  ContentTransferEncoding?: string;
}

interface TemplateInput {
  TemplateName?: string;
  TemplateArn?: string;
  TemplateData?: string;
  TemplateContent?: { Subject?: string; Text?: string; Html?: string };
  Headers?: { Name: string; Value: string }[];
  Attachments?: AttachmentInput[];
}

const attachments = (list: AttachmentInput[] | undefined): SimpleAttachment[] =>
  (list ?? []).map((a) => ({
    content: a.RawContent,
    fileName: a.FileName,
    contentType: a.ContentType,
    disposition: a.ContentDisposition as SimpleAttachment['disposition'],
    contentId: a.ContentId,
    description: a.ContentDescription,
    transferEncoding: a.ContentTransferEncoding as SimpleAttachment['transferEncoding'],
  }));

const headers = (list: { Name: string; Value: string }[] | undefined) =>
  (list ?? []).map((h) => ({ name: h.Name, value: h.Value }));

const tags = (list: { Name: string; Value: string }[] | undefined) =>
  (list ?? []).map((t) => ({ name: t.Name, value: t.Value }));

/** A template is named (TemplateName or TemplateArn) or given (TemplateContent): exactly one of them. */
function templateSource(t: TemplateInput): {
  name?: string;
  inline?: { subject: string | null; text: string | null; html: string | null };
} {
  const given = [t.TemplateName, t.TemplateArn, t.TemplateContent].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new SesError(
      'BadRequestException',
      'Template must contain exactly one of TemplateName, TemplateArn or TemplateContent.',
    );
  return t.TemplateContent
    ? { inline: toEmailTemplateContent(t.TemplateContent) }
    : { name: (t.TemplateName ?? t.TemplateArn)! };
}

function unsupported(input: { EndpointId?: string; TenantName?: string }): void {
  if (input.EndpointId)
    throw new SesError(
      'BadRequestException',
      'Multi-region endpoints (EndpointId) are not supported by Sesame.',
    );
  if (input.TenantName)
    throw new SesError('BadRequestException', 'Tenants (TenantName) are not supported by Sesame.');
}

interface SendEmailInput {
  FromEmailAddress?: string;
  FromEmailAddressIdentityArn?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  ReplyToAddresses?: string[];
  FeedbackForwardingEmailAddress?: string;
  FeedbackForwardingEmailAddressIdentityArn?: string;
  Content: {
    Simple?: {
      Subject: ContentInput;
      Body: { Text?: ContentInput; Html?: ContentInput };
      Headers?: { Name: string; Value: string }[];
      Attachments?: AttachmentInput[];
    };
    Raw?: { Data: Buffer };
    Template?: TemplateInput;
  };
  EmailTags?: { Name: string; Value: string }[];
  ConfigurationSetName?: string;
  ListManagementOptions?: { ContactListName: string; TopicName?: string };
  EndpointId?: string;
  TenantName?: string;
}

/**
 * Sending authorization: FromEmailAddressIdentityArn stands for the sender (it overrides the X-SES-SOURCE-ARN
 * and X-SES-FROM-ARN headers of raw content), FeedbackForwardingEmailAddressIdentityArn for the feedback address.
 */
const authorization = (
  ctx: V2Context,
  input: { FromEmailAddressIdentityArn?: string; FeedbackForwardingEmailAddressIdentityArn?: string },
) => ({
  identityArns: {
    source: input.FromEmailAddressIdentityArn,
    from: input.FromEmailAddressIdentityArn,
    returnPath: input.FeedbackForwardingEmailAddressIdentityArn,
  },
  principal: sendPrincipal(ctx.caller, '2'),
});

async function sendEmail(ctx: V2Context, input: SendEmailInput): Promise<object> {
  unsupported(input);
  const c = input.Content;
  const kinds = [c.Simple, c.Raw, c.Template].filter((x) => x !== undefined).length;
  if (kinds !== 1)
    throw new SesError('BadRequestException', 'Content must contain exactly one of Simple, Raw or Template.');
  const content: SendInput['content'] = c.Template
    ? {
        kind: 'template',
        ...templateSource(c.Template),
        data: c.Template.TemplateData,
        headers: headers(c.Template.Headers),
        attachments: attachments(c.Template.Attachments),
      }
    : c.Simple
      ? {
          kind: 'simple' as const,
          subject: { data: c.Simple.Subject.Data, charset: c.Simple.Subject.Charset },
          text: c.Simple.Body.Text
            ? { data: c.Simple.Body.Text.Data, charset: c.Simple.Body.Text.Charset }
            : undefined,
          html: c.Simple.Body.Html
            ? { data: c.Simple.Body.Html.Data, charset: c.Simple.Body.Html.Charset }
            : undefined,
          headers: headers(c.Simple.Headers),
          attachments: attachments(c.Simple.Attachments),
        }
      : { kind: 'raw' as const, data: c.Raw!.Data };
  const d = input.Destination;
  const result = await ctx.core.sending.send({
    ...authorization(ctx, input),
    accountId: ctx.caller.accountId,
    operation: 'SendEmail',
    sourceIp: ctx.sourceIp,
    callerIdentity: ctx.caller.accessKeyId,
    from: input.FromEmailAddress,
    destination: d ? { to: d.ToAddresses, cc: d.CcAddresses, bcc: d.BccAddresses } : undefined,
    replyTo: input.ReplyToAddresses,
    feedbackAddress: input.FeedbackForwardingEmailAddress,
    content,
    tags: tags(input.EmailTags),
    configurationSetName: input.ConfigurationSetName,
    listManagement: input.ListManagementOptions
      ? {
          contactListName: input.ListManagementOptions.ContactListName,
          topicName: input.ListManagementOptions.TopicName,
        }
      : undefined,
  });
  return { MessageId: result.messageId };
}

interface SendBulkEmailInput {
  FromEmailAddress?: string;
  FromEmailAddressIdentityArn?: string;
  ReplyToAddresses?: string[];
  FeedbackForwardingEmailAddress?: string;
  FeedbackForwardingEmailAddressIdentityArn?: string;
  DefaultEmailTags?: { Name: string; Value: string }[];
  DefaultContent: { Template?: TemplateInput };
  BulkEmailEntries: {
    Destination: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
    ReplacementTags?: { Name: string; Value: string }[];
    ReplacementEmailContent?: { ReplacementTemplate?: { ReplacementTemplateData?: string } };
    ReplacementHeaders?: { Name: string; Value: string }[];
  }[];
  ConfigurationSetName?: string;
  EndpointId?: string;
  TenantName?: string;
}

async function sendBulkEmail(ctx: V2Context, input: SendBulkEmailInput): Promise<object> {
  unsupported(input);
  const t = input.DefaultContent.Template;
  if (!t) throw new SesError('BadRequestException', 'DefaultContent must contain a Template.');
  const results = await ctx.core.sending.sendBulk({
    accountId: ctx.caller.accountId,
    common: {
      ...authorization(ctx, input),
      operation: 'SendBulkEmail',
      sourceIp: ctx.sourceIp,
      callerIdentity: ctx.caller.accessKeyId,
      from: input.FromEmailAddress,
      replyTo: input.ReplyToAddresses,
      feedbackAddress: input.FeedbackForwardingEmailAddress,
      configurationSetName: input.ConfigurationSetName,
    },
    template: {
      ...templateSource(t),
      data: t.TemplateData,
      headers: headers(t.Headers),
      attachments: attachments(t.Attachments),
    },
    defaultTags: tags(input.DefaultEmailTags),
    entries: input.BulkEmailEntries.map((e) => ({
      destination: {
        to: e.Destination.ToAddresses,
        cc: e.Destination.CcAddresses,
        bcc: e.Destination.BccAddresses,
      },
      replacementData: e.ReplacementEmailContent?.ReplacementTemplate?.ReplacementTemplateData,
      replacementTags: e.ReplacementTags ? tags(e.ReplacementTags) : undefined,
      replacementHeaders: e.ReplacementHeaders ? headers(e.ReplacementHeaders) : undefined,
    })),
  });
  return {
    BulkEmailEntryResults: results.map((r) => ({
      Status: r.status,
      ...(r.error ? { Error: r.error } : {}),
      ...(r.messageId ? { MessageId: r.messageId } : {}),
    })),
  };
}

export const sendingHandlers: Record<string, V2Handler> = {
  SendEmail: op(sendEmail),
  SendBulkEmail: op(sendBulkEmail),
};

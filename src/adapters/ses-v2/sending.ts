/** SES v2 SendEmail (Simple and Raw content) into the core's sending pipeline. */
import { SesError, type SimpleAttachment } from '../../core/index.ts';
import { op, type V2Context, type V2Handler } from './handler.ts';

interface ContentInput {
  Data: string;
  Charset?: string;
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
      Attachments?: {
        RawContent: Buffer;
        FileName: string;
        ContentType?: string;
        ContentDisposition?: string;
        ContentId?: string;
        ContentDescription?: string;
        ContentTransferEncoding?: string;
      }[];
    };
    Raw?: { Data: Buffer };
    Template?: unknown;
  };
  EmailTags?: { Name: string; Value: string }[];
  ConfigurationSetName?: string;
  ListManagementOptions?: { ContactListName: string; TopicName?: string };
  EndpointId?: string;
  TenantName?: string;
}

/** Sending authorization (another account's identity) is not supported: an ARN must name the caller's own account. */
function ownArn(ctx: V2Context, arn: string | undefined, member: string): void {
  if (arn === undefined) return;
  const m = /^arn:aws:ses:[^:]+:(\d{12}):identity\/.+$/.exec(arn);
  if (!m) throw new SesError('BadRequestException', `${member} is not a valid identity ARN.`);
  if (m[1] !== ctx.caller.accountId)
    throw new SesError(
      'BadRequestException',
      `Sending authorization (${member} of another account) is not supported by Sesame.`,
    );
}

async function sendEmail(ctx: V2Context, input: SendEmailInput): Promise<object> {
  if (input.EndpointId)
    throw new SesError(
      'BadRequestException',
      'Multi-region endpoints (EndpointId) are not supported by Sesame.',
    );
  if (input.TenantName)
    throw new SesError('BadRequestException', 'Tenants (TenantName) are not supported by Sesame.');
  ownArn(ctx, input.FromEmailAddressIdentityArn, 'FromEmailAddressIdentityArn');
  ownArn(ctx, input.FeedbackForwardingEmailAddressIdentityArn, 'FeedbackForwardingEmailAddressIdentityArn');
  const c = input.Content;
  const kinds = [c.Simple, c.Raw, c.Template].filter((x) => x !== undefined).length;
  if (kinds !== 1)
    throw new SesError('BadRequestException', 'Content must contain exactly one of Simple, Raw or Template.');
  if (c.Template)
    throw new SesError('BadRequestException', 'Template content is not supported by Sesame yet.');
  const content = c.Simple
    ? {
        kind: 'simple' as const,
        subject: { data: c.Simple.Subject.Data, charset: c.Simple.Subject.Charset },
        text: c.Simple.Body.Text
          ? { data: c.Simple.Body.Text.Data, charset: c.Simple.Body.Text.Charset }
          : undefined,
        html: c.Simple.Body.Html
          ? { data: c.Simple.Body.Html.Data, charset: c.Simple.Body.Html.Charset }
          : undefined,
        headers: (c.Simple.Headers ?? []).map((h) => ({ name: h.Name, value: h.Value })),
        attachments: (c.Simple.Attachments ?? []).map((a): SimpleAttachment => ({
          content: a.RawContent,
          fileName: a.FileName,
          contentType: a.ContentType,
          disposition: a.ContentDisposition as SimpleAttachment['disposition'],
          contentId: a.ContentId,
          description: a.ContentDescription,
          transferEncoding: a.ContentTransferEncoding as SimpleAttachment['transferEncoding'],
        })),
      }
    : { kind: 'raw' as const, data: c.Raw!.Data };
  const d = input.Destination;
  const result = await ctx.core.sending.send({
    accountId: ctx.caller.accountId,
    operation: 'SendEmail',
    sourceIp: ctx.sourceIp,
    callerIdentity: ctx.caller.accessKeyId,
    from: input.FromEmailAddress,
    destination: d ? { to: d.ToAddresses, cc: d.CcAddresses, bcc: d.BccAddresses } : undefined,
    replyTo: input.ReplyToAddresses,
    feedbackAddress: input.FeedbackForwardingEmailAddress,
    content,
    tags: (input.EmailTags ?? []).map((t) => ({ name: t.Name, value: t.Value })),
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

export const sendingHandlers: Record<string, V2Handler> = {
  SendEmail: op(sendEmail),
};

/** SES v1 SendEmail and SendRawEmail (the same pipeline as v2 and SMTP; SES v1 accepts at most 10 MB). */
import { action, type V1Context, type V1Handler } from './handler.ts';
import { sendPrincipal } from '../ses-shared.ts';

export const V1_MAX_MESSAGE_SIZE = 10 * 1024 * 1024;

export interface Common {
  Tags?: { Name: string; Value: string }[];
  ConfigurationSetName?: string;
  SourceArn?: string;
  FromArn?: string;
  ReturnPathArn?: string;
}

/** Sending authorization: the identity ARNs and the caller, as the pipeline takes them. */
export const authorization = (ctx: V1Context, input: Common) => ({
  identityArns: { source: input.SourceArn, from: input.FromArn, returnPath: input.ReturnPathArn },
  principal: sendPrincipal(ctx.caller, '1'),
});

export const tags = (input: Common) => (input.Tags ?? []).map((t) => ({ name: t.Name, value: t.Value }));

export const sendingActions: Record<string, V1Handler> = {
  SendEmail: action<
    Common & {
      Source: string;
      Destination: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
      Message: {
        Subject: { Data: string; Charset?: string };
        Body: { Text?: { Data: string; Charset?: string }; Html?: { Data: string; Charset?: string } };
      };
      ReplyToAddresses?: string[];
      ReturnPath?: string;
    }
  >(async (ctx, input) => {
    const { messageId } = await ctx.core.sending.send({
      ...authorization(ctx, input),
      accountId: ctx.caller.accountId,
      operation: 'SendEmail',
      sourceIp: ctx.sourceIp,
      callerIdentity: ctx.caller.accessKeyId,
      from: input.Source,
      destination: {
        to: input.Destination.ToAddresses,
        cc: input.Destination.CcAddresses,
        bcc: input.Destination.BccAddresses,
      },
      replyTo: input.ReplyToAddresses,
      feedbackAddress: input.ReturnPath,
      content: {
        kind: 'simple',
        subject: { data: input.Message.Subject.Data, charset: input.Message.Subject.Charset },
        text: input.Message.Body.Text
          ? { data: input.Message.Body.Text.Data, charset: input.Message.Body.Text.Charset }
          : undefined,
        html: input.Message.Body.Html
          ? { data: input.Message.Body.Html.Data, charset: input.Message.Body.Html.Charset }
          : undefined,
      },
      tags: tags(input),
      configurationSetName: input.ConfigurationSetName,
      maxMessageSize: V1_MAX_MESSAGE_SIZE,
    });
    return { MessageId: messageId };
  }),

  SendRawEmail: action<Common & { Source?: string; Destinations?: string[]; RawMessage: { Data: Buffer } }>(
    async (ctx, input) => {
      const { messageId } = await ctx.core.sending.send({
        ...authorization(ctx, input),
        accountId: ctx.caller.accountId,
        operation: 'SendRawEmail',
        sourceIp: ctx.sourceIp,
        callerIdentity: ctx.caller.accessKeyId,
        from: input.Source,
        destination: input.Destinations?.length ? { to: input.Destinations } : undefined,
        content: { kind: 'raw', data: input.RawMessage.Data },
        tags: tags(input),
        configurationSetName: input.ConfigurationSetName,
        maxMessageSize: V1_MAX_MESSAGE_SIZE,
      });
      return { MessageId: messageId };
    },
  ),
};

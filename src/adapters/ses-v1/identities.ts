/** SES v1 identity actions: verification, DKIM, MAIL FROM, listing and deletion (the same core as v2). */
import { SesError, type IdentityView } from '../../core/index.ts';
import { action, pascal, upperSnake, type V1Context, type V1Handler } from './handler.ts';
import { AwsProtocolError } from '../aws/protocol-error.ts';
import { pageToken } from '../ses-shared.ts';

async function views(ctx: V1Context, identities: string[]): Promise<[string, IdentityView][]> {
  const out: [string, IdentityView][] = [];
  for (const name of identities) {
    const v = await ctx.core.identities.find(ctx.caller.accountId, name);
    // SES leaves identities the account does not have out of the map.
    if (v) out.push([name, v]);
  }
  return out;
}

async function deleteIdentity(ctx: V1Context, name: string): Promise<void> {
  try {
    await ctx.core.identities.delete(ctx.caller.accountId, name);
  } catch (err) {
    // Deleting an identity that is not there succeeds, as in SES.
    if (!(err instanceof SesError && err.code === 'NotFoundException')) throw err;
  }
}

export const identityActions: Record<string, V1Handler> = {
  SetIdentityNotificationTopic: action<{
    Identity: string;
    NotificationType: 'Bounce' | 'Complaint' | 'Delivery';
    SnsTopic?: string;
  }>(async (ctx, input) => {
    await ctx.core.identities.setNotificationTopic(
      ctx.caller.accountId,
      input.Identity,
      input.NotificationType,
      input.SnsTopic || undefined,
    );
    return {};
  }),

  SetIdentityHeadersInNotificationsEnabled: action<{
    Identity: string;
    NotificationType: 'Bounce' | 'Complaint' | 'Delivery';
    Enabled: boolean;
  }>(async (ctx, input) => {
    // SES answers MessageRejected for an identity that is not (yet) verified, as for one that does not exist.
    const view = await ctx.core.identities.find(ctx.caller.accountId, input.Identity);
    if (view?.status !== 'SUCCESS')
      throw new AwsProtocolError(
        'MessageRejected',
        400,
        `Identity ${input.Identity} is not verified or does not exist.`,
      );
    await ctx.core.identities.setHeadersInNotifications(
      ctx.caller.accountId,
      input.Identity,
      input.NotificationType,
      input.Enabled,
    );
    return {};
  }),

  GetIdentityNotificationAttributes: action<{ Identities: string[] }>(async (ctx, input) => ({
    NotificationAttributes: Object.fromEntries(
      (await views(ctx, input.Identities)).map(([name, v]) => {
        const n = v.record.notifications;
        return [
          name,
          {
            ...(n?.topics.Bounce ? { BounceTopic: n.topics.Bounce } : {}),
            ...(n?.topics.Complaint ? { ComplaintTopic: n.topics.Complaint } : {}),
            ...(n?.topics.Delivery ? { DeliveryTopic: n.topics.Delivery } : {}),
            ForwardingEnabled: v.record.feedbackForwarding,
            HeadersInBounceNotificationsEnabled: n?.headers.Bounce === true,
            HeadersInComplaintNotificationsEnabled: n?.headers.Complaint === true,
            HeadersInDeliveryNotificationsEnabled: n?.headers.Delivery === true,
          },
        ];
      }),
    ),
  })),

  VerifyEmailIdentity: action<{ EmailAddress: string }>(async (ctx, input) => {
    await ctx.core.identities.verifyEmailAddress(ctx.caller.accountId, input.EmailAddress);
    return {};
  }),

  VerifyEmailAddress: action<{ EmailAddress: string }>(async (ctx, input) => {
    await ctx.core.identities.verifyEmailAddress(ctx.caller.accountId, input.EmailAddress);
    return undefined;
  }),

  VerifyDomainIdentity: action<{ Domain: string }>(async (ctx, input) => ({
    VerificationToken: await ctx.core.identities.verifyDomainWithToken(ctx.caller.accountId, input.Domain),
  })),

  VerifyDomainDkim: action<{ Domain: string }>(async (ctx, input) => {
    const existing = await ctx.core.identities.find(ctx.caller.accountId, input.Domain);
    if (existing?.record.type === 'EMAIL_ADDRESS')
      throw new SesError('BadRequestException', `${input.Domain} is not a domain.`);
    const dkim = existing
      ? await ctx.core.identities.setDkimSigning(ctx.caller.accountId, input.Domain, { origin: 'AWS_SES' })
      : (await ctx.core.identities.create(ctx.caller.accountId, { identity: input.Domain })).dkim;
    return { DkimTokens: dkim.tokens };
  }),

  GetIdentityVerificationAttributes: action<{ Identities: string[] }>(async (ctx, input) => ({
    VerificationAttributes: Object.fromEntries(
      (await views(ctx, input.Identities)).map(([name, v]) => [
        name,
        {
          VerificationStatus: pascal(v.status),
          ...(v.record.domainToken ? { VerificationToken: v.record.domainToken } : {}),
        },
      ]),
    ),
  })),

  GetIdentityDkimAttributes: action<{ Identities: string[] }>(async (ctx, input) => ({
    DkimAttributes: Object.fromEntries(
      (await views(ctx, input.Identities)).map(([name, v]) => [
        name,
        {
          DkimEnabled: v.dkim.signingEnabled,
          DkimVerificationStatus: pascal(v.dkim.status),
          ...(v.dkim.tokens.length ? { DkimTokens: v.dkim.tokens } : {}),
        },
      ]),
    ),
  })),

  SetIdentityDkimEnabled: action<{ Identity: string; DkimEnabled: boolean }>(async (ctx, input) => {
    await ctx.core.identities.setDkimSigningEnabled(ctx.caller.accountId, input.Identity, input.DkimEnabled);
    return {};
  }),

  ListIdentities: action<{ IdentityType?: 'EmailAddress' | 'Domain'; NextToken?: string; MaxItems?: number }>(
    async (ctx, input) => {
      const limit = input.MaxItems ?? 1000;
      if (limit < 1 || limit > 1000)
        throw new SesError('BadRequestException', 'MaxItems must be between 1 and 1000.');
      const page = await ctx.core.identities.list(ctx.caller.accountId, {
        pageSize: limit,
        after: pageToken.decode(input.NextToken),
        type:
          input.IdentityType === 'EmailAddress'
            ? 'EMAIL_ADDRESS'
            : input.IdentityType === 'Domain'
              ? 'DOMAIN'
              : undefined,
      });
      return {
        Identities: page.items.map((v) => v.record.name),
        ...(page.next ? { NextToken: pageToken.encode(page.next) } : {}),
      };
    },
  ),

  ListVerifiedEmailAddresses: action(async (ctx) => {
    const addresses: string[] = [];
    let after: string | undefined;
    do {
      const page = await ctx.core.identities.list(ctx.caller.accountId, {
        pageSize: 1000,
        after,
        type: 'EMAIL_ADDRESS',
      });
      addresses.push(...page.items.filter((v) => v.status === 'SUCCESS').map((v) => v.record.name));
      after = page.next ?? undefined;
    } while (after);
    return { VerifiedEmailAddresses: addresses };
  }),

  DeleteIdentity: action<{ Identity: string }>(async (ctx, input) => {
    await deleteIdentity(ctx, input.Identity);
    return {};
  }),

  DeleteVerifiedEmailAddress: action<{ EmailAddress: string }>(async (ctx, input) => {
    await deleteIdentity(ctx, input.EmailAddress);
    return undefined;
  }),

  SetIdentityMailFromDomain: action<{
    Identity: string;
    MailFromDomain?: string;
    BehaviorOnMXFailure?: 'UseDefaultValue' | 'RejectMessage';
  }>(async (ctx, input) => {
    await ctx.core.identities.setMailFrom(ctx.caller.accountId, input.Identity, {
      domain: input.MailFromDomain,
      behaviorOnMxFailure: input.BehaviorOnMXFailure
        ? (upperSnake(input.BehaviorOnMXFailure) as 'USE_DEFAULT_VALUE' | 'REJECT_MESSAGE')
        : undefined,
    });
    return {};
  }),

  GetIdentityMailFromDomainAttributes: action<{ Identities: string[] }>(async (ctx, input) => ({
    MailFromDomainAttributes: Object.fromEntries(
      (await views(ctx, input.Identities)).map(([name, v]) => {
        const mf = v.record.mailFrom;
        return [
          name,
          mf
            ? {
                MailFromDomain: mf.domain,
                MailFromDomainStatus: pascal(mf.status),
                BehaviorOnMXFailure: pascal(mf.behaviorOnMxFailure),
              }
            : { BehaviorOnMXFailure: 'UseDefaultValue' },
        ];
      }),
    ),
  })),

  SetIdentityFeedbackForwardingEnabled: action<{ Identity: string; ForwardingEnabled: boolean }>(
    async (ctx, input) => {
      await ctx.core.identities.setFeedbackForwarding(
        ctx.caller.accountId,
        input.Identity,
        input.ForwardingEnabled,
      );
      return {};
    },
  ),
};

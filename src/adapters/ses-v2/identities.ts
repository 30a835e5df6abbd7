/** SES v2 email identity operations (identities, DKIM, MAIL FROM, feedback, default configuration set). */
import {
  SesError,
  type DkimKeyLength,
  type DkimView,
  type IdentityView,
  type Tag,
} from '../../core/index.ts';
import { decodeToken, encodeToken, op, type V2Handler } from './handler.ts';

interface TagInput {
  Key: string;
  Value: string;
}

export const toTags = (tags: TagInput[] | undefined): Tag[] =>
  (tags ?? []).map((t) => ({ key: t.Key, value: t.Value }));
export const fromTags = (tags: Tag[]): TagInput[] => tags.map((t) => ({ Key: t.key, Value: t.value }));

export function dkimAttributes(d: DkimView): object {
  return {
    SigningEnabled: d.signingEnabled,
    Status: d.status,
    Tokens: d.tokens,
    ...(d.origin ? { SigningAttributesOrigin: d.origin } : {}),
    ...(d.currentKeyLength ? { CurrentSigningKeyLength: d.currentKeyLength } : {}),
    ...(d.nextKeyLength ? { NextSigningKeyLength: d.nextKeyLength } : {}),
    ...(d.lastKeyGeneratedAt !== null ? { LastKeyGenerationTimestamp: new Date(d.lastKeyGeneratedAt) } : {}),
  };
}

function identityOutput(v: IdentityView): object {
  const r = v.record;
  return {
    IdentityType: r.type,
    FeedbackForwardingStatus: r.feedbackForwarding,
    VerifiedForSendingStatus: v.verifiedForSending,
    VerificationStatus: v.status,
    DkimAttributes: dkimAttributes(v.dkim),
    ...(r.mailFrom
      ? {
          MailFromAttributes: {
            MailFromDomain: r.mailFrom.domain,
            MailFromDomainStatus: r.mailFrom.status,
            BehaviorOnMxFailure: r.mailFrom.behaviorOnMxFailure,
          },
        }
      : {}),
    Policies: {},
    Tags: fromTags(v.tags),
    ...(r.configurationSetName ? { ConfigurationSetName: r.configurationSetName } : {}),
    VerificationInfo: {
      ...(r.lastCheckedAt !== null ? { LastCheckedTimestamp: new Date(r.lastCheckedAt) } : {}),
      ...(r.lastSuccessAt !== null ? { LastSuccessTimestamp: new Date(r.lastSuccessAt) } : {}),
      ...(r.errorType ? { ErrorType: r.errorType } : {}),
    },
  };
}

interface DkimSigningAttributesInput {
  DomainSigningSelector?: string;
  DomainSigningPrivateKey?: string;
  NextSigningKeyLength?: DkimKeyLength;
  DomainSigningAttributesOrigin?: string;
}

function signingOrigin(origin: string | undefined): 'AWS_SES' | 'EXTERNAL' {
  if (origin === undefined || origin === 'AWS_SES' || origin === 'EXTERNAL') return origin ?? 'AWS_SES';
  throw new SesError(
    'BadRequestException',
    `Sesame does not support DKIM signing attributes origin ${origin} (cross-region DKIM); use AWS_SES or EXTERNAL.`,
  );
}

export const identityHandlers: Record<string, V2Handler> = {
  CreateEmailIdentity: op<{
    EmailIdentity: string;
    Tags?: TagInput[];
    DkimSigningAttributes?: DkimSigningAttributesInput;
    ConfigurationSetName?: string;
  }>(async (ctx, input) => {
    const d = input.DkimSigningAttributes;
    const byodkim = d && (d.DomainSigningSelector || d.DomainSigningPrivateKey);
    const view = await ctx.core.identities.create(ctx.caller.accountId, {
      identity: input.EmailIdentity,
      tags: toTags(input.Tags),
      configurationSetName: input.ConfigurationSetName,
      dkimSigning: d
        ? {
            origin: byodkim ? 'EXTERNAL' : signingOrigin(d.DomainSigningAttributesOrigin),
            selector: d.DomainSigningSelector,
            privateKey: d.DomainSigningPrivateKey,
            nextKeyLength: d.NextSigningKeyLength,
          }
        : undefined,
    });
    return {
      IdentityType: view.record.type,
      VerifiedForSendingStatus: view.verifiedForSending,
      DkimAttributes: dkimAttributes(view.dkim),
    };
  }),

  GetEmailIdentity: op<{ EmailIdentity: string }>(async (ctx, input) => {
    const view = await ctx.core.identities.get(ctx.caller.accountId, input.EmailIdentity);
    const policies = await ctx.core.authorization.policies(ctx.caller.accountId, view.record.name);
    return { ...identityOutput(view), Policies: policies };
  }),

  ListEmailIdentities: op<{ PageSize?: number; NextToken?: string }>(async (ctx, input) => {
    const pageSize = input.PageSize ?? 100;
    if (pageSize < 0 || pageSize > 1000)
      throw new SesError('BadRequestException', 'PageSize must be between 0 and 1000.');
    const page = await ctx.core.identities.list(ctx.caller.accountId, {
      pageSize: pageSize === 0 ? 100 : pageSize,
      after: decodeToken(input.NextToken),
    });
    return {
      EmailIdentities: page.items.map((v) => ({
        IdentityType: v.record.type,
        IdentityName: v.record.name,
        SendingEnabled: v.verifiedForSending,
        VerificationStatus: v.status,
      })),
      NextToken: encodeToken(page.next),
    };
  }),

  DeleteEmailIdentity: op<{ EmailIdentity: string }>(async (ctx, input) => {
    await ctx.core.identities.delete(ctx.caller.accountId, input.EmailIdentity);
    return {};
  }),

  PutEmailIdentityDkimAttributes: op<{ EmailIdentity: string; SigningEnabled?: boolean }>(
    async (ctx, input) => {
      await ctx.core.identities.setDkimSigningEnabled(
        ctx.caller.accountId,
        input.EmailIdentity,
        input.SigningEnabled ?? false,
      );
      return {};
    },
  ),

  PutEmailIdentityDkimSigningAttributes: op<{
    EmailIdentity: string;
    SigningAttributesOrigin: string;
    SigningAttributes?: DkimSigningAttributesInput;
  }>(async (ctx, input) => {
    const a = input.SigningAttributes ?? {};
    const dkim = await ctx.core.identities.setDkimSigning(ctx.caller.accountId, input.EmailIdentity, {
      origin: signingOrigin(input.SigningAttributesOrigin),
      selector: a.DomainSigningSelector,
      privateKey: a.DomainSigningPrivateKey,
      nextKeyLength: a.NextSigningKeyLength,
    });
    return { DkimStatus: dkim.status, DkimTokens: dkim.tokens };
  }),

  PutEmailIdentityMailFromAttributes: op<{
    EmailIdentity: string;
    MailFromDomain?: string;
    BehaviorOnMxFailure?: 'USE_DEFAULT_VALUE' | 'REJECT_MESSAGE';
  }>(async (ctx, input) => {
    await ctx.core.identities.setMailFrom(ctx.caller.accountId, input.EmailIdentity, {
      domain: input.MailFromDomain,
      behaviorOnMxFailure: input.BehaviorOnMxFailure,
    });
    return {};
  }),

  PutEmailIdentityFeedbackAttributes: op<{ EmailIdentity: string; EmailForwardingEnabled?: boolean }>(
    async (ctx, input) => {
      await ctx.core.identities.setFeedbackForwarding(
        ctx.caller.accountId,
        input.EmailIdentity,
        input.EmailForwardingEnabled ?? false,
      );
      return {};
    },
  ),

  PutEmailIdentityConfigurationSetAttributes: op<{ EmailIdentity: string; ConfigurationSetName?: string }>(
    async (ctx, input) => {
      await ctx.core.identities.setConfigurationSet(
        ctx.caller.accountId,
        input.EmailIdentity,
        input.ConfigurationSetName || undefined,
      );
      return {};
    },
  ),
};

/** SES v2 identity policies (sending authorization): Create/Get/Update/DeleteEmailIdentityPolicy. */
import { op, type V2Handler } from './handler.ts';

interface PolicyInput {
  EmailIdentity: string;
  PolicyName: string;
  Policy: string;
}

export const identityPolicyHandlers: Record<string, V2Handler> = {
  CreateEmailIdentityPolicy: op<PolicyInput>(async (ctx, input) => {
    await ctx.core.authorization.writePolicy(
      ctx.caller.accountId,
      input.EmailIdentity,
      input.PolicyName,
      input.Policy,
      'create',
    );
    return {};
  }),

  UpdateEmailIdentityPolicy: op<PolicyInput>(async (ctx, input) => {
    await ctx.core.authorization.writePolicy(
      ctx.caller.accountId,
      input.EmailIdentity,
      input.PolicyName,
      input.Policy,
      'update',
    );
    return {};
  }),

  GetEmailIdentityPolicies: op<{ EmailIdentity: string }>(async (ctx, input) => ({
    Policies: await ctx.core.authorization.policies(ctx.caller.accountId, input.EmailIdentity),
  })),

  DeleteEmailIdentityPolicy: op<{ EmailIdentity: string; PolicyName: string }>(async (ctx, input) => {
    await ctx.core.authorization.deletePolicy(
      ctx.caller.accountId,
      input.EmailIdentity,
      input.PolicyName,
      true,
    );
    return {};
  }),
};

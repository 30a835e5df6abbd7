/** SES v1 identity policies (sending authorization): Put/Get/List/DeleteIdentityPolicy. */
import { action, type V1Handler } from './handler.ts';

export const identityPolicyActions: Record<string, V1Handler> = {
  PutIdentityPolicy: action<{ Identity: string; PolicyName: string; Policy: string }>(async (ctx, input) => {
    await ctx.core.authorization.writePolicy(
      ctx.caller.accountId,
      input.Identity,
      input.PolicyName,
      input.Policy,
      'put',
    );
    return {};
  }),

  GetIdentityPolicies: action<{ Identity: string; PolicyNames: string[] }>(async (ctx, input) => ({
    Policies: await ctx.core.authorization.policies(ctx.caller.accountId, input.Identity, input.PolicyNames),
  })),

  ListIdentityPolicies: action<{ Identity: string }>(async (ctx, input) => ({
    PolicyNames: Object.keys(await ctx.core.authorization.policies(ctx.caller.accountId, input.Identity)),
  })),

  // SES v1 answers success when the policy is not there.
  DeleteIdentityPolicy: action<{ Identity: string; PolicyName: string }>(async (ctx, input) => {
    await ctx.core.authorization.deletePolicy(ctx.caller.accountId, input.Identity, input.PolicyName, false);
    return {};
  }),
};

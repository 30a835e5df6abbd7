/** SES v2 identity policies (sending authorization): Create/Get/Update/DeleteEmailIdentityPolicy. */
import { op, type V2Handler } from './handler.ts';

interface PolicyInput {
  EmailIdentity: string;
  PolicyName: string;
  Policy: string;
}

/** Create (AlreadyExists when the name is taken) and Update (NotFound when it is not): one write. */
const write = (mode: 'create' | 'update') =>
  op<PolicyInput>(async (ctx, input) => {
    await ctx.core.authorization.writePolicy(
      ctx.caller.accountId,
      input.EmailIdentity,
      input.PolicyName,
      input.Policy,
      mode,
    );
    return {};
  });

export const identityPolicyHandlers: Record<string, V2Handler> = {
  CreateEmailIdentityPolicy: write('create'),
  UpdateEmailIdentityPolicy: write('update'),

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

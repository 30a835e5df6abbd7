/** SES v2 tagging: TagResource, UntagResource, ListTagsForResource. */
import { fromTags, toTags } from './identities.ts';
import { op, type V2Handler } from './handler.ts';

export const tagHandlers: Record<string, V2Handler> = {
  TagResource: op<{ ResourceArn: string; Tags: { Key: string; Value: string }[] }>(async (ctx, input) => {
    await ctx.core.tags.tagResource(ctx.caller.accountId, input.ResourceArn, toTags(input.Tags));
    return {};
  }),
  UntagResource: op<{ ResourceArn: string; TagKeys: string[] }>(async (ctx, input) => {
    await ctx.core.tags.untagResource(ctx.caller.accountId, input.ResourceArn, input.TagKeys);
    return {};
  }),
  ListTagsForResource: op<{ ResourceArn: string }>(async (ctx, input) => ({
    Tags: fromTags(await ctx.core.tags.listForResource(ctx.caller.accountId, input.ResourceArn)),
  })),
};

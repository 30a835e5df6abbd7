/** SES v2 account-level suppression list. */
import { SesError, type SuppressionReason } from '../../core/index.ts';
import { pageLimit } from '../ses-shared.ts';
import { decodeToken, encodeToken, op, type V2Handler } from './handler.ts';

export const suppressionHandlers: Record<string, V2Handler> = {
  PutSuppressedDestination: op<{ EmailAddress: string; Reason: SuppressionReason }>(async (ctx, input) => {
    await ctx.core.suppression.put(ctx.caller.accountId, input.EmailAddress, input.Reason);
    return {};
  }),

  GetSuppressedDestination: op<{ EmailAddress: string }>(async (ctx, input) => {
    const r = await ctx.core.suppression.get(ctx.caller.accountId, input.EmailAddress);
    return {
      SuppressedDestination: {
        EmailAddress: r.email,
        Reason: r.reason,
        LastUpdateTime: new Date(r.lastUpdate),
        ...(r.messageId || r.feedbackId
          ? {
              Attributes: {
                ...(r.messageId ? { MessageId: r.messageId } : {}),
                ...(r.feedbackId ? { FeedbackId: r.feedbackId } : {}),
              },
            }
          : {}),
      },
    };
  }),

  ListSuppressedDestinations: op<{
    Reasons?: SuppressionReason[];
    StartDate?: Date;
    EndDate?: Date;
    NextToken?: string;
    PageSize?: number;
  }>(async (ctx, input) => {
    const page = await ctx.core.suppression.list(ctx.caller.accountId, {
      reasons: input.Reasons,
      start: input.StartDate?.getTime(),
      end: input.EndDate?.getTime(),
      after: suppressionCursor(input.NextToken),
      pageSize: pageLimit('PageSize', input.PageSize || undefined, 1000, 100),
    });
    return {
      SuppressedDestinationSummaries: page.items.map((r) => ({
        EmailAddress: r.email,
        Reason: r.reason,
        LastUpdateTime: new Date(r.lastUpdate),
      })),
      NextToken: encodeToken(page.next),
    };
  }),

  DeleteSuppressedDestination: op<{ EmailAddress: string }>(async (ctx, input) => {
    await ctx.core.suppression.delete(ctx.caller.accountId, input.EmailAddress);
    return {};
  }),
};

/** ListSuppressedDestinations names a bad token with its own error (the only v2 operation that does). */
function suppressionCursor(token: string | undefined): string | undefined {
  try {
    return decodeToken(token);
  } catch {
    throw new SesError('InvalidNextTokenException', 'The NextToken is not valid.');
  }
}

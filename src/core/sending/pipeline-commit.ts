/**
 * The last step of the send pipeline: the accepted message's records (message-records.ts), its first events
 * (Send, and a Rendering Failure or an OnAccountSuppressionList bounce), committed before the caller is answered.
 */
import { formatMailbox, parseMailbox } from '../../lib/mime/index.ts';
import type {
  EventRecord,
  EventTypeName,
  MessageOptions,
  MessageRecord,
  RecipientStatus,
} from '../../store/store.ts';
import { sendEventId } from '../../store/store.ts';
import { domainOf } from './addresses.ts';
import { bounceEvent, eventRecord } from './events.ts';
import { messageRecords } from './message-records.ts';
import type { SendContext } from './pipeline.ts';

function messageOptions(ctx: SendContext): MessageOptions | null {
  const set = ctx.configurationSetRecord;
  if (!set) return null;
  const wants = (t: EventTypeName) =>
    set.eventDestinations.some((d) => d.enabled && d.matchingEventTypes.includes(t));
  const open = wants('OPEN');
  const click = wants('CLICK');
  const tracking = set.options.tracking;
  const base = tracking
    ? `${tracking.httpsPolicy === 'OPTIONAL' ? 'http' : 'https'}://${tracking.customRedirectDomain}`
    : ctx.deps.publicUrl;
  return {
    tlsRequired: set.options.delivery.tlsPolicy === 'REQUIRE',
    maxDeliverySeconds: set.options.delivery.maxDeliverySeconds,
    tracking: open || click ? { base, open, click } : null,
    sendingPoolName: set.options.delivery.sendingPoolName,
  };
}

export async function commit(ctx: SendContext): Promise<void> {
  const { deps, account, input } = ctx;
  const tags: Record<string, string[]> = {
    ...(ctx.configurationSet ? { 'ses:configuration-set': [ctx.configurationSet] } : {}),
    ...(input.sourceIp ? { 'ses:source-ip': [input.sourceIp] } : {}),
    'ses:from-domain': [domainOf(ctx.from.address)],
    ...(input.callerIdentity ? { 'ses:caller-identity': [input.callerIdentity] } : {}),
    'ses:operation': [input.operation],
    ...ctx.tags,
  };
  const { message, recipients } = messageRecords({
    id: ctx.messageId,
    accountId: account.id,
    createdAt: ctx.now,
    source: ctx.from.address,
    displaySource: formatMailbox(ctx.from),
    sourceArn: ctx.profile?.identityArn ?? '',
    sourceIp: input.sourceIp,
    callerIdentity: input.callerIdentity,
    fromDomain: domainOf(parseMailbox(headerFromOf(ctx))?.address ?? ctx.from.address),
    mailFromDomain: ctx.mailFromDomain,
    configurationSet: ctx.configurationSet,
    body: ctx.mime!,
    headers: ctx.headers,
    recipients: ctx.recipients.map((address, index) => {
      const [status, lastResponse] = recipientStart(ctx, index);
      return { address, status, lastResponse };
    }),
    tags,
    feedbackAddress: input.feedbackAddress ?? null,
    listManagement: ctx.listManagement
      ? {
          contactListName: ctx.listManagement.contactListName,
          topicName: ctx.listManagement.topicName ?? null,
        }
      : null,
    operation: input.operation,
    options: messageOptions(ctx),
    nodeId: deps.nodeId,
  });
  const events: EventRecord[] = [
    eventRecord(message, 'Send', { key: 'send', value: {} }, ctx.now, null, sendEventId(message.id)),
  ];
  if (ctx.renderingFailure !== undefined)
    events.push(
      eventRecord(
        message,
        'Rendering Failure',
        { key: 'failure', value: { errorMessage: ctx.renderingFailure, templateName: ctx.template!.name } },
        ctx.now,
      ),
    );
  else if (ctx.suppressed.size > 0) events.push(suppressedBounce(message, ctx, deps.mailHost));
  await deps.commit({
    message,
    body: ctx.mime!,
    recipients,
    events,
    quotaRecipients: deps.quotaCountsAtCommit ? ctx.dailyTaken : 0,
  });
}

/** Where a recipient starts: queued for delivery, or done already (and why). */
function recipientStart(ctx: SendContext, index: number): [RecipientStatus, string | null] {
  if (ctx.renderingFailure !== undefined)
    return ['failed', `not sent: the template could not be rendered: ${ctx.renderingFailure}`];
  if (ctx.suppressed.has(index)) return ['suppressed', 'suppressed: on the account-level suppression list'];
  if (ctx.unsubscribed.has(index)) {
    const lm = ctx.listManagement!;
    return [
      'unsubscribed',
      `not sent: unsubscribed from contact list ${lm.contactListName}${lm.topicName ? ` (topic ${lm.topicName})` : ''}`,
    ];
  }
  return ['queued', null];
}

function headerFromOf(ctx: SendContext): string {
  return ctx.headers.find((h) => h.name.toLowerCase() === 'from')?.value ?? ctx.from.address;
}

function suppressedBounce(message: MessageRecord, ctx: SendContext, mailHost: string): EventRecord {
  return bounceEvent(
    message,
    ctx.now,
    {
      bounceType: 'Permanent',
      bounceSubType: 'OnAccountSuppressionList',
      bouncedRecipients: [...ctx.suppressed.keys()].map((i) => ({
        emailAddress: ctx.recipients[i]!,
        action: 'failed',
        status: '5.1.1',
        diagnosticCode:
          'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
      })),
      reportingMTA: `dns; ${mailHost}`,
    },
    null,
  );
}

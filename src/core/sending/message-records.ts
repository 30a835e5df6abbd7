/**
 * The records an accepted message is stored as: the message (with its SES `mail` object) and one queue entry
 * per recipient. One place, used by the send pipeline's commit and by Sesame's own system mail.
 */
import type { HeaderField } from '../../lib/mime/index.ts';
import type { MessageOptions, MessageRecord, RecipientRecord, RecipientStatus } from '../../store/store.ts';
import { domainOf } from './addresses.ts';
import { mailObject } from './events.ts';

export interface MessageDraft {
  id: string;
  accountId: string;
  createdAt: number;
  /** The verified address the message is sent as. */
  source: string;
  /** The sender as the `mail.source` of events shows it (with its display name). */
  displaySource: string;
  /** ARN of the identity that authorises the sender ('' for Sesame's own mail). */
  sourceArn: string;
  sourceIp?: string | undefined;
  callerIdentity?: string | undefined;
  fromDomain: string;
  mailFromDomain: string;
  configurationSet: string | null;
  body: Buffer;
  /** The headers as sent (the `mail.headers` of events). */
  headers: HeaderField[];
  recipients: { address: string; status: RecipientStatus; lastResponse: string | null }[];
  tags: Record<string, string[]>;
  feedbackAddress: string | null;
  listManagement: MessageRecord['listManagement'];
  operation: string;
  options: MessageOptions | null;
  /** The node that accepts the message (it owns the deliveries). */
  nodeId: string;
}

export function messageRecords(d: MessageDraft): { message: MessageRecord; recipients: RecipientRecord[] } {
  const message: MessageRecord = {
    id: d.id,
    accountId: d.accountId,
    createdAt: d.createdAt,
    source: d.source,
    fromDomain: d.fromDomain,
    mailFromDomain: d.mailFromDomain,
    configurationSet: d.configurationSet,
    size: d.body.length,
    recipientCount: d.recipients.length,
    mail: mailObject({
      messageId: d.id,
      timestamp: d.createdAt,
      source: d.displaySource,
      sourceArn: d.sourceArn,
      sourceIp: d.sourceIp,
      callerIdentity: d.callerIdentity,
      accountId: d.accountId,
      destination: d.recipients.map((r) => r.address),
      headers: d.headers,
    }),
    tags: d.tags,
    feedbackAddress: d.feedbackAddress,
    listManagement: d.listManagement,
    operation: d.operation,
    options: d.options,
  };
  const recipients: RecipientRecord[] = d.recipients.map((r, index) => ({
    messageId: d.id,
    index,
    address: r.address,
    domain: domainOf(r.address),
    status: r.status,
    attempts: 0,
    nextAttemptAt: r.status === 'queued' ? d.createdAt : null,
    updatedAt: d.createdAt,
    lastResponse: r.lastResponse,
    owner: d.nodeId,
  }));
  return { message, recipients };
}

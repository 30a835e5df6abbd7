/**
 * Sesame's own mail (address verification, forwarded feedback): from no-reply@ the bounce domain, queued and
 * delivered like any message, but outside every account — never counted against a quota, never evented.
 */
import { newMessageId } from '../../lib/ids.ts';
import { buildSimpleMime, parseHeaderBlock, rfc5322Date } from '../../lib/mime/index.ts';
import type { Acceptance } from './acceptance.ts';
import { messageRecords } from './message-records.ts';

/** The account of Sesame's own messages. */
export const SYSTEM_ACCOUNT = '000000000000';

export interface SystemMessage {
  to: string;
  /** Display name of the From address (default "Sesame"). */
  fromName?: string;
  subject: string;
  text: string;
  html?: string;
}

export class SystemMail {
  readonly #acceptance: Acceptance;
  readonly #settings: { bounceDomain: string; mailHost: string; nodeId: string };
  readonly #now: () => number;

  constructor(deps: {
    acceptance: Acceptance;
    settings: { bounceDomain: string; mailHost: string; nodeId: string };
    now: () => number;
  }) {
    this.#acceptance = deps.acceptance;
    this.#settings = deps.settings;
    this.#now = deps.now;
  }

  /**
   * A ready message sent on behalf of an account from one of its verified addresses (receiving's bounces):
   * signed with that identity's DKIM key, outside the account's quota, without events. Message-ID and Date
   * are Sesame's. Resolves with the MessageId once committed.
   */
  async sendAs(m: {
    accountId: string;
    from: string;
    to: string;
    raw: string;
    operation: string;
  }): Promise<string> {
    const { bounceDomain, mailHost, nodeId } = this.#settings;
    const now = this.#now();
    const id = newMessageId(now);
    const body = Buffer.from(
      `Message-ID: <${id}@${mailHost}>\r\nDate: ${rfc5322Date(new Date(now))}\r\n${m.raw}`,
    );
    const fromDomain = m.from.slice(m.from.lastIndexOf('@') + 1).toLowerCase();
    const { message, recipients } = messageRecords({
      id,
      accountId: m.accountId,
      createdAt: now,
      source: m.from,
      displaySource: m.from,
      sourceArn: '',
      fromDomain,
      mailFromDomain: bounceDomain,
      configurationSet: null,
      body,
      headers: parseHeaderBlock(body).fields,
      recipients: [{ address: m.to, status: 'queued', lastResponse: null }],
      tags: {},
      feedbackAddress: null,
      listManagement: null,
      operation: m.operation,
      options: null,
      nodeId,
    });
    await this.#acceptance.commit([{ message, body, recipients, events: [], quotaRecipients: 0 }]);
    return id;
  }

  /** Resolves with the MessageId once the message is committed. */
  async send(m: SystemMessage): Promise<string> {
    const { bounceDomain, mailHost, nodeId } = this.#settings;
    const now = this.#now();
    const id = newMessageId(now);
    const address = `no-reply@${bounceDomain}`;
    const from = `${m.fromName ?? 'Sesame'} <${address}>`;
    const body = await buildSimpleMime({
      from,
      to: [m.to],
      cc: [],
      replyTo: [],
      subject: m.subject,
      text: m.text,
      html: m.html,
      headers: [],
      attachments: [],
      messageIdHeader: `<${id}@${mailHost}>`,
      date: new Date(now),
    });
    const { message, recipients } = messageRecords({
      id,
      accountId: SYSTEM_ACCOUNT,
      createdAt: now,
      source: address,
      displaySource: from,
      sourceArn: '',
      fromDomain: bounceDomain,
      mailFromDomain: bounceDomain,
      configurationSet: null,
      body,
      headers: parseHeaderBlock(body).fields,
      recipients: [{ address: m.to, status: 'queued', lastResponse: null }],
      tags: {},
      feedbackAddress: null,
      listManagement: null,
      operation: 'system',
      options: null,
      nodeId,
    });
    await this.#acceptance.commit([{ message, body, recipients, events: [], quotaRecipients: 0 }]);
    return id;
  }
}

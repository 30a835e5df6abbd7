/**
 * What receiving tells the outside, in SES's shapes (ses-spec.md §7.2): the `receipt` object with the five
 * verdicts and the action, the Received notification (SNS actions carry the mail in `content`; every other
 * action's TopicArn gets it without), the Lambda event, and the mail as actions store it — with the headers
 * SES adds (Return-Path, Received, the verdicts, Received-SPF, Authentication-Results) and those of AddHeader.
 */
import type { InboundActionRecord, InboundMessageRecord, ReceiptActionRecord } from '../../store/store.ts';

/** The trace field of the receiving hop (RFC 5321 §4.4), as SES writes it ("with SMTP id <messageId>"). */
export function receivedHeader(
  m: Pick<InboundMessageRecord, 'id' | 'helo' | 'clientIp' | 'tls' | 'recipients' | 'receivedAt'>,
  mailHost: string,
): string {
  const ip = m.clientIp.replace(/^::ffff:/, '');
  const helo = m.helo.replace(/[^\x21-\x7e]/g, '') || 'unknown';
  const rcpt = m.recipients.length === 1 ? `\r\n\tfor ${m.recipients[0]}` : '';
  const date = new Date(m.receivedAt).toUTCString().replace('GMT', '+0000');
  return `Received: from ${helo} ([${ip}])\r\n\tby ${mailHost} with ${m.tls ? 'ESMTPS' : 'ESMTP'} id ${m.id}${rcpt};\r\n\t${date}\r\n`;
}

/** The message as S3 stores it and SNS publishes it. */
export function deliveredContent(m: InboundMessageRecord, raw: Buffer, mailHost: string): Buffer {
  const added = m.state.addedHeaders.map((h) => `${h.name}: ${h.value}\r\n`).join('');
  const verdicts = m.receipt?.headers ? `${m.receipt.headers}\r\n` : '';
  const head = `Return-Path: <${m.mailFrom}>\r\n${receivedHeader(m, mailHost)}${verdicts}${added}`;
  return Buffer.concat([Buffer.from(head), raw]);
}

/** `receipt.action` for one action (each type names its own fields). */
export function actionObject(a: ReceiptActionRecord, messageId: string): Record<string, unknown> {
  switch (a.type) {
    case 'S3':
      return {
        type: 'S3',
        ...(a.topicArn ? { topicArn: a.topicArn } : {}),
        bucketName: a.bucketName,
        objectKey: `${a.objectKeyPrefix ?? ''}${messageId}`,
      };
    case 'SNS':
      // The API's enum says Base64; SES's notifications say BASE64 (its documented example).
      return { type: 'SNS', topicArn: a.topicArn, encoding: a.encoding === 'Base64' ? 'BASE64' : 'UTF8' };
    case 'Bounce':
      return {
        type: 'Bounce',
        ...(a.topicArn ? { topicArn: a.topicArn } : {}),
        smtpReplyCode: a.smtpReplyCode,
        ...(a.statusCode ? { statusCode: a.statusCode } : {}),
        message: a.message,
        sender: a.sender,
      };
    case 'Lambda':
      return {
        type: 'Lambda',
        ...(a.topicArn ? { topicArn: a.topicArn } : {}),
        functionArn: a.functionArn,
        invocationType: a.invocationType,
      };
    case 'Stop':
      return { type: 'Stop', ...(a.topicArn ? { topicArn: a.topicArn } : {}) };
    case 'AddHeader':
      return { type: 'AddHeader' };
  }
}

/** The `receipt` object of a notification or a Lambda event about one action. */
export function receiptObject(
  m: InboundMessageRecord,
  job: InboundActionRecord,
  at: number,
): Record<string, unknown> {
  const r = m.receipt;
  const status = (v: string | undefined) => ({ status: v ?? 'PROCESSING_FAILED' });
  return {
    timestamp: new Date(at).toISOString(),
    processingTimeMillis: r?.processingTimeMillis ?? 0,
    recipients: job.recipients,
    spamVerdict: status(r?.spamVerdict),
    virusVerdict: status(r?.virusVerdict),
    spfVerdict: status(r?.spfVerdict),
    dkimVerdict: status(r?.dkimVerdict),
    dmarcVerdict: status(r?.dmarcVerdict),
    ...(r?.dmarcPolicy ? { dmarcPolicy: r.dmarcPolicy } : {}),
    action: actionObject(job.action, m.id),
  };
}

/** The Received notification; `content` (SNS actions only) in the action's encoding. */
export function receivedNotification(
  m: InboundMessageRecord,
  job: InboundActionRecord,
  at: number,
  content?: Buffer,
): string {
  const encoding = job.action.type === 'SNS' ? job.action.encoding : 'UTF-8';
  return JSON.stringify({
    notificationType: 'Received',
    mail: m.mail,
    receipt: receiptObject(m, job, at),
    ...(content
      ? { content: encoding === 'Base64' ? content.toString('base64') : content.toString('utf8') }
      : {}),
  });
}

/** SES's Lambda event: mail and receipt, no body (an S3 action before it stores the body). */
export function lambdaEvent(m: InboundMessageRecord, job: InboundActionRecord, at: number): string {
  return JSON.stringify({
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: { mail: m.mail, receipt: receiptObject(m, job, at) },
      },
    ],
  });
}

/**
 * Delivery status notifications (RFC 3464) for received mail: what a Bounce action sends, and what SendBounce
 * sends for a message received in the last 24 hours. `multipart/report` with a human-readable part, the
 * `message/delivery-status` part, and the original message's headers.
 */
import { randomUUID } from 'node:crypto';
import { rfc5322Date } from '../../lib/mime/index.ts';

export interface DsnRecipient {
  finalRecipient: string;
  action: string;
  status: string;
  diagnosticCode?: string | undefined;
  remoteMta?: string | undefined;
  lastAttemptDate?: Date | undefined;
  extensionFields?: { name: string; value: string }[] | undefined;
}

export interface DsnInput {
  from: string;
  to: string;
  explanation: string;
  reportingMta: string;
  arrivalDate?: Date | undefined;
  extensionFields?: { name: string; value: string }[] | undefined;
  recipients: DsnRecipient[];
  /** The header block of the message being bounced. */
  originalHeaders: string;
}

/** A field value may not break the report: no line breaks. */
const field = (v: string) => v.replace(/[\r\n]+/g, ' ').trim();

export function buildDsn(d: DsnInput): string {
  const boundary = `dsn-${randomUUID()}`;
  const perMessage = [
    `Reporting-MTA: ${field(d.reportingMta.includes(';') ? d.reportingMta : `dns; ${d.reportingMta}`)}`,
    ...(d.arrivalDate ? [`Arrival-Date: ${rfc5322Date(d.arrivalDate)}`] : []),
    ...(d.extensionFields ?? []).map((f) => `${field(f.name)}: ${field(f.value)}`),
  ];
  const perRecipient = d.recipients.map((r) =>
    [
      `Final-Recipient: rfc822; ${field(r.finalRecipient)}`,
      `Action: ${field(r.action)}`,
      `Status: ${field(r.status)}`,
      ...(r.remoteMta ? [`Remote-MTA: dns; ${field(r.remoteMta)}`] : []),
      ...(r.diagnosticCode ? [`Diagnostic-Code: smtp; ${field(r.diagnosticCode)}`] : []),
      ...(r.lastAttemptDate ? [`Last-Attempt-Date: ${rfc5322Date(r.lastAttemptDate)}`] : []),
      ...(r.extensionFields ?? []).map((f) => `${field(f.name)}: ${field(f.value)}`),
    ].join('\r\n'),
  );
  return [
    `From: ${field(d.from)}`,
    `To: ${field(d.to)}`,
    'Subject: Delivery Status Notification (Failure)',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    'Auto-Submitted: auto-replied',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    d.explanation,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    perMessage.join('\r\n'),
    '',
    perRecipient.join('\r\n\r\n'),
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    d.originalHeaders.replace(/\r?\n/g, '\r\n').trimEnd(),
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

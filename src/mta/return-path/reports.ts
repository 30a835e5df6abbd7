/**
 * Reading feedback mail: delivery status notifications (RFC 3464, `multipart/report; report-type=
 * delivery-status`) and abuse reports (RFC 5965 ARF, `report-type=feedback-report`).
 */
import { Readable, Writable } from 'node:stream';
import { Splitter, Streamer } from 'mailsplit';
import { classify, parseReply } from '../bounces/classify.ts';

export interface DsnRecipient {
  /** Final-Recipient (else Original-Recipient). */
  email: string;
  /** Original-Recipient, when the DSN gives one (the address as first submitted, before any forwarding). */
  originalEmail: string | undefined;
  action: string;
  status: string;
  diagnosticCode: string | undefined;
  remoteMta: string | undefined;
}

export interface Dsn {
  kind: 'dsn';
  reportingMta: string | undefined;
  arrivalDate: string | undefined;
  recipients: DsnRecipient[];
}

export interface Arf {
  kind: 'arf';
  feedbackType: string;
  userAgent: string | undefined;
  arrivalDate: string | undefined;
  /** Original-Rcpt-To, or the To of the reported message. */
  recipients: string[];
}

/** `Name: value` field groups separated by blank lines (the body of message/delivery-status). */
export function fieldGroups(text: string): Map<string, string>[] {
  const groups: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let last = '';
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.trim() === '') {
      if (current.size) groups.push(current);
      current = new Map();
      continue;
    }
    if (/^[ \t]/.test(line) && last) {
      current.set(last, `${current.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size) groups.push(current);
  return groups;
}

/** `rfc822; user@example.com` → user@example.com */
const addressOf = (v: string | undefined): string | undefined =>
  v
    ?.replace(/^[^;]*;\s*/, '')
    .replace(/^<|>$/g, '')
    .trim() || undefined;

const REPORT_PARTS = new Set([
  'message/delivery-status',
  'message/global-delivery-status',
  'message/feedback-report',
  'message/rfc822',
  'text/rfc822-headers',
]);

/** The decoded bodies of a message's report parts, by content type (mailsplit walks the MIME tree). */
async function reportParts(
  raw: Buffer,
): Promise<{ reportType: string | undefined; parts: Map<string, Buffer> }> {
  const parts = new Map<string, Buffer>();
  let reportType: string | undefined;
  const streamer = new Streamer((node) => {
    const type = node.contentType || '';
    if (type === 'multipart/report' && !reportType)
      reportType = /report-type\s*=\s*"?([\w-]+)/i
        .exec(node.headers.get('content-type').join(' '))?.[1]
        ?.toLowerCase();
    return REPORT_PARTS.has(type) && !parts.has(type);
  });
  streamer.on(
    'node',
    (data: { node: { contentType: string | false }; decoder: NodeJS.ReadableStream; done: () => void }) => {
      const chunks: Buffer[] = [];
      data.decoder.on('data', (c: Buffer) => chunks.push(c));
      data.decoder.on('end', () => {
        parts.set(data.node.contentType || '', Buffer.concat(chunks));
        data.done();
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    const sinkStream = new Writable({ write: (_c, _e, cb) => cb(), objectMode: true });
    sinkStream.on('finish', resolve);
    streamer.on('error', reject);
    Readable.from([raw]).pipe(new Splitter()).pipe(streamer).pipe(sinkStream);
  });
  return { reportType, parts };
}

export async function readReport(raw: Buffer): Promise<Dsn | Arf | undefined> {
  const { reportType, parts } = await reportParts(raw);
  const part = (type: string) => {
    const content = parts.get(type);
    return content ? { content } : undefined;
  };

  const status = part('message/delivery-status') ?? part('message/global-delivery-status');
  if (reportType === 'delivery-status' || status) {
    if (!status) return undefined;
    const [perMessage, ...perRecipient] = fieldGroups(status.content.toString('utf8'));
    return {
      kind: 'dsn',
      reportingMta: perMessage?.get('reporting-mta'),
      arrivalDate: perMessage?.get('arrival-date'),
      recipients: perRecipient
        .map((g) => ({
          email: addressOf(g.get('final-recipient') ?? g.get('original-recipient')) ?? '',
          originalEmail: addressOf(g.get('original-recipient')),
          action: (g.get('action') ?? '').toLowerCase(),
          status: g.get('status') ?? '',
          diagnosticCode: g.get('diagnostic-code'),
          remoteMta: g.get('remote-mta'),
        }))
        .filter((r) => r.email),
    };
  }

  const feedback = part('message/feedback-report');
  if (reportType === 'feedback-report' || feedback) {
    if (!feedback) return undefined;
    const [fields] = fieldGroups(feedback.content.toString('utf8'));
    const original = part('message/rfc822') ?? part('text/rfc822-headers');
    let recipients = fields?.get('original-rcpt-to') ? [addressOf(fields.get('original-rcpt-to'))!] : [];
    if (recipients.length === 0 && original) {
      const to = /^to:\s*(.*)$/im.exec(original.content.toString('utf8'))?.[1];
      const m = to ? /[^\s<>,"]+@[^\s<>,"]+/.exec(to) : null;
      if (m) recipients = [m[0]];
    }
    return {
      kind: 'arf',
      feedbackType: (fields?.get('feedback-type') ?? 'other').toLowerCase(),
      userAgent: fields?.get('user-agent'),
      arrivalDate: fields?.get('arrival-date') ?? fields?.get('received-date'),
      recipients,
    };
  }
  return undefined;
}

/** The SES bounce type of a DSN recipient: its Diagnostic-Code classified by the bounce rules, else its status. */
export function dsnBounceType(r: DsnRecipient): {
  bounceType: 'Permanent' | 'Transient' | 'Undetermined';
  bounceSubType: string;
} {
  const diagnostic = r.diagnosticCode?.replace(/^smtp;\s*/i, '');
  const reply =
    diagnostic && /^\d{3}\b/.test(diagnostic)
      ? parseReply(diagnostic)
      : { code: r.status.startsWith('5') ? 550 : 450, status: r.status, text: diagnostic ?? '' };
  const c = classify({ ...reply, status: r.status || reply.status });
  if (c.kind === 'bounce')
    return {
      bounceType: c.bounceType === 'Undetermined' ? 'Undetermined' : c.bounceType,
      bounceSubType: c.bounceSubType,
    };
  return { bounceType: 'Transient', bounceSubType: 'General' };
}

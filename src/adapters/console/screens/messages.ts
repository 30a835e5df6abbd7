/**
 * Sending from the console and following what was sent: send test email, message search, and a message's
 * page (per-recipient status and the events timeline, refreshed live with htmx while delivery goes on;
 * headers and raw source).
 */
import type { EventRecord, RecipientRecord } from '../../../core/index.ts';
import { html, type Html } from '../../../lib/html.ts';
import type { AccountRequest, ConsoleContext } from '../context.ts';
import { BASE, sendTestPage, SIMULATOR_SCENARIOS } from '../views.ts';

const iso = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 23);

/** What the page shows of a raw source at most (the download has all of it). */
const SOURCE_SHOWN = 512 * 1024;

function eventDetail(e: EventRecord): string {
  const detailKey = Object.keys(e.payload).find((k) => k !== 'eventType' && k !== 'mail');
  const d = (detailKey ? e.payload[detailKey] : {}) as {
    smtpResponse?: string;
    bounceType?: string;
    bounceSubType?: string;
    bouncedRecipients?: { diagnosticCode?: string }[];
    complaintFeedbackType?: string;
    delayType?: string;
    reason?: string;
  };
  return (
    d.smtpResponse ??
    (d.bounceType
      ? `${d.bounceType}/${d.bounceSubType ?? ''}${d.bouncedRecipients?.[0]?.diagnosticCode ? ` — ${d.bouncedRecipients[0].diagnosticCode}` : ''}`
      : undefined) ??
    d.complaintFeedbackType ??
    d.delayType ??
    d.reason ??
    ''
  );
}

/** The live part of a message page: recipients and events; polls itself while a recipient is queued. */
function activity(id: string, recipients: RecipientRecord[], events: EventRecord[]): Html {
  const live = recipients.some((r) => r.status === 'queued');
  return html`<div
    id="activity"
    ${live ? html`hx-get="${BASE}/messages/${encodeURIComponent(id)}/activity" hx-trigger="every 1s" hx-swap="outerHTML"` : ''}
    data-live="${live ? 'true' : 'false'}"
  >
    <h2>Recipients</h2>
    <table class="list" data-testid="recipients">
      <thead>
        <tr>
          <th>Address</th>
          <th>Status</th>
          <th>Attempts</th>
          <th>Last reply</th>
        </tr>
      </thead>
      <tbody>
        ${recipients.map(
          (r) =>
            html`<tr>
              <td>${r.address}</td>
              <td>${r.status}</td>
              <td>${r.attempts}</td>
              <td>${r.lastResponse ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Events</h2>
    <table class="list" data-testid="events">
      <thead>
        <tr>
          <th>Time</th>
          <th>Event</th>
          <th>Recipient</th>
          <th>Detail</th>
        </tr>
      </thead>
      <tbody>
        ${events.map(
          (e) =>
            html`<tr>
              <td>${iso(e.createdAt)}</td>
              <td>${e.type}</td>
              <td>${e.recipient ?? ''}</td>
              <td><code class="value">${eventDetail(e)}</code></td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="empty">
      ${live ? 'Delivery is under way: this part refreshes by itself.' : 'Delivery is done for every recipient.'}
    </p>
  </div>`;
}

/** The header fields of a message source, unfolded, in order. */
function headerFields(source: Buffer): [string, string][] {
  const text = source.toString('utf8', 0, Math.min(source.length, 256 * 1024));
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const fields: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1]![1] += ` ${line.trim()}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
    }
  }
  return fields;
}

export function registerMessageScreens(ctx: ConsoleContext): void {
  const { port } = ctx;

  // ---- send test email ----------------------------------------------------------------------------------
  const senders = async (accountId: string) =>
    (await port.identities.list(accountId, { pageSize: 1000 })).items
      .filter((v) => v.verifiedForSending)
      .map((v) => (v.record.type === 'DOMAIN' ? `sender@${v.record.name}` : v.record.name));
  ctx.accountPage('/send-test', async (r) =>
    ctx.page(r, 'Send test email', 'send-test', sendTestPage(await senders(r.accountId), r.s.csrf)),
  );
  ctx.accountAction('/send-test', async (r) => {
    const f = r.form;
    const scenario = SIMULATOR_SCENARIOS.find(([id]) => id === f.scenario)?.[0];
    const to = scenario ? `${scenario}@simulator.amazonses.com` : (f.to ?? '').trim();
    try {
      const { messageId } = await port.sending.send({
        accountId: r.accountId,
        operation: f.raw ? 'SendRawEmail' : 'SendEmail',
        sourceIp: r.req.ip,
        from: f.from,
        destination: { to: to ? [to] : [] },
        content: f.raw
          ? { kind: 'raw', data: Buffer.from(f.body ?? '') }
          : { kind: 'simple', subject: { data: f.subject ?? '' }, text: { data: f.body ?? '' } },
      });
      return r.reply.redirect(`${BASE}/messages/${encodeURIComponent(messageId)}`, 303);
    } catch (err) {
      return ctx.page(
        r,
        'Send test email',
        'send-test',
        sendTestPage(await senders(r.accountId), r.s.csrf, f),
        {
          error: ctx.failure(err),
        },
      );
    }
  });

  // ---- message search -----------------------------------------------------------------------------------
  ctx.accountPage<Record<string, string>, Record<string, string | undefined>>('/messages', async (r) => {
    const q = r.query;
    const text = (k: string) => (q[k] ?? '').trim() || undefined;
    const time = (k: string) => {
      const v = text(k);
      const t = v ? Date.parse(v.length === 16 ? `${v}:00Z` : v) : NaN;
      return Number.isNaN(t) ? undefined : t;
    };
    const found = await port.sending.search({
      accountId: r.accountId,
      messageId: text('messageId'),
      sender: text('sender'),
      recipient: text('recipient'),
      since: time('since'),
      before: time('before'),
      limit: 100,
    });
    const body = html`<h1>Messages</h1>
      <form method="get" action="${BASE}/messages" class="inline search">
        <label>MessageId <input name="messageId" value="${q.messageId ?? ''}" /></label>
        <label>Recipient <input name="recipient" value="${q.recipient ?? ''}" /></label>
        <label>Sender <input name="sender" value="${q.sender ?? ''}" /></label>
        <label>From (UTC) <input name="since" type="datetime-local" value="${q.since ?? ''}" /></label>
        <label>To (UTC) <input name="before" type="datetime-local" value="${q.before ?? ''}" /></label>
        <button>Search</button>
      </form>
      ${
        found.length === 0
          ? html`<p class="empty">No message matches.</p>`
          : html`<table class="list" data-testid="messages">
                <thead>
                  <tr>
                    <th>Accepted (UTC)</th>
                    <th>From</th>
                    <th>Subject</th>
                    <th>Recipients</th>
                    <th>MessageId</th>
                  </tr>
                </thead>
                <tbody>
                  ${found.map((m) => {
                    const common = (m.mail.commonHeaders ?? {}) as { subject?: string };
                    const destination = (m.mail.destination ?? []) as string[];
                    return html`<tr>
                      <td>${iso(m.createdAt)}</td>
                      <td>${m.source}</td>
                      <td>${common.subject ?? ''}</td>
                      <td>${destination.join(', ')}</td>
                      <td>
                        <a href="${BASE}/messages/${encodeURIComponent(m.id)}"><code>${m.id}</code></a>
                      </td>
                    </tr>`;
                  })}
                </tbody>
              </table>
              ${found.length === 100 ? html`<p class="empty">The newest 100 shown: narrow the search for older ones.</p>` : ''}`
      }`;
    return ctx.page(r, 'Messages', 'messages', body);
  });

  // ---- one message --------------------------------------------------------------------------------------
  /** The message's details when it is this account's (another account's message does not exist for it). */
  const mine = async (r: AccountRequest<{ id: string }>) => {
    const d = await port.sending.details(r.params.id);
    return d && d.message.accountId === r.accountId ? d : undefined;
  };
  const missing = (r: AccountRequest<{ id: string }>) =>
    ctx.notFound(r, `Message ${r.params.id} does not exist.`);

  ctx.accountPage<{ id: string }>('/messages/:id', async (r) => {
    const d = await mine(r);
    if (!d) return missing(r);
    const common = (d.message.mail.commonHeaders ?? {}) as { subject?: string; from?: string[] };
    const source = await port.sending.body(d.message.id);
    const path = `${BASE}/messages/${encodeURIComponent(d.message.id)}`;
    const body = html`<p><a href="${BASE}/messages">← Messages</a></p>
      <h1>${common.subject || '(no subject)'}</h1>
      <table class="kv">
        <tr>
          <th>MessageId</th>
          <td><code data-testid="message-id">${d.message.id}</code></td>
        </tr>
        <tr>
          <th>From</th>
          <td>${common.from?.[0] ?? d.message.source}</td>
        </tr>
        <tr>
          <th>Accepted</th>
          <td>${iso(d.message.createdAt)} UTC by ${d.message.operation}</td>
        </tr>
        <tr>
          <th>Configuration set</th>
          <td>${d.message.configurationSet ?? '—'}</td>
        </tr>
        <tr>
          <th>Size</th>
          <td>${d.message.size.toLocaleString('en-US')} bytes</td>
        </tr>
      </table>
      ${activity(d.message.id, d.recipients, d.events)}
      <h2>Headers</h2>
      ${
        source
          ? html`<table class="list headers" data-testid="headers">
                <tbody>
                  ${headerFields(source).map(
                    ([name, value]) =>
                      html`<tr>
                        <th>${name}</th>
                        <td><code class="value">${value}</code></td>
                      </tr>`,
                  )}
                </tbody>
              </table>
              <h2>Raw source</h2>
              <p><a href="${path}/raw" download="${d.message.id}.eml">Download .eml</a></p>
              <pre data-testid="raw">
${source.toString('utf8', 0, Math.min(source.length, SOURCE_SHOWN))}</pre>
              ${source.length > SOURCE_SHOWN ? html`<p class="empty">The first 512 KB shown.</p>` : ''}`
          : html`<p class="empty">The message source is no longer kept.</p>`
      }`;
    return ctx.page(r, common.subject ?? 'Message', 'messages', body);
  });
  ctx.accountPage<{ id: string }>('/messages/:id/activity', async (r) => {
    const d = await mine(r);
    if (!d) return missing(r);
    return ctx.fragment(r.reply, activity(d.message.id, d.recipients, d.events));
  });
  ctx.accountPage<{ id: string }>('/messages/:id/raw', async (r) => {
    const d = await mine(r);
    const source = d && (await port.sending.body(d.message.id));
    if (!d || !source) return missing(r);
    return r.reply
      .type('message/rfc822')
      .header('content-disposition', `attachment; filename="${d.message.id}.eml"`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .send(source);
  });
}

/**
 * How one captured message of development mode is shown: its summary and one view at a time (HTML, text,
 * headers, raw, attachments, events, preflight). One rendering for both places that show captured mail — the
 * standalone inbox (/inbox) and the console's inbox page — which differ only in where the downloads live.
 */
import type { CapturedMessage, PreflightReport } from '../../core/index.ts';
import { html, type Html } from '../../lib/html.ts';

export const CAPTURED_VIEWS = [
  'html',
  'text',
  'headers',
  'raw',
  'attachments',
  'events',
  'preflight',
] as const;
export type CapturedView = (typeof CAPTURED_VIEWS)[number];

/** Captured HTML: no scripts, no forms; images load (open tracking can be tried by viewing). */
export const CAPTURED_HTML_CSP =
  "default-src 'none'; img-src * data: cid:; style-src 'unsafe-inline' *; font-src * data:; sandbox allow-popups allow-popups-to-escape-sandbox";

/** Where a page showing captured mail serves one message's parts. */
export interface CapturedLinks {
  /** The message's own page (with `?view=`). */
  page: string;
  /** The HTML part, served with CAPTURED_HTML_CSP (shown in a sandboxed frame). */
  html: string;
  /** The .eml download. */
  raw: string;
  attachment(index: number): string;
}

/** What a view needs beyond the parsed message (read only when that view is shown). */
export interface CapturedViewSources {
  raw(): Promise<Buffer>;
  preflight(): Promise<PreflightReport>;
}

export function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

const iso = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 19);

/** A list of captured messages, each linking to its page. */
export function capturedTable(
  rows: {
    id: string;
    capturedAt: number;
    from: string;
    recipients: string[];
    subject: string;
    size: number;
  }[],
  pageOf: (id: string) => string,
): Html {
  return html`<table class="list" data-testid="captured">
    <thead>
      <tr>
        <th>Captured</th>
        <th>From</th>
        <th>To</th>
        <th>Subject</th>
        <th>Size</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (m) =>
          html`<tr>
            <td><time datetime="${new Date(m.capturedAt).toISOString()}">${iso(m.capturedAt)}</time></td>
            <td>${m.from}</td>
            <td>${m.recipients.join(', ')}</td>
            <td><a href="${pageOf(m.id)}">${m.subject || '(no subject)'}</a></td>
            <td>${kb(m.size)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The message's heading, envelope and outcome, the view tabs, and the chosen view. */
export async function capturedMessage(
  m: CapturedMessage,
  requested: string | undefined,
  links: CapturedLinks,
  sources: CapturedViewSources,
): Promise<Html> {
  const view = requested ?? (m.html ? 'html' : 'text');
  const tabs = CAPTURED_VIEWS.map(
    (v) =>
      html`<a class="tab${v === view ? ' current' : ''}" href="${links.page}?view=${v}"
        >${v === 'attachments' ? `attachments (${m.attachments.length})` : v}</a
      >`,
  );
  const status = m.recipientStatus.map(
    (r) => html`${r.address}: <b>${r.status}</b>${r.lastResponse ? ` (${r.lastResponse})` : ''}<br />`,
  );
  return html`<h1>${m.subject || '(no subject)'}</h1>
    <dl class="meta">
      <dt>From</dt>
      <dd>${m.from}</dd>
      <dt>To</dt>
      <dd>${m.to.join(', ')}</dd>
      ${
        m.cc.length
          ? html`<dt>Cc</dt>
              <dd>${m.cc.join(', ')}</dd>`
          : ''
      }
      <dt>Envelope</dt>
      <dd>MAIL FROM ${m.mailFrom} → ${m.recipients.join(', ')}</dd>
      <dt>MessageId</dt>
      <dd><code>${m.messageId}</code> (<code>sesame message show ${m.messageId}</code>)</dd>
      <dt>Outcome</dt>
      <dd data-testid="outcome">${status.length ? status : '—'}</dd>
      <dt>Size</dt>
      <dd>${kb(m.size)}</dd>
    </dl>
    <nav class="tabs">${tabs}</nav>
    <section data-testid="view-${view}">${await viewContent(m, view, links, sources)}</section>`;
}

async function viewContent(
  m: CapturedMessage,
  view: string,
  links: CapturedLinks,
  sources: CapturedViewSources,
): Promise<Html> {
  switch (view) {
    case 'html':
      return m.html
        ? html`<iframe
            class="mail"
            sandbox="allow-popups allow-popups-to-escape-sandbox"
            src="${links.html}"
            title="HTML part"
          ></iframe>`
        : html`<p class="empty">This message has no HTML part.</p>`;
    case 'text':
      return m.text !== null ? html`<pre>${m.text}</pre>` : html`<p class="empty">No text part.</p>`;
    case 'headers':
      return html`<table class="headers">
        ${m.headers.map(
          (h) =>
            html`<tr>
              <th>${h.name}</th>
              <td>${h.value}</td>
            </tr>`,
        )}
      </table>`;
    case 'raw':
      return html`<p><a href="${links.raw}">Download .eml</a></p>
        <pre>${(await sources.raw()).toString('utf8')}</pre>`;
    case 'attachments':
      return m.attachments.length === 0
        ? html`<p class="empty">No attachments.</p>`
        : html`<ul>
            ${m.attachments.map(
              (a) =>
                html`<li>
                  <a href="${links.attachment(a.index)}">${a.filename ?? `attachment ${a.index}`}</a> —
                  ${a.contentType}, ${kb(a.size)}
                </li>`,
            )}
          </ul>`;
    case 'events':
      return html`<table class="list">
        <thead>
          <tr>
            <th>Time</th>
            <th>Event</th>
            <th>Recipient</th>
          </tr>
        </thead>
        <tbody>
          ${m.events.map(
            (e) =>
              html`<tr>
                <td>${new Date(e.at).toISOString()}</td>
                <td>${e.type}</td>
                <td>${e.recipient ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
    case 'preflight':
      return preflightHtml(await sources.preflight());
    default:
      return html`<p class="empty">Unknown view.</p>`;
  }
}

export function preflightHtml(r: PreflightReport): Html {
  return html`<p class="verdict ${r.verdict}">
      Preflight: <b>${r.verdict}</b> — sending host
      ${r.sendingHost}${r.sendingAddresses.length ? ` (${r.sendingAddresses.join(', ')})` : ''}, MAIL FROM
      domain ${r.mailFromDomain}
    </p>
    <table class="findings">
      <thead>
        <tr>
          <th></th>
          <th>Check</th>
          <th>Finding</th>
          <th>Fix</th>
        </tr>
      </thead>
      <tbody>
        ${r.findings.map(
          (f) =>
            html`<tr class="${f.status}">
              <td>${f.status}</td>
              <td>${f.check}</td>
              <td>${f.message}</td>
              <td>${f.fix ? html`<code>${f.fix}</code>` : ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

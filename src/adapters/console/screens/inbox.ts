/**
 * Development mode's captured mail as a console page: the signed-in account's messages only, with the same
 * views as the standalone inbox (captured-views.ts), live while the page is open (htmx polling), and the
 * HTML part, .eml and attachments served by the console behind the same sign-in.
 */
import { SesError, type CapturedMessage, type DevInboxPort } from '../../../core/index.ts';
import { html } from '../../../lib/html.ts';
import { CAPTURED_HTML_CSP, capturedMessage, capturedTable } from '../../http/captured-views.ts';
import type { AccountRequest, ConsoleContext } from '../context.ts';
import { BASE } from '../views.ts';

const FILTERS = ['to', 'from', 'subject', 'messageId'] as const;
type InboxQuery = Partial<Record<(typeof FILTERS)[number], string>>;

export function registerInboxScreens(ctx: ConsoleContext, dev: DevInboxPort): void {
  /** A captured copy of this account, or undefined (404) — another account's copies do not exist here. */
  const own = async (r: AccountRequest<{ id: string }>): Promise<CapturedMessage | undefined> => {
    try {
      const m = await dev.captured.get(r.params.id);
      return m.accountId === r.accountId ? m : undefined;
    } catch (err) {
      if (err instanceof SesError && err.code === 'NotFoundException') return undefined;
      throw err;
    }
  };
  const notCaptured = (r: AccountRequest) =>
    ctx.notFound(r, 'No captured message of this account has that id.');

  const list = async (r: AccountRequest<Record<string, string>, InboxQuery>) => {
    const q = r.query;
    const filter = Object.fromEntries(FILTERS.map((f) => [f, q[f] || undefined]));
    const { messages, total } = await dev.captured.list({ ...filter, accountId: r.accountId, limit: 100 });
    const search = new URLSearchParams(
      FILTERS.flatMap((f) => (q[f] ? [[f, q[f]]] : [])) as [string, string][],
    ).toString();
    return html`<div
      id="captured-list"
      hx-get="${BASE}/inbox/list${search ? `?${search}` : ''}"
      hx-trigger="every 2s"
      hx-swap="outerHTML"
    >
      <p class="count" data-testid="captured-count">
        ${total}
        message${total === 1 ? '' : 's'}${total > messages.length ? `, the newest ${messages.length} shown` : ''}
      </p>
      ${
        messages.length
          ? capturedTable(messages, (id) => `${BASE}/inbox/${encodeURIComponent(id)}`)
          : html`<p class="empty">
              No captured
              mail${search ? ' matches these filters' : ' yet: send some with the SDK, SMTP or Send test email'}.
            </p>`
      }
    </div>`;
  };

  ctx.accountPage<Record<string, string>, InboxQuery>('/inbox', async (r) =>
    ctx.page(
      r,
      'Inbox',
      'inbox',
      html`<h1>Inbox</h1>
        <p>
          Development mode: mail is captured here, never delivered. This page shows this account’s messages;
          the JSON API for test suites is under <code>/api/dev</code>.
        </p>
        <form class="inline search" method="get" action="${BASE}/inbox">
          ${FILTERS.map(
            (f) =>
              html`<label
                >${f === 'messageId' ? 'MessageId' : f[0]!.toUpperCase() + f.slice(1)}
                <input name="${f}" value="${r.query[f] ?? ''}"
              /></label>`,
          )}
          <button>Filter</button>
          <a href="${BASE}/inbox">Clear</a>
        </form>
        ${await list(r)}`,
    ),
  );
  ctx.accountPage<Record<string, string>, InboxQuery>('/inbox/list', async (r) =>
    ctx.fragment(r.reply, await list(r)),
  );

  ctx.accountPage<{ id: string }, { view?: string }>('/inbox/:id', async (r) => {
    const m = await own(r);
    if (!m) return notCaptured(r);
    const path = `${BASE}/inbox/${encodeURIComponent(m.id)}`;
    const body = await capturedMessage(
      m,
      r.query.view,
      {
        page: path,
        html: `${path}/html`,
        raw: `${path}/raw`,
        attachment: (index) => `${path}/attachments/${index}`,
      },
      { raw: () => dev.captured.raw(m.id), preflight: () => dev.preflight.captured(m.id) },
    );
    return ctx.page(
      r,
      m.subject || '(no subject)',
      'inbox',
      html`<p>
          <a href="${BASE}/inbox">← Inbox</a> ·
          <a href="${BASE}/messages/${encodeURIComponent(m.messageId)}">Message page</a>
        </p>
        ${body}`,
    );
  });
  // The HTML part in a frame of the page above: sandboxed, no scripts; framed by the console only.
  ctx.accountPage<{ id: string }>('/inbox/:id/html', async (r) => {
    const m = await own(r);
    if (!m) return notCaptured(r);
    return r.reply
      .type('text/html; charset=utf-8')
      .headers({
        'content-security-policy': `${CAPTURED_HTML_CSP}; frame-ancestors 'self'`,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      })
      .send(`<base target="_blank">${m.html ?? html`<pre>${m.text ?? ''}</pre>`.text}`);
  });
  ctx.accountPage<{ id: string }>('/inbox/:id/raw', async (r) => {
    const m = await own(r);
    if (!m) return notCaptured(r);
    return r.reply
      .type('message/rfc822')
      .header('content-disposition', `attachment; filename="${m.id.replace(/[^\w.-]/g, '')}.eml"`)
      .header('cache-control', 'no-store')
      .send(await dev.captured.raw(m.id));
  });
  ctx.accountPage<{ id: string; index: string }>('/inbox/:id/attachments/:index', async (r) => {
    const m = await own(r);
    if (!m) return notCaptured(r);
    try {
      const a = await dev.captured.attachment(m.id, Number(r.params.index));
      const name = (a.filename ?? `attachment-${r.params.index}`).replace(/["\r\n\\]/g, '_');
      return r.reply
        .type(a.contentType)
        .headers({
          'content-disposition': `attachment; filename="${name}"`,
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'; sandbox",
          'cache-control': 'no-store',
        })
        .send(a.content);
    } catch (err) {
      if (err instanceof SesError && err.code === 'NotFoundException') return ctx.notFound(r, err.message);
      throw err;
    }
  });
}

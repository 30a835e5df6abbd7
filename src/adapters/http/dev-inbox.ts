/**
 * Development mode's captured mail over HTTP: the inbox page (`/inbox`, server-rendered, works without
 * JavaScript; live updates when it runs) and the JSON API for test suites under `/api/dev`. Registered only in
 * development mode; otherwise these paths say how to turn it on. Holds no domain rules: it calls DevInboxPort.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  SesError,
  type CapturedMailRecord,
  type CapturedMessage,
  type DevInboxPort,
} from '../../core/index.ts';
import { LINK_ROUTES } from '../../lib/public-links.ts';
import { html, type Html } from '../../lib/html.ts';
import type { Logger } from '../../lib/logger.ts';
import { CAPTURED_HTML_CSP, capturedMessage, capturedTable } from './captured-views.ts';

const API = '/api/dev';
const INBOX = LINK_ROUTES.inbox;

/** The page's own styles and script are served by Sesame (no CDN); captured HTML is shown in a sandboxed frame. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function summary(m: CapturedMailRecord) {
  return {
    id: m.id,
    messageId: m.messageId,
    accountId: m.accountId,
    capturedAt: new Date(m.capturedAt).toISOString(),
    mailFrom: m.mailFrom,
    recipients: m.recipients,
    from: m.from,
    subject: m.subject,
    size: m.size,
    links: {
      self: `${API}/messages/${m.id}`,
      raw: `${API}/messages/${m.id}/raw`,
      page: `${INBOX}/${m.id}`,
    },
  };
}

function detail(m: CapturedMessage) {
  return {
    ...summary(m),
    to: m.to,
    cc: m.cc,
    replyTo: m.replyTo,
    date: m.date,
    headers: m.headers,
    text: m.text,
    html: m.html,
    attachments: m.attachments.map((a) => ({
      ...a,
      url: `${API}/messages/${m.id}/attachments/${a.index}`,
    })),
    recipientStatus: m.recipientStatus,
    events: m.events.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
  };
}

type Query = Record<string, string | undefined>;

function parseSince(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
}

function filterOf(q: Query) {
  return {
    since: parseSince(q.since),
    to: q.to || undefined,
    from: q.from || undefined,
    subject: q.subject || undefined,
    messageId: q.messageId || q.MessageId || undefined,
    accountId: q.accountId || undefined,
    before: q.before || undefined,
    limit: q.limit ? Number(q.limit) : undefined,
  };
}

const STATUS_OF: Partial<Record<string, number>> = { NotFoundException: 404, BadRequestException: 400 };

function jsonError(reply: FastifyReply, err: unknown, deps: { port: DevInboxPort; log: Logger }) {
  if (err instanceof SesError)
    return reply
      .code(STATUS_OF[err.code] ?? 400)
      .type('application/json')
      .send({ code: err.code, message: err.message });
  const failure = deps.port.health.failure(err, { during: 'development inbox' });
  if (!failure) deps.log.error({ err }, 'development inbox request failed');
  return reply
    .code(failure ? 503 : 500)
    .type('application/json')
    .send({
      code: failure ? 'ServiceUnavailable' : 'InternalFailure',
      message: 'The request failed; retry.',
    });
}

/** A form or fetch from another site must not delete captured mail: the browser's Origin says where it came from. */
function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return req.headers['sec-fetch-site'] !== 'cross-site';
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function registerDevInbox(app: FastifyInstance, port: DevInboxPort | undefined, log: Logger): void {
  if (!port) {
    const off = async (_req: FastifyRequest, reply: FastifyReply) =>
      reply.code(404).type('application/json').send({
        code: 'NotFoundException',
        message:
          'Development mode is off: captured mail and its inbox exist only with `sesame serve --dev` (or SESAME_DEV=true).',
      });
    app.all(INBOX, off);
    app.all(`${INBOX}/*`, off);
    app.all(`${API}/*`, off);
    return;
  }
  const deps = { port, log };
  const guard =
    <R extends FastifyRequest>(handler: (req: R, reply: FastifyReply) => Promise<unknown>) =>
    async (req: R, reply: FastifyReply) => {
      try {
        return await handler(req, reply);
      } catch (err) {
        return jsonError(reply, err, deps);
      }
    };
  type ById = FastifyRequest<{ Params: { id: string }; Querystring: Query }>;

  // ---- JSON API -----------------------------------------------------------------------------------------
  app.get(
    `${API}/account`,
    guard(async () => ({ developmentMode: true, ...port.development.credentials() })),
  );
  app.get(
    `${API}/messages`,
    guard(async (req: FastifyRequest<{ Querystring: Query }>) => {
      const filter = filterOf(req.query);
      const { messages, total } = await port.captured.list(filter);
      const limit = filter.limit ?? 50;
      return {
        messages: messages.map(summary),
        total,
        nextToken: messages.length === limit ? messages.at(-1)!.id : null,
      };
    }),
  );
  app.delete(
    `${API}/messages`,
    guard(async (req, reply) => {
      if (!sameOrigin(req))
        return reply.code(403).send({ code: 'Forbidden', message: 'Cross-site request refused.' });
      return { deleted: await port.captured.deleteAll() };
    }),
  );
  app.get(
    `${API}/messages/:id`,
    guard(async (req: ById) => detail(await port.captured.get(req.params.id))),
  );
  app.delete(
    `${API}/messages/:id`,
    guard(async (req: ById, reply) => {
      if (!sameOrigin(req))
        return reply.code(403).send({ code: 'Forbidden', message: 'Cross-site request refused.' });
      await port.captured.delete(req.params.id);
      return reply.code(204).send();
    }),
  );
  app.get(
    `${API}/messages/:id/raw`,
    guard(async (req: ById, reply) =>
      reply
        .type('message/rfc822')
        .header('content-disposition', `attachment; filename="${req.params.id.replace(/[^\w.-]/g, '')}.eml"`)
        .send(await port.captured.raw(req.params.id)),
    ),
  );
  app.get(
    `${API}/messages/:id/html`,
    guard(async (req: ById, reply) => {
      const m = await port.captured.get(req.params.id);
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', CAPTURED_HTML_CSP)
        .header('x-content-type-options', 'nosniff')
        .send(`<base target="_blank">${m.html ?? html`<pre>${m.text ?? ''}</pre>`.text}`);
    }),
  );
  app.get(
    `${API}/messages/:id/attachments/:index`,
    guard(async (req: FastifyRequest<{ Params: { id: string; index: string } }>, reply) => {
      const a = await port.captured.attachment(req.params.id, Number(req.params.index));
      const name = (a.filename ?? `attachment-${req.params.index}`).replace(/["\r\n\\]/g, '_');
      return reply
        .type(a.contentType)
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(a.content);
    }),
  );
  app.get(
    `${API}/messages/:id/preflight`,
    guard(async (req: ById) => port.preflight.captured(req.params.id)),
  );
  app.post(
    `${API}/reset`,
    guard(async (req, reply) => {
      if (!sameOrigin(req))
        return reply.code(403).send({ code: 'Forbidden', message: 'Cross-site request refused.' });
      await port.development.reset();
      return { reset: true };
    }),
  );
  // Server-sent events: one `captured` event per copy this node captures (the page's live updates).
  app.get(`${API}/events`, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    const stop = port.captured.follow((m) =>
      res.write(`event: captured\ndata: ${JSON.stringify(summary(m))}\n\n`),
    );
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    beat.unref();
    req.raw.on('close', () => {
      stop();
      clearInterval(beat);
    });
  });

  // ---- pages --------------------------------------------------------------------------------------------
  const page = (reply: FastifyReply, title: string, body: Html) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(
        html`<!doctype html>
          <html lang="en">
            <head>
              <meta charset="utf-8" />
              <meta name="viewport" content="width=device-width, initial-scale=1" />
              <title>${title} · Sesame inbox</title>
              <link rel="stylesheet" href="${INBOX}/assets/inbox.css" />
            </head>
            <body>
              <header>
                <a class="brand" href="${INBOX}">Sesame inbox</a
                ><span class="mode">development mode — mail is captured, never delivered</span
                ><span id="live" class="live" hidden>● live</span>
              </header>
              <main>${body}</main>
              <script src="${INBOX}/assets/inbox.js"></script>
            </body>
          </html>`.text,
      );

  app.get(INBOX, async (req: FastifyRequest<{ Querystring: Query }>, reply) => {
    try {
      const filter = filterOf(req.query);
      const { messages: rows, total } = await port.captured.list({ ...filter, limit: filter.limit ?? 100 });
      const q = req.query;
      const filtered = Object.values(q).some(Boolean);
      return page(
        reply,
        'Inbox',
        html`<h1>Captured mail</h1>
          <form class="filters" method="get" action="${INBOX}">
            ${(['to', 'from', 'subject', 'messageId'] as const).map(
              (f) =>
                html`<label
                  >${f === 'messageId' ? 'MessageId' : f[0]!.toUpperCase() + f.slice(1)}
                  <input name="${f}" value="${q[f] ?? ''}"
                /></label>`,
            )}
            <button>Filter</button><a href="${INBOX}">Clear</a>
          </form>
          <form class="danger" method="post" action="${INBOX}/delete-all"><button>Delete all</button></form>
          <p class="count">
            ${total}
            message${total === 1 ? '' : 's'}${total > rows.length ? `, the newest ${rows.length} shown` : ''}
          </p>
          ${
            rows.length === 0
              ? html`<p class="empty">
                  No captured
                  mail${filtered ? ' matches these filters' : ' yet: send some with the SDK, the CLI or SMTP'}.
                </p>`
              : capturedTable(rows, (id) => `${INBOX}/${id}`)
          }`,
      );
    } catch (err) {
      return jsonError(reply, err, deps);
    }
  });

  app.post(`${INBOX}/delete-all`, async (req, reply) => {
    if (!sameOrigin(req)) return reply.code(403).send('Cross-site request refused.');
    await port.captured.deleteAll();
    return reply.redirect(INBOX, 303);
  });

  app.get(`${INBOX}/assets/inbox.css`, async (_req, reply) =>
    reply.type('text/css').header('cache-control', 'no-cache').send(INBOX_CSS),
  );
  app.get(`${INBOX}/assets/inbox.js`, async (_req, reply) =>
    reply.type('text/javascript').header('cache-control', 'no-cache').send(INBOX_JS),
  );

  app.get(`${INBOX}/:id`, async (req: ById, reply) => {
    try {
      const m = await port.captured.get(req.params.id);
      const id = encodeURIComponent(m.id);
      const view = await capturedMessage(
        m,
        req.query.view,
        {
          page: `${INBOX}/${id}`,
          html: `${API}/messages/${id}/html`,
          raw: `${API}/messages/${id}/raw`,
          attachment: (index) => `${API}/messages/${id}/attachments/${index}`,
        },
        { raw: () => port.captured.raw(m.id), preflight: () => port.preflight.captured(m.id) },
      );
      return page(
        reply,
        m.subject || '(no subject)',
        html`<p><a href="${INBOX}">← all mail</a></p>
          ${view}`,
      );
    } catch (err) {
      if (err instanceof SesError && err.code === 'NotFoundException')
        return page(
          reply.code(404),
          'Not found',
          html`<p>${err.message}</p>
            <p><a href="${INBOX}">← all mail</a></p>`,
        );
      return jsonError(reply, err, deps);
    }
  });
}

const INBOX_CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{display:flex;gap:1em;align-items:center;padding:.6em 1em;background:#232f3e;color:#fff}
header a.brand{color:#fff;font-weight:600;text-decoration:none}.mode{opacity:.8;font-size:12px}.live{margin-left:auto;color:#7ee787;font-size:12px}
main{padding:1em;max-width:1200px;margin:auto}h1{font-size:20px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #e5e5e5;vertical-align:top}
.headers th{white-space:nowrap;width:1%}td{word-break:break-word}
.filters{display:flex;flex-wrap:wrap;gap:.6em;align-items:end;margin:.5em 0}.filters input{display:block}
.danger{margin:.5em 0}.danger button{color:#b00}
.empty{color:#666}pre{white-space:pre-wrap;background:#fff;padding:1em;border:1px solid #e5e5e5}
iframe.mail{width:100%;height:70vh;border:1px solid #e5e5e5;background:#fff}
.tabs{display:flex;gap:.2em;margin:1em 0 .5em}.tab{padding:.3em .7em;border:1px solid #ddd;border-radius:4px 4px 0 0;text-decoration:none}.tab.current{background:#232f3e;color:#fff}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{color:#666}dd{margin:0}
.findings tr.fail td:first-child{color:#b00;font-weight:600}.findings tr.warn td:first-child{color:#a60}.findings tr.pass td:first-child{color:#070}
.verdict.fail b{color:#b00}.verdict.warn b{color:#a60}.verdict.pass b{color:#070}
`;

/** Live updates: the list reloads when this node captures a message (server-sent events). */
const INBOX_JS = `
(function(){
  if (!window.EventSource) return;
  var live = document.getElementById('live');
  var es = new EventSource('${API}/events');
  es.onopen = function(){ if (live) live.hidden = false; };
  es.onerror = function(){ if (live) live.hidden = true; };
  es.addEventListener('captured', function(){
    if (location.pathname === '${INBOX}') location.reload();
  });
})();
`;

/**
 * What an account keeps for sending: email templates (editor, and a preview rendered by the core's
 * TestRenderEmailTemplate with sample data, live as the data is typed) and the suppression list (search,
 * add, remove, CSV import with progress).
 */
import { simpleParser } from 'mailparser';
import { SesError } from '../../../core/index.ts';
import { html, type Html } from '../../../lib/html.ts';
import type { AccountRequest, ConsoleContext } from '../context.ts';
import { BASE, type Chrome } from '../views.ts';

const day = (t: number) => new Date(t).toISOString().slice(0, 19).replace('T', ' ');

/** The rendered parts of a test render: shown as text, and the HTML in a sandboxed frame (no scripts). */
async function previewOf(mime: string): Promise<Html> {
  const m = await simpleParser(mime);
  return html`<div id="preview" data-testid="preview">
    <table class="kv">
      <tr>
        <th>Subject</th>
        <td data-testid="preview-subject">${m.subject ?? ''}</td>
      </tr>
    </table>
    <h3>Text part</h3>
    <pre data-testid="preview-text">${m.text ?? ''}</pre>
    ${
      typeof m.html === 'string'
        ? html`<h3>HTML part</h3>
            <iframe class="preview" sandbox="" title="HTML part" srcdoc="${m.html}"></iframe>
            <details>
              <summary>HTML source</summary>
              <pre data-testid="preview-html">${m.html}</pre>
            </details>`
        : ''
    }
  </div>`;
}

function templateForm(
  csrf: string,
  t: { name: string; subject: string; text: string; html: string },
  isNew: boolean,
): Html {
  const action = isNew ? `${BASE}/templates` : `${BASE}/templates/${encodeURIComponent(t.name)}`;
  return html`<form method="post" action="${action}" class="stack wide">
    <input type="hidden" name="_csrf" value="${csrf}" />
    ${
      isNew
        ? html`<label>Name <input name="name" required value="${t.name}" pattern="[A-Za-z0-9_-]+" /></label>`
        : ''
    }
    <label>Subject <input name="subject" value="${t.subject}" /></label>
    <label>Text part <textarea name="text" rows="6">${t.text}</textarea></label>
    <label>HTML part <textarea name="html" rows="10">${t.html}</textarea></label>
    <button>${isNew ? 'Create template' : 'Save template'}</button>
  </form>`;
}

const CSV_EXAMPLE = 'email,reason\nsomeone@example.com,BOUNCE\nother@example.com,COMPLAINT';

export function registerResourceScreens(ctx: ConsoleContext): void {
  const { port } = ctx;

  // ---- templates ----------------------------------------------------------------------------------------
  const templates = async (
    r: AccountRequest,
    extra: Partial<Chrome> = {},
    values?: Record<string, string>,
  ) => {
    const { items } = await port.templates.list(r.accountId, undefined, 100);
    return ctx.page(
      r,
      'Templates',
      'templates',
      html`<h1>Email templates</h1>
        ${
          items.length
            ? html`<table class="list" data-testid="templates">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Subject</th>
                    <th>Updated (UTC)</th>
                  </tr>
                </thead>
                <tbody>
                  ${items.map(
                    (t) =>
                      html`<tr>
                        <td><a href="${BASE}/templates/${encodeURIComponent(t.name)}">${t.name}</a></td>
                        <td>${t.content.subject ?? ''}</td>
                        <td>${day(t.updatedAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
            : html`<p class="empty">No templates yet.</p>`
        }
        <h2>New template</h2>
        ${templateForm(
          r.s.csrf,
          {
            name: values?.name ?? '',
            subject: values?.subject ?? '',
            text: values?.text ?? '',
            html: values?.html ?? '',
          },
          true,
        )}`,
      extra,
    );
  };
  const contentOf = (f: Record<string, string>) => ({
    subject: f.subject || null,
    text: f.text || null,
    html: f.html || null,
  });
  const template = async (
    r: AccountRequest<{ name: string }>,
    extra: Partial<Chrome> = {},
    preview?: Html,
  ) => {
    try {
      const t = await port.templates.get(r.accountId, r.params.name);
      const path = `${BASE}/templates/${encodeURIComponent(t.name)}`;
      return ctx.page(
        r,
        t.name,
        'templates',
        html`<p><a href="${BASE}/templates">← Templates</a></p>
          <h1>${t.name}</h1>
          <div class="split">
            <section>
              <h2>Edit</h2>
              ${templateForm(
                r.s.csrf,
                {
                  name: t.name,
                  subject: t.content.subject ?? '',
                  text: t.content.text ?? '',
                  html: t.content.html ?? '',
                },
                false,
              )}
              <form method="post" action="${path}/delete" class="danger">
                <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                <button>Delete template</button>
              </form>
            </section>
            <section>
              <h2>Preview</h2>
              <form
                method="post"
                action="${path}/preview"
                class="stack wide"
                hx-post="${path}/preview"
                hx-target="#preview"
                hx-swap="outerHTML"
                hx-trigger="submit, input changed delay:400ms from:#template-data"
              >
                <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                <label
                  >Sample data (JSON)
                  <textarea id="template-data" name="data" rows="4">${r.form.data ?? '{}'}</textarea>
                </label>
                <button>Preview</button>
              </form>
              ${preview ?? html`<div id="preview"></div>`}
            </section>
          </div>`,
        extra,
      );
    } catch (err) {
      if (err instanceof SesError && err.code === 'NotFoundException') return ctx.notFound(r, err.message);
      throw err;
    }
  };

  ctx.accountPage('/templates', (r) => templates(r));
  ctx.accountAction('/templates', async (r) => {
    try {
      await port.templates.create(r.accountId, r.form.name ?? '', contentOf(r.form));
      return r.reply.redirect(`${BASE}/templates/${encodeURIComponent(r.form.name ?? '')}`, 303);
    } catch (err) {
      return templates(r, { error: ctx.failure(err) }, r.form);
    }
  });
  ctx.accountPage<{ name: string }>('/templates/:name', (r) => template(r));
  ctx.accountAction<{ name: string }>('/templates/:name', async (r) => {
    try {
      await port.templates.update(r.accountId, r.params.name, contentOf(r.form));
      return template(r, { notice: 'Saved.' });
    } catch (err) {
      return template(r, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction<{ name: string }>('/templates/:name/delete', async (r) => {
    try {
      await port.templates.delete(r.accountId, r.params.name);
      return templates(r, { notice: `Template ${r.params.name} was deleted.` });
    } catch (err) {
      return templates(r, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction<{ name: string }>('/templates/:name/preview', async (r) => {
    let preview: Html;
    try {
      preview = await previewOf(
        await port.templates.testRender(r.accountId, r.params.name, r.form.data || '{}'),
      );
    } catch (err) {
      preview = html`<div id="preview"><p class="error" role="alert">${ctx.failure(err)}</p></div>`;
    }
    // htmx swaps the preview in; without JavaScript the whole page comes back with it.
    if (r.req.headers['hx-request'] === 'true') return ctx.fragment(r.reply, preview);
    return template(r, {}, preview);
  });

  // ---- suppression list ---------------------------------------------------------------------------------
  const suppression = async (r: AccountRequest, extra: Partial<Chrome> = {}) => {
    const q = (r.query.q ?? '').trim().toLowerCase();
    const reason = r.query.reason === 'BOUNCE' || r.query.reason === 'COMPLAINT' ? r.query.reason : undefined;
    // The list is read in pages of 1,000 and filtered by the search text (SES's list has no text filter).
    const rows = [];
    let after: string | undefined;
    do {
      const page = await port.suppression.list(r.accountId, {
        reasons: reason ? [reason] : undefined,
        after,
        pageSize: 1000,
      });
      rows.push(...page.items.filter((d) => !q || d.email.includes(q)));
      after = page.next ?? undefined;
    } while (after && rows.length < 200);
    return ctx.page(
      r,
      'Suppression list',
      'suppression',
      html`<h1>Suppression list</h1>
        <form method="get" action="${BASE}/suppression" class="inline">
          <label>Address contains <input name="q" value="${r.query.q ?? ''}" /></label>
          <label
            >Reason
            <select name="reason">
              <option value="">any</option>
              <option value="BOUNCE" ${reason === 'BOUNCE' ? 'selected' : ''}>bounce</option>
              <option value="COMPLAINT" ${reason === 'COMPLAINT' ? 'selected' : ''}>complaint</option>
            </select></label
          >
          <button>Search</button>
        </form>
        <table class="list" data-testid="suppressed">
          <thead>
            <tr>
              <th>Address</th>
              <th>Reason</th>
              <th>Since (UTC)</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${rows.slice(0, 200).map(
              (d) =>
                html`<tr>
                  <td>${d.email}</td>
                  <td>${d.reason}</td>
                  <td>${day(d.lastUpdate)}</td>
                  <td>
                    <form method="post" action="${BASE}/suppression/remove">
                      <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                      <input type="hidden" name="email" value="${d.email}" />
                      <button>Remove</button>
                    </form>
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${rows.length > 200 ? html`<p class="empty">The first 200 shown: narrow the search.</p>` : ''}
        <h2>Add an address</h2>
        <form method="post" action="${BASE}/suppression" class="inline">
          <input type="hidden" name="_csrf" value="${r.s.csrf}" />
          <label>Address <input name="email" type="email" required /></label>
          <label
            >Reason
            <select name="reason">
              <option value="BOUNCE">bounce</option>
              <option value="COMPLAINT">complaint</option>
            </select></label
          >
          <button>Add</button>
        </form>
        <h2>Import a CSV</h2>
        <p>
          One address per line: <code>email,reason</code> (BOUNCE or COMPLAINT); a header line is skipped.
        </p>
        <form method="post" action="${BASE}/suppression/import" class="stack wide" data-import="csv">
          <input type="hidden" name="_csrf" value="${r.s.csrf}" />
          <label>CSV file <input type="file" accept=".csv,text/csv" data-import-file /></label>
          <label>or paste it <textarea name="csv" rows="5" placeholder="${CSV_EXAMPLE}"></textarea></label>
          <progress value="0" max="1" hidden data-import-progress></progress>
          <p data-import-status role="status"></p>
          <button>Import</button>
        </form>`,
      extra,
    );
  };
  ctx.accountPage('/suppression', (r) => suppression(r));
  ctx.accountAction('/suppression', async (r) => {
    try {
      const reason = r.form.reason === 'COMPLAINT' ? 'COMPLAINT' : 'BOUNCE';
      // The same rule as PutSuppressedDestination: not while the account is in the sandbox.
      await port.suppression.put(r.accountId, r.form.email ?? '', reason);
      return suppression(r, { notice: `${r.form.email} was added to the suppression list.` });
    } catch (err) {
      return suppression(r, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction('/suppression/remove', async (r) => {
    try {
      await port.suppression.delete(r.accountId, r.form.email ?? '');
      return suppression(r, { notice: `${r.form.email} was removed from the suppression list.` });
    } catch (err) {
      return suppression(r, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction('/suppression/import', async (r) => {
    const lines = (r.form.csv ?? '').split(/\r?\n/);
    const first = Number(r.form.firstLine) || 1;
    const rows = lines
      .map((text, i) => ({ line: first + i, cells: text.split(',').map((c) => c.trim()) }))
      .filter((l) => l.cells[0] && !(l.line === 1 && l.cells[0].toLowerCase() === 'email'))
      .map((l) => ({ line: l.line, email: l.cells[0]!, reason: l.cells[1] ?? '' }));
    const errors = await port.suppression.importRows(r.accountId, rows);
    const imported = rows.length - errors.length;
    // The page's script sends the file in parts and shows progress; it asks for JSON.
    if ((r.req.headers.accept ?? '').includes('application/json'))
      return r.reply.type('application/json').send({ imported, errors });
    return suppression(
      r,
      errors.length
        ? {
            error: `${imported} imported; ${errors.length} refused: ${errors
              .slice(0, 10)
              .map((e) => `line ${e.line}: ${e.error}`)
              .join('; ')}`,
          }
        : { notice: `${imported} imported.` },
    );
  });
}

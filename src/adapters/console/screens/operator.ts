/**
 * The operator's screens: accounts (create, quotas, sandbox, enforcement, sending), production-access
 * requests (approve / deny with a note), this node's delivery queue per destination (pause / resume), and the
 * settings in effect with secrets hidden. Account users get 403 here (context.ts).
 */
import { html, type Html } from '../../../lib/html.ts';
import type { ConsoleContext, OperatorRequest } from '../context.ts';
import { BASE, type Chrome } from '../views.ts';

const ENFORCEMENT = ['HEALTHY', 'PROBATION', 'SHUTDOWN'] as const;
const iso = (t: number | null) =>
  t === null ? '—' : new Date(t).toISOString().slice(0, 19).replace('T', ' ');

export function registerOperatorScreens(ctx: ConsoleContext): void {
  const { port, settings } = ctx;

  // ---- accounts -----------------------------------------------------------------------------------------
  const accounts = async (r: OperatorRequest, extra: Partial<Chrome> = {}, created?: Html) => {
    const list = await port.accounts.list();
    return ctx.page(
      r,
      'Accounts',
      'operator',
      html`<h1>Accounts</h1>
        ${created ?? ''}
        <table class="list" data-testid="accounts">
          <thead>
            <tr>
              <th>Account</th>
              <th>Name</th>
              <th>Access</th>
              <th>24-hour quota</th>
              <th>Rate</th>
              <th>Enforcement</th>
              <th>Sending</th>
            </tr>
          </thead>
          <tbody>
            ${list.map(
              (a) =>
                html`<tr>
                  <td><a href="${BASE}/operator/accounts/${a.id}">${a.id}</a></td>
                  <td>${a.name}</td>
                  <td>${a.productionAccess ? 'production' : 'sandbox'}</td>
                  <td>${a.max24HourSend}</td>
                  <td>${a.maxSendRate}/s</td>
                  <td>${a.enforcementStatus}</td>
                  <td>${a.sendingEnabled ? 'enabled' : 'paused'}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <h2>New account</h2>
        <form method="post" action="${BASE}/operator/accounts" class="inline">
          <input type="hidden" name="_csrf" value="${r.s.csrf}" />
          <label>Name <input name="name" required /></label>
          <label class="choice"
            ><input type="checkbox" name="production" value="1" /> production access</label
          >
          <button>Create account</button>
        </form>`,
      extra,
    );
  };
  ctx.operatorPage('/operator', (r) => accounts(r));
  ctx.operatorAction('/operator/accounts', async (r) => {
    try {
      const { account, credentials } = await port.accounts.create({
        name: r.form.name ?? '',
        production: r.form.production === '1',
      });
      return accounts(
        r,
        { notice: `Account ${account.id} was created.` },
        html`<section class="created" data-testid="created">
          <p><b>The secret key is shown only now.</b></p>
          <table class="kv">
            <tr>
              <th>Account</th>
              <td><code>${account.id}</code></td>
            </tr>
            <tr>
              <th>Access key id</th>
              <td><code>${credentials.accessKeyId}</code></td>
            </tr>
            <tr>
              <th>Secret access key</th>
              <td><code>${credentials.secretAccessKey}</code></td>
            </tr>
          </table>
        </section>`,
      );
    } catch (err) {
      return accounts(r, { error: ctx.failure(err) });
    }
  });
  const account = async (r: OperatorRequest<{ id: string }>, extra: Partial<Chrome> = {}) => {
    let a;
    try {
      a = await port.accounts.get(r.params.id);
    } catch (err) {
      return ctx.notFound(r, ctx.failure(err));
    }
    const users = await port.consoleUsers.list(a.id);
    return ctx.page(
      r,
      `Account ${a.id}`,
      'operator',
      html`<p><a href="${BASE}/operator">← Accounts</a></p>
        <h1>${a.name} <small>${a.id}</small></h1>
        <form method="post" action="${BASE}/operator/accounts/${a.id}" class="stack">
          <input type="hidden" name="_csrf" value="${r.s.csrf}" />
          <label class="choice"
            ><input type="checkbox" name="production" value="1" ${a.productionAccess ? 'checked' : ''} />
            production access (out of the sandbox)</label
          >
          <label
            >24-hour quota <input name="max24HourSend" type="number" min="-1" value="${a.max24HourSend}"
          /></label>
          <label
            >Maximum send rate (per second)
            <input name="maxSendRate" type="number" min="-1" step="any" value="${a.maxSendRate}"
          /></label>
          <label
            >Enforcement
            <select name="enforcementStatus">
              ${ENFORCEMENT.map((e) => html`<option value="${e}" ${a.enforcementStatus === e ? 'selected' : ''}>${e}</option>`)}
            </select></label
          >
          <label class="choice"
            ><input type="checkbox" name="sendingEnabled" value="1" ${a.sendingEnabled ? 'checked' : ''} />
            sending enabled</label
          >
          <button>Save account</button>
        </form>
        <h2>Console users</h2>
        <ul>
          ${users.map((u) => html`<li>${u.email} (${u.role})</li>`)}
        </ul>
        <p>Add one with <code>sesame console-user create --account ${a.id} --email …</code>.</p>`,
      extra,
    );
  };
  ctx.operatorPage<{ id: string }>('/operator/accounts/:id', (r) => account(r));
  ctx.operatorAction<{ id: string }>('/operator/accounts/:id', async (r) => {
    const f = r.form;
    try {
      const enforcement = ENFORCEMENT.find((e) => e === f.enforcementStatus);
      await port.accounts.update(r.params.id, {
        production: f.production === '1',
        max24HourSend: Number(f.max24HourSend),
        maxSendRate: Number(f.maxSendRate),
        sendingEnabled: f.sendingEnabled === '1',
        ...(enforcement ? { enforcementStatus: enforcement } : {}),
      });
      return account(r, { notice: 'Saved.' });
    } catch (err) {
      return account(r, { error: ctx.failure(err) });
    }
  });

  // ---- production-access requests -------------------------------------------------------------------
  const requests = async (r: OperatorRequest, extra: Partial<Chrome> = {}) => {
    const pending = await port.accounts.listReviews('PENDING');
    return ctx.page(
      r,
      'Production requests',
      'operator/requests',
      html`<h1>Production-access requests</h1>
        ${
          pending.length === 0
            ? html`<p class="empty">No request is waiting.</p>`
            : pending.map(
                (a) =>
                  html`<section class="card request" data-testid="request-${a.id}">
                    <h2>${a.name} · ${a.id}</h2>
                    <table class="kv">
                      <tr>
                        <th>Requested</th>
                        <td>${iso(a.review?.updatedAt ?? null)} UTC (case ${a.review?.caseId ?? ''})</td>
                      </tr>
                      <tr>
                        <th>Mail type</th>
                        <td>${a.details?.mailType ?? ''}</td>
                      </tr>
                      <tr>
                        <th>Website</th>
                        <td>${a.details?.websiteUrl ?? ''}</td>
                      </tr>
                      <tr>
                        <th>Use case</th>
                        <td>${a.details?.useCaseDescription ?? ''}</td>
                      </tr>
                    </table>
                    <form method="post" action="${BASE}/operator/requests/${a.id}" class="inline">
                      <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                      <label>Note to the account <input name="note" size="40" /></label>
                      <button name="decision" value="GRANTED">Approve</button>
                      <button name="decision" value="DENIED">Deny</button>
                    </form>
                  </section>`,
              )
        }`,
      extra,
    );
  };
  ctx.operatorPage('/operator/requests', (r) => requests(r));
  ctx.operatorAction<{ id: string }>('/operator/requests/:id', async (r) => {
    const decision = r.form.decision === 'GRANTED' ? 'GRANTED' : 'DENIED';
    try {
      await port.accounts.decideReview(r.params.id, decision, r.form.note);
      return requests(r, {
        notice: `Account ${r.params.id}: production access ${decision === 'GRANTED' ? 'granted' : 'denied'}.`,
      });
    } catch (err) {
      return requests(r, { error: ctx.failure(err) });
    }
  });

  // ---- this node's delivery queue ---------------------------------------------------------------------
  const queue = async (r: OperatorRequest, extra: Partial<Chrome> = {}) => {
    const d = settings.delivery;
    const rows = d ? [...d.queue()].sort((a, b) => b.ready + b.delayed - (a.ready + a.delayed)) : [];
    const [nodes, deferrals] = await Promise.all([
      port.queueOverview.nodes(),
      port.queueOverview.deferrals(50),
    ]);
    return ctx.page(
      r,
      'Queue',
      'operator/queue',
      html`<h1>Delivery queue of this node</h1>
        ${
          d
            ? html`<p data-testid="delivery-state">
                  Delivery is <b>${d.paused() ? 'paused' : 'running'}</b> on this node.
                </p>
                <form method="post" action="${BASE}/operator/queue/${d.paused() ? 'resume' : 'pause'}">
                  <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                  <button>${d.paused() ? 'Resume delivery' : 'Pause delivery'}</button>
                </form>
                <table class="list" data-testid="queue">
                  <thead>
                    <tr>
                      <th>Destination</th>
                      <th>Ready</th>
                      <th>Deferred</th>
                      <th>Oldest accepted (UTC)</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows.map(
                      (q) =>
                        html`<tr>
                          <td>${q.domain}</td>
                          <td>${q.ready}</td>
                          <td>${q.delayed}</td>
                          <td>${iso(q.oldestAcceptedAt)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
                ${rows.length === 0 ? html`<p class="empty">Nothing is waiting.</p>` : ''}
                <p>
                  Pausing holds delivery on this node only (accepting goes on); each message's page has its
                  own attempts and replies.
                </p>`
            : html`<p class="empty">This process runs no delivery.</p>`
        }
        <h2>Why mail waits</h2>
        <p>
          Queued recipients that were tried and deferred, by destination and the reply last heard (all nodes).
        </p>
        <table class="list" data-testid="deferrals">
          <thead>
            <tr>
              <th>Destination</th>
              <th>Last reply</th>
              <th>Recipients</th>
              <th>Last try (UTC)</th>
            </tr>
          </thead>
          <tbody>
            ${deferrals.map(
              (f) =>
                html`<tr>
                  <td>${f.domain}</td>
                  <td><code class="value">${f.reply}</code></td>
                  <td>${f.recipients}</td>
                  <td>${iso(f.lastAt)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${deferrals.length === 0 ? html`<p class="empty">No deferred mail.</p>` : ''}
        <h2>Nodes</h2>
        <table class="list" data-testid="nodes">
          <thead>
            <tr>
              <th>Node</th>
              <th>State</th>
              <th>Last heartbeat (UTC)</th>
              <th>Queued recipients it owns</th>
            </tr>
          </thead>
          <tbody>
            ${nodes.map(
              (n) =>
                html`<tr>
                  <td>${n.id}${n.id === settings.nodeId ? ' (this node)' : ''}</td>
                  <td>${n.alive ? 'alive' : 'stopped (its work is taken over)'}</td>
                  <td>${iso(n.heartbeatAt)}</td>
                  <td>${n.queued}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <h2>Traffic shaping</h2>
        <p>
          Limits in effect per node, sending address and mailbox provider (the shaping file over Sesame's
          defaults), and what deferral replies made them do.
        </p>
        <table class="list" data-testid="shaping">
          <thead>
            <tr>
              <th>Node</th>
              <th>From</th>
              <th>Provider</th>
              <th>Connections</th>
              <th>Rate</th>
              <th>Per connection</th>
              <th>TLS</th>
              <th>Automation in effect</th>
            </tr>
          </thead>
          <tbody>
            ${nodes.flatMap((n) =>
              (n.shaping ?? []).map(
                (p) =>
                  html`<tr>
                    <td>${n.id}</td>
                    <td>${p.source === 'default' ? '(node address)' : p.source}</td>
                    <td>${p.provider}</td>
                    <td>${p.connections} of ${p.connectionLimit ?? 'unlimited'}</td>
                    <td>${p.maxMessageRate}</td>
                    <td>${p.maxDeliveriesPerConnection ?? 'unlimited'}</td>
                    <td>${p.tls}</td>
                    <td>
                      ${
                        p.throttled
                          ? html`${p.throttled.action} until
                              ${p.throttled.until.slice(0, 19).replace('T', ' ')} after
                              <code class="value">${p.throttled.reply}</code>`
                          : '—'
                      }
                    </td>
                  </tr>`,
              ),
            )}
          </tbody>
        </table>`,
      extra,
    );
  };
  ctx.operatorPage('/operator/queue', (r) => queue(r));
  for (const action of ['pause', 'resume'] as const)
    ctx.operatorAction(`/operator/queue/${action}`, async (r) => {
      settings.delivery?.[action]();
      ctx.log.info(
        { userId: r.s.user.id },
        `delivery ${action === 'pause' ? 'paused' : 'resumed'} from the console`,
      );
      return queue(r, { notice: action === 'pause' ? 'Delivery paused.' : 'Delivery resumed.' });
    });

  // ---- settings in effect -----------------------------------------------------------------------------
  ctx.operatorPage('/operator/settings', async (r) =>
    ctx.page(
      r,
      'Settings',
      'operator/settings',
      html`<h1>Settings in effect</h1>
        <table class="list" data-testid="settings">
          <thead>
            <tr>
              <th>Setting</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            ${(settings.settingsInEffect?.() ?? []).map(
              (s) =>
                html`<tr>
                  <td><code>${s.name}</code></td>
                  <td><code class="value">${s.value}</code></td>
                </tr>`,
            )}
          </tbody>
        </table>`,
    ),
  );
}

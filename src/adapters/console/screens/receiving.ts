/**
 * Receiving: receipt rule sets (active toggle, duplicate, delete), a set's rules in evaluation order with
 * their actions (move up / down, delete), IP filters, and the inbound log — received messages and the
 * refusals of the SMTP conversation ("no rule matched", a blocked address).
 */
import { SesError, type ReceiptActionRecord } from '../../../core/index.ts';
import { html } from '../../../lib/html.ts';
import type { AccountRequest, ConsoleContext } from '../context.ts';
import { BASE, type Chrome } from '../views.ts';

const at = (t: number) => new Date(t).toISOString().slice(0, 19).replace('T', ' ');

function actionText(a: ReceiptActionRecord): string {
  switch (a.type) {
    case 'S3':
      return `S3 → ${a.bucketName}${a.objectKeyPrefix ? `/${a.objectKeyPrefix}` : ''}`;
    case 'SNS':
      return `SNS → ${a.topicArn}`;
    case 'Lambda':
      return `Lambda ${a.functionArn} (${a.invocationType})`;
    case 'Bounce':
      return `Bounce ${a.smtpReplyCode} ${a.statusCode ?? ''} from ${a.sender}`;
    case 'Stop':
      return 'Stop the rule set';
    case 'AddHeader':
      return `Add header ${a.headerName}: ${a.headerValue}`;
  }
}

export function registerReceivingScreens(ctx: ConsoleContext): void {
  const { port } = ctx;
  const rules = port.receiptRules;

  // ---- rule sets and IP filters -------------------------------------------------------------------
  const overview = async (r: AccountRequest, extra: Partial<Chrome> = {}) => {
    const [sets, filters] = await Promise.all([
      rules.listRuleSets(r.accountId, undefined),
      rules.listFilters(r.accountId),
    ]);
    const post = (action: string, fields: Record<string, string>, label: string) =>
      html`<form method="post" action="${BASE}/receiving/${action}" class="inline-button">
        <input type="hidden" name="_csrf" value="${r.s.csrf}" />
        ${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
        <button>${label}</button>
      </form>`;
    return ctx.page(
      r,
      'Receiving',
      'receiving',
      html`<h1>Receiving</h1>
        <p><a href="${BASE}/receiving/log">Inbound log</a></p>
        <h2>Receipt rule sets</h2>
        <table class="list" data-testid="rule-sets">
          <thead>
            <tr>
              <th>Name</th>
              <th>Rules</th>
              <th>Status</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${sets.items.map(
              (s) =>
                html`<tr>
                  <td><a href="${BASE}/receiving/rule-sets/${encodeURIComponent(s.name)}">${s.name}</a></td>
                  <td>${s.rules.length}</td>
                  <td>${s.active ? 'active' : 'inactive'}</td>
                  <td class="actions">
                    ${s.active ? post('deactivate', {}, 'Deactivate') : post('activate', { name: s.name }, 'Make active')}
                    ${post('duplicate', { name: s.name }, 'Duplicate')}
                    ${s.active ? '' : post('delete', { name: s.name }, 'Delete')}
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
        <form method="post" action="${BASE}/receiving/rule-sets" class="inline">
          <input type="hidden" name="_csrf" value="${r.s.csrf}" />
          <label>Name <input name="name" required /></label>
          <button>Create rule set</button>
        </form>
        <h2>IP address filters</h2>
        <table class="list" data-testid="filters">
          <thead>
            <tr>
              <th>Name</th>
              <th>Policy</th>
              <th>Addresses</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${filters.map(
              (f) =>
                html`<tr>
                  <td>${f.name}</td>
                  <td>${f.policy}</td>
                  <td><code>${f.cidr}</code></td>
                  <td>${post('filters/delete', { name: f.name }, 'Delete')}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <form method="post" action="${BASE}/receiving/filters" class="inline">
          <input type="hidden" name="_csrf" value="${r.s.csrf}" />
          <label>Name <input name="name" required /></label>
          <label
            >Policy
            <select name="policy">
              <option value="Block">Block</option>
              <option value="Allow">Allow</option>
            </select></label
          >
          <label>Address or CIDR <input name="cidr" required placeholder="192.0.2.0/24" /></label>
          <button>Add filter</button>
        </form>`,
      extra,
    );
  };
  ctx.accountPage('/receiving', (r) => overview(r));
  const change = (path: string, run: (r: AccountRequest) => Promise<string>) =>
    ctx.accountAction(path, async (r) => {
      try {
        return await overview(r, { notice: await run(r) });
      } catch (err) {
        return overview(r, { error: ctx.failure(err) });
      }
    });
  change('/receiving/rule-sets', async (r) => {
    await rules.createRuleSet(r.accountId, r.form.name);
    return `Rule set ${r.form.name} was created.`;
  });
  change('/receiving/activate', async (r) => {
    await rules.setActiveRuleSet(r.accountId, r.form.name);
    return `Rule set ${r.form.name} is active.`;
  });
  change('/receiving/deactivate', async (r) => {
    await rules.setActiveRuleSet(r.accountId, undefined);
    return 'No rule set is active: mail for this account’s domains is refused.';
  });
  change('/receiving/duplicate', async (r) => {
    const copy = `${r.form.name}-copy`;
    await rules.cloneRuleSet(r.accountId, copy, r.form.name);
    return `Rule set ${r.form.name} was duplicated as ${copy}.`;
  });
  change('/receiving/delete', async (r) => {
    await rules.deleteRuleSet(r.accountId, r.form.name);
    return `Rule set ${r.form.name} was deleted.`;
  });
  change('/receiving/filters', async (r) => {
    await rules.createFilter(r.accountId, { name: r.form.name, policy: r.form.policy, cidr: r.form.cidr });
    return `Filter ${r.form.name} was added.`;
  });
  change('/receiving/filters/delete', async (r) => {
    await rules.deleteFilter(r.accountId, r.form.name ?? '');
    return `Filter ${r.form.name} was deleted.`;
  });

  // ---- one rule set: its rules in order -----------------------------------------------------------
  const ruleSet = async (r: AccountRequest<{ name: string }>, extra: Partial<Chrome> = {}) => {
    let set;
    try {
      set = await rules.describeRuleSet(r.accountId, r.params.name);
    } catch (err) {
      if (err instanceof SesError && err.code === 'NotFoundException') return ctx.notFound(r, err.message);
      throw err;
    }
    const path = `${BASE}/receiving/rule-sets/${encodeURIComponent(set.name)}`;
    const move = (rule: string, after: string | undefined, label: string) =>
      html`<form method="post" action="${path}/move" class="inline-button">
        <input type="hidden" name="_csrf" value="${r.s.csrf}" />
        <input type="hidden" name="rule" value="${rule}" />
        <input type="hidden" name="after" value="${after ?? ''}" />
        <button>${label}</button>
      </form>`;
    return ctx.page(
      r,
      set.name,
      'receiving',
      html`<p><a href="${BASE}/receiving">← Receiving</a></p>
        <h1>${set.name} <small>${set.active ? 'active' : 'inactive'}</small></h1>
        <table class="list" data-testid="rules">
          <thead>
            <tr>
              <th>#</th>
              <th>Rule</th>
              <th>Recipients</th>
              <th>Actions</th>
              <th>TLS</th>
              <th>Scan</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${set.rules.map(
              (rule, i) =>
                html`<tr>
                  <td>${i + 1}</td>
                  <td>${rule.name}${rule.enabled ? '' : ' (disabled)'}</td>
                  <td>${rule.recipients.length ? rule.recipients.join(', ') : 'every verified domain'}</td>
                  <td>
                    <ol>
                      ${rule.actions.map((a) => html`<li>${actionText(a)}</li>`)}
                    </ol>
                  </td>
                  <td>${rule.tlsPolicy}</td>
                  <td>${rule.scanEnabled ? 'yes' : 'no'}</td>
                  <td class="actions">
                    ${i > 0 ? move(rule.name, i > 1 ? set.rules[i - 2]!.name : undefined, 'Up') : ''}
                    ${i < set.rules.length - 1 ? move(rule.name, set.rules[i + 1]!.name, 'Down') : ''}
                    <form method="post" action="${path}/delete-rule" class="inline-button">
                      <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                      <input type="hidden" name="rule" value="${rule.name}" />
                      <button>Delete</button>
                    </form>
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${set.rules.length ? '' : html`<p class="empty">No rules yet.</p>`}
        <p>
          Rules are created with the SES API (<code>CreateReceiptRule</code>, e.g.
          <code>aws ses create-receipt-rule</code>); their actions name buckets, topics and functions.
        </p>`,
      extra,
    );
  };
  ctx.accountPage<{ name: string }>('/receiving/rule-sets/:name', (r) => ruleSet(r));
  ctx.accountAction<{ name: string }>('/receiving/rule-sets/:name/move', async (r) => {
    try {
      await rules.setRulePosition(r.accountId, r.params.name, r.form.rule, r.form.after || undefined);
      return await ruleSet(r, { notice: `Rule ${r.form.rule} moved.` });
    } catch (err) {
      return ruleSet(r, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction<{ name: string }>('/receiving/rule-sets/:name/delete-rule', async (r) => {
    try {
      await rules.deleteRule(r.accountId, r.params.name, r.form.rule);
      return await ruleSet(r, { notice: `Rule ${r.form.rule} was deleted.` });
    } catch (err) {
      return ruleSet(r, { error: ctx.failure(err) });
    }
  });

  // ---- the inbound log ----------------------------------------------------------------------------
  ctx.accountPage('/receiving/log', async (r) => {
    const [messages, refusals] = await Promise.all([
      port.inboundWork.listMessages(r.accountId, undefined, 100),
      port.inboundWork.listRefusals(r.accountId, undefined, 100),
    ]);
    return ctx.page(
      r,
      'Inbound log',
      'receiving',
      html`<p><a href="${BASE}/receiving">← Receiving</a></p>
        <h1>Inbound log</h1>
        <h2>Received</h2>
        <table class="list" data-testid="received">
          <thead>
            <tr>
              <th>Received (UTC)</th>
              <th>From</th>
              <th>Recipients</th>
              <th>Client</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            ${messages.map(
              (m) =>
                html`<tr>
                  <td>${at(m.receivedAt)}</td>
                  <td>${m.mailFrom}</td>
                  <td>${m.recipients.join(', ')}</td>
                  <td>${m.clientIp}${m.tls ? ' (TLS)' : ''}</td>
                  <td>${m.status === 'done' ? 'actions done' : 'actions running'}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <h2>Refused</h2>
        <table class="list" data-testid="refused">
          <thead>
            <tr>
              <th>When (UTC)</th>
              <th>From</th>
              <th>Recipient</th>
              <th>Client</th>
              <th>Why</th>
              <th>Reply</th>
            </tr>
          </thead>
          <tbody>
            ${refusals.map(
              (f) =>
                html`<tr>
                  <td>${at(f.at)}</td>
                  <td>${f.mailFrom}</td>
                  <td>${f.recipient ?? ''}</td>
                  <td>${f.clientIp}</td>
                  <td>${f.reason}</td>
                  <td><code class="value">${f.reply}</code></td>
                </tr>`,
            )}
          </tbody>
        </table>`,
    );
  });
}

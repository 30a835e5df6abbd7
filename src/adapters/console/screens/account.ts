/**
 * The account's own screens: the dashboard (access, quota, health, SMTP settings, sending charts), reputation,
 * production access, SMTP credentials and the account's console users.
 */
import { SesError } from '../../../core/index.ts';
import { html, type Html } from '../../../lib/html.ts';
import type { AccountRequest, ConsoleContext } from '../context.ts';
import {
  BASE,
  dashboardPage,
  productionAccessPage,
  smtpCredentialsPage,
  type Chrome,
  type DashboardView,
} from '../views.ts';
import { chart, CHART_ASSETS } from './charts.ts';

const health = (status: string): DashboardView['health'] =>
  status === 'SHUTDOWN' ? 'Paused' : status === 'PROBATION' ? 'Under review' : 'Healthy';

const PERIODS: Record<string, number> = { '15m': 15 * 60_000, '1h': 3_600_000 };

/** The chart range of a request: 1–14 days, 15-minute or hourly points (hourly beyond two days). */
export function chartRange(query: Record<string, string | undefined>): { days: number; period: string } {
  const days = Math.min(14, Math.max(1, Math.trunc(Number(query.days) || 1)));
  const period = query.period === '1h' || (query.period !== '15m' && days > 2) ? '1h' : '15m';
  return { days, period };
}

function rangeForm(path: string, days: number, period: string): Html {
  return html`<form method="get" action="${BASE}${path}" class="inline range">
    <label
      >Last
      <select name="days">
        ${[1, 2, 3, 7, 14].map(
          (d) =>
            html`<option value="${d}" ${d === days ? 'selected' : ''}>${d} day${d > 1 ? 's' : ''}</option>`,
        )}
      </select></label
    >
    <label
      >Points
      <select name="period">
        <option value="15m" ${period === '15m' ? 'selected' : ''}>15 minutes</option>
        <option value="1h" ${period === '1h' ? 'selected' : ''}>1 hour</option>
      </select></label
    >
    <button>Show</button>
  </form>`;
}

const pct = (n: number, of: number) => (of ? `${((n / of) * 100).toFixed(2)} %` : '—');

export function registerAccountScreens(ctx: ConsoleContext): void {
  const { port, settings } = ctx;

  // ---- dashboard ----------------------------------------------------------------------------------------
  ctx.app.get(BASE, async (req, reply) => {
    const auth = await ctx.signedIn(req, reply);
    if (!auth) return reply;
    const accountId = auth.s.user.accountId;
    if (!accountId) return reply.redirect(`${BASE}/operator`, 303);
    const { days, period } = chartRange(req.query as Record<string, string>);
    const [account, quota, points] = await Promise.all([
      port.accounts.get(accountId),
      port.accounts.sendQuota(accountId),
      port.metrics.activity(accountId, days, PERIODS[period]!),
    ]);
    const total = (k: 'sends' | 'deliveries' | 'bounces' | 'complaints' | 'rejects') =>
      points.reduce((n, p) => n + p[k], 0);
    const x = points.map((p) => p.start / 1000);
    const sends = total('sends');
    const charts = html`<section>
      <h2>Sending statistics</h2>
      ${rangeForm('', days, period)}
      <table class="list totals" data-testid="totals">
        <thead>
          <tr>
            <th>Sends</th>
            <th>Deliveries</th>
            <th>Bounces</th>
            <th>Complaints</th>
            <th>Rejects</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>${sends}</td>
            <td>${total('deliveries')}</td>
            <td>${total('bounces')} (${pct(total('bounces'), sends)})</td>
            <td>${total('complaints')} (${pct(total('complaints'), sends)})</td>
            <td>${total('rejects')}</td>
          </tr>
        </tbody>
      </table>
      ${chart('chart-volume', 'Sends, deliveries and rejects', {
        x,
        series: [
          { label: 'Sends', values: points.map((p) => p.sends), color: '#232f3e' },
          { label: 'Deliveries', values: points.map((p) => p.deliveries), color: '#1d8102' },
          { label: 'Rejects', values: points.map((p) => p.rejects), color: '#8d6e00' },
        ],
      })}
      ${chart('chart-rates', 'Bounces and complaints (% of sends in each period)', {
        x,
        percent: true,
        series: [
          {
            label: 'Bounces',
            values: points.map((p) => (p.sends ? p.bounces / p.sends : 0)),
            color: '#d13212',
          },
          {
            label: 'Complaints',
            values: points.map((p) => (p.sends ? p.complaints / p.sends : 0)),
            color: '#7d3c98',
          },
        ],
      })}
    </section>`;
    return ctx.page(
      { reply, s: auth.s },
      'Dashboard',
      'dashboard',
      html`${dashboardPage({
        accountId,
        production: account.productionAccess,
        reviewStatus: account.review?.status ?? null,
        reviewNote: account.review?.note,
        health: health(account.enforcementStatus),
        sendingEnabled: account.sendingEnabled,
        ...quota,
        smtp: {
          host: settings.smtpHost,
          starttlsPort: settings.smtpStarttlsPort,
          tlsPort: settings.smtpTlsPort,
        },
      })}${charts}`,
      { scripts: CHART_ASSETS },
    );
  });

  // ---- reputation ---------------------------------------------------------------------------------------
  ctx.accountPage<Record<string, string>, Record<string, string | undefined>>('/reputation', async (r) => {
    const { days } = chartRange({ days: r.query.days ?? '14', period: '1h' });
    const account = await port.accounts.get(r.accountId);
    const sets = (await port.configurationSets.list(r.accountId, { pageSize: 1000 })).items
      .filter((c) => c.options.reputation.metricsEnabled)
      .map((c) => c.name);
    const set = r.query.set && sets.includes(r.query.set) ? r.query.set : undefined;
    const t = port.reputation.settings;
    const standing = await port.reputation.standing(account, set);
    const now = Date.now();
    const hour = 3_600_000;
    const from = Math.floor((now - days * 86_400_000) / hour) * hour;
    const dims = set ? [{ name: 'ses:configuration-set', value: set }] : [];
    const series = async (metricName: string) => {
      const points = await port.metrics.datapoints(
        r.accountId,
        { namespace: 'AWS/SES', metricName, dimensions: dims },
        from,
        now + hour,
        hour,
      );
      return new Map(points.map((p) => [p.start, p.count ? p.sum / p.count : 0]));
    };
    const [bounce, complaint] = await Promise.all([
      series('Reputation.BounceRate'),
      series('Reputation.ComplaintRate'),
    ]);
    const x: number[] = [];
    for (let at = from; at <= now; at += hour) x.push(at);
    const line = (m: Map<number, number>) => {
      let last = 0;
      return x.map((at) => (last = m.get(at) ?? last));
    };
    const body = html`<h1>Reputation${set ? html` · ${set}` : ''}</h1>
      <form method="get" action="${BASE}/reputation" class="inline">
        <label
          >Of
          <select name="set">
            <option value="">the whole account</option>
            ${sets.map((n) => html`<option value="${n}" ${n === set ? 'selected' : ''}>configuration set ${n}</option>`)}
          </select></label
        >
        <label
          >Last
          <select name="days">
            ${[1, 7, 14].map((d) => html`<option value="${d}" ${d === days ? 'selected' : ''}>${d} day${d > 1 ? 's' : ''}</option>`)}
          </select></label
        >
        <button>Show</button>
      </form>
      <section class="cards">
        <div class="card">
          <h2>Bounce rate</h2>
          <p class="big" data-testid="bounce-rate">${(standing.bounceRate * 100).toFixed(2)} %</p>
          <p>
            review at ${(t.bounceReview * 100).toFixed(1)} %, sending paused at
            ${(t.bouncePause * 100).toFixed(1)} %
          </p>
        </div>
        <div class="card">
          <h2>Complaint rate</h2>
          <p class="big" data-testid="complaint-rate">${(standing.complaintRate * 100).toFixed(2)} %</p>
          <p>
            review at ${(t.complaintReview * 100).toFixed(2)} %, sending paused at
            ${(t.complaintPause * 100).toFixed(2)} %
          </p>
        </div>
        <div class="card">
          <h2>Representative volume</h2>
          <p class="big" data-testid="volume">${standing.sends.toLocaleString('en-US')}</p>
          <p>
            eligible sends since
            ${new Date(standing.windowStart).toISOString().slice(0, 16).replace('T', ' ')} UTC
            (${standing.bounces} bounces, ${standing.complaints}
            complaints)${
              standing.sends < t.minimumVolume
                ? html`; below ${t.minimumVolume} sends the rates enforce nothing`
                : ''
            }
          </p>
        </div>
        <div class="card">
          <h2>Account status</h2>
          <p class="big" data-testid="health">${health(account.enforcementStatus)}</p>
        </div>
      </section>
      ${chart('chart-bounce', 'Bounce rate', {
        x: x.map((v) => v / 1000),
        percent: true,
        series: [{ label: 'Bounce rate', values: line(bounce), color: '#d13212' }],
        thresholds: [
          { label: 'Review', value: t.bounceReview, color: '#c77700' },
          { label: 'Pause', value: t.bouncePause, color: '#b00' },
        ],
      })}
      ${chart('chart-complaint', 'Complaint rate', {
        x: x.map((v) => v / 1000),
        percent: true,
        series: [{ label: 'Complaint rate', values: line(complaint), color: '#7d3c98' }],
        thresholds: [
          { label: 'Review', value: t.complaintReview, color: '#c77700' },
          { label: 'Pause', value: t.complaintPause, color: '#b00' },
        ],
      })}`;
    return ctx.page(r, 'Reputation', 'reputation', body, { scripts: CHART_ASSETS });
  });

  // ---- production access --------------------------------------------------------------------------------
  ctx.accountPage('/production-access', async (r) =>
    ctx.page(r, 'Request production access', 'dashboard', productionAccessPage(r.s.csrf)),
  );
  ctx.accountAction('/production-access', async (r) => {
    const f = r.form;
    try {
      if (f.mailType !== 'TRANSACTIONAL' && f.mailType !== 'MARKETING')
        throw new SesError('BadRequestException', 'Choose a mail type.');
      if (!f.websiteUrl || !f.useCase)
        throw new SesError('BadRequestException', 'A website URL and a use case are required.');
      await port.accounts.putDetails(
        r.accountId,
        {
          mailType: f.mailType,
          websiteUrl: f.websiteUrl,
          contactLanguage: f.contactLanguage === 'JA' ? 'JA' : 'EN',
          useCaseDescription: f.useCase,
          additionalContactEmailAddresses: [],
        },
        true,
      );
      return r.reply.redirect(BASE, 303);
    } catch (err) {
      return ctx.page(r, 'Request production access', 'dashboard', productionAccessPage(r.s.csrf, f), {
        error: ctx.failure(err),
      });
    }
  });

  // ---- SMTP credentials ---------------------------------------------------------------------------------
  const credentials = async (
    r: AccountRequest,
    created?: { username: string; password: string },
    extra: Partial<Chrome> = {},
  ) => {
    const keys = await port.accounts.listAccessKeys(r.accountId);
    return ctx.page(
      r,
      'SMTP credentials',
      'smtp-credentials',
      smtpCredentialsPage(
        keys.map((k) => ({
          id: k.id,
          status: k.status,
          createdAt: new Date(k.createdAt).toISOString().slice(0, 19).replace('T', ' '),
          user: k.userName ?? '(account root)',
          allows: k.permissions
            ? `${k.permissions.actions.join(', ')}${k.permissions.identities ? ` as ${k.permissions.identities.join(', ')}` : ''}`
            : 'everything',
        })),
        r.s.csrf,
        created && { ...created, host: settings.smtpHost, port: settings.smtpStarttlsPort },
      ),
      extra,
    );
  };
  ctx.accountPage('/smtp-credentials', (r) => credentials(r));
  ctx.accountAction('/smtp-credentials', async (r) => {
    // As SES's console does: an IAM user that may only ses:SendRawEmail (SMTP), so the credentials cannot
    // manage identities or anything else over the API.
    const name = r.form.userName?.trim();
    let c: Awaited<ReturnType<typeof port.accounts.createAccessKey>>;
    try {
      c = await port.accounts.createAccessKey(r.accountId, {
        userName: name || undefined,
        permissions: { actions: ['ses:SendRawEmail'], identities: null },
      });
    } catch (err) {
      if (!(err instanceof SesError)) throw err;
      return credentials(r, undefined, { error: err.message });
    }
    ctx.log.info(
      { accountId: r.accountId, accessKeyId: c.accessKeyId, userId: r.s.user.id },
      'SMTP credentials created in the console',
    );
    return credentials(r, { username: c.smtpUsername, password: c.smtpPassword });
  });
  ctx.accountAction<{ id: string }>('/smtp-credentials/:id/revoke', async (r) => {
    // Only this account's keys: an id of another account's key is "not found", as SES would answer.
    const mine = (await port.accounts.listAccessKeys(r.accountId)).some((k) => k.id === r.params.id);
    if (!mine) return credentials(r, undefined, { error: `Credentials ${r.params.id} do not exist.` });
    await port.accounts.revokeAccessKey(r.params.id);
    return credentials(r, undefined, { notice: `Credentials ${r.params.id} were revoked.` });
  });

  // ---- the account's console users (admins add them) ----------------------------------------------------
  const users = async (r: AccountRequest, extra: Partial<Chrome> = {}, setupLink?: string) => {
    const list = await port.consoleUsers.list(r.accountId);
    const admin = r.s.user.role === 'admin';
    return ctx.page(
      r,
      'Users',
      'users',
      html`<h1>Console users</h1>
        ${
          setupLink
            ? html`<section class="created" data-testid="setup-link">
                <p>Send this one-time link to the new user; it sets their password (valid for 7 days):</p>
                <pre>${setupLink}</pre>
              </section>`
            : ''
        }
        <table class="list" data-testid="users">
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            ${list.map(
              (u) =>
                html`<tr>
                  <td>${u.email}</td>
                  <td>${u.role}</td>
                  <td>${u.passwordHash ? 'active' : 'setup link not used yet'}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${
          admin
            ? html`<h2>Add a user</h2>
                <form method="post" action="${BASE}/users" class="inline">
                  <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                  <label>Email <input type="email" name="email" required /></label>
                  <label
                    >Role
                    <select name="role">
                      <option value="member">member</option>
                      <option value="admin">admin</option>
                    </select></label
                  >
                  <button>Add user</button>
                </form>`
            : html`<p>Only the account's admins add users.</p>`
        }`,
      extra,
    );
  };
  ctx.accountPage('/users', (r) => users(r));
  ctx.accountAction('/users', async (r) => {
    if (r.s.user.role !== 'admin') return users(r, { error: 'Only the account’s admins add users.' });
    try {
      const { user, setupToken } = await port.consoleUsers.create({
        accountId: r.accountId,
        email: r.form.email ?? '',
        role: r.form.role === 'admin' ? 'admin' : 'member',
      });
      return users(
        r,
        { notice: `${user.email} was added.` },
        `${settings.publicUrl}${BASE}/setup/${setupToken}`,
      );
    } catch (err) {
      return users(r, { error: ctx.failure(err) });
    }
  });
}

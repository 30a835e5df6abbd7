/**
 * The console's pages as typed functions returning escaped HTML (lib/html.ts). No page holds a rule: each shows
 * what the core returned. Forms post with the session's CSRF token and work without JavaScript; the only
 * script (console.js) adds copy buttons.
 */
import { html, type Html } from '../../lib/html.ts';

export const BASE = '/console';

export interface Chrome {
  title: string;
  /** Signed-in user, for the navigation and the sign-out form. */
  user?: { email: string; accountId: string | null; role: string; csrf: string } | undefined;
  /** Which navigation entry is current. */
  section?: string;
  notice?: string | undefined;
  error?: string | undefined;
  /** Development mode: the navigation has the Inbox of captured mail. */
  dev?: boolean | undefined;
  /** Scripts a page needs beyond console.js and htmx (the charts). */
  scripts?: Html | undefined;
}

const NAV: [string, string][] = [
  ['dashboard', 'Dashboard'],
  ['reputation', 'Reputation'],
  ['identities', 'Identities'],
  ['smtp-credentials', 'SMTP credentials'],
  ['send-test', 'Send test email'],
  ['messages', 'Messages'],
  ['templates', 'Templates'],
  ['configuration-sets', 'Configuration sets'],
  ['notifications', 'Notifications'],
  ['suppression', 'Suppression list'],
  ['contact-lists', 'Contact lists'],
  ['receiving', 'Receiving'],
  ['users', 'Users'],
];

/** In development mode the captured mail comes right after the messages. */
const DEV_NAV = NAV.flatMap((entry): [string, string][] =>
  entry[0] === 'messages' ? [entry, ['inbox', 'Inbox']] : [entry],
);

const OPERATOR_NAV: [string, string][] = [
  ['operator', 'Accounts'],
  ['operator/requests', 'Production requests'],
  ['operator/queue', 'Queue'],
  ['operator/settings', 'Settings'],
];

export function layout(chrome: Chrome, body: Html): Html {
  const u = chrome.user;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${chrome.title} · Sesame console</title>
        <link rel="stylesheet" href="${BASE}/assets/console.css" />
        <meta
          name="htmx-config"
          content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}'
        />
      </head>
      <body>
        <header>
          <a class="brand" href="${BASE}">Sesame</a>
          ${
            u
              ? html`<nav>
                    ${(u.accountId ? (chrome.dev ? DEV_NAV : NAV) : OPERATOR_NAV).map(
                      ([id, label]) =>
                        html`<a
                          href="${BASE}${id === 'dashboard' ? '' : `/${id}`}"
                          class="${chrome.section === id ? 'current' : ''}"
                          >${label}</a
                        >`,
                    )}
                  </nav>
                  <form class="signout" method="post" action="${BASE}/logout">
                    <input type="hidden" name="_csrf" value="${u.csrf}" />
                    <span class="who"
                      >${u.email}${u.accountId ? html` · account ${u.accountId}` : ' · operator'}</span
                    >
                    <button>Sign out</button>
                  </form>`
              : ''
          }
        </header>
        <main>
          ${chrome.notice ? html`<p class="notice" role="status">${chrome.notice}</p>` : ''}
          ${chrome.error ? html`<p class="error" role="alert">${chrome.error}</p>` : ''} ${body}
        </main>
        <script src="${BASE}/assets/htmx.min.js"></script>
        <script src="${BASE}/assets/console.js"></script>
        ${chrome.scripts ?? ''}
      </body>
    </html>`;
}

export function loginPage(email = ''): Html {
  return html`<h1>Sign in</h1>
    <form method="post" action="${BASE}/login" class="stack">
      <label
        >Email <input type="email" name="email" value="${email}" required autocomplete="username"
      /></label>
      <label
        >Password <input type="password" name="password" required autocomplete="current-password"
      /></label>
      <button>Sign in</button>
    </form>`;
}

export function setupPage(token: string, email: string, minLength: number): Html {
  return html`<h1>Choose your password</h1>
    <p>For <b>${email}</b>. At least ${minLength} characters.</p>
    <form method="post" action="${BASE}/setup/${token}" class="stack">
      <label
        >Password
        <input type="password" name="password" minlength="${minLength}" required autocomplete="new-password"
      /></label>
      <button>Set password</button>
    </form>`;
}

export interface DashboardView {
  accountId: string;
  production: boolean;
  reviewStatus: string | null;
  /** The operator's note on the last decision. */
  reviewNote?: string | undefined;
  health: 'Healthy' | 'Under review' | 'Paused';
  sendingEnabled: boolean;
  max24HourSend: number;
  maxSendRate: number;
  sentLast24Hours: number;
  smtp: { host: string; starttlsPort: number | undefined; tlsPort: number | undefined };
}

const limit = (n: number) => (n < 0 ? 'unlimited' : n.toLocaleString('en-US'));

export function dashboardPage(d: DashboardView): Html {
  const left = d.max24HourSend < 0 ? 'unlimited' : limit(Math.max(0, d.max24HourSend - d.sentLast24Hours));
  return html`<h1>Account dashboard</h1>
    <section class="cards">
      <div class="card">
        <h2>Account</h2>
        <p class="big" data-testid="access">${d.production ? 'Production' : 'Sandbox'}</p>
        <p>
          ${
            d.production
              ? 'You can send to any address.'
              : 'In the sandbox you can send only to verified identities and the mailbox simulator.'
          }
        </p>
        ${productionRequest(d)}
      </div>
      <div class="card">
        <h2>Sending limits</h2>
        <p class="big" data-testid="quota">${limit(d.sentLast24Hours)} of ${limit(d.max24HourSend)}</p>
        <p>sent in the last 24 hours; ${left} left; at most ${limit(d.maxSendRate)} per second</p>
      </div>
      <div class="card">
        <h2>Account health</h2>
        <p class="big health-${d.health.replace(' ', '-').toLowerCase()}" data-testid="health">${d.health}</p>
        <p>${d.sendingEnabled ? 'Sending is enabled.' : 'Sending is paused for this account.'}</p>
      </div>
    </section>
    <section>
      <h2>SMTP settings</h2>
      <table class="kv">
        <tr>
          <th>Server</th>
          <td><code>${d.smtp.host}</code></td>
        </tr>
        ${
          d.smtp.starttlsPort
            ? html`<tr>
                <th>STARTTLS port</th>
                <td><code data-testid="smtp-starttls">${d.smtp.starttlsPort}</code></td>
              </tr>`
            : ''
        }
        ${
          d.smtp.tlsPort
            ? html`<tr>
                <th>TLS wrapper port</th>
                <td><code data-testid="smtp-tls">${d.smtp.tlsPort}</code></td>
              </tr>`
            : ''
        }
        <tr>
          <th>Credentials</th>
          <td><a href="${BASE}/smtp-credentials">Create SMTP credentials</a></td>
        </tr>
      </table>
    </section>`;
}

/** The sandbox card's line about production access: the link to ask for it, or the pending review. */
function productionRequest(d: DashboardView): Html | string {
  if (d.production) return '';
  if (d.reviewStatus === 'PENDING')
    return html`<p data-testid="review">Production access requested: under review.</p>`;
  return html`<p>
    ${
      d.reviewStatus === 'DENIED'
        ? html`<span data-testid="review"
            >Your last request was denied${d.reviewNote ? html`: ${d.reviewNote}` : ''}.
          </span>`
        : ''
    }<a href="${BASE}/production-access">Request production access</a>
  </p>`;
}

export interface IdentityRow {
  name: string;
  type: string;
  status: string;
  dkim: string;
}

export function identitiesPage(rows: IdentityRow[], csrf: string): Html {
  return html`<h1>Identities</h1>
    <form method="post" action="${BASE}/identities" class="inline">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label>Domain or email address <input name="identity" required placeholder="example.com" /></label>
      <button>Create identity</button>
    </form>
    ${
      rows.length === 0
        ? html`<p class="empty">No identities yet.</p>`
        : html`<table class="list">
            <thead>
              <tr>
                <th>Identity</th>
                <th>Type</th>
                <th>Status</th>
                <th>DKIM</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (r) =>
                  html`<tr>
                    <td><a href="${BASE}/identities/${encodeURIComponent(r.name)}">${r.name}</a></td>
                    <td>${r.type === 'DOMAIN' ? 'Domain' : 'Email address'}</td>
                    <td><span class="status status-${r.status.toLowerCase()}">${r.status}</span></td>
                    <td>${r.dkim}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

export interface IdentityDetail {
  name: string;
  type: string;
  status: string;
  dkimStatus: string;
  mailFrom: { domain: string; status: string; behaviorOnMxFailure: string } | null;
  dkim: {
    origin: string | null;
    currentKeyLength: string | null;
    nextKeyLength: string | null;
    lastKeyGeneratedAt: string | null;
  };
  records: { name: string; type: string; value: string; purpose: string; status: string | null }[];
  zone: string;
  mailHostProblem: string | undefined;
}

export function identityPage(d: IdentityDetail, csrf: string): Html {
  const path = `${BASE}/identities/${encodeURIComponent(d.name)}`;
  return html`<p><a href="${BASE}/identities">← Identities</a></p>
    <h1>${d.name}</h1>
    <table class="kv">
      <tr>
        <th>Type</th>
        <td>${d.type === 'DOMAIN' ? 'Domain' : 'Email address'}</td>
      </tr>
      <tr>
        <th>Status</th>
        <td><span class="status status-${d.status.toLowerCase()}" data-testid="status">${d.status}</span></td>
      </tr>
      <tr>
        <th>DKIM</th>
        <td>${d.dkimStatus}</td>
      </tr>
      ${
        d.mailFrom
          ? html`<tr>
              <th>MAIL FROM</th>
              <td>${d.mailFrom.domain} (${d.mailFrom.status})</td>
            </tr>`
          : ''
      }
    </table>
    <form method="post" action="${path}/check" class="inline">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <button>Check DNS now</button>
    </form>
    ${
      d.type === 'EMAIL_ADDRESS' && d.status !== 'SUCCESS'
        ? html`<p data-testid="verification-sent">
              A verification email was sent to ${d.name}; the link in it verifies the address.
            </p>
            <form method="post" action="${path}/resend" class="inline">
              <input type="hidden" name="_csrf" value="${csrf}" />
              <button>Resend verification email</button>
            </form>`
        : ''
    }
    ${d.type === 'DOMAIN' ? dkimSection(d, path, csrf) : ''} ${mailFromSection(d, path, csrf)}
    ${
      d.records.length
        ? html`<h2>DNS records to publish</h2>
            ${d.mailHostProblem ? html`<p class="error">${d.mailHostProblem}</p>` : ''}
            <table class="list records">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Type</th>
                  <th>Value</th>
                  <th>Purpose</th>
                  <th>Status</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${d.records.map(
                  (r) =>
                    html`<tr>
                      <td><code>${r.name}</code></td>
                      <td>${r.type}</td>
                      <td><code class="value">${r.value}</code></td>
                      <td>${r.purpose}</td>
                      <td>${r.status ?? '—'}</td>
                      <td><button type="button" class="copy" data-copy="${r.value}">Copy</button></td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <h3>As a zone file</h3>
            <pre id="zone">${d.zone}</pre>
            <button type="button" class="copy" data-copy-from="zone">Copy zone file</button>`
        : ''
    }
    <form method="post" action="${path}/delete" class="danger">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <button>Delete identity</button>
    </form>`;
}

const hidden = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}" />`;

function dkimSection(d: IdentityDetail, path: string, csrf: string): Html {
  const easy = d.dkim.origin !== 'EXTERNAL';
  return html`<h2>DKIM</h2>
    <table class="kv" data-testid="dkim">
      <tr>
        <th>Keys</th>
        <td>${easy ? 'Easy DKIM (Sesame makes and rotates the keys)' : 'Your own key (BYODKIM)'}</td>
      </tr>
      ${
        easy
          ? html`<tr>
                <th>Key length</th>
                <td>
                  ${d.dkim.currentKeyLength ?? '—'}${
                    d.dkim.nextKeyLength && d.dkim.nextKeyLength !== d.dkim.currentKeyLength
                      ? html` (next key: ${d.dkim.nextKeyLength})`
                      : ''
                  }
                </td>
              </tr>
              <tr>
                <th>Last key made</th>
                <td>${d.dkim.lastKeyGeneratedAt ?? '—'}</td>
              </tr>`
          : ''
      }
    </table>
    <details>
      <summary>Change the DKIM keys</summary>
      <form method="post" action="${path}/dkim" class="inline">
        ${hidden(csrf)}
        <input type="hidden" name="origin" value="AWS_SES" />
        <label
          >Easy DKIM, new keys of
          <select name="nextKeyLength">
            <option value="RSA_2048_BIT">2048 bits</option>
            <option value="RSA_1024_BIT">1024 bits</option>
          </select></label
        >
        <button>Rotate to new Easy DKIM keys</button>
      </form>
      <form method="post" action="${path}/dkim" class="stack wide">
        ${hidden(csrf)}
        <input type="hidden" name="origin" value="EXTERNAL" />
        <label>Selector <input name="selector" required /></label>
        <label
          >Private key (PEM or base64 DER)
          <textarea name="privateKey" rows="4" required></textarea>
        </label>
        <button>Use my own key (BYODKIM)</button>
      </form>
    </details>`;
}

function mailFromSection(d: IdentityDetail, path: string, csrf: string): Html {
  const base = d.type === 'DOMAIN' ? d.name : d.name.slice(d.name.lastIndexOf('@') + 1);
  return html`<h2>Custom MAIL FROM domain</h2>
    ${
      d.mailFrom
        ? html`<p data-testid="mail-from">
              ${d.mailFrom.domain}: ${d.mailFrom.status}; if its MX is missing:
              ${d.mailFrom.behaviorOnMxFailure === 'REJECT_MESSAGE' ? 'refuse the send' : 'use the default domain'}
            </p>
            <form method="post" action="${path}/mail-from" class="inline">
              ${hidden(csrf)}
              <input type="hidden" name="domain" value="" />
              <button>Stop using it</button>
            </form>`
        : html`<p>Bounces come back to Sesame’s own domain; a subdomain of ${base} aligns SPF with it.</p>`
    }
    <form method="post" action="${path}/mail-from" class="inline">
      ${hidden(csrf)}
      <label>Subdomain <input name="domain" required placeholder="mail.${base}" /></label>
      <label
        >If its MX is missing
        <select name="behaviorOnMxFailure">
          <option value="USE_DEFAULT_VALUE">use the default domain</option>
          <option value="REJECT_MESSAGE">refuse the send</option>
        </select></label
      >
      <button>Set MAIL FROM domain</button>
    </form>`;
}

export interface CredentialRow {
  id: string;
  status: string;
  createdAt: string;
  /** The key's IAM user, and what it may do. */
  user: string;
  allows: string;
}

export function smtpCredentialsPage(
  rows: CredentialRow[],
  csrf: string,
  created?: { username: string; password: string; host: string; port: number | undefined },
): Html {
  return html`<h1>SMTP credentials</h1>
    ${
      created
        ? html`<section class="created" data-testid="created">
            <h2>New SMTP credentials</h2>
            <p><b>Copy the password now: it is not shown again.</b></p>
            <table class="kv">
              <tr>
                <th>SMTP username</th>
                <td><code data-testid="smtp-username">${created.username}</code></td>
              </tr>
              <tr>
                <th>SMTP password</th>
                <td><code data-testid="smtp-password">${created.password}</code></td>
              </tr>
            </table>
            <h3>WordPress (WP Mail SMTP, "Other SMTP")</h3>
            <pre>
SMTP host: ${created.host}
Encryption: TLS (STARTTLS)   Port: ${created.port ?? ''}
Authentication: on   Username: ${created.username}</pre>
            <h3>Postfix (relayhost)</h3>
            <pre>
relayhost = [${created.host}]:${created.port ?? ''}
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = static:${created.username}:&lt;the password above&gt;
smtp_sasl_security_options = noanonymous
smtp_tls_security_level = encrypt</pre>
          </section>`
        : ''
    }
    <form method="post" action="${BASE}/smtp-credentials">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label>IAM user name (optional) <input name="userName" maxlength="64" /></label>
      <button>Create SMTP credentials</button>
      <p class="hint">The credentials may only send (ses:SendRawEmail), like those SES's console creates.</p>
    </form>
    <table class="list">
      <thead>
        <tr>
          <th>Username (access key)</th>
          <th>IAM user</th>
          <th>May</th>
          <th>Status</th>
          <th>Created</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) =>
            html`<tr>
              <td><code>${r.id}</code></td>
              <td>${r.user}</td>
              <td>${r.allows}</td>
              <td>${r.status}</td>
              <td>${r.createdAt}</td>
              <td>
                ${
                  r.status === 'Active'
                    ? html`<form method="post" action="${BASE}/smtp-credentials/${r.id}/revoke">
                        <input type="hidden" name="_csrf" value="${csrf}" />
                        <button>Revoke</button>
                      </form>`
                    : ''
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export const SIMULATOR_SCENARIOS: [string, string][] = [
  ['success', 'Successful delivery'],
  ['bounce', 'Bounce'],
  ['complaint', 'Complaint'],
  ['suppressionlist', 'Suppression list'],
  ['ooto', 'Out of office'],
];

export function sendTestPage(senders: string[], csrf: string, values: Record<string, string> = {}): Html {
  const v = (k: string, fallback = '') => values[k] ?? fallback;
  return html`<h1>Send test email</h1>
    ${
      senders.length === 0
        ? html`<p class="error">
            No verified identity yet: <a href="${BASE}/identities">verify one</a> first.
          </p>`
        : ''
    }
    <form method="post" action="${BASE}/send-test" class="stack wide">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label
        >From
        <input name="from" list="senders" required value="${v('from', senders[0] ?? '')}" />
        <datalist id="senders">${senders.map((s) => html`<option value="${s}"></option>`)}</datalist>
      </label>
      <fieldset>
        <legend>To</legend>
        ${SIMULATOR_SCENARIOS.map(
          ([id, label]) =>
            html`<label class="choice"
              ><input
                type="radio"
                name="scenario"
                value="${id}"
                ${v('scenario', 'success') === id ? 'checked' : ''}
              />
              ${label} (${id}@simulator.amazonses.com)</label
            >`,
        )}
        <label class="choice"
          ><input
            type="radio"
            name="scenario"
            value="custom"
            ${v('scenario') === 'custom' ? 'checked' : ''} />
          Another address: <input name="to" type="email" value="${v('to')}"
        /></label>
      </fieldset>
      <label
        >Subject <input name="subject" required value="${v('subject', 'Test from the Sesame console')}"
      /></label>
      <label
        >Body
        <textarea name="body" rows="6">
${v('body', 'This is a test message sent from the Sesame console.')}</textarea>
      </label>
      <label class="choice"
        ><input type="checkbox" name="raw" value="1" ${v('raw') ? 'checked' : ''} /> The body is a raw MIME
        message</label
      >
      <button>Send</button>
    </form>`;
}

export function productionAccessPage(csrf: string, values: Record<string, string> = {}): Html {
  const v = (k: string, fallback = '') => values[k] ?? fallback;
  return html`<h1>Request production access</h1>
    <p>An operator reviews the request; until then the account stays in the sandbox.</p>
    <form method="post" action="${BASE}/production-access" class="stack wide">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <fieldset>
        <legend>Mail type</legend>
        <label class="choice"
          ><input
            type="radio"
            name="mailType"
            value="TRANSACTIONAL"
            ${v('mailType', 'TRANSACTIONAL') === 'TRANSACTIONAL' ? 'checked' : ''}
          />
          Transactional</label
        >
        <label class="choice"
          ><input
            type="radio"
            name="mailType"
            value="MARKETING"
            ${v('mailType') === 'MARKETING' ? 'checked' : ''}
          />
          Marketing</label
        >
      </fieldset>
      <label>Website URL <input name="websiteUrl" type="url" required value="${v('websiteUrl')}" /></label>
      <label>Use case <textarea name="useCase" rows="5" required>${v('useCase')}</textarea></label>
      <label
        >Contact language
        <select name="contactLanguage">
          <option value="EN" ${v('contactLanguage', 'EN') === 'EN' ? 'selected' : ''}>English</option>
          <option value="JA" ${v('contactLanguage') === 'JA' ? 'selected' : ''}>Japanese</option>
        </select>
      </label>
      <button>Submit request</button>
    </form>`;
}

export const CONSOLE_CSS = `
:root{--ink:#1d1d1f;--muted:#666;--line:#e5e5e5;--accent:#232f3e}
body{font:14px/1.5 system-ui,sans-serif;margin:0;color:var(--ink);background:#fafafa}
header{display:flex;gap:1.5em;align-items:center;padding:.6em 1.2em;background:var(--accent);color:#fff}
header a{color:#fff;text-decoration:none}header .brand{font-weight:700}header nav{display:flex;gap:.9em;flex-wrap:wrap}header nav a{white-space:nowrap}
header nav a.current{border-bottom:2px solid #ff9900}.signout{margin-left:auto;display:flex;gap:.6em;align-items:center}
.who{opacity:.8;font-size:12px}main{max-width:1100px;margin:auto;padding:1.2em}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:1em}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:1em}.card h2{font-size:14px;color:var(--muted);margin:0}
.big{font-size:22px;font-weight:600;margin:.3em 0}.health-healthy{color:#070}.health-under-review{color:#a60}.health-paused{color:#b00}
table{border-collapse:collapse;background:#fff}th,td{text-align:left;padding:.4em .7em;border-bottom:1px solid var(--line);vertical-align:top}
table.list{width:100%}.kv th{color:var(--muted);font-weight:500}code.value{word-break:break-all}
.status-success{color:#070}.status-pending,.status-temporary_failure{color:#a60}.status-failed{color:#b00}
.notice{background:#eef7ee;border:1px solid #cde5cd;padding:.6em}.error{background:#fbeeee;border:1px solid #efcaca;padding:.6em}
.stack{display:flex;flex-direction:column;gap:.8em;max-width:360px}.stack input{display:block;width:100%}
.inline{display:flex;gap:.6em;align-items:end;margin:1em 0}.danger button{color:#b00;margin-top:2em}
pre{background:#fff;border:1px solid var(--line);padding:.8em;white-space:pre-wrap;word-break:break-all}
.wide{max-width:640px}fieldset{border:1px solid var(--line);padding:.6em}.choice{display:block}textarea{width:100%}
.created{background:#fffbe6;border:1px solid #f0e0a0;padding:1em;margin-bottom:1em}.empty{color:var(--muted)}
.chart{background:#fff;border:1px solid var(--line);border-radius:6px;margin:1em 0;padding:.6em}.chart figcaption{color:var(--muted)}
.split{display:grid;grid-template-columns:1fr 1fr;gap:1.5em}iframe.preview{width:100%;height:320px;border:1px solid var(--line);background:#fff}
iframe.mail{width:100%;height:60vh;border:1px solid var(--line);background:#fff}
.tabs{display:flex;gap:.2em;margin:1em 0 0}.tab{padding:.3em .8em;border:1px solid var(--line);border-bottom:0;border-radius:4px 4px 0 0;text-decoration:none;background:#fff}.tab.current{background:#232f3e;color:#fff}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
.findings tr.fail td:first-child{color:#b00;font-weight:600}.findings tr.warn td:first-child{color:#a60}.findings tr.pass td:first-child{color:#070}
.search,.range{flex-wrap:wrap}.inline-button{display:inline}.actions{white-space:nowrap}.topic{margin:1em 0}.headers th{font-family:monospace;white-space:nowrap}.request{margin:1em 0}
`;

/**
 * Copy buttons, and the suppression list's CSV import from a file in parts of 500 lines with a progress bar
 * (progressive: without JavaScript values are plain text to select and the CSV is pasted into the form).
 */
export const CONSOLE_JS = `
document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('button.copy');
  if (!b) return;
  var text = b.dataset.copy || (document.getElementById(b.dataset.copyFrom || '') || {}).textContent || '';
  if (navigator.clipboard) navigator.clipboard.writeText(text).then(function(){ b.textContent = 'Copied'; });
});
document.addEventListener('submit', function (e) {
  var form = e.target;
  if (!form.dataset || form.dataset.import !== 'csv') return;
  var input = form.querySelector('[data-import-file]');
  var file = input && input.files && input.files[0];
  if (!file) return;
  e.preventDefault();
  var bar = form.querySelector('[data-import-progress]');
  var status = form.querySelector('[data-import-status]');
  var csrf = form.querySelector('input[name=_csrf]').value;
  file.text().then(function (text) {
    var lines = text.split(/\\r?\\n/);
    var size = 500, done = 0, imported = 0, errors = [];
    bar.hidden = false; bar.max = lines.length; bar.value = 0;
    function next() {
      if (done >= lines.length) {
        status.textContent = imported + ' imported' + (errors.length ? '; ' + errors.length + ' refused: ' +
          errors.slice(0, 10).map(function (x) { return 'line ' + x.line + ': ' + x.error; }).join('; ') : '') + '.';
        return;
      }
      var part = lines.slice(done, done + size);
      var body = new URLSearchParams({ _csrf: csrf, csv: part.join('\\n'), firstLine: String(done + 1) });
      fetch(form.action, { method: 'POST', body: body, headers: { accept: 'application/json' } })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
        .then(function (r) {
          imported += r.imported; errors = errors.concat(r.errors); done += part.length;
          bar.value = done; status.textContent = done + ' of ' + lines.length + ' lines';
          next();
        })
        .catch(function (err) { status.textContent = 'Import stopped: ' + err.message; });
    }
    next();
  });
});
`;

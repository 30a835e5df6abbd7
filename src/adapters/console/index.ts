/**
 * The web console under /console on Sesame's HTTP listener: server-rendered pages, forms that work without
 * JavaScript, one signed HttpOnly SameSite session cookie, a CSRF token on every form, a strict
 * content-security policy. Thin: it calls the same core as the APIs (ConsolePort), so the same validation and
 * errors reach the user as a message on the page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  MIN_PASSWORD_LENGTH,
  SESSION_LIFETIME_MS,
  SesError,
  type ConsolePort,
  type SignedInUser,
} from '../../core/index.ts';
import { html, type Html } from '../../lib/html.ts';
import type { Logger } from '../../lib/logger.ts';
import { zoneFile } from '../../lib/zone-file.ts';
import {
  BASE,
  CONSOLE_CSS,
  CONSOLE_JS,
  dashboardPage,
  identitiesPage,
  identityPage,
  layout,
  loginPage,
  messagePage,
  operatorPage,
  productionAccessPage,
  sendTestPage,
  SIMULATOR_SCENARIOS,
  setupPage,
  smtpCredentialsPage,
  type Chrome,
} from './views.ts';

export interface ConsoleSettings {
  /** What the dashboard and new SMTP credentials tell users to connect to. */
  smtpHost: string;
  smtpStarttlsPort: number | undefined;
  smtpTlsPort: number | undefined;
  /** The cookie is `Secure` when Sesame is reached over https (SESAME_PUBLIC_URL). */
  secureCookies: boolean;
}

const COOKIE = 'sesame_console';
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

type Form = Record<string, string>;

function formOf(req: FastifyRequest): Form {
  const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  return Object.fromEntries(new URLSearchParams(body));
}

function cookieOf(req: FastifyRequest): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** A browser's cross-site form or fetch carries another Origin; Sesame's own forms carry its own or none. */
function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return req.headers['sec-fetch-site'] !== 'cross-site';
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

const health = (status: string) =>
  status === 'SHUTDOWN' ? 'Paused' : status === 'PROBATION' ? 'Under review' : 'Healthy';

export function registerConsole(
  app: FastifyInstance,
  port: ConsolePort,
  settings: ConsoleSettings,
  log: Logger,
): void {
  const send = (reply: FastifyReply, chrome: Chrome, body: Html, status = 200) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .headers({
        'content-security-policy': CSP,
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      })
      .send(layout(chrome, body).text);

  const setCookie = (reply: FastifyReply, value: string, maxAgeSeconds: number) =>
    reply.header(
      'set-cookie',
      `${COOKIE}=${encodeURIComponent(value)}; Path=${BASE}; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${settings.secureCookies ? '; Secure' : ''}`,
    );

  /** The signed-in user and their chrome, or a redirect to the sign-in page. */
  const signedIn = async (
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ s: SignedInUser; token: string } | undefined> => {
    const token = cookieOf(req);
    const s = await port.consoleUsers.session(token);
    if (!s || !token) {
      await reply.redirect(`${BASE}/login`, 303);
      return undefined;
    }
    return { s, token };
  };
  const chromeOf = (
    s: SignedInUser,
    title: string,
    section: string,
    extra: Partial<Chrome> = {},
  ): Chrome => ({
    title,
    section,
    user: { email: s.user.email, accountId: s.user.accountId, role: s.user.role, csrf: s.csrf },
    ...extra,
  });

  /** A POST of a signed-in user: same origin and the session's CSRF token, else 403. */
  const post = async (
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ s: SignedInUser; form: Form } | undefined> => {
    const auth = await signedIn(req, reply);
    if (!auth) return undefined;
    const form = formOf(req);
    if (!sameOrigin(req) || !port.consoleUsers.csrfMatches(auth.token, form._csrf)) {
      log.warn({ url: req.url }, 'console form refused: missing or wrong CSRF token');
      await send(
        reply,
        chromeOf(auth.s, 'Refused', ''),
        layoutMessage('This form expired or did not come from this console. Reload the page and try again.'),
        403,
      );
      return undefined;
    }
    return { s: auth.s, form };
  };

  /** The account of a signed-in account user (operators have none: their screens are elsewhere). */
  const accountOf = (s: SignedInUser): string | undefined => s.user.accountId ?? undefined;

  const failure = (err: unknown): string => {
    if (err instanceof SesError) return err.message;
    if (!port.health.failure(err, { during: 'console' })) log.error({ err }, 'console request failed');
    return 'Something went wrong on the server; try again.';
  };

  app.get(`${BASE}/assets/console.css`, async (_req, reply) =>
    reply.type('text/css').header('cache-control', 'no-cache').send(CONSOLE_CSS),
  );
  app.get(`${BASE}/assets/console.js`, async (_req, reply) =>
    reply.type('text/javascript').header('cache-control', 'no-cache').send(CONSOLE_JS),
  );

  // ---- sign-in ----------------------------------------------------------------------------------------
  app.get(`${BASE}/login`, async (req: FastifyRequest<{ Querystring: { done?: string } }>, reply) =>
    send(
      reply,
      { title: 'Sign in', notice: req.query.done ? 'Your password is set: sign in with it.' : undefined },
      loginPage(),
    ),
  );
  app.post(`${BASE}/login`, async (req, reply) => {
    const form = formOf(req);
    if (!sameOrigin(req))
      return send(reply, { title: 'Sign in', error: 'Cross-site sign-in refused.' }, loginPage(), 403);
    try {
      const token = await port.consoleUsers.signIn(form.email ?? '', form.password ?? '', req.ip);
      setCookie(reply, token, SESSION_LIFETIME_MS / 1000);
      return reply.redirect(BASE, 303);
    } catch (err) {
      const status = err instanceof SesError && err.code === 'TooManyRequestsException' ? 429 : 400;
      return send(reply, { title: 'Sign in', error: failure(err) }, loginPage(form.email), status);
    }
  });
  app.get(`${BASE}/setup/:token`, async (req: FastifyRequest<{ Params: { token: string } }>, reply) => {
    const user = await port.consoleUsers.setupUser(req.params.token);
    if (!user)
      return send(
        reply,
        { title: 'Setup' },
        layoutMessage('This setup link is not valid or has expired; ask for a new one.'),
        404,
      );
    return send(
      reply,
      { title: 'Choose your password' },
      setupPage(req.params.token, user.email, MIN_PASSWORD_LENGTH),
    );
  });
  app.post(`${BASE}/setup/:token`, async (req: FastifyRequest<{ Params: { token: string } }>, reply) => {
    if (!sameOrigin(req)) return reply.code(403).send('Cross-site request refused.');
    try {
      await port.consoleUsers.completeSetup(req.params.token, formOf(req).password ?? '');
      return reply.redirect(`${BASE}/login?done=1`, 303);
    } catch (err) {
      const user = await port.consoleUsers.setupUser(req.params.token);
      return send(
        reply,
        { title: 'Choose your password', error: failure(err) },
        user ? setupPage(req.params.token, user.email, MIN_PASSWORD_LENGTH) : layoutMessage(''),
        400,
      );
    }
  });
  app.post(`${BASE}/logout`, async (req, reply) => {
    if (!(await post(req, reply))) return reply;
    setCookie(reply, '', 0);
    return reply.redirect(`${BASE}/login`, 303);
  });

  // ---- dashboard ----------------------------------------------------------------------------------------
  app.get(BASE, async (req, reply) => {
    const auth = await signedIn(req, reply);
    if (!auth) return reply;
    const accountId = accountOf(auth.s);
    if (!accountId) return send(reply, chromeOf(auth.s, 'Operator', 'dashboard'), operatorPage());
    const [account, quota] = await Promise.all([
      port.accounts.get(accountId),
      port.accounts.sendQuota(accountId),
    ]);
    return send(
      reply,
      chromeOf(auth.s, 'Dashboard', 'dashboard'),
      dashboardPage({
        accountId,
        production: account.productionAccess,
        reviewStatus: account.review?.status ?? null,
        health: health(account.enforcementStatus),
        sendingEnabled: account.sendingEnabled,
        ...quota,
        smtp: {
          host: settings.smtpHost,
          starttlsPort: settings.smtpStarttlsPort,
          tlsPort: settings.smtpTlsPort,
        },
      }),
    );
  });

  // ---- identities ---------------------------------------------------------------------------------------
  const identitiesList = async (reply: FastifyReply, s: SignedInUser, extra: Partial<Chrome> = {}) => {
    const accountId = accountOf(s)!;
    const { items } = await port.identities.list(accountId, { pageSize: 1000 });
    return send(
      reply,
      chromeOf(s, 'Identities', 'identities', extra),
      identitiesPage(
        items.map((v) => ({
          name: v.record.name,
          type: v.record.type,
          status: v.status,
          dkim: v.dkim.status ?? '—',
        })),
        s.csrf,
      ),
      extra.error ? 400 : 200,
    );
  };
  app.get(`${BASE}/identities`, async (req, reply) => {
    const auth = await signedIn(req, reply);
    if (!auth) return reply;
    if (!accountOf(auth.s)) return reply.redirect(BASE, 303);
    return identitiesList(reply, auth.s);
  });
  app.post(`${BASE}/identities`, async (req, reply) => {
    const p = await post(req, reply);
    if (!p) return reply;
    const accountId = accountOf(p.s);
    if (!accountId) return reply.redirect(BASE, 303);
    try {
      const v = await port.identities.create(accountId, { identity: p.form.identity ?? '' });
      return reply.redirect(`${BASE}/identities/${encodeURIComponent(v.record.name)}`, 303);
    } catch (err) {
      return identitiesList(reply, p.s, { error: failure(err) });
    }
  });
  const identityDetail = async (
    reply: FastifyReply,
    s: SignedInUser,
    name: string,
    extra: Partial<Chrome> = {},
  ) => {
    const accountId = accountOf(s)!;
    try {
      const v = await port.identities.get(accountId, name);
      const records = await port.identities.dnsRecords(accountId, v.record.name);
      return send(
        reply,
        chromeOf(s, v.record.name, 'identities', extra),
        identityPage(
          {
            name: v.record.name,
            type: v.record.type,
            status: v.status,
            dkimStatus: v.dkim.status ?? '—',
            mailFrom: v.record.mailFrom
              ? { domain: v.record.mailFrom.domain, status: v.record.mailFrom.status }
              : null,
            records: records.map((r) => ({
              ...r,
              // What Sesame checks: the DKIM keys and the MAIL FROM MX; the rest are recommendations.
              status: r.purpose.startsWith('DKIM')
                ? (v.dkim.status ?? null)
                : r.purpose === 'custom MAIL FROM domain'
                  ? (v.record.mailFrom?.status ?? null)
                  : null,
            })),
            zone: zoneFile(records),
            mailHostProblem: port.identities.mailHostProblem(),
          },
          s.csrf,
        ),
      );
    } catch (err) {
      if (err instanceof SesError && err.code === 'NotFoundException')
        return send(reply, chromeOf(s, 'Not found', 'identities'), layoutMessage(err.message), 404);
      throw err;
    }
  };
  app.get(`${BASE}/identities/:name`, async (req: FastifyRequest<{ Params: { name: string } }>, reply) => {
    const auth = await signedIn(req, reply);
    if (!auth) return reply;
    if (!accountOf(auth.s)) return reply.redirect(BASE, 303);
    return identityDetail(reply, auth.s, req.params.name);
  });
  app.post(
    `${BASE}/identities/:name/check`,
    async (req: FastifyRequest<{ Params: { name: string } }>, reply) => {
      const p = await post(req, reply);
      if (!p) return reply;
      const accountId = accountOf(p.s);
      if (!accountId) return reply.redirect(BASE, 303);
      try {
        const v = await port.identities.checkNow(accountId, req.params.name);
        return identityDetail(reply, p.s, v.record.name, { notice: `Checked just now: ${v.status}.` });
      } catch (err) {
        return identityDetail(reply, p.s, req.params.name, { error: failure(err) });
      }
    },
  );
  app.post(
    `${BASE}/identities/:name/delete`,
    async (req: FastifyRequest<{ Params: { name: string } }>, reply) => {
      const p = await post(req, reply);
      if (!p) return reply;
      const accountId = accountOf(p.s);
      if (!accountId) return reply.redirect(BASE, 303);
      try {
        await port.identities.delete(accountId, req.params.name);
        return identitiesList(reply, p.s, { notice: `${req.params.name} was deleted.` });
      } catch (err) {
        return identitiesList(reply, p.s, { error: failure(err) });
      }
    },
  );

  // ---- send test email and the message page ------------------------------------------------------------
  const senders = async (accountId: string) =>
    (await port.identities.list(accountId, { pageSize: 1000 })).items
      .filter((v) => v.verifiedForSending)
      .map((v) => (v.record.type === 'DOMAIN' ? `sender@${v.record.name}` : v.record.name));
  app.get(`${BASE}/send-test`, async (req, reply) => {
    const auth = await signedIn(req, reply);
    if (!auth) return reply;
    const accountId = accountOf(auth.s);
    if (!accountId) return reply.redirect(BASE, 303);
    return send(
      reply,
      chromeOf(auth.s, 'Send test email', 'send-test'),
      sendTestPage(await senders(accountId), auth.s.csrf),
    );
  });
  app.post(`${BASE}/send-test`, async (req, reply) => {
    const p = await post(req, reply);
    if (!p) return reply;
    const accountId = accountOf(p.s);
    if (!accountId) return reply.redirect(BASE, 303);
    const f = p.form;
    const scenario = SIMULATOR_SCENARIOS.find(([id]) => id === f.scenario)?.[0];
    const to = scenario ? `${scenario}@simulator.amazonses.com` : (f.to ?? '').trim();
    try {
      const { messageId } = await port.sending.send({
        accountId,
        operation: f.raw ? 'SendRawEmail' : 'SendEmail',
        sourceIp: req.ip,
        from: f.from,
        destination: { to: to ? [to] : [] },
        content: f.raw
          ? { kind: 'raw', data: Buffer.from(f.body ?? '') }
          : { kind: 'simple', subject: { data: f.subject ?? '' }, text: { data: f.body ?? '' } },
      });
      return reply.redirect(`${BASE}/messages/${encodeURIComponent(messageId)}`, 303);
    } catch (err) {
      return send(
        reply,
        chromeOf(p.s, 'Send test email', 'send-test', { error: failure(err) }),
        sendTestPage(await senders(accountId), p.s.csrf, f),
        400,
      );
    }
  });
  app.get(`${BASE}/messages/:id`, async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const auth = await signedIn(req, reply);
    if (!auth) return reply;
    const accountId = accountOf(auth.s);
    if (!accountId) return reply.redirect(BASE, 303);
    const d = await port.sending.details(req.params.id);
    // Another account's message does not exist for this one.
    if (!d || d.message.accountId !== accountId)
      return send(
        reply,
        chromeOf(auth.s, 'Not found', ''),
        layoutMessage(`Message ${req.params.id} does not exist.`),
        404,
      );
    const iso = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 23);
    const common = (d.message.mail.commonHeaders ?? {}) as { subject?: string; from?: string[] };
    return send(
      reply,
      chromeOf(auth.s, common.subject ?? 'Message', ''),
      messagePage({
        id: d.message.id,
        from: common.from?.[0] ?? d.message.source,
        subject: common.subject ?? '',
        createdAt: iso(d.message.createdAt),
        recipients: d.recipients.map((r) => ({
          address: r.address,
          status: r.status,
          attempts: r.attempts,
          lastResponse: r.lastResponse,
        })),
        events: d.events.map((e) => {
          const detailKey = Object.keys(e.payload).find((k) => k !== 'eventType' && k !== 'mail');
          const detail = (detailKey ? e.payload[detailKey] : {}) as {
            smtpResponse?: string;
            bounceType?: string;
            bounceSubType?: string;
            complaintFeedbackType?: string;
          };
          const summary =
            detail.smtpResponse ??
            (detail.bounceType ? `${detail.bounceType}/${detail.bounceSubType ?? ''}` : undefined) ??
            detail.complaintFeedbackType ??
            '';
          return { at: iso(e.createdAt), type: e.type, recipient: e.recipient, detail: summary };
        }),
      }),
    );
  });

  // ---- production access --------------------------------------------------------------------------------
  app.get(`${BASE}/production-access`, async (req, reply) => {
    const auth = await signedIn(req, reply);
    if (!auth) return reply;
    if (!accountOf(auth.s)) return reply.redirect(BASE, 303);
    return send(
      reply,
      chromeOf(auth.s, 'Request production access', 'dashboard'),
      productionAccessPage(auth.s.csrf),
    );
  });
  app.post(`${BASE}/production-access`, async (req, reply) => {
    const p = await post(req, reply);
    if (!p) return reply;
    const accountId = accountOf(p.s);
    if (!accountId) return reply.redirect(BASE, 303);
    const f = p.form;
    try {
      if (f.mailType !== 'TRANSACTIONAL' && f.mailType !== 'MARKETING')
        throw new SesError('BadRequestException', 'Choose a mail type.');
      if (!f.websiteUrl || !f.useCase)
        throw new SesError('BadRequestException', 'A website URL and a use case are required.');
      await port.accounts.putDetails(
        accountId,
        {
          mailType: f.mailType,
          websiteUrl: f.websiteUrl,
          contactLanguage: f.contactLanguage === 'JA' ? 'JA' : 'EN',
          useCaseDescription: f.useCase,
          additionalContactEmailAddresses: [],
        },
        true,
      );
      return reply.redirect(BASE, 303);
    } catch (err) {
      return send(
        reply,
        chromeOf(p.s, 'Request production access', 'dashboard', { error: failure(err) }),
        productionAccessPage(p.s.csrf, f),
        400,
      );
    }
  });

  // ---- SMTP credentials ---------------------------------------------------------------------------------
  const credentials = async (
    reply: FastifyReply,
    s: SignedInUser,
    created?: { username: string; password: string },
    extra: Partial<Chrome> = {},
  ) => {
    const keys = await port.accounts.listAccessKeys(accountOf(s)!);
    return send(
      reply,
      chromeOf(s, 'SMTP credentials', 'smtp-credentials', extra),
      smtpCredentialsPage(
        keys.map((k) => ({
          id: k.id,
          status: k.status,
          createdAt: new Date(k.createdAt).toISOString().slice(0, 19).replace('T', ' '),
        })),
        s.csrf,
        created && { ...created, host: settings.smtpHost, port: settings.smtpStarttlsPort },
      ),
    );
  };
  app.get(`${BASE}/smtp-credentials`, async (req, reply) => {
    const auth = await signedIn(req, reply);
    if (!auth) return reply;
    if (!accountOf(auth.s)) return reply.redirect(BASE, 303);
    return credentials(reply, auth.s);
  });
  app.post(`${BASE}/smtp-credentials`, async (req, reply) => {
    const p = await post(req, reply);
    if (!p) return reply;
    const accountId = accountOf(p.s);
    if (!accountId) return reply.redirect(BASE, 303);
    const c = await port.accounts.createAccessKey(accountId);
    log.info(
      { accountId, accessKeyId: c.accessKeyId, userId: p.s.user.id },
      'SMTP credentials created in the console',
    );
    return credentials(reply, p.s, { username: c.smtpUsername, password: c.smtpPassword });
  });
  app.post(
    `${BASE}/smtp-credentials/:id/revoke`,
    async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const p = await post(req, reply);
      if (!p) return reply;
      const accountId = accountOf(p.s);
      if (!accountId) return reply.redirect(BASE, 303);
      // Only this account's keys: an id of another account's key is "not found", as SES would answer.
      const mine = (await port.accounts.listAccessKeys(accountId)).some((k) => k.id === req.params.id);
      if (!mine)
        return credentials(reply, p.s, undefined, { error: `Credentials ${req.params.id} do not exist.` });
      await port.accounts.revokeAccessKey(req.params.id);
      return credentials(reply, p.s, undefined, { notice: `Credentials ${req.params.id} were revoked.` });
    },
  );
}

function layoutMessage(text: string): Html {
  return html`<p>${text}</p>`;
}

/**
 * The web console under /console on Sesame's HTTP listener: server-rendered pages, forms that work without
 * JavaScript, one signed HttpOnly SameSite session cookie, a CSRF token on every form, a strict
 * content-security policy. Thin: it calls the same core as the APIs (ConsolePort), so the same validation and
 * errors reach the user as a message on the page. Sign-in and the assets are here; each group of screens
 * registers its own routes (screens/).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MIN_PASSWORD_LENGTH, SESSION_LIFETIME_MS, SesError, type ConsolePort } from '../../core/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { ConsoleContext, message, sameOrigin, type ConsoleSettings } from './context.ts';
import { registerAccountScreens } from './screens/account.ts';
import { registerIdentityScreens } from './screens/identities.ts';
import { registerInboxScreens } from './screens/inbox.ts';
import { registerMessageScreens } from './screens/messages.ts';
import { registerOperatorScreens } from './screens/operator.ts';
import { registerPublishingScreens } from './screens/publishing.ts';
import { registerReceivingScreens } from './screens/receiving.ts';
import { registerResourceScreens } from './screens/resources.ts';
import { CHARTS_JS } from './screens/charts.ts';
import { BASE, CONSOLE_CSS, CONSOLE_JS, loginPage, setupPage } from './views.ts';

export type { ConsoleSettings } from './context.ts';

const require = createRequire(import.meta.url);

/** Front-end libraries served from their npm packages (no CDN): read once, at start. */
const VENDORED: { path: string; file: string; type: string }[] = [
  { path: 'htmx.min.js', file: 'htmx.org/dist/htmx.min.js', type: 'text/javascript' },
  { path: 'uplot.min.js', file: 'uplot/dist/uPlot.iife.min.js', type: 'text/javascript' },
  { path: 'uplot.min.css', file: 'uplot/dist/uPlot.min.css', type: 'text/css' },
];

export function registerConsole(
  app: FastifyInstance,
  port: ConsolePort,
  settings: ConsoleSettings,
  log: Logger,
): void {
  const ctx = new ConsoleContext(app, port, settings, log);

  const asset = (path: string, type: string, body: string | Buffer) =>
    app.get(`${BASE}/assets/${path}`, async (_req, reply) =>
      reply.type(type).header('cache-control', 'no-cache').send(body),
    );
  asset('console.css', 'text/css', CONSOLE_CSS);
  asset('console.js', 'text/javascript', CONSOLE_JS);
  asset('charts.js', 'text/javascript', CHARTS_JS);
  for (const v of VENDORED) asset(v.path, v.type, readFileSync(require.resolve(v.file)));

  // ---- sign-in ----------------------------------------------------------------------------------------
  app.get(`${BASE}/login`, async (req: FastifyRequest<{ Querystring: { done?: string } }>, reply) =>
    ctx.send(
      reply,
      { title: 'Sign in', notice: req.query.done ? 'Your password is set: sign in with it.' : undefined },
      loginPage(),
    ),
  );
  app.post(`${BASE}/login`, async (req, reply) => {
    const form = ctx.formOf(req);
    if (!sameOrigin(req))
      return ctx.send(reply, { title: 'Sign in', error: 'Cross-site sign-in refused.' }, loginPage(), 403);
    try {
      const token = await port.consoleUsers.signIn(form.email ?? '', form.password ?? '', req.ip);
      ctx.setCookie(reply, token, SESSION_LIFETIME_MS / 1000);
      return reply.redirect(BASE, 303);
    } catch (err) {
      const status = err instanceof SesError && err.code === 'TooManyRequestsException' ? 429 : 400;
      return ctx.send(reply, { title: 'Sign in', error: ctx.failure(err) }, loginPage(form.email), status);
    }
  });
  app.get(`${BASE}/setup/:token`, async (req: FastifyRequest<{ Params: { token: string } }>, reply) => {
    const user = await port.consoleUsers.setupUser(req.params.token);
    if (!user)
      return ctx.send(
        reply,
        { title: 'Setup' },
        message('This setup link is not valid or has expired; ask for a new one.'),
        404,
      );
    return ctx.send(
      reply,
      { title: 'Choose your password' },
      setupPage(req.params.token, user.email, MIN_PASSWORD_LENGTH),
    );
  });
  app.post(`${BASE}/setup/:token`, async (req: FastifyRequest<{ Params: { token: string } }>, reply) => {
    if (!sameOrigin(req)) return reply.code(403).send('Cross-site request refused.');
    try {
      await port.consoleUsers.completeSetup(req.params.token, ctx.formOf(req).password ?? '');
      return reply.redirect(`${BASE}/login?done=1`, 303);
    } catch (err) {
      const user = await port.consoleUsers.setupUser(req.params.token);
      return ctx.send(
        reply,
        { title: 'Choose your password', error: ctx.failure(err) },
        user ? setupPage(req.params.token, user.email, MIN_PASSWORD_LENGTH) : message(''),
        400,
      );
    }
  });
  app.post(`${BASE}/logout`, async (req, reply) => {
    if (!(await ctx.posted(req, reply))) return reply;
    ctx.setCookie(reply, '', 0);
    return reply.redirect(`${BASE}/login`, 303);
  });

  registerAccountScreens(ctx);
  registerIdentityScreens(ctx);
  registerMessageScreens(ctx);
  registerResourceScreens(ctx);
  registerPublishingScreens(ctx);
  registerReceivingScreens(ctx);
  registerOperatorScreens(ctx);
  if (settings.devInbox) registerInboxScreens(ctx, settings.devInbox);
}

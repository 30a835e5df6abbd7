/**
 * What every console route shares: the session cookie, the CSRF check on posts, the security headers, the
 * page chrome, and the two route shapes of an account user's screens (a page, a form post) and of an
 * operator's. A handler gets the signed-in user and, for account screens, the account; it never repeats the
 * sign-in, CSRF or role checks.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SesError, type ConsolePort, type DevInboxPort, type SignedInUser } from '../../core/index.ts';
import { html, type Html } from '../../lib/html.ts';
import type { Logger } from '../../lib/logger.ts';
import { BASE, layout, type Chrome } from './views.ts';

export interface ConsoleSettings {
  /** What the dashboard and new SMTP credentials tell users to connect to. */
  smtpHost: string;
  smtpStarttlsPort: number | undefined;
  smtpTlsPort: number | undefined;
  /** The cookie is `Secure` when Sesame is reached over https (SESAME_PUBLIC_URL). */
  secureCookies: boolean;
  /** This node's SESAME_NODE_ID (the operator's nodes table marks it). */
  nodeId?: string | undefined;
  /** Where setup links point (SESAME_PUBLIC_URL). */
  publicUrl: string;
  /** The settings in effect, secrets already hidden, for the operator's settings screen. */
  settingsInEffect?: () => { name: string; value: string }[];
  /** Development mode's captured mail (absent unless `sesame serve --dev`): the console's Inbox page. */
  devInbox?: DevInboxPort | undefined;
  /** This node's delivery (absent in a process that delivers nothing). */
  delivery?: {
    queue(): { domain: string; ready: number; delayed: number; oldestAcceptedAt: number | null }[];
    paused(): boolean;
    pause(): void;
    resume(): void;
  };
}

export const COOKIE = 'sesame_console';
/** frame-src 'self': the Inbox page frames a captured message's HTML, served sandboxed by the console. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export type Form = Record<string, string>;

/** What an account screen's handler is given. */
export interface AccountRequest<P = Record<string, string>, Q = Record<string, string | undefined>> {
  req: FastifyRequest;
  reply: FastifyReply;
  s: SignedInUser;
  accountId: string;
  params: P;
  query: Q;
  /** The posted form (empty for a page). */
  form: Form;
}

/** An operator screen's handler gets the same, without an account. */
export type OperatorRequest<P = Record<string, string>, Q = Record<string, string | undefined>> = Omit<
  AccountRequest<P, Q>,
  'accountId'
>;

type Handler<R> = (r: R) => Promise<unknown>;

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
export function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return req.headers['sec-fetch-site'] !== 'cross-site';
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function message(text: string): Html {
  return html`<p>${text}</p>`;
}

export class ConsoleContext {
  readonly app: FastifyInstance;
  readonly port: ConsolePort;
  readonly settings: ConsoleSettings;
  readonly log: Logger;

  constructor(app: FastifyInstance, port: ConsolePort, settings: ConsoleSettings, log: Logger) {
    this.app = app;
    this.port = port;
    this.settings = settings;
    this.log = log;
  }

  formOf = formOf;

  /** A whole page, with the console's security headers. */
  send(reply: FastifyReply, chrome: Chrome, body: Html, status = 200): FastifyReply {
    return this.#secure(reply.code(status)).send(layout(chrome, body).text);
  }

  /** A fragment for htmx to swap in (same headers, no chrome). */
  fragment(reply: FastifyReply, body: Html): FastifyReply {
    return this.#secure(reply).send(body.text);
  }

  #secure(reply: FastifyReply): FastifyReply {
    return reply.type('text/html; charset=utf-8').headers({
      'content-security-policy': CSP,
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
  }

  setCookie(reply: FastifyReply, value: string, maxAgeSeconds: number): void {
    reply.header(
      'set-cookie',
      `${COOKIE}=${encodeURIComponent(value)}; Path=${BASE}; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${this.settings.secureCookies ? '; Secure' : ''}`,
    );
  }

  chrome(s: SignedInUser, title: string, section: string, extra: Partial<Chrome> = {}): Chrome {
    return {
      title,
      section,
      user: { email: s.user.email, accountId: s.user.accountId, role: s.user.role, csrf: s.csrf },
      dev: this.settings.devInbox !== undefined,
      ...extra,
    };
  }

  /** A page of the signed-in user (r.s), in its chrome. */
  page(
    r: { reply: FastifyReply; s: SignedInUser },
    title: string,
    section: string,
    body: Html,
    extra: Partial<Chrome> = {},
  ): FastifyReply {
    return this.send(r.reply, this.chrome(r.s, title, section, extra), body, extra.error ? 400 : 200);
  }

  notFound(r: { reply: FastifyReply; s: SignedInUser }, text: string): FastifyReply {
    return this.send(r.reply, this.chrome(r.s, 'Not found', ''), message(text), 404);
  }

  /** The message a user sees for an error: the core's own for a refusal, a generic line (logged) else. */
  failure(err: unknown): string {
    if (err instanceof SesError) return err.message;
    if (!this.port.health.failure(err, { during: 'console' }))
      this.log.error({ err }, 'console request failed');
    return 'Something went wrong on the server; try again.';
  }

  /** The signed-in user, or a redirect to the sign-in page (undefined). */
  async signedIn(
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ s: SignedInUser; token: string } | undefined> {
    const token = cookieOf(req);
    const s = await this.port.consoleUsers.session(token);
    if (!s || !token) {
      await reply.redirect(`${BASE}/login`, 303);
      return undefined;
    }
    return { s, token };
  }

  /** A POST of a signed-in user: same origin and the session's CSRF token, else 403 (undefined). */
  async posted(
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ s: SignedInUser; form: Form } | undefined> {
    const auth = await this.signedIn(req, reply);
    if (!auth) return undefined;
    const form = formOf(req);
    if (!sameOrigin(req) || !this.port.consoleUsers.csrfMatches(auth.token, form._csrf)) {
      this.log.warn({ url: req.url }, 'console form refused: missing or wrong CSRF token');
      await this.send(
        reply,
        this.chrome(auth.s, 'Refused', ''),
        message('This form expired or did not come from this console. Reload the page and try again.'),
        403,
      );
      return undefined;
    }
    return { s: auth.s, form };
  }

  /** GET of an account user's screen; an operator is sent to the operator's dashboard. */
  accountPage<P = Record<string, string>, Q = Record<string, string | undefined>>(
    path: string,
    handler: Handler<AccountRequest<P, Q>>,
  ): void {
    this.app.get(`${BASE}${path}`, async (req, reply) => {
      const auth = await this.signedIn(req, reply);
      if (!auth) return reply;
      const accountId = auth.s.user.accountId;
      if (!accountId) return reply.redirect(BASE, 303);
      return handler({
        req,
        reply,
        s: auth.s,
        accountId,
        params: req.params as P,
        query: req.query as Q,
        form: {},
      });
    });
  }

  /** POST of an account user's form (CSRF-checked). */
  accountAction<P = Record<string, string>>(path: string, handler: Handler<AccountRequest<P>>): void {
    this.app.post(`${BASE}${path}`, async (req, reply) => {
      const p = await this.posted(req, reply);
      if (!p) return reply;
      const accountId = p.s.user.accountId;
      if (!accountId) return reply.redirect(BASE, 303);
      return handler({ req, reply, s: p.s, accountId, params: req.params as P, query: {}, form: p.form });
    });
  }

  /** GET of an operator's screen; an account user gets 403. */
  operatorPage<P = Record<string, string>, Q = Record<string, string | undefined>>(
    path: string,
    handler: Handler<OperatorRequest<P, Q>>,
  ): void {
    this.app.get(`${BASE}${path}`, async (req, reply) => {
      const auth = await this.signedIn(req, reply);
      if (!auth) return reply;
      if (auth.s.user.role !== 'operator') return this.#operatorsOnly(reply, auth.s);
      return handler({ req, reply, s: auth.s, params: req.params as P, query: req.query as Q, form: {} });
    });
  }

  /** POST of an operator's form (CSRF-checked). */
  operatorAction<P = Record<string, string>>(path: string, handler: Handler<OperatorRequest<P>>): void {
    this.app.post(`${BASE}${path}`, async (req, reply) => {
      const p = await this.posted(req, reply);
      if (!p) return reply;
      if (p.s.user.role !== 'operator') return this.#operatorsOnly(reply, p.s);
      return handler({ req, reply, s: p.s, params: req.params as P, query: {}, form: p.form });
    });
  }

  #operatorsOnly(reply: FastifyReply, s: SignedInUser): FastifyReply {
    return this.send(reply, this.chrome(s, 'Refused', ''), message('This screen is for operators.'), 403);
  }
}

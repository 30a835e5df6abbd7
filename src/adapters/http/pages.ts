/**
 * Pages Sesame serves to people rather than API clients, at the routes of the public links it puts in mail and
 * notifications (lib/public-links.ts): tracking pixel and redirect, one-click unsubscribe, address verification,
 * the SNS signing certificate.
 */
import type { FastifyInstance } from 'fastify';
import { TRACKING_PIXEL, type WebPagesPort } from '../../core/index.ts';
import { LINK_ROUTES, OPEN_PIXEL_SUFFIX } from '../../lib/public-links.ts';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}h1{font-size:1.4rem}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function registerPages(app: FastifyInstance, core: WebPagesPort): void {
  // Open tracking: the 1×1 pixel of a tracked message.
  app.get<{ Params: { token: string } }>(LINK_ROUTES.openPixel, async (req, reply) => {
    const token = req.params.token.endsWith(OPEN_PIXEL_SUFFIX)
      ? req.params.token.slice(0, -OPEN_PIXEL_SUFFIX.length)
      : req.params.token;
    const recorded = await core.engagement.recordEngagement('open', token, {
      ip: req.ip,
      userAgent: req.headers['user-agent'] ?? '',
    });
    if (!recorded) return reply.code(404).type('text/plain').send('Invalid tracking link.\n');
    return reply.header('cache-control', 'no-store, max-age=0').type('image/gif').send(TRACKING_PIXEL);
  });

  // Click tracking: record the click, then send the reader on to the original link.
  app.get<{ Params: { token: string } }>(LINK_ROUTES.click, async (req, reply) => {
    const recorded = await core.engagement.recordEngagement('click', req.params.token, {
      ip: req.ip,
      userAgent: req.headers['user-agent'] ?? '',
    });
    if (!recorded?.link)
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(
          page(
            'Link not valid',
            '<p>This tracking link is not valid: it was changed or was not issued by this server.</p>',
          ),
        );
    return reply.header('cache-control', 'no-store').redirect(recorded.link, 302);
  });

  // The certificate that signs SNS-style notifications (SigningCertURL).
  app.get(LINK_ROUTES.snsSigningCert, async (_req, reply) =>
    reply.type('application/x-pem-file').send(await core.sns.signingCertificate()),
  );

  // A list-managed message's unsubscribe link. GET shows a confirmation page (mail scanners follow links and
  // must not unsubscribe anyone); POST unsubscribes — the RFC 8058 one-click request, or the page's button.
  const unsubscribePath = LINK_ROUTES.unsubscribe;
  const invalidUnsubscribe = page(
    'Link not valid',
    '<p>This unsubscribe link is not valid: it was changed, was not issued by this server, or its list no longer exists.</p>',
  );
  app.get<{ Params: { token: string } }>(unsubscribePath, async (req, reply) => {
    const target = await core.engagement.unsubscribeTarget(req.params.token);
    if (!target) return reply.code(404).type('text/html; charset=utf-8').send(invalidUnsubscribe);
    const what = target.topic ? `the topic <strong>${escapeHtml(target.topic)}</strong> of ` : '';
    return reply
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(
        page(
          'Unsubscribe',
          `<p>Unsubscribe <strong>${escapeHtml(target.email)}</strong> from ${what}the list <strong>${escapeHtml(target.contactList)}</strong>?</p>` +
            `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><input type="hidden" name="source" value="page"><button type="submit">Unsubscribe</button></form>`,
        ),
      );
  });
  app.post<{ Params: { token: string } }>(unsubscribePath, async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const fromPage = new URLSearchParams(body).get('source') === 'page';
    const done = await core.engagement.unsubscribe(
      req.params.token,
      fromPage ? 'UnsubscribeLink' : 'UnsubscribeHeader',
    );
    if (!done) return reply.code(404).type('text/html; charset=utf-8').send(invalidUnsubscribe);
    const what = done.topic ? `the topic <strong>${escapeHtml(done.topic)}</strong> of ` : '';
    return reply
      .type('text/html; charset=utf-8')
      .send(
        page(
          'Unsubscribed',
          `<p><strong>${escapeHtml(done.email)}</strong> is unsubscribed from ${what}the list <strong>${escapeHtml(done.contactList)}</strong>.</p>`,
        ),
      );
  });

  app.get<{ Params: { token: string }; Querystring: { account?: string; template?: string } }>(
    LINK_ROUTES.verifyEmail,
    async (req, reply) => {
      const identity = await core.identities.confirmEmailToken(req.params.token);
      // A custom verification email's link goes on to the template's success or failure page.
      const { account, template } = req.query;
      if (account && template) {
        const target = await core.customVerification.redirect(account, template, identity !== undefined);
        if (target) return reply.header('cache-control', 'no-store').redirect(target, 302);
      }
      if (!identity)
        return reply
          .code(404)
          .type('text/html; charset=utf-8')
          .send(
            page(
              'Verification link not valid',
              '<p>This verification link is unknown or has expired (links are valid for 24 hours). Ask for a new verification message.</p>',
            ),
          );
      return reply
        .type('text/html; charset=utf-8')
        .send(
          page(
            'Email address verified',
            `<p>Congratulations! You have verified <strong>${escapeHtml(identity.name)}</strong>. You can now send email from this address.</p>`,
          ),
        );
    },
  );
}

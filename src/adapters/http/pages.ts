/** Pages Sesame serves to people rather than API clients: the address-verification link. */
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.ts';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}h1{font-size:1.4rem}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function registerPages(app: FastifyInstance, core: Core): void {
  app.get<{ Params: { token: string } }>('/verify-email/:token', async (req, reply) => {
    const identity = await core.identities.confirmEmailToken(req.params.token);
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
  });
}

/** Identities: the list, creating a domain or an address, a domain's DNS records, "check now", delete. */
import { SesError } from '../../../core/index.ts';
import { zoneFile } from '../../../lib/zone-file.ts';
import type { AccountRequest, ConsoleContext } from '../context.ts';
import { BASE, identitiesPage, identityPage, type Chrome } from '../views.ts';

export function registerIdentityScreens(ctx: ConsoleContext): void {
  const { port } = ctx;

  const list = async (r: AccountRequest, extra: Partial<Chrome> = {}) => {
    const { items } = await port.identities.list(r.accountId, { pageSize: 1000 });
    return ctx.page(
      r,
      'Identities',
      'identities',
      identitiesPage(
        items.map((v) => ({
          name: v.record.name,
          type: v.record.type,
          status: v.status,
          dkim: v.dkim.status ?? '—',
        })),
        r.s.csrf,
      ),
      extra,
    );
  };

  const detail = async (r: AccountRequest, name: string, extra: Partial<Chrome> = {}) => {
    try {
      const v = await port.identities.get(r.accountId, name);
      const records = await port.identities.dnsRecords(r.accountId, v.record.name);
      return ctx.page(
        r,
        v.record.name,
        'identities',
        identityPage(
          {
            name: v.record.name,
            type: v.record.type,
            status: v.status,
            dkimStatus: v.dkim.status ?? '—',
            mailFrom: v.record.mailFrom
              ? {
                  domain: v.record.mailFrom.domain,
                  status: v.record.mailFrom.status,
                  behaviorOnMxFailure: v.record.mailFrom.behaviorOnMxFailure,
                }
              : null,
            dkim: {
              origin: v.dkim.origin,
              currentKeyLength: v.dkim.currentKeyLength,
              nextKeyLength: v.dkim.nextKeyLength,
              lastKeyGeneratedAt:
                v.dkim.lastKeyGeneratedAt === null
                  ? null
                  : new Date(v.dkim.lastKeyGeneratedAt).toISOString().slice(0, 19).replace('T', ' '),
            },
            records: records.map((rec) => ({
              ...rec,
              // What Sesame checks: the DKIM keys and the MAIL FROM MX; the rest are recommendations.
              status: rec.purpose.startsWith('DKIM')
                ? (v.dkim.status ?? null)
                : rec.purpose === 'custom MAIL FROM domain'
                  ? (v.record.mailFrom?.status ?? null)
                  : null,
            })),
            zone: zoneFile(records),
            mailHostProblem: port.identities.mailHostProblem(),
          },
          r.s.csrf,
        ),
        extra,
      );
    } catch (err) {
      if (err instanceof SesError && err.code === 'NotFoundException') return ctx.notFound(r, err.message);
      throw err;
    }
  };

  ctx.accountPage('/identities', (r) => list(r));
  ctx.accountAction('/identities', async (r) => {
    try {
      const v = await port.identities.create(r.accountId, { identity: r.form.identity ?? '' });
      return r.reply.redirect(`${BASE}/identities/${encodeURIComponent(v.record.name)}`, 303);
    } catch (err) {
      return list(r, { error: ctx.failure(err) });
    }
  });
  ctx.accountPage<{ name: string }>('/identities/:name', (r) => detail(r, r.params.name));
  ctx.accountAction<{ name: string }>('/identities/:name/check', async (r) => {
    try {
      const v = await port.identities.checkNow(r.accountId, r.params.name);
      return detail(r, v.record.name, { notice: `Checked just now: ${v.status}.` });
    } catch (err) {
      return detail(r, r.params.name, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction<{ name: string }>('/identities/:name/resend', async (r) => {
    try {
      const sent = await port.identities.verifyEmailAddress(r.accountId, r.params.name);
      return detail(r, r.params.name, {
        notice:
          sent === 'sent' ? `A new verification email was sent to ${r.params.name}.` : 'Already verified.',
      });
    } catch (err) {
      return detail(r, r.params.name, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction<{ name: string }>('/identities/:name/dkim', async (r) => {
    const f = r.form;
    try {
      await port.identities.setDkimSigning(
        r.accountId,
        r.params.name,
        f.origin === 'EXTERNAL'
          ? { origin: 'EXTERNAL', selector: f.selector, privateKey: f.privateKey }
          : {
              origin: 'AWS_SES',
              nextKeyLength: f.nextKeyLength === 'RSA_1024_BIT' ? 'RSA_1024_BIT' : 'RSA_2048_BIT',
            },
      );
      return detail(r, r.params.name, {
        notice:
          f.origin === 'EXTERNAL'
            ? 'Your key is set: publish its public key at the selector below.'
            : 'New Easy DKIM keys: publish the records below.',
      });
    } catch (err) {
      return detail(r, r.params.name, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction<{ name: string }>('/identities/:name/mail-from', async (r) => {
    try {
      await port.identities.setMailFrom(r.accountId, r.params.name, {
        domain: r.form.domain || undefined,
        behaviorOnMxFailure:
          r.form.behaviorOnMxFailure === 'REJECT_MESSAGE' ? 'REJECT_MESSAGE' : 'USE_DEFAULT_VALUE',
      });
      return detail(r, r.params.name, {
        notice: r.form.domain
          ? `MAIL FROM domain ${r.form.domain} set: publish its MX and SPF records.`
          : 'The default MAIL FROM domain is used again.',
      });
    } catch (err) {
      return detail(r, r.params.name, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction<{ name: string }>('/identities/:name/delete', async (r) => {
    try {
      await port.identities.delete(r.accountId, r.params.name);
      return list(r, { notice: `${r.params.name} was deleted.` });
    } catch (err) {
      return list(r, { error: ctx.failure(err) });
    }
  });
}

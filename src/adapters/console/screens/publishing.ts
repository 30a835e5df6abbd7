/**
 * Event publishing and lists: configuration sets with their event destinations, SNS topics and
 * subscriptions with the notification delivery log and dead letters (replay), and contact lists.
 */
import { EVENT_TYPES, SesError, type EventTypeName } from '../../../core/index.ts';
import { html } from '../../../lib/html.ts';
import type { AccountRequest, ConsoleContext } from '../context.ts';
import { BASE, type Chrome } from '../views.ts';

const at = (t: number | null) =>
  t === null ? '—' : new Date(t).toISOString().slice(0, 19).replace('T', ' ');

/** Several values of one form field (checkboxes): the body is parsed again, keeping repeats. */
function all(r: AccountRequest, name: string): string[] {
  const body = Buffer.isBuffer(r.req.body) ? r.req.body.toString('utf8') : '';
  return new URLSearchParams(body).getAll(name);
}

export function registerPublishingScreens(ctx: ConsoleContext): void {
  const { port } = ctx;
  const notFoundOr = (r: AccountRequest, err: unknown) => {
    if (err instanceof SesError && err.code === 'NotFoundException') return ctx.notFound(r, err.message);
    throw err;
  };

  // ---- configuration sets -------------------------------------------------------------------------
  const sets = async (r: AccountRequest, extra: Partial<Chrome> = {}) => {
    const { items } = await port.configurationSets.list(r.accountId, { pageSize: 1000 });
    return ctx.page(
      r,
      'Configuration sets',
      'configuration-sets',
      html`<h1>Configuration sets</h1>
        ${
          items.length
            ? html`<table class="list" data-testid="configuration-sets">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Sending</th>
                    <th>Event destinations</th>
                    <th>Reputation metrics</th>
                  </tr>
                </thead>
                <tbody>
                  ${items.map(
                    (c) =>
                      html`<tr>
                        <td>
                          <a href="${BASE}/configuration-sets/${encodeURIComponent(c.name)}">${c.name}</a>
                        </td>
                        <td>${c.sendingEnabled ? 'enabled' : 'paused'}</td>
                        <td>${c.eventDestinations.length}</td>
                        <td>${c.options.reputation.metricsEnabled ? 'on' : 'off'}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
            : html`<p class="empty">No configuration sets yet.</p>`
        }
        <form method="post" action="${BASE}/configuration-sets" class="inline">
          <input type="hidden" name="_csrf" value="${r.s.csrf}" />
          <label>Name <input name="name" required /></label>
          <label class="choice"
            ><input type="checkbox" name="reputation" value="1" /> reputation metrics</label
          >
          <button>Create configuration set</button>
        </form>`,
      extra,
    );
  };
  const set = async (r: AccountRequest<{ name: string }>, extra: Partial<Chrome> = {}) => {
    try {
      const c = await port.configurationSets.get(r.accountId, r.params.name);
      const topics = (await port.sns.listTopics(r.accountId, undefined)).items;
      const path = `${BASE}/configuration-sets/${encodeURIComponent(c.name)}`;
      return ctx.page(
        r,
        c.name,
        'configuration-sets',
        html`<p><a href="${BASE}/configuration-sets">← Configuration sets</a></p>
          <h1>${c.name}</h1>
          <table class="kv">
            <tr>
              <th>Sending</th>
              <td>${c.sendingEnabled ? 'enabled' : 'paused'}</td>
            </tr>
            <tr>
              <th>TLS</th>
              <td>${c.options.delivery.tlsPolicy === 'REQUIRE' ? 'required' : 'opportunistic'}</td>
            </tr>
            <tr>
              <th>Open and click tracking</th>
              <td>
                ${c.options.tracking ? html`links through ${c.options.tracking.customRedirectDomain}` : 'Sesame’s own links'}
              </td>
            </tr>
            <tr>
              <th>Reputation metrics</th>
              <td>${c.options.reputation.metricsEnabled ? 'on' : 'off'}</td>
            </tr>
          </table>
          <h2>Event destinations</h2>
          <table class="list" data-testid="event-destinations">
            <thead>
              <tr>
                <th>Name</th>
                <th>Enabled</th>
                <th>Events</th>
                <th>Where</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${c.eventDestinations.map(
                (d) =>
                  html`<tr>
                    <td>${d.name}</td>
                    <td>${d.enabled ? 'yes' : 'no'}</td>
                    <td>${d.matchingEventTypes.join(', ')}</td>
                    <td>
                      ${d.snsTopicArn ? html`SNS <code>${d.snsTopicArn}</code>` : d.cloudWatch ? 'CloudWatch metrics' : ''}
                    </td>
                    <td>
                      <form method="post" action="${path}/destinations/${encodeURIComponent(d.name)}/delete">
                        <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                        <button>Delete</button>
                      </form>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
          <h3>Add an SNS destination</h3>
          ${
            topics.length
              ? html`<form method="post" action="${path}/destinations" class="stack wide">
                  <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                  <label>Name <input name="name" required /></label>
                  <fieldset>
                    <legend>Events</legend>
                    ${EVENT_TYPES.map(
                      (t) =>
                        html`<label class="choice"
                          ><input
                            type="checkbox"
                            name="event"
                            value="${t}"
                            ${['BOUNCE', 'COMPLAINT', 'DELIVERY'].includes(t) ? 'checked' : ''}
                          />
                          ${t}</label
                        >`,
                    )}
                  </fieldset>
                  <label
                    >Topic
                    <select name="topicArn">
                      ${topics.map((t) => html`<option value="${t.arn}">${t.name}</option>`)}
                    </select></label
                  >
                  <button>Add destination</button>
                </form>`
              : html`<p>Create an SNS topic first (<a href="${BASE}/notifications">Notifications</a>).</p>`
          }
          <form method="post" action="${path}/delete" class="danger">
            <input type="hidden" name="_csrf" value="${r.s.csrf}" />
            <button>Delete configuration set</button>
          </form>`,
        extra,
      );
    } catch (err) {
      return notFoundOr(r, err);
    }
  };
  ctx.accountPage('/configuration-sets', (r) => sets(r));
  ctx.accountAction('/configuration-sets', async (r) => {
    try {
      const c = await port.configurationSets.create(r.accountId, {
        name: r.form.name ?? '',
        ...(r.form.reputation ? { reputation: { metricsEnabled: true } } : {}),
      });
      return r.reply.redirect(`${BASE}/configuration-sets/${encodeURIComponent(c.name)}`, 303);
    } catch (err) {
      return sets(r, { error: ctx.failure(err) });
    }
  });
  ctx.accountPage<{ name: string }>('/configuration-sets/:name', (r) => set(r));
  ctx.accountAction<{ name: string }>('/configuration-sets/:name/delete', async (r) => {
    try {
      await port.configurationSets.delete(r.accountId, r.params.name);
      return sets(r, { notice: `Configuration set ${r.params.name} was deleted.` });
    } catch (err) {
      return sets(r, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction<{ name: string }>('/configuration-sets/:name/destinations', async (r) => {
    try {
      await port.configurationSets.createEventDestination(r.accountId, r.params.name, {
        name: r.form.name ?? '',
        enabled: true,
        matchingEventTypes: all(r, 'event').filter((t): t is EventTypeName =>
          (EVENT_TYPES as readonly string[]).includes(t),
        ),
        snsTopicArn: r.form.topicArn,
      });
      return set(r, { notice: `Event destination ${r.form.name} was added.` });
    } catch (err) {
      return set(r, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction<{ name: string; destination: string }>(
    '/configuration-sets/:name/destinations/:destination/delete',
    async (r) => {
      try {
        await port.configurationSets.deleteEventDestination(r.accountId, r.params.name, r.params.destination);
        return set(r, { notice: `Event destination ${r.params.destination} was deleted.` });
      } catch (err) {
        return set(r, { error: ctx.failure(err) });
      }
    },
  );

  // ---- notifications: topics, subscriptions, delivery log, dead letters ----------------------------
  const notifications = async (r: AccountRequest, extra: Partial<Chrome> = {}) => {
    const topics = (await port.sns.listTopics(r.accountId, undefined)).items;
    const subscriptions = await Promise.all(
      topics.map(async (t) => (await port.sns.listSubscriptions(r.accountId, t.arn, undefined)).items),
    );
    const log = await port.sns.deliveryLog(r.accountId, 100);
    const dead = log.filter((n) => n.status === 'dead');
    return ctx.page(
      r,
      'Notifications',
      'notifications',
      html`<h1>Notifications</h1>
        <h2>SNS topics</h2>
        ${topics.map(
          (t, i) =>
            html`<section class="card topic" data-testid="topic-${t.name}">
              <h3>${t.name}</h3>
              <p><code>${t.arn}</code></p>
              <table class="list">
                <thead>
                  <tr>
                    <th>Protocol</th>
                    <th>Endpoint</th>
                    <th>Status</th>
                    <th></th>
                  </tr>
                </thead>
                <tbody>
                  ${subscriptions[i]!.map(
                    (s) =>
                      html`<tr>
                        <td>${s.protocol}</td>
                        <td>${s.endpoint}</td>
                        <td>${s.status === 'confirmed' ? 'confirmed' : 'pending confirmation'}</td>
                        <td>
                          <form method="post" action="${BASE}/notifications/unsubscribe">
                            <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                            <input type="hidden" name="arn" value="${s.arn}" />
                            <button>Unsubscribe</button>
                          </form>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
              <form method="post" action="${BASE}/notifications/subscribe" class="inline">
                <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                <input type="hidden" name="topicArn" value="${t.arn}" />
                <label
                  >Protocol
                  <select name="protocol">
                    ${['https', 'http', 'email', 'email-json'].map((p) => html`<option value="${p}">${p}</option>`)}
                  </select></label
                >
                <label>Endpoint <input name="endpoint" required size="40" /></label>
                <button>Subscribe</button>
              </form>
              <form method="post" action="${BASE}/notifications/topics/delete" class="danger">
                <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                <input type="hidden" name="arn" value="${t.arn}" />
                <button>Delete topic</button>
              </form>
            </section>`,
        )}
        <form method="post" action="${BASE}/notifications/topics" class="inline">
          <input type="hidden" name="_csrf" value="${r.s.csrf}" />
          <label>Topic name <input name="name" required /></label>
          <button>Create topic</button>
        </form>
        <h2>Delivery log</h2>
        <table class="list" data-testid="delivery-log">
          <thead>
            <tr>
              <th>Created (UTC)</th>
              <th>Type</th>
              <th>Endpoint</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            ${log.map(
              (n) =>
                html`<tr>
                  <td>${at(n.createdAt)}</td>
                  <td>${n.type}</td>
                  <td>${n.endpoint}</td>
                  <td>${n.status === 'dead' ? 'dead letter' : n.status}</td>
                  <td>${n.attempts}</td>
                  <td>${n.lastError ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <h2>Dead letters</h2>
        ${
          dead.length
            ? html`<p data-testid="dead-letters">
                  ${dead.length} notification${dead.length > 1 ? 's' : ''} failed every retry.
                </p>
                <form method="post" action="${BASE}/notifications/replay">
                  <input type="hidden" name="_csrf" value="${r.s.csrf}" />
                  <button name="all" value="1">Replay all dead letters</button>
                </form>`
            : html`<p class="empty">None.</p>`
        }`,
      extra,
    );
  };
  ctx.accountPage('/notifications', (r) => notifications(r));
  const attempt = (r: AccountRequest, done: () => Promise<string>) =>
    done().then(
      (notice) => notifications(r, { notice }),
      (err: unknown) => notifications(r, { error: ctx.failure(err) }),
    );
  ctx.accountAction('/notifications/topics', (r) =>
    attempt(
      r,
      async () => `Topic ${(await port.sns.createTopic(r.accountId, r.form.name ?? '')).name} was created.`,
    ),
  );
  ctx.accountAction('/notifications/topics/delete', (r) =>
    attempt(r, async () => {
      await port.sns.deleteTopic(r.accountId, r.form.arn ?? '');
      return 'The topic was deleted.';
    }),
  );
  ctx.accountAction('/notifications/subscribe', (r) =>
    attempt(r, async () => {
      const arn = await port.sns.subscribe(
        r.accountId,
        r.form.topicArn ?? '',
        r.form.protocol ?? '',
        r.form.endpoint ?? '',
      );
      return arn === 'pending confirmation'
        ? `${r.form.endpoint} must confirm the subscription (a confirmation was sent).`
        : `${r.form.endpoint} is subscribed.`;
    }),
  );
  ctx.accountAction('/notifications/unsubscribe', (r) =>
    attempt(r, async () => {
      await port.sns.unsubscribe(r.accountId, r.form.arn ?? '');
      return 'Unsubscribed.';
    }),
  );
  ctx.accountAction('/notifications/replay', (r) =>
    attempt(r, async () => {
      const n = await port.sns.replayOwn(r.accountId, 'all');
      return `${n} dead letter${n === 1 ? '' : 's'} put back in the queue.`;
    }),
  );

  // ---- contact lists ----------------------------------------------------------------------------------
  const lists = async (r: AccountRequest, extra: Partial<Chrome> = {}) => {
    const { items } = await port.contacts.lists(r.accountId, undefined, 100);
    return ctx.page(
      r,
      'Contact lists',
      'contact-lists',
      html`<h1>Contact lists</h1>
        <table class="list" data-testid="contact-lists">
          <thead>
            <tr>
              <th>Name</th>
              <th>Description</th>
              <th>Topics</th>
            </tr>
          </thead>
          <tbody>
            ${items.map(
              (l) =>
                html`<tr>
                  <td><a href="${BASE}/contact-lists/${encodeURIComponent(l.name)}">${l.name}</a></td>
                  <td>${l.description ?? ''}</td>
                  <td>${l.topics.map((t) => t.name).join(', ')}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <form method="post" action="${BASE}/contact-lists" class="inline">
          <input type="hidden" name="_csrf" value="${r.s.csrf}" />
          <label>Name <input name="name" required /></label>
          <label>Description <input name="description" /></label>
          <button>Create contact list</button>
        </form>`,
      extra,
    );
  };
  const list = async (r: AccountRequest<{ name: string }>, extra: Partial<Chrome> = {}) => {
    try {
      const l = await port.contacts.getList(r.accountId, r.params.name);
      const contacts = await port.contacts.listContacts(r.accountId, l.name, {}, undefined, 100);
      const path = `${BASE}/contact-lists/${encodeURIComponent(l.name)}`;
      return ctx.page(
        r,
        l.name,
        'contact-lists',
        html`<p><a href="${BASE}/contact-lists">← Contact lists</a></p>
          <h1>${l.name}</h1>
          <p>${l.description ?? ''}</p>
          <table class="list" data-testid="contacts">
            <thead>
              <tr>
                <th>Address</th>
                <th>Unsubscribed from all</th>
                <th>Updated (UTC)</th>
              </tr>
            </thead>
            <tbody>
              ${contacts.items.map(
                (c) =>
                  html`<tr>
                    <td>${c.email}</td>
                    <td>${c.unsubscribeAll ? 'yes' : 'no'}</td>
                    <td>${at(c.updatedAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
          ${contacts.next ? html`<p class="empty">The first 100 shown; the API lists them all.</p>` : ''}
          <form method="post" action="${path}/contacts" class="inline">
            <input type="hidden" name="_csrf" value="${r.s.csrf}" />
            <label>Address <input name="email" type="email" required /></label>
            <button>Add contact</button>
          </form>
          <p>To import many, use <code>sesame contacts import</code>.</p>
          <form method="post" action="${path}/delete" class="danger">
            <input type="hidden" name="_csrf" value="${r.s.csrf}" />
            <button>Delete contact list</button>
          </form>`,
        extra,
      );
    } catch (err) {
      return notFoundOr(r, err);
    }
  };
  ctx.accountPage('/contact-lists', (r) => lists(r));
  ctx.accountAction('/contact-lists', async (r) => {
    try {
      await port.contacts.createList(r.accountId, {
        name: r.form.name ?? '',
        description: r.form.description || undefined,
      });
      return r.reply.redirect(`${BASE}/contact-lists/${encodeURIComponent(r.form.name ?? '')}`, 303);
    } catch (err) {
      return lists(r, { error: ctx.failure(err) });
    }
  });
  ctx.accountPage<{ name: string }>('/contact-lists/:name', (r) => list(r));
  ctx.accountAction<{ name: string }>('/contact-lists/:name/contacts', async (r) => {
    try {
      await port.contacts.createContact(r.accountId, r.params.name, r.form.email ?? '', {});
      return list(r, { notice: `${r.form.email} was added.` });
    } catch (err) {
      return list(r, { error: ctx.failure(err) });
    }
  });
  ctx.accountAction<{ name: string }>('/contact-lists/:name/delete', async (r) => {
    try {
      await port.contacts.deleteList(r.accountId, r.params.name);
      return lists(r, { notice: `Contact list ${r.params.name} was deleted.` });
    } catch (err) {
      return lists(r, { error: ctx.failure(err) });
    }
  });
}

/**
 * The operator CLI (`sesame …`): account, key, production-access and identity commands. Owns argument
 * handling and output formatting; the work itself is done by the core. Errors are one line and exit non-zero.
 */
import { Progress } from './progress.ts';
import { parseCsv } from './csv.ts';
import { UsageError, json, parse, positional, readInput } from './args.ts';
import { RECEIVING_USAGE, receivingCommands } from './receiving-commands.ts';
import { DELIVERY_USAGE, deliveryCommands } from './delivery-commands.ts';
import { zoneFile } from '../../lib/zone-file.ts';

export { UsageError } from './args.ts';
import {
  ENFORCEMENT_STATUSES,
  type AccountRecord,
  type AccountUpdate,
  type OperatorPort,
  type EnforcementStatus,
} from '../../core/index.ts';

export interface CliContext {
  core: OperatorPort;
  /** Base URL SDKs use as `endpoint` (printed with new credentials). */
  endpoint: string;
  out: (text: string) => void;
}

export const USAGE = `Usage: sesame <command> [options]

Commands:
  serve [--dev] [--workers N]             Start Sesame (HTTP API, SMTP, MX as configured); --dev: development
                                          mode (default account, instant verification, mail captured);
                                          --workers: processes sharing the ports (0: one per core on PostgreSQL)
  account create --name NAME [--production]
                                          Create an account; prints its credentials as JSON
  account list                            List accounts
  account reputation ID                   Bounce and complaint rates over the representative window, and the
                                          thresholds that move the enforcement status
  account update ID [--production|--sandbox] [--max-24h N|unlimited] [--max-rate N|unlimited]
                    [--sending on|off] [--enforcement HEALTHY|PROBATION|SHUTDOWN]
  key create ACCOUNT_ID                   Create another access key (and SMTP password)
      [--allow ses:SendRawEmail,…]         … limited to these actions (an IAM user's key; e.g. SMTP only)
      [--identity NAME|ARN,…] [--user NAME] … and to these identities; its IAM user name
  key list ACCOUNT_ID                     List an account's access keys
  key revoke ACCESS_KEY_ID                Revoke an access key
  production-requests list                Pending production-access requests
  production-requests approve|deny ACCOUNT_ID [--note TEXT]
  dns-records DOMAIN [--account ID]       DNS records to publish for a domain (zone-file fragment)
  identity check IDENTITY [--account ID]  Re-run the DNS verification of an identity now
  message show MESSAGE_ID                 A message's recipients, delivery attempts and events
  console-user create --email E (--account ID [--role admin|member] | --operator)
                                          A console user; prints the one-time setup link (72 hours)
  console-user list [--account ID]        Console users of an account (or the operators)
  preflight MESSAGE_ID [--json]           Would Gmail and Yahoo accept it? SPF, DKIM, DMARC, MAIL FROM MX,
                                          reverse DNS, bulk-sender rules, size, SpamAssassin — with fixes
  suppression import ACCOUNT_ID FILE.csv  Add addresses to an account's suppression list (CSV: email,reason)
  contacts import LIST FILE.csv [--account ID]
                                          Add or update contacts of a contact list (CSV with a header:
                                          email, then any of unsubscribeAll, attributes and topic names)
  notifications dead-letters              Notifications that failed their last retry
  notifications replay ID...|--all        Queue dead-lettered notifications again
${RECEIVING_USAGE}
${DELIVERY_USAGE}

Global options:
  --config FILE                           JSON config file (settings: docs/config.md)`;

type Handler = (ctx: CliContext, args: string[]) => Promise<void>;

function number(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (v === 'unlimited') return -1;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`${what} must be a number, got "${v}"`);
  return n;
}

function accountSummary(a: AccountRecord) {
  return {
    accountId: a.id,
    name: a.name,
    productionAccess: a.productionAccess,
    max24HourSend: a.max24HourSend,
    maxSendRate: a.maxSendRate,
    sendingEnabled: a.sendingEnabled,
    enforcementStatus: a.enforcementStatus,
    review: a.review?.status ?? null,
    createdAt: new Date(a.createdAt).toISOString(),
  };
}

async function resolveAccount(
  ctx: CliContext,
  identity: string,
  account: string | undefined,
): Promise<string> {
  if (account) return account;
  const ids = (await ctx.core.accounts.list()).map((a) => a.id);
  const owners = await ctx.core.identities.accountsWithIdentity(identity, ids);
  if (owners.length === 1) return owners[0]!;
  if (owners.length === 0) throw new UsageError(`no account has the identity ${identity}`);
  throw new UsageError(`several accounts have ${identity} (${owners.join(', ')}); choose one with --account`);
}

const commands: Record<string, Handler> = {
  async 'account create'(ctx, args) {
    const { values } = parse(args, { name: { type: 'string' }, production: { type: 'boolean' } });
    if (!values.name) throw new UsageError('account create needs --name NAME');
    const { account, credentials } = await ctx.core.accounts.create({
      name: values.name,
      production: values.production ?? false,
    });
    ctx.out(json({ accountId: account.id, ...credentials, region: ctx.core.region, endpoint: ctx.endpoint }));
  },

  async 'account list'(ctx) {
    ctx.out(json((await ctx.core.accounts.list()).map(accountSummary)));
  },

  async 'account reputation'(ctx, args) {
    const id = args[0];
    if (!id) throw new UsageError('account reputation needs an ACCOUNT_ID');
    const account = await ctx.core.accounts.get(id);
    const s = await ctx.core.reputation.standing(account);
    const t = ctx.core.reputation.settings;
    ctx.out(
      json({
        accountId: id,
        enforcementStatus: account.enforcementStatus,
        windowStart: new Date(s.windowStart).toISOString(),
        eligibleSends: s.sends,
        hardBounces: s.bounces,
        complaints: s.complaints,
        bounceRate: s.bounceRate,
        complaintRate: s.complaintRate,
        thresholds: {
          minimumVolume: t.minimumVolume,
          bounceReview: t.bounceReview,
          bouncePause: t.bouncePause,
          complaintReview: t.complaintReview,
          complaintPause: t.complaintPause,
        },
      }),
    );
  },

  async 'account update'(ctx, args) {
    const { values, positionals } = parse(args, {
      production: { type: 'boolean' },
      sandbox: { type: 'boolean' },
      'max-24h': { type: 'string' },
      'max-rate': { type: 'string' },
      sending: { type: 'string' },
      enforcement: { type: 'string' },
    });
    const id = positional(positionals, 0, 'ACCOUNT_ID');
    if (values.production && values.sandbox) throw new UsageError('choose one of --production and --sandbox');
    if (values.sending !== undefined && !['on', 'off'].includes(values.sending))
      throw new UsageError('--sending takes on or off');
    const enforcement = values.enforcement?.toUpperCase();
    if (enforcement !== undefined && !ENFORCEMENT_STATUSES.includes(enforcement as EnforcementStatus))
      throw new UsageError(`--enforcement takes one of ${ENFORCEMENT_STATUSES.join(', ')}`);
    const change: AccountUpdate = {};
    if (values.production) change.production = true;
    if (values.sandbox) change.production = false;
    const max24 = number(values['max-24h'], '--max-24h');
    const rate = number(values['max-rate'], '--max-rate');
    if (max24 !== undefined) change.max24HourSend = max24;
    if (rate !== undefined) change.maxSendRate = rate;
    if (values.sending !== undefined) change.sendingEnabled = values.sending === 'on';
    if (enforcement !== undefined) change.enforcementStatus = enforcement as EnforcementStatus;
    ctx.out(json(accountSummary(await ctx.core.accounts.update(id, change))));
  },

  async 'key create'(ctx, args) {
    const { positionals, values } = parse(args, {
      allow: { type: 'string' },
      identity: { type: 'string' },
      user: { type: 'string' },
    });
    const accountId = positional(positionals, 0, 'ACCOUNT_ID');
    const list = (v: string | undefined) =>
      v
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const actions = list(values.allow);
    const identities = list(values.identity);
    if (identities && !actions)
      throw new UsageError('--identity limits a key given --allow (e.g. --allow ses:SendRawEmail)');
    const credentials = await ctx.core.accounts.createAccessKey(accountId, {
      userName: values.user,
      permissions: actions ? { actions, identities: identities ?? null } : undefined,
    });
    ctx.out(json({ accountId, ...credentials, region: ctx.core.region, endpoint: ctx.endpoint }));
  },

  async 'key list'(ctx, args) {
    const { positionals } = parse(args, {});
    const keys = await ctx.core.accounts.listAccessKeys(positional(positionals, 0, 'ACCOUNT_ID'));
    ctx.out(
      json(
        keys.map((k) => ({
          accessKeyId: k.id,
          status: k.status,
          createdAt: new Date(k.createdAt).toISOString(),
          ...(k.userName ? { userName: k.userName } : {}),
          ...(k.permissions ? { permissions: k.permissions } : {}),
        })),
      ),
    );
  },

  async 'key revoke'(ctx, args) {
    const { positionals } = parse(args, {});
    const id = positional(positionals, 0, 'ACCESS_KEY_ID');
    await ctx.core.accounts.revokeAccessKey(id);
    ctx.out(json({ accessKeyId: id, status: 'Inactive' }));
  },

  async 'production-requests list'(ctx) {
    const pending = await ctx.core.accounts.listReviews('PENDING');
    ctx.out(
      json(
        pending.map((a) => ({
          accountId: a.id,
          name: a.name,
          caseId: a.review?.caseId,
          requestedAt: a.review ? new Date(a.review.updatedAt).toISOString() : null,
          mailType: a.details?.mailType,
          websiteUrl: a.details?.websiteUrl,
          useCaseDescription: a.details?.useCaseDescription,
          contacts: a.details?.additionalContactEmailAddresses,
        })),
      ),
    );
  },

  async 'production-requests approve'(ctx, args) {
    const { positionals } = parse(args, {});
    ctx.out(
      json(
        accountSummary(
          await ctx.core.accounts.decideReview(positional(positionals, 0, 'ACCOUNT_ID'), 'GRANTED'),
        ),
      ),
    );
  },

  async 'production-requests deny'(ctx, args) {
    const { values, positionals } = parse(args, { note: { type: 'string' } });
    ctx.out(
      json(
        accountSummary(
          await ctx.core.accounts.decideReview(
            positional(positionals, 0, 'ACCOUNT_ID'),
            'DENIED',
            values.note,
          ),
        ),
      ),
    );
  },

  async 'dns-records'(ctx, args) {
    const { values, positionals } = parse(args, { account: { type: 'string' } });
    const domain = positional(positionals, 0, 'DOMAIN');
    const accountId = await resolveAccount(ctx, domain, values.account);
    const records = zoneFile(await ctx.core.identities.dnsRecords(accountId, domain));
    const problem = ctx.core.identities.mailHostProblem();
    // The warning is part of the zone fragment (a comment), so it is seen wherever the output is pasted.
    ctx.out(problem ? `; WARNING: ${problem}\n${records}` : records);
  },

  async 'identity check'(ctx, args) {
    const { values, positionals } = parse(args, { account: { type: 'string' } });
    const name = positional(positionals, 0, 'IDENTITY');
    const accountId = await resolveAccount(ctx, name, values.account);
    const v = await ctx.core.identities.checkNow(accountId, name);
    ctx.out(
      json({
        identity: v.record.name,
        accountId,
        verificationStatus: v.status,
        dkimStatus: v.dkim.status,
        mailFromStatus: v.record.mailFrom?.status ?? null,
        lastCheckedAt:
          v.record.lastCheckedAt === null ? null : new Date(v.record.lastCheckedAt).toISOString(),
      }),
    );
  },
};

commands['message show'] = async (ctx, args) => {
  const { positionals } = parse(args, {});
  const id = positional(positionals, 0, 'MESSAGE_ID');
  const d = await ctx.core.sending.details(id);
  if (!d) throw new UsageError(`no message ${id}`);
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  const common = (d.message.mail.commonHeaders ?? {}) as { subject?: string; from?: string[] };
  ctx.out(
    json({
      messageId: d.message.id,
      accountId: d.message.accountId,
      createdAt: iso(d.message.createdAt),
      from: common.from?.[0] ?? d.message.source,
      subject: common.subject,
      size: d.message.size,
      configurationSet: d.message.configurationSet,
      recipients: d.recipients.map((r) => ({
        address: r.address,
        status: r.status,
        attempts: r.attempts,
        nextAttemptAt: r.status === 'queued' ? iso(r.nextAttemptAt) : null,
        lastResponse: r.lastResponse,
      })),
      events: d.events.map((e) => {
        const p = e.payload;
        const detail = p[Object.keys(p).find((k) => k !== 'eventType' && k !== 'mail') ?? ''];
        return { at: iso(e.createdAt), type: e.type, recipient: e.recipient, detail };
      }),
    }),
  );
};

commands['console-user create'] = async (ctx, args) => {
  const { values } = parse(args, {
    email: { type: 'string' },
    account: { type: 'string' },
    role: { type: 'string' },
    operator: { type: 'boolean' },
  });
  if (!values.email) throw new UsageError('--email is required');
  if (values.operator === Boolean(values.account))
    throw new UsageError('give either --account ID (an account user) or --operator');
  const role = values.operator ? 'operator' : (values.role ?? 'admin');
  if (role !== 'admin' && role !== 'member' && role !== 'operator')
    throw new UsageError('--role is admin or member');
  const { user, setupToken } = await ctx.core.consoleUsers.create({
    accountId: values.account ?? null,
    email: values.email,
    role,
  });
  ctx.out(
    json({
      userId: user.id,
      email: user.email,
      accountId: user.accountId,
      role: user.role,
      setupLink: `${ctx.endpoint}/console/setup/${setupToken}`,
      expiresAt: new Date(user.setupExpiresAt!).toISOString(),
    }),
  );
};

commands['console-user list'] = async (ctx, args) => {
  const { values } = parse(args, { account: { type: 'string' } });
  const users = await ctx.core.consoleUsers.list(values.account ?? null);
  ctx.out(
    json(
      users.map((u) => ({
        userId: u.id,
        email: u.email,
        role: u.role,
        passwordSet: u.passwordHash !== null,
        createdAt: new Date(u.createdAt).toISOString(),
      })),
    ),
  );
};

commands['preflight'] = async (ctx, args) => {
  const { positionals, values } = parse(args, { json: { type: 'boolean' } });
  const id = positional(positionals, 0, 'MESSAGE_ID');
  const report = await ctx.core.preflight.message(id);
  if (values.json) return ctx.out(json(report));
  const mark = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL', info: 'info' } as const;
  const lines = [
    `Preflight of ${report.messageId}: ${report.verdict.toUpperCase()}`,
    `  sending host ${report.sendingHost}${report.sendingAddresses.length ? ` (${report.sendingAddresses.join(', ')})` : ''}, From domain ${report.fromDomain}, MAIL FROM domain ${report.mailFromDomain}`,
    '',
  ];
  for (const f of report.findings) {
    lines.push(`${mark[f.status]}  ${f.check}: ${f.message}`);
    if (f.fix) lines.push(`      fix: ${f.fix}`);
  }
  ctx.out(lines.join('\n'));
};

commands['suppression import'] = async (ctx, args) => {
  const { positionals } = parse(args, {});
  const accountId = positional(positionals, 0, 'ACCOUNT_ID');
  const file = positional(positionals, 1, 'FILE.csv');
  const text = readInput(file);
  const rows = parseCsv(text)
    .filter((r) => r.cells[0] && !/^e-?mail/i.test(r.cells[0]))
    .map((r) => ({ line: r.line, email: r.cells[0]!, reason: r.cells[1] || 'BOUNCE' }));
  const progress = new Progress('importing', rows.length);
  const errors: { line: number; error: string }[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    errors.push(...(await ctx.core.suppression.importRows(accountId, chunk)));
    progress.tick(chunk.length);
  }
  progress.end();
  ctx.out(json({ accountId, imported: rows.length - errors.length, failed: errors }));
};

/**
 * Loads contacts from a CSV file whose header names the columns: `email` (required), `unsubscribeAll`
 * (true/false), `attributes` (a JSON object) and one column per topic (OPT_IN / OPT_OUT; empty for none).
 */
commands['contacts import'] = async (ctx, args) => {
  const { positionals, values } = parse(args, { account: { type: 'string' } });
  const listName = positional(positionals, 0, 'LIST');
  const file = positional(positionals, 1, 'FILE.csv');
  const text = readInput(file);
  const accountId = values.account ?? (await accountWithList(ctx, listName));
  const list = await ctx.core.contacts.getList(accountId, listName);
  const [header, ...body] = parseCsv(text);
  const columns = header?.cells ?? [];
  const emailColumn = columns.findIndex((c) => /^e-?mail(address)?$/i.test(c.replace(/[\s_]/g, '')));
  if (emailColumn < 0)
    throw new UsageError(`${file}: the first line must be a header with an "email" column`);
  const column = (name: string) => columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
  const unsubscribeColumn = column('unsubscribeAll');
  const attributesColumn = column('attributes');
  const topicColumns = columns
    .map((c, i) => ({ topic: c.replace(/^topic:/i, ''), i }))
    .filter(({ i }) => i !== emailColumn && i !== unsubscribeColumn && i !== attributesColumn);
  for (const { topic } of topicColumns)
    if (!list.topics.some((t) => t.name === topic))
      throw new UsageError(`${file}: column "${topic}" is not a topic of contact list ${listName}`);
  const rows = body.map((r) => ({
    line: r.line,
    email: r.cells[emailColumn] ?? '',
    unsubscribeAll: /^(true|yes|1)$/i.test(r.cells[unsubscribeColumn] ?? ''),
    attributes: attributesColumn >= 0 && r.cells[attributesColumn] ? r.cells[attributesColumn] : undefined,
    topicPreferences: topicColumns
      .filter(({ i }) => r.cells[i])
      .map(({ topic, i }) => ({
        topicName: topic,
        subscriptionStatus: r.cells[i]!.toUpperCase().replace(/[\s-]/g, '_') as 'OPT_IN' | 'OPT_OUT',
      })),
  }));
  const progress = new Progress('importing', rows.length);
  const errors: { line: number; error: string }[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    errors.push(...(await ctx.core.contacts.importRows(accountId, listName, chunk)));
    progress.tick(chunk.length);
  }
  progress.end();
  ctx.out(json({ accountId, contactList: listName, imported: rows.length - errors.length, failed: errors }));
};

/** The one account that has a contact list of this name (else --account is needed). */
async function accountWithList(ctx: CliContext, listName: string): Promise<string> {
  const owners: string[] = [];
  for (const a of await ctx.core.accounts.list())
    if ((await ctx.core.contacts.lists(a.id, undefined, 1000)).items.some((l) => l.name === listName))
      owners.push(a.id);
  if (owners.length === 1) return owners[0]!;
  if (owners.length === 0) throw new UsageError(`no account has a contact list named ${listName}`);
  throw new UsageError(
    `several accounts have a contact list named ${listName} (${owners.join(', ')}); choose one with --account`,
  );
}

commands['notifications dead-letters'] = async (ctx) => {
  const dead = await ctx.core.sns.deadLetters();
  ctx.out(
    json(
      dead.map((n) => ({
        id: n.id,
        type: n.type,
        topicArn: n.topicArn,
        endpoint: n.endpoint,
        attempts: n.attempts,
        lastError: n.lastError,
        createdAt: new Date(n.createdAt).toISOString(),
      })),
    ),
  );
};

commands['notifications replay'] = async (ctx, args) => {
  const { values, positionals } = parse(args, { all: { type: 'boolean' } });
  if (!values.all && positionals.length === 0)
    throw new UsageError('notifications replay needs notification ids or --all');
  ctx.out(json({ replayed: await ctx.core.sns.replay(values.all ? 'all' : positionals) }));
};

Object.assign(commands, receivingCommands, deliveryCommands);

/** Finds the command for argv (`account create …`); returns it with the remaining arguments. */
export function findCommand(argv: string[]): { handler: Handler; args: string[] } | undefined {
  const two = commands[`${argv[0]} ${argv[1]}`];
  if (two) return { handler: two, args: argv.slice(2) };
  const one = argv[0] === undefined ? undefined : commands[argv[0]];
  return one ? { handler: one, args: argv.slice(1) } : undefined;
}

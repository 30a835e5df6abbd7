/**
 * The web console in a real browser: Debian's Chromium driven by playwright-core, launched so that it reaches
 * nothing but loopback. The first-day walk as a new user does it (so far as the console's screens exist):
 * the operator's CLI creates the account and a console user → setup link → sign in → add a domain → the DNS
 * records shown are published in the loopback DNS server → "Check DNS now" turns it verified → SMTP
 * credentials → a message sent through the SMTP port with them. Then CSRF, inert markup, a second account that
 * sees nothing of the first, sign-out. Screenshots go to test-results/console/.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateEmailIdentityCommand,
  GetAccountCommand,
  GetEmailIdentityCommand,
  GetEmailTemplateCommand,
  ListContactsCommand,
  GetSuppressedDestinationCommand,
  SendEmailCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import {
  CreateReceiptRuleCommand,
  DescribeReceiptRuleSetCommand,
  ListReceiptRuleSetsCommand,
  SESClient,
} from '@aws-sdk/client-ses';
import { HttpReceiver } from '../support/http-receiver.ts';
import { sinkFor } from '../support/mail.ts';
import { startSesame, type TestSesame } from '../support/sesame.ts';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-results/console';
/** A secret setting the operator's settings screen must not show. */
const METRICS_TOKEN = 'metrics-token-not-to-be-shown';
/** No first-run, sync, component updates or background requests: nothing but the pages it is sent to. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

let sesame: TestSesame;
let browser: Browser;

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['bin/sesame.js', ...args], {
    env: {
      ...process.env,
      SESAME_DATA_DIR: sesame.config.dataDir,
      SESAME_DATABASE_URL: sesame.config.databaseUrl,
      SESAME_DATABASE_SCHEMA: sesame.config.databaseSchema,
      SESAME_PUBLIC_URL: sesame.config.publicUrl,
      SESAME_HOSTNAME: sesame.config.hostname,
    },
  });
  return stdout;
}

const expectText = async (page: Page, selector: string, text: string | RegExp) =>
  expect(await page.locator(selector).first().textContent()).toMatch(text);

/** The trimmed cell texts of a table's body rows. */
const rowsOf = (page: Page, selector: string) =>
  page
    .locator(`${selector} tbody tr`)
    .evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].map((td) => td.textContent?.trim() ?? '')),
    );

/** An account and its first console user, made with the operator CLI; signs the user in on a fresh page. */
async function newUser(
  email: string,
): Promise<{ accountId: string; page: Page; client: SESv2Client; v1: SESClient }> {
  const account = JSON.parse(await cli('account', 'create', '--name', email)) as {
    accountId: string;
    accessKeyId: string;
    secretAccessKey: string;
  };
  const user = JSON.parse(
    await cli('console-user', 'create', '--account', account.accountId, '--email', email),
  ) as {
    setupLink: string;
  };
  const page = await (await browser.newContext()).newPage();
  await page.goto(user.setupLink);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Set password' }).click();
  await expectText(page, '[role=status]', 'Your password is set: sign in with it.');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${sesame.url}/console`);
  const client = new SESv2Client({
    endpoint: sesame.url,
    region: 'us-east-1',
    credentials: account,
    maxAttempts: 1,
  });
  const v1 = new SESClient({
    endpoint: sesame.url,
    region: 'us-east-1',
    credentials: account,
    maxAttempts: 1,
  });
  return { accountId: account.accountId, page, client, v1 };
}

let operatorPage: Page | undefined;
/** The operator, signed in once (a console user of no account, made with the CLI). */
async function operator(): Promise<Page> {
  if (operatorPage) return operatorPage;
  const user = JSON.parse(
    await cli('console-user', 'create', '--operator', '--email', 'ops@sesame.test'),
  ) as {
    setupLink: string;
  };
  const page = await (await browser.newContext()).newPage();
  await page.goto(user.setupLink);
  await page.getByLabel('Password').fill('operator password 123');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByLabel('Email').fill('ops@sesame.test');
  await page.getByLabel('Password').fill('operator password 123');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${sesame.url}/console/operator`);
  return (operatorPage = page);
}

describe.skipIf(!existsSync(CHROMIUM))('web console in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // slow.test's MX is a provider of its own whose deferrals slow it down (the queue screen shows that).
    const shapingFile = join(tmpdir(), `sesame-console-shaping-${process.pid}.json`);
    writeFileSync(
      shapingFile,
      JSON.stringify({
        providers: {
          slowco: {
            mx: ['.slow.test'],
            automation: [{ match: 'try again later', maxMessageRate: '1/min', duration: '1h' }],
          },
        },
      }),
    );
    sesame = await startSesame({ smtpPort: 0, smtpsPort: 0, metricsToken: METRICS_TOKEN, shapingFile });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sesame?.close();
  });

  let first: { accountId: string; page: Page; client: SESv2Client; v1: SESClient };
  /** A message page of the first account (the second must not see it). */
  let firstMessageUrl = '';

  it('walks the first day: sign in, a domain verified from its DNS records, SMTP credentials that send', async () => {
    first = await newUser('admin@first.test');
    const { page } = first;
    await expectText(page, '[data-testid=access]', 'Sandbox');
    await expectText(page, '[data-testid=health]', 'Healthy');
    await expectText(page, '[data-testid=quota]', '0 of 200');
    await expectText(page, '[data-testid=smtp-starttls]', String(sesame.smtp.starttls));
    await expectText(page, '[data-testid=smtp-tls]', String(sesame.smtp.tls));
    await page.screenshot({ path: `${SHOTS}/dashboard.png`, fullPage: true });

    await page.getByRole('link', { name: 'Identities' }).click();
    await page.getByLabel('Domain or email address').fill('console.test');
    await page.getByRole('button', { name: 'Create identity' }).click();
    await page.waitForURL(/\/console\/identities\/console\.test$/);
    await expectText(page, '[data-testid=status]', 'PENDING');
    // The records the page shows are what gets published: read them off the table.
    const rows = await page
      .locator('table.records tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')),
      );
    const txt = rows.filter((r) => r[1] === 'TXT');
    expect(txt.filter((r) => r[0]!.includes('._domainkey.'))).toHaveLength(3);
    for (const [name, , value] of txt)
      sesame.dns.set(name, { txt: [...(sesame.dns.zones.get(name)?.txt ?? []), value!] });
    await expectText(page, '#zone', /_domainkey\.console\.test\.\t3600\tIN\tTXT/);
    await page.screenshot({ path: `${SHOTS}/identity-dns.png`, fullPage: true });
    await page.getByRole('button', { name: 'Check DNS now' }).click();
    await expectText(page, '[data-testid=status]', 'SUCCESS');
    await expectText(page, '.notice', 'Checked just now: SUCCESS.');

    await page.getByRole('link', { name: 'SMTP credentials' }).click();
    await page.getByLabel('IAM user name (optional)').fill('wordpress-smtp');
    await page.getByRole('button', { name: 'Create SMTP credentials' }).click();
    const username = (await page.locator('[data-testid=smtp-username]').textContent())!;
    const password = (await page.locator('[data-testid=smtp-password]').textContent())!;
    expect(username).toMatch(/^AKIA/);
    await page.screenshot({ path: `${SHOTS}/smtp-credentials.png`, fullPage: true });
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sesame.smtp.starttls,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: username, pass: password },
    });
    const info = await transport.sendMail({
      from: 'hello@console.test',
      to: 'success@simulator.amazonses.com',
      subject: 'From the console credentials',
      text: 'hi',
    });
    transport.close();
    expect(info.response).toMatch(/^250 Ok /);
    // Shown once: a reload does not show the password again.
    await page.goto(`${sesame.url}/console/smtp-credentials`);
    expect(await page.locator('[data-testid=smtp-password]').count()).toBe(0);
    await expectText(page, 'table.list tbody', username);
    await expectText(page, 'table.list tbody', 'wordpress-smtp');
    await expectText(page, 'table.list tbody', 'ses:SendRawEmail');
    // As with SES's console: the SMTP user may send, nothing else (here: its key over the API).
    const key = await sesame.platform.core.accounts.resolveAccessKey(username);
    const api = new SESv2Client({
      endpoint: sesame.url,
      region: sesame.config.region,
      credentials: { accessKeyId: username, secretAccessKey: key!.secretAccessKey },
      maxAttempts: 1,
    });
    const refused = await api.send(new GetAccountCommand({})).catch((e: Error) => e);
    expect((refused as Error).name).toBe('AccessDeniedException');
    expect((refused as Error).message).toContain(
      `user/wordpress-smtp is not authorized to perform: ses:GetAccount`,
    );

    // Send test email: the simulator's success and bounce, each followed on its message page.
    for (const [scenario, status, event] of [
      ['success', 'delivered', 'Delivery'],
      ['bounce', 'bounced', 'Bounce'],
    ] as const) {
      await page.getByRole('link', { name: 'Send test email' }).click();
      await page.locator('input[name=from]').fill('hello@console.test');
      await page.locator(`input[name=scenario][value=${scenario}]`).check();
      if (scenario === 'success') await page.screenshot({ path: `${SHOTS}/send-test.png`, fullPage: true });
      // The sandbox sends 1 message a second (SES's limit): the previous send may have just used it.
      await new Promise((r) => setTimeout(r, 1100));
      await page.getByRole('button', { name: 'Send' }).click();
      await page.waitForLoadState();
      // (allTextContents does not wait for an error to appear, as textContent would.)
      expect(page.url(), (await page.locator('.error').allTextContents()).join()).toMatch(
        /\/console\/messages\//,
      );
      const address = `${scenario}@simulator.amazonses.com`;
      // No reload: the page's live part (htmx) refreshes itself until every recipient is done.
      await expect
        .poll(() => page.locator('#activity').getAttribute('data-live'), { timeout: 30_000 })
        .toBe('false');
      expect(await rowsOf(page, '[data-testid=recipients]')).toContainEqual([
        address,
        status,
        '1',
        expect.any(String),
      ]);
      expect((await rowsOf(page, '[data-testid=events]')).map((r) => r[1])).toEqual(['Send', event]);
      // Headers and raw source, as accepted.
      expect(await rowsOf(page, '[data-testid=headers]')).toContainEqual(['To', address]);
      await expectText(page, '[data-testid=raw]', /Subject: Test from the Sesame console/);
      if (scenario === 'bounce') {
        await page.screenshot({ path: `${SHOTS}/message.png`, fullPage: true });
        firstMessageUrl = page.url();
      }
    }

    // The dashboard's charts count what was sent: one through SMTP and the two test emails.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const totals = (await rowsOf(page, '[data-testid=totals]'))[0]!;
    expect(Number(totals[0])).toBe(3);
    expect(totals[2]).toBe('1 (33.33 %)');
    await page.waitForSelector('#chart-volume[data-drawn=true] canvas');
    await page.waitForSelector('#chart-rates[data-drawn=true] canvas');
    const charted = await page
      .locator('script[data-chart=chart-volume]')
      .evaluate(
        (el) => JSON.parse(el.textContent ?? '') as { series: { label: string; values: number[] }[] },
      );
    expect(charted.series.find((x) => x.label === 'Sends')!.values.reduce((a, b) => a + b, 0)).toBe(3);
    await page.screenshot({ path: `${SHOTS}/dashboard.png`, fullPage: true });

    // Message search: by recipient, by MessageId.
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByLabel('Recipient').fill('bounce@simulator');
    await page.getByRole('button', { name: 'Search' }).click();
    const found = await rowsOf(page, '[data-testid=messages]');
    expect(found).toHaveLength(1);
    expect(found[0]![3]).toBe('bounce@simulator.amazonses.com');
    expect(firstMessageUrl.endsWith(encodeURIComponent(found[0]![4]))).toBe(true);
    await page.goto(`${sesame.url}/console/messages`);
    expect(await rowsOf(page, '[data-testid=messages]')).toHaveLength(3);
    await page.screenshot({ path: `${SHOTS}/messages.png`, fullPage: true });

    // Production access: the request, the operator's approval with a note, the banner.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('link', { name: 'Request production access' }).click();
    await page.getByLabel('Website URL').fill('https://console.test');
    await page.getByLabel('Use case').fill('Receipts for our customers.');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.waitForURL(`${sesame.url}/console`);
    await expectText(page, '[data-testid=review]', 'Production access requested: under review.');
    const ops = await operator();
    await ops.getByRole('link', { name: 'Production requests' }).click();
    const request = ops.locator(`[data-testid=request-${first.accountId}]`);
    await expectText(ops, `[data-testid=request-${first.accountId}]`, /Receipts for our customers\./);
    await ops.screenshot({ path: `${SHOTS}/operator-requests.png`, fullPage: true });
    await request.getByLabel('Note to the account').fill('Welcome aboard.');
    await request.getByRole('button', { name: 'Approve' }).click();
    await expectText(ops, '.notice', `Account ${first.accountId}: production access granted.`);
    await page.reload();
    await expectText(page, '[data-testid=access]', 'Production');
    await expectText(page, '[data-testid=quota]', '0 of 50,000');
  }, 120_000);

  it('edits a template and previews it with sample data as it is typed; its markup runs nothing', async () => {
    const { page } = first;
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByLabel('Name').fill('welcome');
    await page.getByLabel('Subject').fill('Hello {{name}}');
    await page.getByLabel('Text part').fill('Dear {{name}}, welcome.');
    await page
      .getByLabel('HTML part')
      .fill(
        '<h1>Hi {{name}}</h1><script>parent.document.title="pwned"</script><img src=x onerror="parent.document.title=\'pwned\'">',
      );
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.waitForURL(/\/console\/templates\/welcome$/);
    // Typing the data re-renders the preview (TestRenderEmailTemplate), no button pressed.
    await page.getByLabel('Sample data (JSON)').fill('{"name":"Ann"}');
    await expect
      .poll(() => page.locator('[data-testid=preview-subject]').textContent(), { timeout: 10_000 })
      .toBe('Hello Ann');
    await expectText(page, '[data-testid=preview-text]', 'Dear Ann, welcome.');
    expect(await page.locator('iframe.preview').getAttribute('sandbox')).toBe('');
    const frame = page.frameLocator('iframe.preview');
    await expect.poll(() => frame.locator('h1').textContent()).toBe('Hi Ann');
    await page.screenshot({ path: `${SHOTS}/template.png`, fullPage: true });
    expect(await page.title()).not.toBe('pwned');
    // A broken template data is the core's error, shown in the preview.
    await page.getByLabel('Sample data (JSON)').fill('{not json');
    await page.waitForSelector('#preview [role=alert]');
    // Saving goes through the same validation as UpdateEmailTemplate.
    await page.getByLabel('Subject').fill('Bye {{name}}');
    await page.getByRole('button', { name: 'Save template' }).click();
    await expectText(page, '.notice', 'Saved.');
    const saved = await first.client.send(new GetEmailTemplateCommand({ TemplateName: 'welcome' }));
    expect(saved.TemplateContent?.Subject).toBe('Bye {{name}}');
  }, 60_000);

  it('keeps the suppression list: add, search, remove, and a CSV file imported with progress', async () => {
    const { page } = first;
    await page.getByRole('link', { name: 'Suppression list' }).click();
    await page.getByLabel('Address', { exact: true }).fill('gone@example.net');
    await page.getByRole('button', { name: 'Add' }).click();
    await expectText(page, '.notice', 'gone@example.net was added to the suppression list.');
    const lines = ['email,reason'];
    for (let i = 0; i < 1200; i++) lines.push(`user${i}@import.test,${i === 700 ? 'MAYBE' : 'BOUNCE'}`);
    await page.locator('[data-import-file]').setInputFiles({
      name: 'suppressed.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(lines.join('\n')),
    });
    await page.getByRole('button', { name: 'Import' }).click();
    await expect
      .poll(() => page.locator('[data-import-status]').textContent(), { timeout: 30_000 })
      .toMatch(/imported/);
    await expectText(
      page,
      '[data-import-status]',
      '1199 imported; 1 refused: line 702: reason must be BOUNCE or COMPLAINT, not "MAYBE".',
    );
    expect(
      await page.locator('[data-import-progress]').evaluate((el) => Number(el.getAttribute('value'))),
    ).toBe(1201);
    await page.screenshot({ path: `${SHOTS}/suppression.png`, fullPage: true });
    const listed = await first.client.send(
      new GetSuppressedDestinationCommand({ EmailAddress: 'user1199@import.test' }),
    );
    expect(listed.SuppressedDestination?.Reason).toBe('BOUNCE');
    await page.goto(`${sesame.url}/console/suppression?q=user119`);
    // user119 and user1190…user1199.
    expect(await rowsOf(page, '[data-testid=suppressed]')).toHaveLength(11);
    await page.goto(`${sesame.url}/console/suppression?q=gone@`);
    await page.getByRole('button', { name: 'Remove' }).click();
    await expectText(page, '.notice', 'gone@example.net was removed from the suppression list.');
    await expect(
      first.client.send(new GetSuppressedDestinationCommand({ EmailAddress: 'gone@example.net' })),
    ).rejects.toThrow(/does not exist/);
  }, 60_000);

  it('publishes events: a configuration set with an SNS destination, its dead letters replayed', async () => {
    const { page } = first;
    const endpoint = await new HttpReceiver().start();
    try {
      await page.getByRole('link', { name: 'Notifications' }).click();
      await page.getByLabel('Topic name').fill('console-events');
      await page.getByRole('button', { name: 'Create topic' }).click();
      await expectText(page, '.notice', 'Topic console-events was created.');
      const topic = page.locator('[data-testid=topic-console-events]');
      await topic.getByLabel('Protocol').selectOption('http');
      await topic.getByLabel('Endpoint').fill(endpoint.url);
      await topic.getByRole('button', { name: 'Subscribe' }).click();
      await expectText(
        page,
        '.notice',
        `${endpoint.url} must confirm the subscription (a confirmation was sent).`,
      );
      // The endpoint visits its SubscribeURL; the page then says so.
      await expect
        .poll(
          async () => {
            await page.goto(`${sesame.url}/console/notifications`);
            return rowsOf(page, '[data-testid=topic-console-events] table');
          },
          { timeout: 15_000 },
        )
        .toContainEqual(['http', endpoint.url, 'confirmed', 'Unsubscribe']);

      await page.getByRole('link', { name: 'Configuration sets' }).click();
      await page.getByLabel('Name').fill('console-set');
      await page.getByRole('button', { name: 'Create configuration set' }).click();
      await page.waitForURL(/\/console\/configuration-sets\/console-set$/);
      await page.getByLabel('Name').fill('to-sns');
      for (const t of ['BOUNCE', 'COMPLAINT', 'DELIVERY'])
        await page.locator(`input[name=event][value=${t}]`).uncheck();
      await page.locator('input[name=event][value=SEND]').check();
      await page.getByRole('button', { name: 'Add destination' }).click();
      await expectText(page, '.notice', 'Event destination to-sns was added.');
      const [destination] = await rowsOf(page, '[data-testid=event-destinations]');
      expect(destination!.slice(0, 3)).toEqual(['to-sns', 'yes', 'SEND']);
      expect(destination![3]).toContain(':console-events');
      await page.screenshot({ path: `${SHOTS}/configuration-set.png`, fullPage: true });

      // The endpoint fails every try: the Send event becomes a dead letter, shown in the delivery log.
      endpoint.status = 503;
      const { MessageId } = await first.client.send(
        new SendEmailCommand({
          FromEmailAddress: 'hello@console.test',
          Destination: { ToAddresses: ['success@simulator.amazonses.com'] },
          ConfigurationSetName: 'console-set',
          Content: { Simple: { Subject: { Data: 'evented' }, Body: { Text: { Data: 'hi' } } } },
        }),
      );
      const notified = () =>
        endpoint.received.filter(
          (r) => r.body.Type === 'Notification' && r.body.Message?.includes(MessageId!),
        );
      // Tried once and retried SESAME_NOTIFICATION_MAX_RETRIES (3) times.
      await expect.poll(() => notified().length, { timeout: 15_000 }).toBe(4);
      await expect
        .poll(
          async () => {
            await page.goto(`${sesame.url}/console/notifications`);
            return page.locator('[data-testid=dead-letters]').allTextContents();
          },
          { timeout: 15_000 },
        )
        .toEqual([expect.stringContaining('1 notification failed every retry.')]);
      const log = await rowsOf(page, '[data-testid=delivery-log]');
      expect(log, JSON.stringify(log)).toContainEqual([
        expect.any(String),
        'Notification',
        endpoint.url,
        'dead letter',
        '4',
        'HTTP 503',
      ]);
      await page.screenshot({ path: `${SHOTS}/notifications.png`, fullPage: true });
      endpoint.status = 200;
      await page.getByRole('button', { name: 'Replay all dead letters' }).click();
      await expectText(page, '.notice', '1 dead letter put back in the queue.');
      await expect.poll(() => notified().length, { timeout: 15_000 }).toBe(5);
      await page.reload();
      expect(await page.locator('[data-testid=dead-letters]').count()).toBe(0);

      // A contact list and a contact, seen by the API too.
      await page.getByRole('link', { name: 'Contact lists' }).click();
      await page.getByLabel('Name').fill('newsletter');
      await page.getByLabel('Description').fill('Monthly news');
      await page.getByRole('button', { name: 'Create contact list' }).click();
      await page.waitForURL(/\/console\/contact-lists\/newsletter$/);
      await page.getByLabel('Address').fill('reader@example.net');
      await page.getByRole('button', { name: 'Add contact' }).click();
      await expectText(page, '.notice', 'reader@example.net was added.');
      expect((await rowsOf(page, '[data-testid=contacts]')).map((r) => r.slice(0, 2))).toEqual([
        ['reader@example.net', 'no'],
      ]);
      const contacts = await first.client.send(new ListContactsCommand({ ContactListName: 'newsletter' }));
      expect(contacts.Contacts?.map((c) => c.EmailAddress)).toEqual(['reader@example.net']);
      await page.goto(`${sesame.url}/console/contact-lists`);
      expect(await rowsOf(page, '[data-testid=contact-lists]')).toEqual([['newsletter', 'Monthly news', '']]);
    } finally {
      await endpoint.stop();
    }
  }, 90_000);

  it('receives: rule sets made active, reordered and duplicated, an IP filter, the inbound log', async () => {
    const { page } = first;
    await page.getByRole('link', { name: 'Receiving' }).click();
    await page.getByLabel('Name').first().fill('inbox');
    await page.getByRole('button', { name: 'Create rule set' }).click();
    await expectText(page, '.notice', 'Rule set inbox was created.');
    // Rules come from the SES API; the console shows and orders them.
    for (const [name, recipient] of [
      ['support', 'support@console.test'],
      ['sales', 'sales@console.test'],
    ])
      await first.v1.send(
        new CreateReceiptRuleCommand({
          RuleSetName: 'inbox',
          Rule: {
            Name: name,
            Enabled: true,
            Recipients: [recipient!],
            Actions: [
              { AddHeaderAction: { HeaderName: 'X-Rule', HeaderValue: name } },
              { StopAction: { Scope: 'RuleSet' } },
            ],
          },
        }),
      );
    await page.getByRole('link', { name: 'inbox' }).click();
    expect((await rowsOf(page, '[data-testid=rules]')).map((r) => r.slice(0, 4))).toEqual([
      // (CreateReceiptRule without After puts the new rule first, as SES does.)
      ['1', 'sales', 'sales@console.test', 'Add header X-Rule: salesStop the rule set'],
      ['2', 'support', 'support@console.test', 'Add header X-Rule: supportStop the rule set'],
    ]);
    await page.locator('[data-testid=rules] tbody tr').first().getByRole('button', { name: 'Down' }).click();
    await expectText(page, '.notice', 'Rule sales moved.');
    expect((await rowsOf(page, '[data-testid=rules]')).map((r) => r[1])).toEqual(['support', 'sales']);
    const described = await first.v1.send(new DescribeReceiptRuleSetCommand({ RuleSetName: 'inbox' }));
    expect(described.Rules?.map((r) => r.Name)).toEqual(['support', 'sales']);
    await page.locator('[data-testid=rules] tbody tr').last().getByRole('button', { name: 'Up' }).click();
    await expect
      .poll(async () => (await rowsOf(page, '[data-testid=rules]')).map((r) => r[1]))
      .toEqual(['sales', 'support']);
    await page.screenshot({ path: `${SHOTS}/receipt-rules.png`, fullPage: true });

    await page.getByRole('link', { name: '← Receiving' }).click();
    const row = page.locator('[data-testid=rule-sets] tbody tr', { hasText: 'inbox' });
    await row.getByRole('button', { name: 'Make active' }).click();
    await expectText(page, '.notice', 'Rule set inbox is active.');
    await page
      .locator('[data-testid=rule-sets] tbody tr')
      .first()
      .getByRole('button', { name: 'Duplicate' })
      .click();
    await expectText(page, '.notice', 'Rule set inbox was duplicated as inbox-copy.');
    expect((await rowsOf(page, '[data-testid=rule-sets]')).map((r) => r.slice(0, 3))).toEqual([
      ['inbox', '2', 'active'],
      ['inbox-copy', '2', 'inactive'],
    ]);
    const sets = await first.v1.send(new ListReceiptRuleSetsCommand({}));
    expect(sets.RuleSets?.map((s) => s.Name).sort()).toEqual(['inbox', 'inbox-copy']);
    // An IP filter that blocks 127.0.0.2: mail from there is refused, and logged.
    await page.getByLabel('Name').last().fill('no-two');
    await page.getByLabel('Policy').selectOption('Block');
    await page.getByLabel('Address or CIDR').fill('127.0.0.2/32');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await expectText(page, '.notice', 'Filter no-two was added.');
    expect(await rowsOf(page, '[data-testid=filters]')).toEqual([
      ['no-two', 'Block', '127.0.0.2/32', 'Delete'],
    ]);
    await page.screenshot({ path: `${SHOTS}/receiving.png`, fullPage: true });

    const mx = (localAddress = '127.0.0.1') =>
      nodemailer.createTransport({ host: '127.0.0.1', port: sesame.smtp.mx, localAddress, ignoreTLS: true });
    const raw = (to: string) =>
      `From: someone@sender.test\r\nTo: ${to}\r\nSubject: inbound\r\n\r\nHello.\r\n`;
    const taken = await mx().sendMail({
      envelope: { from: 'someone@sender.test', to: ['support@console.test'] },
      raw: raw('support@console.test'),
    });
    expect(taken.response).toMatch(/^250 /);
    await expect(
      mx().sendMail({
        envelope: { from: 'someone@sender.test', to: ['nobody@console.test'] },
        raw: raw('x'),
      }),
    ).rejects.toThrow(/no receipt rule matches it/);
    await expect(
      mx('127.0.0.2').sendMail({
        envelope: { from: 'blocked@sender.test', to: ['support@console.test'] },
        raw: raw('x'),
      }),
    ).rejects.toThrow(/blocked/);
    await page.getByRole('link', { name: 'Inbound log' }).click();
    expect((await rowsOf(page, '[data-testid=received]')).map((r) => r.slice(1, 4))).toEqual([
      ['someone@sender.test', 'support@console.test', '127.0.0.1'],
    ]);
    const refused = (await rowsOf(page, '[data-testid=refused]')).map((r) => r.slice(1, 5));
    expect(refused).toContainEqual([
      'someone@sender.test',
      'nobody@console.test',
      '127.0.0.1',
      'no rule matched',
    ]);
    expect(refused).toContainEqual([
      'blocked@sender.test',
      'support@console.test',
      '127.0.0.2',
      'the client address is blocked by a receipt filter',
    ]);
    await page.screenshot({ path: `${SHOTS}/inbound-log.png`, fullPage: true });
  }, 90_000);

  it('sets an identity’s custom MAIL FROM and new DKIM keys, and resends an address’s verification', async () => {
    const { page } = first;
    await page.goto(`${sesame.url}/console/identities/console.test`);
    await page.getByLabel('Subdomain').fill('bounce.console.test');
    await page.getByLabel('If its MX is missing').selectOption('REJECT_MESSAGE');
    await page.getByRole('button', { name: 'Set MAIL FROM domain' }).click();
    await expectText(
      page,
      '.notice',
      'MAIL FROM domain bounce.console.test set: publish its MX and SPF records.',
    );
    expect((await page.locator('[data-testid=mail-from]').innerText()).replace(/\s+/g, ' ')).toBe(
      'bounce.console.test: PENDING; if its MX is missing: refuse the send',
    );
    const records = (await rowsOf(page, 'table.records')).map((r) => `${r[0]} ${r[1]}`);
    expect(records).toContain('bounce.console.test MX');
    let identity = await first.client.send(new GetEmailIdentityCommand({ EmailIdentity: 'console.test' }));
    expect(identity.MailFromAttributes).toMatchObject({
      MailFromDomain: 'bounce.console.test',
      BehaviorOnMxFailure: 'REJECT_MESSAGE',
    });
    const before = identity.DkimAttributes?.Tokens;
    await page.locator('summary', { hasText: 'Change the DKIM keys' }).click();
    await page.locator('select[name=nextKeyLength]').selectOption('RSA_1024_BIT');
    await page.getByRole('button', { name: 'Rotate to new Easy DKIM keys' }).click();
    await expectText(page, '.notice', 'New Easy DKIM keys: publish the records below.');
    identity = await first.client.send(new GetEmailIdentityCommand({ EmailIdentity: 'console.test' }));
    expect(identity.DkimAttributes?.NextSigningKeyLength).toBe('RSA_1024_BIT');
    await expectText(page, '[data-testid=dkim]', /next key: RSA_1024_BIT|RSA_1024_BIT/);
    expect(before).toHaveLength(3);
    await page.getByRole('button', { name: 'Stop using it' }).click();
    await expectText(page, '.notice', 'The default MAIL FROM domain is used again.');
    identity = await first.client.send(new GetEmailIdentityCommand({ EmailIdentity: 'console.test' }));
    expect(identity.MailFromAttributes?.MailFromDomain).toBeUndefined();

    await page.getByRole('link', { name: 'Identities', exact: true }).click();
    await page.getByLabel('Domain or email address').fill('someone@elsewhere.test');
    await page.getByRole('button', { name: 'Create identity' }).click();
    await page.waitForURL(/\/console\/identities\/someone%40elsewhere\.test$/);
    await expectText(
      page,
      '[data-testid=verification-sent]',
      'A verification email was sent to someone@elsewhere.test',
    );
    await page.getByRole('button', { name: 'Resend verification email' }).click();
    await expectText(page, '.notice', 'A new verification email was sent to someone@elsewhere.test.');
  }, 60_000);

  it('shows reputation with its review and pause thresholds', async () => {
    const { page } = first;
    await page.getByRole('link', { name: 'Reputation' }).click();
    await expectText(page, '[data-testid=bounce-rate]', /^\d+\.\d\d %$/);
    const said = (await page.locator('.cards').innerText()).replace(/\s+/g, ' ');
    expect(said).toContain('review at 5.0 %, sending paused at 10.0 %');
    expect(said).toContain('review at 0.10 %, sending paused at 0.50 %');
    await page.waitForSelector('#chart-bounce[data-drawn=true] canvas');
    const spec = await page
      .locator('script[data-chart=chart-bounce]')
      .evaluate((el) => JSON.parse(el.textContent ?? '') as { thresholds: { value: number }[] });
    expect(spec.thresholds.map((t) => t.value)).toEqual([0.05, 0.1]);
    await page.screenshot({ path: `${SHOTS}/reputation.png`, fullPage: true });
  }, 60_000);

  it('lets an admin add a console user, who gets a setup link', async () => {
    const { page } = first;
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Email').fill('member@first.test');
    await page.getByRole('button', { name: 'Add user' }).click();
    const link = (await page.locator('[data-testid=setup-link] pre').textContent())!;
    expect(link).toMatch(new RegExp(`^${sesame.url}/console/setup/`));
    expect(await rowsOf(page, '[data-testid=users]')).toContainEqual([
      'member@first.test',
      'member',
      'setup link not used yet',
    ]);
    const member = await (await browser.newContext()).newPage();
    await member.goto(link);
    expect(await member.locator('main').textContent()).toContain('member@first.test');
    await member.context().close();
  }, 60_000);

  it('gives the operator accounts, the queue with pause and resume, and settings with secrets hidden', async () => {
    const ops = await operator();
    await ops.getByRole('link', { name: 'Accounts' }).click();
    expect((await rowsOf(ops, '[data-testid=accounts]')).map((r) => r[0])).toContain(first.accountId);
    await ops.getByRole('link', { name: first.accountId }).click();
    await ops.getByLabel('24-hour quota').fill('1234');
    await ops.getByRole('button', { name: 'Save account' }).click();
    await expectText(ops, '.notice', 'Saved.');
    const quota = await first.client.send(new GetAccountCommand({}));
    expect(quota.SendQuota?.Max24HourSend).toBe(1234);

    // A destination that defers: why its mail waits is on the queue screen, with this node's row.
    const slow = await sinkFor(sesame, 'slow.test');
    slow.rcptReplies.set('late@slow.test', Array(50).fill('451 4.3.0 Try again later') as string[]);
    await first.client.send(
      new SendEmailCommand({
        FromEmailAddress: 'hello@console.test',
        Destination: { ToAddresses: ['late@slow.test'] },
        Content: { Simple: { Subject: { Data: 'late' }, Body: { Text: { Data: 'late' } } } },
      }),
    );
    await ops.getByRole('link', { name: 'Queue' }).click();
    await expect
      .poll(
        async () => {
          await ops.reload();
          return (await rowsOf(ops, '[data-testid=deferrals]')).map((r) => r.slice(0, 3));
        },
        { timeout: 15_000 },
      )
      .toContainEqual(['slow.test', 'smtp; 451 4.3.0 Try again later', '1']);
    expect(await rowsOf(ops, '[data-testid=nodes]')).toContainEqual([
      `${sesame.config.nodeId} (this node)`,
      'alive',
      expect.any(String),
      expect.any(String),
    ]);
    // The deferral slowed slow.test's provider down; the shaping table says so, and why.
    expect(await rowsOf(ops, '[data-testid=shaping]')).toContainEqual([
      sesame.config.nodeId,
      '(node address)',
      'slowco',
      expect.stringMatching(/^\d of unlimited$/),
      '1/min',
      'unlimited',
      'opportunistic',
      expect.stringMatching(/^rate 1\/min\s+until\s+\S+ \S+\s+after\s+smtp; 451 4\.3\.0 Try again later$/),
    ]);
    await expectText(ops, '[data-testid=delivery-state]', /running/);
    await ops.getByRole('button', { name: 'Pause delivery' }).click();
    await expectText(ops, '[data-testid=delivery-state]', /paused/);
    // Held while paused: a message to a destination that waits in the queue, shown per destination.
    await first.client.send(
      new SendEmailCommand({
        FromEmailAddress: 'hello@console.test',
        Destination: { ToAddresses: ['someone@held.test'] },
        Content: { Simple: { Subject: { Data: 'held' }, Body: { Text: { Data: 'held' } } } },
      }),
    );
    await ops.reload();
    expect(await rowsOf(ops, '[data-testid=queue]')).toContainEqual([
      'held.test',
      '1',
      '0',
      expect.any(String),
    ]);
    await ops.screenshot({ path: `${SHOTS}/operator-queue.png`, fullPage: true });
    await ops.getByRole('button', { name: 'Resume delivery' }).click();
    await expectText(ops, '[data-testid=delivery-state]', /running/);

    await ops.getByRole('link', { name: 'Settings' }).click();
    const settings = await rowsOf(ops, '[data-testid=settings]');
    expect(settings).toContainEqual(['SESAME_METRICS_TOKEN', '(set, hidden)']);
    expect(settings).toContainEqual(['SESAME_HOSTNAME', 'mx.sesame.test']);
    expect(await ops.locator('main').textContent()).not.toContain(METRICS_TOKEN);
    // An account user cannot open the operator's screens.
    expect((await first.page.goto(`${sesame.url}/console/operator/settings`))?.status()).toBe(403);
  }, 60_000);

  it('refuses a form without its CSRF token, and shows markup as text', async () => {
    const { page } = first;
    const forged = await page.request.post(`${sesame.url}/console/identities`, {
      form: { identity: 'forged.test' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    await page.goto(`${sesame.url}/console/identities`);
    expect(await page.locator('table.list').textContent()).not.toContain('forged.test');
    await page.getByLabel('Domain or email address').fill('<img src=x onerror="document.title=1">.test');
    await page.getByRole('button', { name: 'Create identity' }).click();
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('.error').textContent()).toContain('<img');
    expect(await page.title()).not.toBe('1');
    // A subject with markup: inert in the message page, its search row and its headers.
    await page.goto(`${sesame.url}/console/send-test`);
    await page.locator('input[name=subject]').fill('<img src=x onerror="document.title=2">Hi');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/console\/messages\//);
    expect(await page.locator('main img').count()).toBe(0);
    await expectText(page, 'h1', '<img src=x onerror="document.title=2">Hi');
    expect(await rowsOf(page, '[data-testid=headers]')).toContainEqual([
      'Subject',
      '<img src=x onerror="document.title=2">Hi',
    ]);
    await page.goto(`${sesame.url}/console/messages`);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.title()).not.toBe('2');
  }, 60_000);

  it('shows a second account nothing of the first', async () => {
    const second = await newUser('admin@second.test');
    expect((await second.page.goto(firstMessageUrl))?.status()).toBe(404);
    await second.page.goto(`${sesame.url}/console/identities`);
    expect(await second.page.locator('main').textContent()).not.toContain('console.test');
    const res = await second.page.goto(`${sesame.url}/console/identities/console.test`);
    expect(res?.status()).toBe(404);
    await second.page.goto(`${sesame.url}/console/smtp-credentials`);
    expect(await second.page.locator('table.list tbody tr').count()).toBe(1);
    // Its production-access request, denied by the operator with a note the account sees.
    await second.page.goto(`${sesame.url}/console/production-access`);
    await second.page.getByLabel('Website URL').fill('https://second.test');
    await second.page.getByLabel('Use case').fill('Newsletters.');
    await second.page.getByRole('button', { name: 'Submit request' }).click();
    const ops = await operator();
    await ops.goto(`${sesame.url}/console/operator/requests`);
    const request = ops.locator(`[data-testid=request-${second.accountId}]`);
    await request.getByLabel('Note to the account').fill('Tell us how addresses are collected.');
    await request.getByRole('button', { name: 'Deny' }).click();
    await expectText(ops, '.notice', `Account ${second.accountId}: production access denied.`);
    await second.page.goto(`${sesame.url}/console`);
    await expectText(
      second.page,
      '[data-testid=review]',
      'Your last request was denied: Tell us how addresses are collected.',
    );
    await expectText(second.page, '[data-testid=access]', 'Sandbox');
  }, 60_000);

  it('signs out, and a wrong password is refused', async () => {
    const { page } = first;
    await page.goto(`${sesame.url}/console`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${sesame.url}/console/login`);
    await page.goto(`${sesame.url}/console`);
    expect(page.url()).toBe(`${sesame.url}/console/login`);
    await page.getByLabel('Email').fill('admin@first.test');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page, '.error', 'The email address or password is not right.');
  }, 60_000);
});

describe.skipIf(!existsSync(CHROMIUM))('development mode: the inbox is a console page', () => {
  let dev: TestSesame;
  let devBrowser: Browser;
  beforeAll(async () => {
    dev = await startSesame({ dev: true, smtpPort: 0, smtpsPort: 0 });
    devBrowser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  }, 60_000);
  afterAll(async () => {
    await devBrowser?.close();
    await dev?.close();
  });

  it('signs in with the announced user, shows this account’s captured mail live, with every view', async () => {
    const account = dev.platform.core.development.credentials()!;
    const page = await (await devBrowser.newContext({ acceptDownloads: true })).newPage();
    await page.goto(`${dev.url}/console/login`);
    await page.getByLabel('Email').fill(account.console.email);
    await page.getByLabel('Password').fill(account.console.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${dev.url}/console`);
    await page.getByRole('link', { name: 'Inbox' }).click();
    expect(await page.locator('[data-testid=captured-count]').innerText()).toBe('0 messages');

    // Another account's mail is captured too, but is not this account's to see.
    const other = await dev.createAccount({ production: true });
    await other.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'other.test' }));
    const theirs = await other.v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'them@other.test',
        Destination: { ToAddresses: ['someone@dest.test'] },
        Content: { Simple: { Subject: { Data: 'Not yours' }, Body: { Text: { Data: 'x' } } } },
      }),
    );
    const ses = dev.v2Client(account);
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'app.test' }));
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'hello@app.test',
        Destination: { ToAddresses: ['alice@dest.test'] },
        Content: {
          Simple: {
            Subject: { Data: 'Your invoice' },
            Body: { Text: { Data: 'See attached.' }, Html: { Data: '<h1>Invoice</h1><p>See attached.</p>' } },
            Attachments: [
              {
                FileName: 'invoice.pdf',
                RawContent: Buffer.from('%PDF-1.4 fake'),
                ContentType: 'application/pdf',
              },
            ],
          },
        },
      }),
    );
    // No reload: the list refreshes itself.
    await expect
      .poll(async () => (await rowsOf(page, '[data-testid=captured]')).map((r) => r.slice(1, 4)), {
        timeout: 15_000,
      })
      .toEqual([['hello@app.test', 'alice@dest.test', 'Your invoice']]);
    await page.screenshot({ path: `${SHOTS}/inbox.png`, fullPage: true });

    await page.getByRole('link', { name: 'Your invoice' }).click();
    await expectText(page, 'h1', 'Your invoice');
    await expect.poll(() => page.frameLocator('iframe.mail').locator('h1').textContent()).toBe('Invoice');
    await page.screenshot({ path: `${SHOTS}/inbox-message.png`, fullPage: true });
    await page.getByRole('link', { name: 'headers', exact: true }).click();
    expect((await rowsOf(page, 'table.headers')).map((r) => r[0])).toContain('DKIM-Signature');
    await page.getByRole('link', { name: 'text', exact: true }).click();
    await expectText(page, '[data-testid=view-text] pre', 'See attached.');
    await page.getByRole('link', { name: 'attachments (1)' }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'invoice.pdf' }).click();
    expect((await download).suggestedFilename()).toBe('invoice.pdf');
    await page.getByRole('link', { name: 'raw', exact: true }).click();
    await expectText(page, '[data-testid=view-raw] pre', `Subject: Your invoice`);
    await page.getByRole('link', { name: 'preflight', exact: true }).click();
    await expectText(page, '[data-testid=view-preflight] .verdict', /Preflight: (pass|warn|fail)/);
    // The inbox page links the message's own page, where its events are.
    await page.getByRole('link', { name: 'Message page' }).click();
    expect(page.url()).toBe(`${dev.url}/console/messages/${encodeURIComponent(sent.MessageId!)}`);

    // The other account's copy: not listed, and not there by its id either.
    const [their] = (await dev.platform.core.captured.list({ messageId: theirs.MessageId! })).messages;
    expect((await page.goto(`${dev.url}/console/inbox/${their!.id}`))?.status()).toBe(404);
    expect((await page.goto(`${dev.url}/console/inbox/${their!.id}/raw`))?.status()).toBe(404);
    await page.goto(`${dev.url}/console/inbox`);
    expect(await page.locator('main').textContent()).not.toContain('Not yours');
  }, 90_000);
});

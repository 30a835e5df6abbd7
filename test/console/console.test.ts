/**
 * The web console in a real browser: Debian's Chromium driven by playwright-core, launched so that it reaches
 * nothing but loopback. The first-day walk as a new user does it (so far as the console's screens exist):
 * the operator's CLI creates the account and a console user → setup link → sign in → add a domain → the DNS
 * records shown are published in the loopback DNS server → "Check DNS now" turns it verified → SMTP
 * credentials → a message sent through the SMTP port with them. Then CSRF, inert markup, a second account that
 * sees nothing of the first, sign-out. Screenshots go to test-results/console/.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSesame, type TestSesame } from '../support/sesame.ts';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-results/console';
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
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')),
    );

/** An account and its first console user, made with the operator CLI; signs the user in on a fresh page. */
async function newUser(email: string): Promise<{ accountId: string; page: Page }> {
  const account = JSON.parse(await cli('account', 'create', '--name', email)) as { accountId: string };
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
  return { accountId: account.accountId, page };
}

describe.skipIf(!existsSync(CHROMIUM))('web console in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sesame = await startSesame({ smtpPort: 0, smtpsPort: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sesame?.close();
  });

  let first: { accountId: string; page: Page };
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
      expect(
        page.url(),
        (await page
          .locator('.error')
          .textContent()
          .catch(() => '')) ?? '',
      ).toMatch(/\/console\/messages\//);
      const address = `${scenario}@simulator.amazonses.com`;
      for (let i = 0; i < 50; i++) {
        if ((await rowsOf(page, '[data-testid=recipients]')).some((r) => r[0] === address && r[1] === status))
          break;
        await new Promise((r) => setTimeout(r, 200));
        await page.reload();
      }
      expect(await rowsOf(page, '[data-testid=recipients]')).toContainEqual([
        address,
        status,
        '1',
        expect.any(String),
      ]);
      expect((await rowsOf(page, '[data-testid=events]')).map((r) => r[1])).toEqual(['Send', event]);
      if (scenario === 'bounce') {
        await page.screenshot({ path: `${SHOTS}/message.png`, fullPage: true });
        firstMessageUrl = page.url();
      }
    }

    // Production access: the request, the operator's approval, the banner.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('link', { name: 'Request production access' }).click();
    await page.getByLabel('Website URL').fill('https://console.test');
    await page.getByLabel('Use case').fill('Receipts for our customers.');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.waitForURL(`${sesame.url}/console`);
    await expectText(page, '[data-testid=review]', 'Production access requested: under review.');
    await cli('production-requests', 'approve', first.accountId);
    // The CLI is another process: the node sees the change at its next configuration poll (0.5 s).
    for (
      let i = 0;
      i < 20 && (await page.locator('[data-testid=access]').textContent()) !== 'Production';
      i++
    ) {
      await new Promise((r) => setTimeout(r, 250));
      await page.reload();
    }
    await expectText(page, '[data-testid=access]', 'Production');
    await expectText(page, '[data-testid=quota]', '0 of 50,000');
  }, 120_000);

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

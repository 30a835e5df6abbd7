import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateEmailIdentityCommand,
  GetAccountCommand,
  GetDedicatedIpCommand,
  PutAccountDetailsCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { smtpPasswordV4 } from '../../src/core/accounts/smtp-password.ts';
import { eventually, publishRecords, startSesame, type TestSesame } from '../support/sesame.ts';
import { sesameCli as runSesameCli } from '../support/sesame-cli.ts';

/** Each test starts several CLI processes (about a second of CPU each); on a loaded two-core CI machine
 * beside the heavy fault tests, that has taken more than the default 30 s. */
const CLI_TEST_TIMEOUT = 90_000;
let sesame: TestSesame;

/** Runs the real `sesame` command against the test node's data directory and database. */
async function sesameCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return sesameCliWith({}, ...args);
}

const run = promisify(execFile);
const sesameCliWith = (extra: Record<string, string>, ...args: string[]) =>
  runSesameCli(sesame, extra, ...args);

beforeAll(async () => {
  sesame = await startSesame();
});
afterAll(() => sesame.close());

describe('sesame CLI', { timeout: CLI_TEST_TIMEOUT }, () => {
  let created: {
    accountId: string;
    accessKeyId: string;
    secretAccessKey: string;
    smtpUsername: string;
    smtpPassword: string;
    region: string;
    endpoint: string;
  };

  it('account create prints credentials that work against the running server', async () => {
    const r = await sesameCli('account', 'create', '--name', 'Team A');
    expect(r.code, r.stderr).toBe(0);
    created = JSON.parse(r.stdout);
    expect(Object.keys(created)).toEqual([
      'accountId',
      'accessKeyId',
      'secretAccessKey',
      'smtpUsername',
      'smtpPassword',
      'region',
      'endpoint',
    ]);
    expect(created.accountId).toMatch(/^[1-9]\d{11}$/);
    expect(created.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(created.secretAccessKey).toHaveLength(40);
    expect(created.smtpUsername).toBe(created.accessKeyId);
    expect(created.smtpPassword).toBe(smtpPasswordV4(created.secretAccessKey, 'us-east-1'));
    expect(created.region).toBe('us-east-1');
    expect(created.endpoint).toBe(sesame.url);
    expect(r.stderr).not.toContain(created.secretAccessKey);
    const client = new SESv2Client({
      endpoint: created.endpoint,
      region: created.region,
      credentials: created,
      maxAttempts: 1,
    });
    const account = await client.send(new GetAccountCommand({}));
    expect(account.SendQuota).toMatchObject({ Max24HourSend: 200, MaxSendRate: 1 });
  });

  it('account list and account update', async () => {
    const list = JSON.parse((await sesameCli('account', 'list')).stdout);
    expect(list.map((a: { accountId: string }) => a.accountId)).toContain(created.accountId);
    const r = await sesameCli(
      'account',
      'update',
      created.accountId,
      '--production',
      '--max-24h',
      '1000',
      '--max-rate',
      '5',
      '--sending',
      'off',
      '--enforcement',
      'probation',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      productionAccess: true,
      max24HourSend: 1000,
      maxSendRate: 5,
      sendingEnabled: false,
      enforcementStatus: 'PROBATION',
    });
    // The running server sees the change made by another process.
    const client = new SESv2Client({
      endpoint: sesame.url,
      region: 'us-east-1',
      credentials: created,
      maxAttempts: 1,
    });
    await eventually(async () => {
      const a = await client.send(new GetAccountCommand({}));
      return (
        a.SendQuota?.Max24HourSend === 1000 &&
        a.SendingEnabled === false &&
        a.EnforcementStatus === 'PROBATION'
      );
    });
    const back = await sesameCli(
      'account',
      'update',
      created.accountId,
      '--sandbox',
      '--sending',
      'on',
      '--enforcement',
      'HEALTHY',
    );
    expect(JSON.parse(back.stdout)).toMatchObject({
      productionAccess: false,
      max24HourSend: 200,
      maxSendRate: 1,
      sendingEnabled: true,
    });
    const rep = await sesameCli('account', 'reputation', created.accountId);
    expect(rep.code, rep.stderr).toBe(0);
    expect(JSON.parse(rep.stdout)).toMatchObject({
      accountId: created.accountId,
      enforcementStatus: 'HEALTHY',
      eligibleSends: 0,
      bounceRate: 0,
      thresholds: { bounceReview: 0.05, bouncePause: 0.1, complaintReview: 0.001, complaintPause: 0.005 },
    });
    // The resume was a fresh start: the window begins at it.
    expect(Date.parse(JSON.parse(rep.stdout).windowStart)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('key create, list and revoke; a revoked key stops working on the running server', async () => {
    const k = JSON.parse((await sesameCli('key', 'create', created.accountId)).stdout);
    expect(k.accountId).toBe(created.accountId);
    const keys = JSON.parse((await sesameCli('key', 'list', created.accountId)).stdout);
    expect(keys.map((x: { accessKeyId: string }) => x.accessKeyId)).toEqual([
      created.accessKeyId,
      k.accessKeyId,
    ]);
    expect(JSON.stringify(keys)).not.toContain(k.secretAccessKey);
    const client = new SESv2Client({
      endpoint: sesame.url,
      region: 'us-east-1',
      credentials: k,
      maxAttempts: 1,
    });
    await client.send(new GetAccountCommand({}));
    expect((await sesameCli('key', 'revoke', k.accessKeyId)).code).toBe(0);
    await eventually(async () => {
      try {
        await client.send(new GetAccountCommand({}));
        return false;
      } catch (err) {
        return (err as Error).name === 'UnrecognizedClientException';
      }
    });
  });

  it('key create --allow makes an IAM user key that may only do that; ips add, assign, list and remove', async () => {
    const r = await sesameCli(
      'key',
      'create',
      created.accountId,
      '--allow',
      'ses:SendRawEmail',
      '--user',
      'smtp-app',
    );
    expect(r.code, r.stderr).toBe(0);
    const k = JSON.parse(r.stdout);
    expect(k.userArn).toBe(`arn:aws:iam::${created.accountId}:user/smtp-app`);
    expect(k.permissions).toEqual({ actions: ['ses:SendRawEmail'], identities: null });
    const limited = new SESv2Client({
      endpoint: sesame.url,
      region: 'us-east-1',
      credentials: k,
      maxAttempts: 1,
    });
    const denied = await limited.send(new GetAccountCommand({})).catch((e: Error) => e);
    expect((denied as Error).name).toBe('AccessDeniedException');
    const bad = await sesameCli('key', 'create', created.accountId, '--identity', 'x.test');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--identity limits a key given --allow/);

    const added = await sesameCli(
      'ips',
      'add',
      '127.0.0.201',
      '--ehlo',
      'mta201.cli.test',
      '--account',
      created.accountId,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toEqual({
      ip: '127.0.0.201',
      node: '(any)',
      ehlo: 'mta201.cli.test',
      accountId: created.accountId,
      pool: 'ses-default-dedicated-pool',
    });
    const owner = new SESv2Client({
      endpoint: sesame.url,
      region: 'us-east-1',
      credentials: created,
      maxAttempts: 1,
    });
    await eventually(async () => {
      const ip = (await owner.send(new GetDedicatedIpCommand({ Ip: '127.0.0.201' }))).DedicatedIp;
      return ip?.WarmupStatus === 'IN_PROGRESS';
    });
    const list = JSON.parse((await sesameCli('ips', 'list')).stdout) as { ip: string }[];
    expect(list.map((x) => x.ip)).toContain('127.0.0.201');
    expect((await sesameCli('ips', 'assign', '127.0.0.201', '--none')).code).toBe(0);
    expect((await sesameCli('ips', 'remove', '127.0.0.201')).code).toBe(0);
    const gone = await sesameCli('ips', 'remove', '127.0.0.201');
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/Dedicated IP 127\.0\.0\.201 is not declared/);
  });

  it('production-requests list, approve and deny', async () => {
    const client = new SESv2Client({
      endpoint: sesame.url,
      region: 'us-east-1',
      credentials: created,
      maxAttempts: 1,
    });
    await client.send(
      new PutAccountDetailsCommand({
        MailType: 'MARKETING',
        WebsiteURL: 'https://news.example',
        UseCaseDescription: 'Newsletter',
        ProductionAccessEnabled: true,
      }),
    );
    const pending = JSON.parse((await sesameCli('production-requests', 'list')).stdout);
    expect(pending).toContainEqual(
      expect.objectContaining({
        accountId: created.accountId,
        mailType: 'MARKETING',
        websiteUrl: 'https://news.example',
      }),
    );
    expect(
      JSON.parse((await sesameCli('production-requests', 'approve', created.accountId)).stdout)
        .productionAccess,
    ).toBe(true);
    await eventually(
      async () => (await client.send(new GetAccountCommand({}))).Details?.ReviewDetails?.Status === 'GRANTED',
    );
    const again = await sesameCli('production-requests', 'deny', created.accountId);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      `sesame: Account ${created.accountId} has no pending production-access request.`,
    );
  });

  it('dns-records prints a zone-file fragment, and identity check re-verifies now', async () => {
    const client = new SESv2Client({
      endpoint: sesame.url,
      region: 'us-east-1',
      credentials: created,
      maxAttempts: 1,
    });
    const res = await client.send(new CreateEmailIdentityCommand({ EmailIdentity: 'cli.example' }));
    const zone = (await sesameCli('dns-records', 'cli.example')).stdout;
    for (const t of res.DkimAttributes!.Tokens!)
      expect(zone).toMatch(
        new RegExp(`^${t}\\._domainkey\\.cli\\.example\\.\\t3600\\tIN\\tTXT\\t"v=DKIM1; k=rsa; p=`, 'm'),
      );
    expect(zone).toContain('cli.example.\t3600\tIN\tTXT\t"v=spf1 a:mx.sesame.test ~all"');
    expect(zone).toContain('_dmarc.cli.example.\t3600\tIN\tTXT\t"v=DMARC1; p=none;"');
    await publishRecords(sesame, created.accountId, 'cli.example');
    const check = JSON.parse((await sesameCli('identity', 'check', 'cli.example')).stdout);
    expect(check).toMatchObject({
      identity: 'cli.example',
      accountId: created.accountId,
      verificationStatus: 'SUCCESS',
      dkimStatus: 'SUCCESS',
    });
  });

  it('errors are one clear line and a non-zero exit', async () => {
    const unknown = await sesameCli('account', 'update', '999999999999', '--production');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('sesame: Account 999999999999 does not exist.\n');
    const usage = await sesameCli('account', 'create');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('sesame: account create needs --name NAME\n');
    const noIdentity = await sesameCli('dns-records', 'nobody.example');
    expect(noIdentity.stderr).toBe('sesame: no account has the identity nobody.example\n');
    const badCommand = await sesameCli('frobnicate');
    expect(badCommand.code).toBe(2);
    expect(badCommand.stderr).toMatch(/^sesame: unknown command "frobnicate"/);
  });

  it('dns-records says in its output that a bare host name must be set (SPF and MX name it)', async () => {
    const client = new SESv2Client({
      endpoint: sesame.url,
      region: 'us-east-1',
      credentials: created,
      maxAttempts: 1,
    });
    await client.send(new CreateEmailIdentityCommand({ EmailIdentity: 'bare.example' }));
    const zone = (await sesameCliWith({ SESAME_HOSTNAME: 'vm' }, 'dns-records', 'bare.example')).stdout;
    expect(zone.split('\n')[0]).toBe(
      '; WARNING: This server\'s mail host name is "vm", not a fully qualified domain name: set SESAME_HOSTNAME to the public DNS name of this server (for example mail.example.com) before publishing the SPF and MX records below.',
    );
    // With a fully qualified name there is nothing to warn about.
    expect((await sesameCli('dns-records', 'bare.example')).stdout).not.toContain('WARNING');
  });

  it('a port that is taken stops start-up with one line naming the setting and the port', async () => {
    const env = {
      ...process.env,
      SESAME_DATA_DIR: sesame.config.dataDir,
      SESAME_DATABASE_URL: sesame.config.databaseUrl,
      SESAME_DATABASE_SCHEMA: sesame.config.databaseSchema,
      // The test node holds its HTTP port.
      SESAME_HTTP_PORT: String(sesame.config.httpPort),
      SESAME_SMTP_PORT: '0',
      SESAME_SMTPS_PORT: '0',
      SESAME_MX_PORT: '0',
      SESAME_DELIVERY_PAUSED: 'true',
    };
    const r = await run(process.execPath, ['bin/sesame.js', 'serve'], { env, timeout: 20_000 }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((r as { code: number }).code).toBe(1);
    expect((r as { stderr: string }).stderr).toBe(
      `sesame: cannot listen on 127.0.0.1:${sesame.config.httpPort} (SESAME_HTTP_PORT): the port is already in use (by another program, or another Sesame)\n`,
    );
  });

  it('an invalid setting stops start-up with a message naming it', async () => {
    const env = { ...process.env, SESAME_HTTP_PORT: 'eighty', SESAME_DATA_DIR: sesame.config.dataDir };
    const r = await run(process.execPath, ['bin/sesame.js', 'serve'], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((r as { code: number }).code).toBe(1);
    expect((r as { stderr: string }).stderr).toBe(
      'sesame: Invalid setting SESAME_HTTP_PORT (httpPort) from environment variable SESAME_HTTP_PORT: "eighty" must be an integer from 0 to 65535\n',
    );
  });
});

describe('sesame message show', { timeout: CLI_TEST_TIMEOUT }, () => {
  it("prints a message's recipients, attempts and events", async () => {
    const { SendEmailCommand } = await import('@aws-sdk/client-sesv2');
    const { verifiedDomain } = await import('../support/mail.ts');
    const a = await sesame.createAccount({ production: true });
    await verifiedDomain(sesame, a, 'show.test');
    const { MessageId } = await a.v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'x@show.test',
        Destination: { ToAddresses: ['success@simulator.amazonses.com', 'bounce@simulator.amazonses.com'] },
        Content: { Simple: { Subject: { Data: 'Shown' }, Body: { Text: { Data: 'x' } } } },
      }),
    );
    const shown = await eventually(async () => {
      const r = await sesameCli('message', 'show', MessageId!);
      const j = JSON.parse(r.stdout);
      return j.events.length >= 3 && j;
    });
    expect(shown).toMatchObject({
      messageId: MessageId,
      accountId: a.accountId,
      from: 'x@show.test',
      subject: 'Shown',
    });
    expect(shown.recipients).toEqual([
      expect.objectContaining({
        address: 'success@simulator.amazonses.com',
        status: 'delivered',
        attempts: 1,
      }),
      expect.objectContaining({ address: 'bounce@simulator.amazonses.com', status: 'bounced', attempts: 1 }),
    ]);
    expect(shown.events.map((e: { type: string }) => e.type).sort()).toEqual(['Bounce', 'Delivery', 'Send']);
    const unknown = await sesameCli('message', 'show', 'nope');
    expect(unknown.stderr).toBe('sesame: no message nope\n');
  });
});

describe('sesame suppression import and notifications', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('imports a CSV into an account suppression list, reporting bad rows, idempotently', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const a = await sesame.createAccount({ production: true });
    const file = path.join(sesame.dataDir, 'suppress.csv');
    fs.writeFileSync(
      file,
      'email,reason\none@import.test,BOUNCE\nTWO@import.test,complaint\nthree@import.test,maybe\n',
    );
    const r = await sesameCli('suppression', 'import', a.accountId, file);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      accountId: a.accountId,
      imported: 2,
      failed: [{ line: 4, error: 'reason must be BOUNCE or COMPLAINT, not "maybe"' }],
    });
    expect(r.stderr).toMatch(/importing: 100% \(3\/3\)/);
    expect(JSON.parse((await sesameCli('suppression', 'import', a.accountId, file)).stdout).imported).toBe(2);
    expect(await sesame.platform.store.suppression.get(a.accountId, 'two@import.test')).toMatchObject({
      reason: 'COMPLAINT',
    });
    expect(await sesame.platform.store.suppression.count(a.accountId)).toBe(2);
  });

  it('contacts import loads a CSV into a contact list with a progress bar, idempotently, keeping opt-outs', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const a = await sesame.createAccount({ production: true });
    await sesame.platform.core.contacts.createList(a.accountId, {
      name: 'members',
      topics: [
        { name: 'weekly', displayName: 'Weekly', description: null, defaultSubscriptionStatus: 'OPT_IN' },
        { name: 'offers', displayName: 'Offers', description: null, defaultSubscriptionStatus: 'OPT_OUT' },
      ],
    });
    const file = path.join(sesame.dataDir, 'contacts.csv');
    const rows = Array.from({ length: 1200 }, (_, i) => `m${i}@import.test,${i % 3 === 0 ? 'OPT_IN' : ''},,`);
    fs.writeFileSync(
      file,
      [
        'email,offers,unsubscribeAll,attributes',
        'ann@import.test,OPT_IN,false,"{""name"":""Ann, Jr."",""tier"":2}"',
        'not-an-address,,,',
        'bob@import.test,OPT_OUT,true,',
        ...rows,
      ].join('\n'),
    );
    const r = await sesameCli('contacts', 'import', 'members', file);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      accountId: a.accountId,
      contactList: 'members',
      imported: 1202,
      failed: [{ line: 3, error: 'Invalid email address not-an-address.' }],
    });
    expect(r.stderr).toMatch(/importing: 100% \(1203\/1203\)/);
    const ann = await sesame.platform.core.contacts.getContact(a.accountId, 'members', 'ann@import.test');
    expect(ann).toMatchObject({
      attributes: '{"name":"Ann, Jr.","tier":2}',
      unsubscribeAll: false,
      topicPreferences: [{ topicName: 'offers', subscriptionStatus: 'OPT_IN' }],
    });
    // Ann unsubscribes from offers after the import; re-running the same file keeps that opt-out.
    await sesame.platform.core.listManagement.unsubscribe(
      a.accountId,
      'members',
      'offers',
      'ann@import.test',
    );
    const again = await sesameCli('contacts', 'import', 'members', file, '--account', a.accountId);
    expect(JSON.parse(again.stdout).imported).toBe(1202);
    const page = await sesame.platform.store.contacts.contacts(a.accountId, 'members', { limit: 5000 });
    expect(page.items).toHaveLength(1202);
    expect(
      (await sesame.platform.core.contacts.getContact(a.accountId, 'members', 'ann@import.test'))
        .topicPreferences,
    ).toEqual([{ topicName: 'offers', subscriptionStatus: 'OPT_OUT' }]);
    expect(
      (await sesame.platform.core.contacts.getContact(a.accountId, 'members', 'bob@import.test'))
        .unsubscribeAll,
    ).toBe(true);
    // A column that is not a topic of the list is refused before anything is written.
    fs.writeFileSync(file, 'email,nope\nx@import.test,OPT_IN\n');
    const bad = await sesameCli('contacts', 'import', 'members', file);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/column "nope" is not a topic of contact list members/);
  });

  it('lists dead-lettered notifications and replays them', async () => {
    const list = JSON.parse((await sesameCli('notifications', 'dead-letters')).stdout);
    expect(Array.isArray(list)).toBe(true);
    expect(JSON.parse((await sesameCli('notifications', 'replay', '--all')).stdout)).toEqual({
      replayed: list.length,
    });
    const usage = await sesameCli('notifications', 'replay');
    expect(usage.stderr).toBe('sesame: notifications replay needs notification ids or --all\n');
  });
});

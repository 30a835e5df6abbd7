/**
 * Development mode end to end: the default account's well-known keys with the real SDK, identities verified at
 * once, every outbound message captured (never a DNS question for a destination, never a connection to it), the
 * rest of the pipeline as in production (simulator bounces, suppression, events), and the JSON API a test suite
 * asserts on: filters, parsed parts, .eml, attachments, delete, reset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateCustomVerificationEmailTemplateCommand,
  CreateEmailIdentityCommand,
  CreateEmailTemplateCommand,
  CreateConfigurationSetCommand,
  CreateContactListCommand,
  ListConfigurationSetsCommand,
  ListContactListsCommand,
  ListCustomVerificationEmailTemplatesCommand,
  ListEmailTemplatesCommand,
  SendCustomVerificationEmailCommand,
  GetAccountCommand,
  GetEmailIdentityCommand,
  PutSuppressedDestinationCommand,
  GetSuppressedDestinationCommand,
  ListEmailIdentitiesCommand,
  SendEmailCommand,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import nodemailer from 'nodemailer';
import { connect } from 'node:net';
import { DEVELOPMENT_ACCOUNT_ID } from '../../src/core/index.ts';
import { CAPTURED_REPLY } from '../../src/mta/delivery/deliverer.ts';
import { eventually, startSesame, type TestSesame } from '../support/sesame.ts';
import { sinkFor } from '../support/mail.ts';
import { boto3 } from '../support/aws-cli.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

const DEV_KEYS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

let sesame: TestSesame;
let ses: SESv2Client;
let sink: SmtpSink;

interface Summary {
  id: string;
  messageId: string;
  accountId: string;
  recipients: string[];
  from: string;
  subject: string;
  mailFrom: string;
}

interface Detail extends Summary {
  to: string[];
  headers: { name: string; value: string }[];
  text: string | null;
  html: string | null;
  attachments: { index: number; filename: string | null; contentType: string; size: number; url: string }[];
  recipientStatus: { address: string; status: string; lastResponse: string | null }[];
  events: { type: string; recipient: string | null }[];
}

async function api<T>(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${sesame.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

async function captured(query: string): Promise<Summary[]> {
  return (await api<{ messages: Summary[] }>(`/api/dev/messages?${query}`)).body.messages;
}

beforeAll(async () => {
  sesame = await startSesame({ dev: true });
  ses = sesame.v2Client({ ...DEV_KEYS });
  // A destination whose MX is a real loopback sink: development mode must never reach it (nor ask for it).
  sink = await sinkFor(sesame, 'dest.test');
});
afterAll(async () => {
  await sink?.stop();
  await sesame?.close();
});

describe('development mode', () => {
  it('has a production account with the well-known keys, and says it is in development mode', async () => {
    const account = await ses.send(new GetAccountCommand({}));
    expect(account.ProductionAccessEnabled).toBe(true);
    expect(account.SendQuota?.Max24HourSend).toBe(50_000);
    expect(account.Details?.UseCaseDescription).toContain('development mode');
    expect(account.Details?.WebsiteURL).toBe(`${sesame.config.publicUrl}/inbox`);
    const raw = await fetch(`${sesame.url}/api/dev/account`);
    expect(raw.headers.get('x-sesame-mode')).toBe('development');
    expect(await raw.json()).toMatchObject({
      developmentMode: true,
      accountId: DEVELOPMENT_ACCOUNT_ID,
      ...DEV_KEYS,
    });
  });

  it('verifies a domain and an address at once, and signs with the domain’s DKIM key', async () => {
    const domain = await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'app.test' }));
    expect(domain.VerifiedForSendingStatus).toBe(true);
    expect(domain.DkimAttributes?.Status).toBe('SUCCESS');
    const address = await ses.send(
      new CreateEmailIdentityCommand({ EmailIdentity: 'someone@elsewhere.test' }),
    );
    expect(address.VerifiedForSendingStatus).toBe(true);
    const got = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'someone@elsewhere.test' }));
    expect(got.VerificationStatus).toBe('SUCCESS');
    // No verification message was sent for the address: the inbox holds nothing for it.
    expect(await captured('to=someone@elsewhere.test')).toHaveLength(0);
  });

  it('captures what it would send — asserted on through the JSON API only — and never contacts the destination', async () => {
    const questionsBefore = sesame.dns.questions.length;
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'Team <hello@app.test>',
        Destination: { ToAddresses: ['alice@dest.test'], BccAddresses: ['audit@dest.test'] },
        Content: {
          Simple: {
            Subject: { Data: 'Your invoice ✓' },
            Body: { Text: { Data: 'See attached.' }, Html: { Data: '<p>See <b>attached</b>.</p>' } },
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
    const list = await eventually(async () => {
      const l = await captured(`messageId=${sent.MessageId}`);
      return l.length === 1 ? l : undefined;
    });
    const summary = list[0]!;
    expect(summary).toMatchObject({
      messageId: sent.MessageId,
      accountId: DEVELOPMENT_ACCOUNT_ID,
      subject: 'Your invoice ✓',
      from: 'Team <hello@app.test>',
    });
    expect(summary.recipients.sort()).toEqual(['alice@dest.test', 'audit@dest.test']);
    const { body: m } = await api<Detail>(`/api/dev/messages/${summary.id}`);
    expect(m.to).toEqual(['alice@dest.test']);
    expect(m.headers.some((h) => h.name === 'DKIM-Signature' && h.value.includes('d=app.test'))).toBe(true);
    expect(m.headers.some((h) => h.name.toLowerCase() === 'bcc')).toBe(false);
    expect(m.text?.trim()).toBe('See attached.');
    expect(m.html).toContain('<b>attached</b>');
    expect(m.attachments).toMatchObject([{ filename: 'invoice.pdf', contentType: 'application/pdf' }]);
    const attachment = await fetch(`${sesame.url}${m.attachments[0]!.url}`);
    expect(Buffer.from(await attachment.arrayBuffer()).toString()).toBe('%PDF-1.4 fake');
    // The pipeline ran: a Delivery event per recipient, with the capture's reply.
    await eventually(async () => {
      const d = (await api<Detail>(`/api/dev/messages/${summary.id}`)).body;
      return (
        d.recipientStatus.length === 2 &&
        d.recipientStatus.every((r) => r.status === 'delivered') &&
        d.events.some((e) => e.type === 'Delivery')
      );
    });
    const { body: again } = await api<Detail>(`/api/dev/messages/${summary.id}`);
    expect(again.recipientStatus[0]!.lastResponse).toBe(CAPTURED_REPLY);
    // .eml: the bytes as signed.
    const eml = await fetch(`${sesame.url}/api/dev/messages/${summary.id}/raw`);
    expect(eml.headers.get('content-type')).toContain('message/rfc822');
    expect(eml.headers.get('content-disposition')).toContain('.eml');
    expect((await eml.text()).startsWith('DKIM-Signature:')).toBe(true);
    // Nothing reached the sink, and nobody asked DNS where dest.test's mail goes.
    expect(sink.connections).toBe(0);
    expect(sesame.dns.questions.slice(questionsBefore).filter((q) => q.includes('dest.test'))).toEqual([]);
  });

  it('runs the mailbox simulator and feedback forwarding as in production', async () => {
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'hello@app.test',
        Destination: { ToAddresses: ['bounce@simulator.amazonses.com'] },
        Content: { Simple: { Subject: { Data: 'Bounce me' }, Body: { Text: { Data: 'x' } } } },
      }),
    );
    const [copy] = await eventually(async () => {
      const l = await captured(`messageId=${sent.MessageId}`);
      return l.length ? l : undefined;
    });
    const detail = await eventually(async () => {
      const d = (await api<Detail>(`/api/dev/messages/${copy!.id}`)).body;
      return d.events.some((e) => e.type === 'Bounce') ? d : undefined;
    });
    expect(detail.recipientStatus).toMatchObject([
      { address: 'bounce@simulator.amazonses.com', status: 'bounced' },
    ]);
    // SES forwards the bounce to the sender by email (feedback forwarding): that message is captured too.
    const [dsn] = await eventually(async () => {
      const l = await captured('to=hello@app.test&subject=Delivery Status Notification');
      return l.length ? l : undefined;
    });
    const forwarded = (await api<Detail>(`/api/dev/messages/${dsn!.id}`)).body;
    expect(forwarded.text).toContain('bounce@simulator.amazonses.com');
  });

  it('captures SMTP submissions with the development SMTP password', async () => {
    const account = (await api<{ smtpUsername: string; smtpPassword: string }>('/api/dev/account')).body;
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sesame.smtp.starttls,
      secure: false,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: account.smtpUsername, pass: account.smtpPassword },
    });
    // The greeting says so too.
    const greeting = await new Promise<string>((resolve, reject) => {
      const socket = connect(sesame.smtp.starttls, '127.0.0.1');
      socket.once('data', (d) => {
        resolve(d.toString());
        socket.end('QUIT\r\n');
      });
      socket.once('error', reject);
    });
    expect(greeting).toMatch(/^220 .*development mode: mail is captured, not delivered/);
    await transport.sendMail({
      from: 'hello@app.test',
      to: 'bob@dest.test',
      subject: 'Over SMTP',
      text: 'hi',
    });
    transport.close();
    const [copy] = await eventually(async () => {
      const l = await captured('subject=over smtp');
      return l.length ? l : undefined;
    });
    expect(copy!.recipients).toEqual(['bob@dest.test']);
    expect(sink.connections).toBe(0);
  });

  it('renders templates and sends custom verification emails, both captured', async () => {
    await ses.send(
      new CreateEmailTemplateCommand({
        TemplateName: 'welcome',
        TemplateContent: { Subject: 'Welcome, {{name}}', Text: 'Hello {{name}}' },
      }),
    );
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'hello@app.test',
        Destination: { ToAddresses: ['erin@dest.test'] },
        Content: { Template: { TemplateName: 'welcome', TemplateData: '{"name":"Erin"}' } },
      }),
    );
    const [welcome] = await eventually(async () => {
      const l = await captured(`messageId=${sent.MessageId}`);
      return l.length ? l : undefined;
    });
    expect(welcome!.subject).toBe('Welcome, Erin');
    await ses.send(
      new CreateCustomVerificationEmailTemplateCommand({
        TemplateName: 'verify',
        FromEmailAddress: 'hello@app.test',
        TemplateSubject: 'Confirm your address',
        TemplateContent: '<p>Click to confirm</p>',
        SuccessRedirectionURL: 'https://app.test/ok',
        FailureRedirectionURL: 'https://app.test/ko',
      }),
    );
    await ses.send(
      new SendCustomVerificationEmailCommand({ EmailAddress: 'frank@dest.test', TemplateName: 'verify' }),
    );
    const identity = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'frank@dest.test' }));
    expect(identity.VerificationStatus).toBe('SUCCESS');
    await eventually(
      async () => (await captured('to=frank@dest.test&subject=confirm your address')).length === 1,
    );
    // The well-known keys work from boto3 too (the pytest example of docs/local-development.md).
    const out = await boto3(
      sesame,
      DEV_KEYS,
      [
        'import sys, json, time, urllib.request, boto3',
        "ses = boto3.client('sesv2', endpoint_url=sys.argv[1], region_name='us-east-1')",
        "mid = ses.send_email(FromEmailAddress='hello@app.test', Destination={'ToAddresses': ['gina@dest.test']},",
        "    Content={'Simple': {'Subject': {'Data': 'From boto3'}, 'Body': {'Text': {'Data': 'hi'}}}})['MessageId']",
        'for _ in range(50):',
        "    found = json.load(urllib.request.urlopen(f'{sys.argv[1]}/api/dev/messages?messageId={mid}'))['messages']",
        '    if found: break',
        '    time.sleep(0.1)',
        "print(found[0]['subject'], found[0]['recipients'][0])",
      ].join('\n'),
    );
    expect(out.trim()).toBe('From boto3 gina@dest.test');
  });

  it('filters by recipient, sender, subject and time, newest first', async () => {
    expect((await captured('to=ALICE@dest')).map((m) => m.subject)).toEqual(['Your invoice ✓']);
    expect((await captured('from=hello@app.test&subject=bounce')).map((m) => m.subject)).toEqual([
      'Bounce me',
    ]);
    expect(
      await captured(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`),
    ).toEqual([]);
    const all = await captured('');
    const page = await api<{ messages: Summary[]; total: number; nextToken: string | null }>(
      '/api/dev/messages?limit=2',
    );
    expect(page.body.total).toBe(7);
    expect(page.body.messages).toHaveLength(2);
    const next = await api<{ messages: Summary[] }>(
      `/api/dev/messages?limit=2&before=${page.body.nextToken}`,
    );
    expect(next.body.messages.map((m) => m.id)).toEqual(all.slice(2, 4).map((m) => m.id));
    expect(all.map((m) => m.subject)).toEqual([
      'From boto3',
      'Confirm your address',
      'Welcome, Erin',
      'Over SMTP',
      'Delivery Status Notification (Failure)',
      'Bounce me',
      'Your invoice ✓',
    ]);
    expect(await captured('subject=%25')).toEqual([]);
    const bad = await api<{ code: string; message: string }>('/api/dev/messages?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('limit');
  });

  it('serves the inbox page and each view of a message', async () => {
    const [latest] = await captured('subject=invoice');
    const list = await fetch(`${sesame.url}/inbox`);
    expect(list.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await list.text();
    expect(html).toContain('Your invoice ✓');
    expect(html).toContain(`/inbox/${latest!.id}`);
    for (const view of ['html', 'text', 'headers', 'raw', 'attachments', 'events', 'preflight']) {
      const page = await fetch(`${sesame.url}/inbox/${latest!.id}?view=${view}`);
      expect(page.status, view).toBe(200);
      const text = await page.text();
      if (view === 'attachments') expect(text).toContain('invoice.pdf');
      if (view === 'headers') expect(text).toContain('DKIM-Signature');
      if (view === 'preflight') expect(text).toContain('dmarc');
    }
    const frame = await fetch(`${sesame.url}/api/dev/messages/${latest!.id}/html`);
    expect(frame.headers.get('content-security-policy')).toContain('sandbox');
    expect((await fetch(`${sesame.url}/inbox/nope`)).status).toBe(404);
  });

  it('streams captures as server-sent events', async () => {
    const controller = new AbortController();
    const res = await fetch(`${sesame.url}/api/dev/events`, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read(); // retry: line
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'hello@app.test',
        Destination: { ToAddresses: ['carol@dest.test'] },
        Content: { Simple: { Subject: { Data: 'Live' }, Body: { Text: { Data: 'x' } } } },
      }),
    );
    let text = '';
    while (!text.includes('event: captured')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"subject":"Live"');
    controller.abort();
  });

  it('deletes one, refuses cross-site deletes, deletes all', async () => {
    const [one] = await captured('subject=live');
    expect((await fetch(`${sesame.url}/api/dev/messages/${one!.id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await api<{ code: string }>(`/api/dev/messages/${one!.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('NotFoundException');
    const crossSite = await fetch(`${sesame.url}/api/dev/messages`, {
      method: 'DELETE',
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect((await captured('')).length).toBeGreaterThan(0);
    const all = await api<{ deleted: number }>('/api/dev/messages', { method: 'DELETE' });
    expect(all.body.deleted).toBeGreaterThan(0);
    expect(await captured('')).toEqual([]);
  });

  it('resets the development account between tests, keeping its keys', async () => {
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'hello@app.test',
        Destination: { ToAddresses: ['dave@dest.test'] },
        Content: { Simple: { Subject: { Data: 'Before reset' }, Body: { Text: { Data: 'x' } } } },
      }),
    );
    await eventually(async () => (await captured('subject=before reset')).length === 1);
    // A bounce before the reset: its forwarded notification (Sesame's own mail) goes with the reset too.
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'hello@app.test',
        Destination: { ToAddresses: ['bounce@simulator.amazonses.com'] },
        Content: { Simple: { Subject: { Data: 'Bounce before reset' }, Body: { Text: { Data: 'x' } } } },
      }),
    );
    await eventually(async () => (await captured('subject=Delivery Status Notification')).length === 1);
    await ses.send(new PutSuppressedDestinationCommand({ EmailAddress: 'gone@dest.test', Reason: 'BOUNCE' }));
    await ses.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'tracked' }));
    await ses.send(new CreateContactListCommand({ ContactListName: 'news' }));
    const reset = await api<{ reset: boolean }>('/api/dev/reset', { method: 'POST' });
    expect(reset.body.reset).toBe(true);
    expect((await ses.send(new ListEmailIdentitiesCommand({}))).EmailIdentities).toEqual([]);
    expect((await ses.send(new ListEmailTemplatesCommand({}))).TemplatesMetadata).toEqual([]);
    expect(
      (await ses.send(new ListCustomVerificationEmailTemplatesCommand({})))
        .CustomVerificationEmailTemplates ?? [],
    ).toEqual([]);
    expect((await ses.send(new ListConfigurationSetsCommand({}))).ConfigurationSets).toEqual([]);
    expect((await ses.send(new ListContactListsCommand({}))).ContactLists).toEqual([]);
    expect(await captured('')).toEqual([]);
    const account = await ses.send(new GetAccountCommand({}));
    expect(account.SendQuota?.SentLast24Hours).toBe(0);
    expect(account.ProductionAccessEnabled).toBe(true);
    await expect(
      ses.send(new GetSuppressedDestinationCommand({ EmailAddress: 'gone@dest.test' })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
    // Nothing verified any more: a send from app.test is refused as SES refuses it.
    await expect(
      ses.send(
        new SendEmailCommand({
          FromEmailAddress: 'hello@app.test',
          Destination: { ToAddresses: ['dave@dest.test'] },
          Content: { Simple: { Subject: { Data: 'After' }, Body: { Text: { Data: 'x' } } } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'MessageRejected' });
  });

  it('other accounts work as usual (sandbox), their mail captured too', async () => {
    const other = await sesame.createAccount();
    expect((await other.v2.send(new GetAccountCommand({}))).ProductionAccessEnabled).toBe(false);
    await other.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'other.test' }));
    await other.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'friend@dest.test' }));
    const sent = await other.v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'me@other.test',
        Destination: { ToAddresses: ['friend@dest.test'] },
        Content: { Simple: { Subject: { Data: 'Sandboxed' }, Body: { Text: { Data: 'x' } } } },
      }),
    );
    const [copy] = await eventually(async () => {
      const l = await captured(`messageId=${sent.MessageId}`);
      return l.length ? l : undefined;
    });
    expect(copy!.accountId).toBe(other.accountId);
    expect(sink.connections).toBe(0);
  });
});

describe('outside development mode', () => {
  it('refuses the development key, and the inbox says how to turn it on', async () => {
    const dataDir = sesame.dataDir;
    // The same database, served without --dev: the well-known key of the earlier run opens nothing.
    const prod = await startSesame({
      dataDir,
      databaseUrl: sesame.config.databaseUrl,
      databaseSchema: sesame.config.databaseSchema,
    });
    try {
      await expect(prod.v2Client({ ...DEV_KEYS }).send(new GetAccountCommand({}))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
      });
      const inbox = await fetch(`${prod.url}/api/dev/messages`);
      expect(inbox.status).toBe(404);
      expect(((await inbox.json()) as { message: string }).message).toContain('--dev');
      expect(inbox.headers.get('x-sesame-mode')).toBeNull();
    } finally {
      await prod.platform.close();
      await prod.dns.stop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import {
  AlreadyExistsException,
  BadRequestException,
  CreateEmailTemplateCommand,
  DeleteEmailTemplateCommand,
  GetEmailTemplateCommand,
  ListEmailTemplatesCommand,
  NotFoundException,
  SendBulkEmailCommand,
  SendEmailCommand,
  TestRenderEmailTemplateCommand,
  UpdateEmailTemplateCommand,
} from '@aws-sdk/client-sesv2';
import {
  CreateTemplateCommand,
  DeleteTemplateCommand,
  GetTemplateCommand,
  ListTemplatesCommand,
  SendBulkTemplatedEmailCommand,
  SendTemplatedEmailCommand,
  TestRenderTemplateCommand,
  UpdateTemplateCommand,
} from '@aws-sdk/client-ses';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { sinkFor, verifiedDomain } from '../support/mail.ts';
import { HttpReceiver } from '../support/http-receiver.ts';
import { eventedConfigurationSet, failure } from '../support/events.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let acct: TestAccount;
let sink: SmtpSink;
let receiver: HttpReceiver;

const WELCOME = {
  Subject: 'Welcome, {{contact.firstName}}!',
  Text: 'Hello {{contact.firstName}}, your interests: {{#each interests}}{{this}} {{/each}}',
  Html:
    '{{#* inline "fullName"}}{{contact.firstName}}{{#if contact.lastName}} {{contact.lastName}}{{/if}}{{/inline}}\n' +
    '<h1>Hi {{> fullName}}</h1><ul>{{#each items}}<li>{{name}}: {{{price}}}</li>{{/each}}</ul>' +
    '{{#unless vip}}<p>Upgrade!</p>{{/unless}}{{#with company}}<p>{{name}}</p>{{/with}}<div>{{snippet}}</div>',
};

const WELCOME_DATA = {
  contact: { firstName: 'Ada', lastName: 'Lovelace' },
  interests: ['maths', 'engines'],
  items: [
    { name: 'Pen', price: '$1' },
    { name: 'Ink', price: '$2' },
  ],
  company: { name: 'Analytical Engines' },
  snippet: '<b>bold & raw</b>',
};

beforeAll(async () => {
  sesame = await startSesame({ notificationRetries: 2 });
  acct = await sesame.createAccount({ production: true });
  await sesame.platform.core.accounts.update(acct.accountId, { maxSendRate: -1 });
  await verifiedDomain(sesame, acct, 'sender.test');
  sink = await sinkFor(sesame, 'dest.test');
  receiver = await new HttpReceiver().start();
  await eventedConfigurationSet(sesame, acct, receiver, 'tpl', [
    'SEND',
    'DELIVERY',
    'RENDERING_FAILURE',
    'SUBSCRIPTION',
    'BOUNCE',
  ]);
});
afterAll(async () => {
  await receiver.stop();
  await sesame.close();
});

describe('email templates (v2 and v1 over one core)', () => {
  it('CreateEmailTemplate, GetEmailTemplate, ListEmailTemplates (paged), UpdateEmailTemplate, DeleteEmailTemplate', async () => {
    await acct.v2.send(new CreateEmailTemplateCommand({ TemplateName: 'welcome', TemplateContent: WELCOME }));
    for (const n of ['a1', 'a2', 'a3'])
      await acct.v2.send(
        new CreateEmailTemplateCommand({ TemplateName: n, TemplateContent: { Subject: `S ${n}` } }),
      );
    const got = await acct.v2.send(new GetEmailTemplateCommand({ TemplateName: 'welcome' }));
    expect(got.TemplateName).toBe('welcome');
    expect(got.TemplateContent).toEqual(WELCOME);
    const page1 = await acct.v2.send(new ListEmailTemplatesCommand({ PageSize: 2 }));
    expect(page1.TemplatesMetadata?.map((t) => t.TemplateName)).toEqual(['a1', 'a2']);
    expect(page1.TemplatesMetadata?.[0]?.CreatedTimestamp).toBeInstanceOf(Date);
    const page2 = await acct.v2.send(
      new ListEmailTemplatesCommand({ PageSize: 2, NextToken: page1.NextToken }),
    );
    expect(page2.TemplatesMetadata?.map((t) => t.TemplateName)).toEqual(['a3', 'welcome']);
    expect(page2.NextToken).toBeUndefined();
    await acct.v2.send(
      new UpdateEmailTemplateCommand({ TemplateName: 'a1', TemplateContent: { Subject: 'new', Text: 'x' } }),
    );
    expect((await acct.v2.send(new GetEmailTemplateCommand({ TemplateName: 'a1' }))).TemplateContent).toEqual(
      {
        Subject: 'new',
        Text: 'x',
      },
    );
    await acct.v2.send(new DeleteEmailTemplateCommand({ TemplateName: 'a1' }));
    expect(await failure(acct.v2.send(new GetEmailTemplateCommand({ TemplateName: 'a1' })))).toBeInstanceOf(
      NotFoundException,
    );
  });

  it('refuses duplicates, invalid Handlebars, bad names and templates over the size limit', async () => {
    expect(
      await failure(
        acct.v2.send(new CreateEmailTemplateCommand({ TemplateName: 'welcome', TemplateContent: WELCOME })),
      ),
    ).toBeInstanceOf(AlreadyExistsException);
    const bad = await failure(
      acct.v2.send(
        new CreateEmailTemplateCommand({ TemplateName: 'broken', TemplateContent: { Subject: 'Hi {{name' } }),
      ),
    );
    expect(bad).toBeInstanceOf(BadRequestException);
    expect(bad.message).toMatch(/not valid.*Parse error/);
    expect(
      await failure(
        acct.v2.send(
          new CreateEmailTemplateCommand({ TemplateName: 'bad name!', TemplateContent: { Subject: 'x' } }),
        ),
      ),
    ).toBeInstanceOf(BadRequestException);
    const big = await failure(
      acct.v2.send(
        new CreateEmailTemplateCommand({
          TemplateName: 'big',
          TemplateContent: { Subject: 's', Html: 'x'.repeat(500 * 1024 + 1) },
        }),
      ),
    );
    expect(big.message).toMatch(/may be at most 512000 bytes/);
    // v1 names the same refusals with its own codes.
    expect(
      (
        await failure(
          acct.v1.send(
            new CreateTemplateCommand({ Template: { TemplateName: 'welcome', SubjectPart: 'x' } }),
          ),
        )
      ).name,
    ).toBe('AlreadyExistsException');
    expect(
      (
        await failure(
          acct.v1.send(
            new CreateTemplateCommand({ Template: { TemplateName: 'broken', SubjectPart: '{{#if}}' } }),
          ),
        )
      ).name,
    ).toBe('InvalidTemplateException');
  });

  it('v1 CreateTemplate / GetTemplate / ListTemplates / UpdateTemplate / DeleteTemplate see the same templates', async () => {
    await acct.v1.send(
      new CreateTemplateCommand({
        Template: { TemplateName: 'v1tpl', SubjectPart: 'Order {{id}}', HtmlPart: '<p>{{id}}</p>' },
      }),
    );
    expect((await acct.v1.send(new GetTemplateCommand({ TemplateName: 'welcome' }))).Template).toEqual({
      TemplateName: 'welcome',
      SubjectPart: WELCOME.Subject,
      TextPart: WELCOME.Text,
      HtmlPart: WELCOME.Html,
    });
    const names = (await acct.v1.send(new ListTemplatesCommand({ MaxItems: 100 }))).TemplatesMetadata?.map(
      (t) => t.Name,
    );
    expect(names).toEqual(['a2', 'a3', 'v1tpl', 'welcome']);
    await acct.v1.send(
      new UpdateTemplateCommand({ Template: { TemplateName: 'v1tpl', SubjectPart: 'Order #{{id}}' } }),
    );
    expect(
      (await acct.v2.send(new GetEmailTemplateCommand({ TemplateName: 'v1tpl' }))).TemplateContent,
    ).toEqual({
      Subject: 'Order #{{id}}',
    });
    await acct.v1.send(new DeleteTemplateCommand({ TemplateName: 'a2' }));
    await acct.v1.send(new DeleteTemplateCommand({ TemplateName: 'a2' }));
    expect((await failure(acct.v1.send(new GetTemplateCommand({ TemplateName: 'a2' })))).name).toBe(
      'TemplateDoesNotExistException',
    );
  });

  it('TestRenderEmailTemplate and TestRenderTemplate render MIME; missing attributes and bad JSON are errors', async () => {
    const v2 = await acct.v2.send(
      new TestRenderEmailTemplateCommand({
        TemplateName: 'welcome',
        TemplateData: JSON.stringify(WELCOME_DATA),
      }),
    );
    const parsed = await simpleParser(v2.RenderedTemplate!);
    expect(parsed.subject).toBe('Welcome, Ada!');
    expect(parsed.text?.trim()).toBe('Hello Ada, your interests: maths engines');
    expect(parsed.html).toBe(
      '<h1>Hi Ada Lovelace</h1><ul><li>Pen: $1</li><li>Ink: $2</li></ul><p>Upgrade!</p><p>Analytical Engines</p><div><b>bold & raw</b></div>',
    );
    const v1 = await acct.v1.send(
      new TestRenderTemplateCommand({ TemplateName: 'v1tpl', TemplateData: '{"id":"42"}' }),
    );
    expect(v1.RenderedTemplate).toMatch(/^Subject: Order #42\r?$/m);

    const missing = await failure(
      acct.v2.send(
        new TestRenderEmailTemplateCommand({ TemplateName: 'welcome', TemplateData: '{"interests":[]}' }),
      ),
    );
    expect(missing).toBeInstanceOf(BadRequestException);
    expect(missing.message).toBe("Attribute 'contact.firstName' is not present in the rendering data.");
    const v1Missing = await failure(
      acct.v1.send(new TestRenderTemplateCommand({ TemplateName: 'v1tpl', TemplateData: '{}' })),
    );
    expect(v1Missing.name).toBe('MissingRenderingAttributeException');
    expect(
      (
        await failure(
          acct.v1.send(new TestRenderTemplateCommand({ TemplateName: 'v1tpl', TemplateData: '{nope' })),
        )
      ).name,
    ).toBe('InvalidRenderingParameterException');
    expect(
      (
        await failure(
          acct.v1.send(new TestRenderTemplateCommand({ TemplateName: 'ghost', TemplateData: '{}' })),
        )
      ).name,
    ).toBe('TemplateDoesNotExistException');
    expect(
      await failure(
        acct.v2.send(new TestRenderEmailTemplateCommand({ TemplateName: 'ghost', TemplateData: '{}' })),
      ),
    ).toBeInstanceOf(NotFoundException);
  });
});

describe('templated sends', () => {
  it('v2 SendEmail with Content.Template renders at the sink: #each, an inline partial, HTML unescaped', async () => {
    const { MessageId } = await acct.v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'app@sender.test',
        Destination: { ToAddresses: ['ada@dest.test'] },
        Content: { Template: { TemplateName: 'welcome', TemplateData: JSON.stringify(WELCOME_DATA) } },
      }),
    );
    expect(MessageId).toMatch(/^[0-9a-f]{16}-/);
    const [msg] = await sink.waitForMatching(1, (m) => m.rcptTo.includes('ada@dest.test'));
    const got = await simpleParser(msg!.raw);
    expect(got.subject).toBe('Welcome, Ada!');
    expect(got.text?.trim()).toBe('Hello Ada, your interests: maths engines');
    expect(got.html).toBe(
      '<h1>Hi Ada Lovelace</h1><ul><li>Pen: $1</li><li>Ink: $2</li></ul><p>Upgrade!</p><p>Analytical Engines</p><div><b>bold & raw</b></div>',
    );
    expect(got.headers.get('message-id')).toContain(MessageId);
  });

  it('TemplateArn and inline TemplateContent work; an unknown template is NotFound at call time', async () => {
    await acct.v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'app@sender.test',
        Destination: { ToAddresses: ['arn@dest.test'] },
        Content: {
          Template: {
            TemplateArn: `arn:aws:ses:us-east-1:${acct.accountId}:template/v1tpl`,
            TemplateData: '{"id":"7"}',
          },
        },
      }),
    );
    await acct.v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'app@sender.test',
        Destination: { ToAddresses: ['inline@dest.test'] },
        Content: {
          Template: {
            TemplateContent: { Subject: 'Inline {{n}}', Text: 'n is {{n}}' },
            TemplateData: '{"n":3}',
          },
        },
      }),
    );
    const [arn] = await sink.waitForMatching(1, (m) => m.rcptTo.includes('arn@dest.test'));
    expect((await simpleParser(arn!.raw)).subject).toBe('Order #7');
    const [inline] = await sink.waitForMatching(1, (m) => m.rcptTo.includes('inline@dest.test'));
    const parsed = await simpleParser(inline!.raw);
    expect(parsed.subject).toBe('Inline 3');
    expect(parsed.text?.trim()).toBe('n is 3');

    const unknown = await failure(
      acct.v2.send(
        new SendEmailCommand({
          FromEmailAddress: 'app@sender.test',
          Destination: { ToAddresses: ['x@dest.test'] },
          Content: { Template: { TemplateName: 'ghost', TemplateData: '{}' } },
        }),
      ),
    );
    expect(unknown).toBeInstanceOf(NotFoundException);
    expect(unknown.message).toBe('Template ghost does not exist.');
    const v1Unknown = await failure(
      acct.v1.send(
        new SendTemplatedEmailCommand({
          Source: 'app@sender.test',
          Destination: { ToAddresses: ['x@dest.test'] },
          Template: 'ghost',
          TemplateData: '{}',
        }),
      ),
    );
    expect(v1Unknown.name).toBe('TemplateDoesNotExistException');
  });

  it('v1 SendTemplatedEmail renders the same template', async () => {
    const { MessageId } = await acct.v1.send(
      new SendTemplatedEmailCommand({
        Source: 'app@sender.test',
        Destination: { ToAddresses: ['v1@dest.test'] },
        Template: 'welcome',
        TemplateData: JSON.stringify({ ...WELCOME_DATA, contact: { firstName: 'Grace' }, vip: true }),
      }),
    );
    const [msg] = await sink.waitForMatching(1, (m) => m.rcptTo.includes('v1@dest.test'));
    const got = await simpleParser(msg!.raw);
    expect(got.subject).toBe('Welcome, Grace!');
    expect(got.html).toBe(
      '<h1>Hi Grace</h1><ul><li>Pen: $1</li><li>Ink: $2</li></ul><p>Analytical Engines</p><div><b>bold & raw</b></div>',
    );
    const details = await sesame.platform.core.sending.details(MessageId!);
    expect(details?.message.tags['ses:operation']).toEqual(['SendTemplatedEmail']);
  });

  it('the AWS CLI: aws ses send-templated-email and aws sesv2 send-email --content Template', async () => {
    const { execFile } = await import('node:child_process');
    const aws = (...args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(
          '/usr/bin/aws',
          [...args, '--endpoint-url', sesame.url, '--region', 'us-east-1', '--output', 'json'],
          {
            env: {
              PATH: '/usr/bin:/bin',
              HOME: sesame.dataDir,
              AWS_ACCESS_KEY_ID: acct.accessKeyId,
              AWS_SECRET_ACCESS_KEY: acct.secretAccessKey,
            },
          },
          (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
        ),
      );
    const v1 = JSON.parse(
      await aws(
        'ses',
        'send-templated-email',
        '--source',
        'app@sender.test',
        '--destination',
        'ToAddresses=cli@dest.test',
        '--template',
        'welcome',
        '--template-data',
        JSON.stringify(WELCOME_DATA),
      ),
    );
    expect(v1.MessageId).toMatch(/^[0-9a-f]{16}-/);
    const [msg] = await sink.waitForMatching(1, (m) => m.rcptTo.includes('cli@dest.test'));
    const got = await simpleParser(msg!.raw);
    expect(got.subject).toBe('Welcome, Ada!');
    expect(got.html).toContain('<li>Pen: $1</li><li>Ink: $2</li>');
    expect(got.html).toContain('<div><b>bold & raw</b></div>');
    const v2 = JSON.parse(
      await aws(
        'sesv2',
        'send-email',
        '--from-email-address',
        'app@sender.test',
        '--destination',
        'ToAddresses=cli2@dest.test',
        '--content',
        JSON.stringify({ Template: { TemplateName: 'v1tpl', TemplateData: '{"id":"cli"}' } }),
      ),
    );
    expect(v2.MessageId).toMatch(/^[0-9a-f]{16}-/);
    const [msg2] = await sink.waitForMatching(1, (m) => m.rcptTo.includes('cli2@dest.test'));
    expect((await simpleParser(msg2!.raw)).subject).toBe('Order #cli');
  });

  it('data that cannot be rendered: the call succeeds, nothing is delivered, a Rendering Failure event is published', async () => {
    const before = sink.messages.length;
    const { MessageId } = await acct.v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'app@sender.test',
        Destination: { ToAddresses: ['nodata@dest.test'] },
        ConfigurationSetName: 'tpl',
        Content: { Template: { TemplateName: 'welcome', TemplateData: '{"interests":[]}' } },
      }),
    );
    const { MessageId: badJson } = await acct.v1.send(
      new SendTemplatedEmailCommand({
        Source: 'app@sender.test',
        Destination: { ToAddresses: ['badjson@dest.test'] },
        ConfigurationSetName: 'tpl',
        Template: 'v1tpl',
        TemplateData: '{not json',
      }),
    );
    const failure = await eventually(async () =>
      receiver
        .notifications()
        .find((n) => n.mail?.messageId === MessageId && n.eventType === 'Rendering Failure'),
    );
    expect(failure.failure).toEqual({
      templateName: 'welcome',
      errorMessage: "Attribute 'contact.firstName' is not present in the rendering data.",
    });
    expect(failure.mail.destination).toEqual(['nodata@dest.test']);
    expect(failure.mail.tags['ses:configuration-set']).toEqual(['tpl']);
    const jsonFailure = await eventually(async () =>
      receiver
        .notifications()
        .find((n) => n.mail?.messageId === badJson && n.eventType === 'Rendering Failure'),
    );
    expect(jsonFailure.failure.errorMessage).toMatch(/^TemplateData is not valid JSON/);
    // A Send event came first (the call was accepted); no Delivery ever does, and the sink got nothing.
    expect(
      receiver.notifications().some((n) => n.mail?.messageId === MessageId && n.eventType === 'Send'),
    ).toBe(true);
    const details = await sesame.platform.core.sending.details(MessageId!);
    expect(details?.recipients.map((r) => r.status)).toEqual(['failed']);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.length).toBe(before);
    expect(sink.messages.some((m) => m.rcptTo.includes('nodata@dest.test'))).toBe(false);
  });
});

describe('bulk sending', () => {
  it('SendBulkEmail with 50 entries: 50 results, 50 personalised messages; an entry lacking data fails rendering', async () => {
    await acct.v2.send(
      new CreateEmailTemplateCommand({
        TemplateName: 'newsletter',
        TemplateContent: {
          Subject: 'Issue {{issue}} for {{name}}',
          Text: '{{greeting}} {{name}}, plan {{account.plan}} in {{account.region}}',
        },
      }),
    );
    const entries = Array.from({ length: 50 }, (_, i) => ({
      Destination: { ToAddresses: [`bulk${i}@dest.test`] },
      ReplacementEmailContent: {
        ReplacementTemplate: {
          // Entry 7 lacks "name": its message fails rendering, the others are delivered.
          ReplacementTemplateData: JSON.stringify(
            i === 7
              ? { account: { plan: 'pro' } }
              : { name: `Reader ${i}`, account: { plan: i % 2 ? 'pro' : 'free' } },
          ),
        },
      },
      ReplacementTags: [{ Name: 'entry', Value: String(i) }],
    }));
    const res = await acct.v2.send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'news@sender.test',
        ConfigurationSetName: 'tpl',
        DefaultContent: {
          Template: {
            TemplateName: 'newsletter',
            TemplateData: JSON.stringify({ issue: 12, greeting: 'Hello', account: { region: 'EU' } }),
          },
        },
        DefaultEmailTags: [{ Name: 'campaign', Value: 'nov' }],
        BulkEmailEntries: entries,
      }),
    );
    expect(res.BulkEmailEntryResults).toHaveLength(50);
    expect(
      res.BulkEmailEntryResults!.every((r) => r.Status === 'SUCCESS' && /^[0-9a-f]{16}-/.test(r.MessageId!)),
    ).toBe(true);
    const got = await sink.waitForMatching(49, (m) => m.rcptTo[0]!.startsWith('bulk'));
    const byRcpt = new Map(got.map((m) => [m.rcptTo[0]!, m]));
    expect(byRcpt.size).toBe(49);
    const three = await simpleParser(byRcpt.get('bulk3@dest.test')!.raw);
    expect(three.subject).toBe('Issue 12 for Reader 3');
    // Replacement data is deep-merged over the default: account.region from the default, plan from the entry.
    expect(three.text?.trim()).toBe('Hello Reader 3, plan pro in EU');
    expect((await simpleParser(byRcpt.get('bulk4@dest.test')!.raw)).text?.trim()).toBe(
      'Hello Reader 4, plan free in EU',
    );
    expect(byRcpt.has('bulk7@dest.test')).toBe(false);
    const failedId = res.BulkEmailEntryResults![7]!.MessageId;
    const failure = await eventually(async () =>
      receiver
        .notifications()
        .find((n) => n.mail?.messageId === failedId && n.eventType === 'Rendering Failure'),
    );
    expect(failure.failure).toEqual({
      templateName: 'newsletter',
      errorMessage: "Attribute 'name' is not present in the rendering data.",
    });
    expect(failure.mail.tags).toMatchObject({
      campaign: ['nov'],
      entry: ['7'],
      'ses:operation': ['SendBulkEmail'],
    });
  });

  it('per-entry refusals in the results, call-level refusals as errors', async () => {
    const sandboxed = await sesame.createAccount();
    await verifiedDomain(sesame, sandboxed, 'sandboxed.test');
    await sandboxed.v2.send(
      new CreateEmailTemplateCommand({ TemplateName: 't', TemplateContent: { Subject: 'Hi {{n}}' } }),
    );
    const res = await sandboxed.v2.send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'a@sandboxed.test',
        DefaultContent: { Template: { TemplateName: 't', TemplateData: '{"n":1}' } },
        BulkEmailEntries: [
          { Destination: { ToAddresses: ['success@simulator.amazonses.com'] } },
          { Destination: { ToAddresses: ['stranger@dest.test'] } },
        ],
      }),
    );
    expect(res.BulkEmailEntryResults?.[0]).toMatchObject({ Status: 'SUCCESS' });
    expect(res.BulkEmailEntryResults?.[1]).toEqual({
      Status: 'MESSAGE_REJECTED',
      Error:
        'Email address is not verified. The following identities failed the check in region US-EAST-1: stranger@dest.test',
    });
    const bulk = (over: Record<string, unknown>) =>
      new SendBulkEmailCommand({
        FromEmailAddress: 'a@sandboxed.test',
        DefaultContent: { Template: { TemplateName: 't', TemplateData: '{}' } },
        BulkEmailEntries: [{ Destination: { ToAddresses: ['success@simulator.amazonses.com'] } }],
        ...over,
      });
    expect(
      await failure(
        sandboxed.v2.send(
          bulk({ DefaultContent: { Template: { TemplateName: 'ghost', TemplateData: '{}' } } }),
        ),
      ),
    ).toBeInstanceOf(NotFoundException);
    expect((await failure(sandboxed.v2.send(bulk({ FromEmailAddress: 'x@unverified.test' })))).name).toBe(
      'MessageRejected',
    );
    const tooMany = await failure(
      sandboxed.v2.send(
        bulk({
          BulkEmailEntries: Array.from({ length: 51 }, () => ({
            Destination: { ToAddresses: ['success@simulator.amazonses.com'] },
          })),
        }),
      ),
    );
    expect(tooMany).toBeInstanceOf(BadRequestException);
    expect(tooMany.message).toMatch(/at most 50 entries/);
  });

  it('v1 SendBulkTemplatedEmail answers a Status per destination', async () => {
    const res = await acct.v1.send(
      new SendBulkTemplatedEmailCommand({
        Source: 'app@sender.test',
        Template: 'v1tpl',
        DefaultTemplateData: '{"id":"default"}',
        Destinations: [
          { Destination: { ToAddresses: ['v1bulk1@dest.test'] }, ReplacementTemplateData: '{"id":"one"}' },
          { Destination: { ToAddresses: ['v1bulk2@dest.test'] }, ReplacementTemplateData: '{}' },
          { Destination: { ToAddresses: ['not an address'] } },
        ],
      }),
    );
    expect(res.Status?.map((s) => s.Status)).toEqual(['Success', 'Success', 'MessageRejected']);
    const [one] = await sink.waitForMatching(1, (m) => m.rcptTo.includes('v1bulk1@dest.test'));
    expect((await simpleParser(one!.raw)).subject).toBe('Order #one');
    const [two] = await sink.waitForMatching(1, (m) => m.rcptTo.includes('v1bulk2@dest.test'));
    expect((await simpleParser(two!.raw)).subject).toBe('Order #default');
  });
});

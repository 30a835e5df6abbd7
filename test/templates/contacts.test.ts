import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import {
  AlreadyExistsException,
  BadRequestException,
  CreateContactCommand,
  CreateContactListCommand,
  CreateCustomVerificationEmailTemplateCommand,
  CreateEmailTemplateCommand,
  DeleteContactCommand,
  DeleteContactListCommand,
  DeleteCustomVerificationEmailTemplateCommand,
  DeleteEmailIdentityCommand,
  GetContactCommand,
  GetContactListCommand,
  GetCustomVerificationEmailTemplateCommand,
  GetEmailIdentityCommand,
  LimitExceededException,
  ListContactListsCommand,
  ListContactsCommand,
  ListCustomVerificationEmailTemplatesCommand,
  NotFoundException,
  SendCustomVerificationEmailCommand,
  SendEmailCommand,
  UpdateContactCommand,
  UpdateContactListCommand,
  UpdateCustomVerificationEmailTemplateCommand,
} from '@aws-sdk/client-sesv2';
import {
  CreateCustomVerificationEmailTemplateCommand as V1CreateCustomVerificationEmailTemplate,
  GetCustomVerificationEmailTemplateCommand as V1GetCustomVerificationEmailTemplate,
  SendCustomVerificationEmailCommand as V1SendCustomVerificationEmail,
} from '@aws-sdk/client-ses';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { dkimVerifiesWithMailauth, sinkFor, verifiedDomain } from '../support/mail.ts';
import { HttpReceiver } from '../support/http-receiver.ts';
import { eventedConfigurationSet, failure } from '../support/events.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let acct: TestAccount;
let sink: SmtpSink;
let receiver: HttpReceiver;

/** The URL of a message's List-Unsubscribe header (mailparser turns List-* headers into objects). */
const unsubscribeHeader = (parsed: {
  headerLines: readonly { key: string; line: string }[];
}): string | undefined =>
  /^List-Unsubscribe:\s*<(.+)>$/i.exec(
    parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '',
  )?.[1];
const unsubscribePost = (parsed: {
  headerLines: readonly { key: string; line: string }[];
}): string | undefined =>
  parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line.replace(/^[^:]+:\s*/, '');

/** A message's record once none of its recipients is still queued (the sink sees mail before it is recorded). */
const settled = (messageId: string) =>
  eventually(async () => {
    const d = await sesame.platform.core.sending.details(messageId);
    return d?.recipients.every((r) => r.status !== 'queued') && d;
  });

beforeAll(async () => {
  sesame = await startSesame({ notificationRetries: 2 });
  acct = await sesame.createAccount({ production: true });
  await sesame.platform.core.accounts.update(acct.accountId, { maxSendRate: -1 });
  await verifiedDomain(sesame, acct, 'news.test');
  sink = await sinkFor(sesame, 'readers.test');
  receiver = await new HttpReceiver().start();
  await eventedConfigurationSet(sesame, acct, receiver, 'lists', ['SEND', 'DELIVERY', 'SUBSCRIPTION']);
});
afterAll(async () => {
  await receiver.stop();
  await sesame.close();
});

describe('contact lists and contacts', () => {
  it('CreateContactList with topics, GetContactList, ListContactLists, UpdateContactList; one list per account', async () => {
    await acct.v2.send(
      new CreateContactListCommand({
        ContactListName: 'newsletter',
        Description: 'Our news',
        Topics: [
          { TopicName: 'weekly', DisplayName: 'Weekly digest', DefaultSubscriptionStatus: 'OPT_IN' },
          { TopicName: 'offers', DisplayName: 'Special offers', DefaultSubscriptionStatus: 'OPT_OUT' },
        ],
        Tags: [{ Key: 'team', Value: 'growth' }],
      }),
    );
    const list = await acct.v2.send(new GetContactListCommand({ ContactListName: 'newsletter' }));
    expect(list).toMatchObject({
      ContactListName: 'newsletter',
      Description: 'Our news',
      Topics: [
        { TopicName: 'weekly', DisplayName: 'Weekly digest', DefaultSubscriptionStatus: 'OPT_IN' },
        { TopicName: 'offers', DisplayName: 'Special offers', DefaultSubscriptionStatus: 'OPT_OUT' },
      ],
      Tags: [{ Key: 'team', Value: 'growth' }],
    });
    expect(list.CreatedTimestamp).toBeInstanceOf(Date);
    expect(
      (await acct.v2.send(new ListContactListsCommand({}))).ContactLists?.map((l) => l.ContactListName),
    ).toEqual(['newsletter']);
    expect(
      await failure(acct.v2.send(new CreateContactListCommand({ ContactListName: 'second' }))),
    ).toBeInstanceOf(LimitExceededException);
    expect(
      await failure(acct.v2.send(new CreateContactListCommand({ ContactListName: 'newsletter' }))),
    ).toBeInstanceOf(AlreadyExistsException);
    await acct.v2.send(
      new UpdateContactListCommand({
        ContactListName: 'newsletter',
        Description: 'Our news, updated',
        Topics: [
          { TopicName: 'weekly', DisplayName: 'Weekly digest', DefaultSubscriptionStatus: 'OPT_IN' },
          { TopicName: 'offers', DisplayName: 'Special offers', DefaultSubscriptionStatus: 'OPT_OUT' },
          { TopicName: 'events', DisplayName: 'Events', DefaultSubscriptionStatus: 'OPT_IN' },
        ],
      }),
    );
    const updated = await acct.v2.send(new GetContactListCommand({ ContactListName: 'newsletter' }));
    expect(updated.Description).toBe('Our news, updated');
    expect(updated.Topics?.map((t) => t.TopicName)).toEqual(['weekly', 'offers', 'events']);
    expect(
      await failure(acct.v2.send(new GetContactListCommand({ ContactListName: 'ghost' }))),
    ).toBeInstanceOf(NotFoundException);
  });

  it('CreateContact, GetContact, UpdateContact, ListContacts with its topic filter, DeleteContact', async () => {
    await acct.v2.send(
      new CreateContactCommand({
        ContactListName: 'newsletter',
        EmailAddress: 'ann@readers.test',
        TopicPreferences: [{ TopicName: 'offers', SubscriptionStatus: 'OPT_IN' }],
        AttributesData: '{"name":"Ann"}',
      }),
    );
    await acct.v2.send(
      new CreateContactCommand({ ContactListName: 'newsletter', EmailAddress: 'bob@readers.test' }),
    );
    await acct.v2.send(
      new CreateContactCommand({
        ContactListName: 'newsletter',
        EmailAddress: 'cat@readers.test',
        UnsubscribeAll: true,
      }),
    );
    expect(
      await failure(
        acct.v2.send(
          new CreateContactCommand({ ContactListName: 'newsletter', EmailAddress: 'BOB@readers.test' }),
        ),
      ),
    ).toBeInstanceOf(AlreadyExistsException);
    expect(
      await failure(
        acct.v2.send(
          new CreateContactCommand({
            ContactListName: 'newsletter',
            EmailAddress: 'dan@readers.test',
            TopicPreferences: [{ TopicName: 'nope', SubscriptionStatus: 'OPT_IN' }],
          }),
        ),
      ),
    ).toBeInstanceOf(BadRequestException);
    const ann = await acct.v2.send(
      new GetContactCommand({ ContactListName: 'newsletter', EmailAddress: 'ann@readers.test' }),
    );
    expect(ann).toMatchObject({
      ContactListName: 'newsletter',
      EmailAddress: 'ann@readers.test',
      TopicPreferences: [{ TopicName: 'offers', SubscriptionStatus: 'OPT_IN' }],
      TopicDefaultPreferences: [
        { TopicName: 'weekly', SubscriptionStatus: 'OPT_IN' },
        { TopicName: 'events', SubscriptionStatus: 'OPT_IN' },
      ],
      UnsubscribeAll: false,
      AttributesData: '{"name":"Ann"}',
    });
    const filtered = async (status: 'OPT_IN' | 'OPT_OUT', topic: string, useDefault: boolean) =>
      (
        await acct.v2.send(
          new ListContactsCommand({
            ContactListName: 'newsletter',
            Filter: {
              FilteredStatus: status,
              TopicFilter: { TopicName: topic, UseDefaultIfPreferenceUnavailable: useDefault },
            },
          }),
        )
      ).Contacts?.map((c) => c.EmailAddress);
    expect(await filtered('OPT_IN', 'offers', false)).toEqual(['ann@readers.test']);
    expect(await filtered('OPT_OUT', 'offers', true)).toEqual(['bob@readers.test', 'cat@readers.test']);
    expect(await filtered('OPT_OUT', 'offers', false)).toEqual([]);
    const all = await acct.v2.send(new ListContactsCommand({ ContactListName: 'newsletter', PageSize: 2 }));
    expect(all.Contacts?.map((c) => c.EmailAddress)).toEqual(['ann@readers.test', 'bob@readers.test']);
    const rest = await acct.v2.send(
      new ListContactsCommand({ ContactListName: 'newsletter', PageSize: 2, NextToken: all.NextToken }),
    );
    expect(rest.Contacts?.map((c) => c.EmailAddress)).toEqual(['cat@readers.test']);

    await acct.v2.send(
      new UpdateContactCommand({
        ContactListName: 'newsletter',
        EmailAddress: 'cat@readers.test',
        UnsubscribeAll: false,
        TopicPreferences: [{ TopicName: 'weekly', SubscriptionStatus: 'OPT_OUT' }],
      }),
    );
    const cat = await acct.v2.send(
      new GetContactCommand({ ContactListName: 'newsletter', EmailAddress: 'cat@readers.test' }),
    );
    expect(cat.UnsubscribeAll).toBe(false);
    expect(cat.TopicPreferences).toEqual([{ TopicName: 'weekly', SubscriptionStatus: 'OPT_OUT' }]);
    await acct.v2.send(
      new CreateContactCommand({ ContactListName: 'newsletter', EmailAddress: 'gone@readers.test' }),
    );
    await acct.v2.send(
      new DeleteContactCommand({ ContactListName: 'newsletter', EmailAddress: 'gone@readers.test' }),
    );
    expect(
      await failure(
        acct.v2.send(
          new GetContactCommand({ ContactListName: 'newsletter', EmailAddress: 'gone@readers.test' }),
        ),
      ),
    ).toBeInstanceOf(NotFoundException);
  });
});

describe('list-managed sends and one-click unsubscribe', () => {
  const send = (to: string[], topic = 'weekly') =>
    acct.v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'news@news.test',
        Destination: { ToAddresses: to },
        ConfigurationSetName: 'lists',
        ListManagementOptions: { ContactListName: 'newsletter', TopicName: topic },
        Content: {
          Simple: {
            Subject: { Data: 'Weekly' },
            Body: {
              Text: { Data: 'Read on. Unsubscribe: {{amazonSESUnsubscribeUrl}}' },
              Html: { Data: '<p>Read on.</p><a href="{{amazonSESUnsubscribeUrl}}">Unsubscribe</a>' },
            },
          },
        },
      }),
    );

  let annUrl: string;

  it('each copy carries its own List-Unsubscribe / List-Unsubscribe-Post headers and link, DKIM-signed', async () => {
    const { MessageId } = await send(['ann@readers.test', 'bob@readers.test']);
    const got = await sink.waitForMatching(2, (m) => m.raw.includes(MessageId!));
    const copies = await Promise.all(
      got.map(async (m) => ({ to: m.rcptTo, parsed: await simpleParser(m.raw), raw: m.raw })),
    );
    const urls = copies.map((c) => {
      const url = unsubscribeHeader(c.parsed);
      expect(url?.startsWith(`${sesame.url}/unsubscribe/`)).toBe(true);
      expect(unsubscribePost(c.parsed)).toBe('List-Unsubscribe=One-Click');
      expect(c.parsed.text?.trim()).toBe(`Read on. Unsubscribe: ${url}`);
      expect(c.parsed.html).toContain(`<a href="${url}">Unsubscribe</a>`);
      expect(c.to).toHaveLength(1);
      return url!;
    });
    expect(new Set(urls).size).toBe(2);
    for (const c of copies)
      expect(await dkimVerifiesWithMailauth(sesame, c.raw)).toEqual([
        { status: 'pass', domain: 'news.test' },
      ]);
    annUrl = urls[copies.findIndex((c) => c.to[0] === 'ann@readers.test')]!;
  });

  it('GET shows a confirmation page and changes nothing; a tampered link is refused', async () => {
    const page = await fetch(annUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    const ann = await acct.v2.send(
      new GetContactCommand({ ContactListName: 'newsletter', EmailAddress: 'ann@readers.test' }),
    );
    expect(ann.TopicPreferences).toEqual([{ TopicName: 'offers', SubscriptionStatus: 'OPT_IN' }]);
    const tampered = annUrl.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetch(tampered, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(404);
  });

  it('a one-click POST opts the contact out of the topic, publishes a Subscription event and stops later sends', async () => {
    const res = await fetch(annUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    const ann = await acct.v2.send(
      new GetContactCommand({ ContactListName: 'newsletter', EmailAddress: 'ann@readers.test' }),
    );
    expect(ann.TopicPreferences).toEqual([
      { TopicName: 'offers', SubscriptionStatus: 'OPT_IN' },
      { TopicName: 'weekly', SubscriptionStatus: 'OPT_OUT' },
    ]);
    const event = await eventually(async () =>
      receiver.notifications().find((n) => n.eventType === 'Subscription'),
    );
    expect(event.subscription).toMatchObject({
      contactList: 'newsletter',
      source: 'UnsubscribeHeader',
      oldTopicPreferences: {
        unsubscribeAll: false,
        topicSubscriptionStatus: [
          { topicName: 'weekly', subscriptionStatus: 'OptIn' },
          { topicName: 'offers', subscriptionStatus: 'OptIn' },
          { topicName: 'events', subscriptionStatus: 'OptIn' },
        ],
      },
      newTopicPreferences: {
        unsubscribeAll: false,
        topicSubscriptionStatus: [
          { topicName: 'weekly', subscriptionStatus: 'OptOut' },
          { topicName: 'offers', subscriptionStatus: 'OptIn' },
          { topicName: 'events', subscriptionStatus: 'OptIn' },
        ],
      },
    });
    expect(event.mail.destination).toEqual(['ann@readers.test', 'bob@readers.test']);

    // The next weekly send reaches Bob only; Ann still gets the topics she did not leave.
    const { MessageId } = await send(['ann@readers.test', 'bob@readers.test']);
    await sink.waitForMatching(1, (m) => m.raw.includes(MessageId!));
    // The sink has the message; its delivery is recorded right after.
    const details = await settled(MessageId!);
    expect(details.recipients.map((r) => [r.address, r.status])).toEqual([
      ['ann@readers.test', 'unsubscribed'],
      ['bob@readers.test', 'delivered'],
    ]);
    const { MessageId: events } = await send(['ann@readers.test'], 'events');
    const [toAnn] = await sink.waitForMatching(1, (m) => m.raw.includes(events!));
    expect(toAnn!.rcptTo).toEqual(['ann@readers.test']);
  });

  it('topic defaults apply to addresses without a preference; unknown lists and topics are refused', async () => {
    // "offers" defaults to OPT_OUT: Bob (no preference) is skipped, Ann (OPT_IN) gets it.
    const { MessageId } = await send(['ann@readers.test', 'bob@readers.test'], 'offers');
    await sink.waitForMatching(1, (m) => m.raw.includes(MessageId!));
    const details = await settled(MessageId!);
    expect(details.recipients.map((r) => r.status)).toEqual(['delivered', 'unsubscribed']);
    const unknownList = await failure(
      acct.v2.send(
        new SendEmailCommand({
          FromEmailAddress: 'news@news.test',
          Destination: { ToAddresses: ['ann@readers.test'] },
          ListManagementOptions: { ContactListName: 'ghost' },
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } },
        }),
      ),
    );
    expect(unknownList).toBeInstanceOf(NotFoundException);
    expect(await failure(send(['ann@readers.test'], 'nope'))).toBeInstanceOf(BadRequestException);
  });

  it('templated sends keep {{amazonSESUnsubscribeUrl}} for the per-recipient link; the page form unsubscribes from the list', async () => {
    await acct.v2.send(
      new CreateEmailTemplateCommand({
        TemplateName: 'digest',
        TemplateContent: {
          Subject: 'Digest for {{name}}',
          Text: 'Hi {{name}}. Leave: {{amazonSESUnsubscribeUrl}}',
        },
      }),
    );
    const { MessageId } = await acct.v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'news@news.test',
        Destination: { ToAddresses: ['eve@readers.test'] },
        ListManagementOptions: { ContactListName: 'newsletter' },
        Content: { Template: { TemplateName: 'digest', TemplateData: '{"name":"Eve"}' } },
      }),
    );
    const [msg] = await sink.waitForMatching(1, (m) => m.raw.includes(MessageId!));
    const parsed = await simpleParser(msg!.raw);
    const url = unsubscribeHeader(parsed)!;
    expect(parsed.text?.trim()).toBe(`Hi Eve. Leave: ${url}`);
    // No topic: the page's button unsubscribes Eve (not a contact yet) from the whole list.
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click&source=page',
    });
    expect(res.status).toBe(200);
    const eve = await acct.v2.send(
      new GetContactCommand({ ContactListName: 'newsletter', EmailAddress: 'eve@readers.test' }),
    );
    expect(eve.UnsubscribeAll).toBe(true);
  });
});

describe('custom verification emails', () => {
  const template = {
    TemplateName: 'welcome-verify',
    FromEmailAddress: 'hello@news.test',
    TemplateSubject: 'Please confirm your address',
    TemplateContent: '<html><body><h1>Welcome to News</h1><p>Click below to confirm.</p></body></html>',
    SuccessRedirectionURL: 'https://news.test/verified',
    FailureRedirectionURL: 'https://news.test/failed',
  };

  it('Create / Get / List / Update / Delete, in v2 and v1', async () => {
    await acct.v2.send(new CreateCustomVerificationEmailTemplateCommand(template));
    expect(
      await acct.v2.send(
        new GetCustomVerificationEmailTemplateCommand({ TemplateName: template.TemplateName }),
      ),
    ).toMatchObject(template);
    expect(
      await acct.v1.send(new V1GetCustomVerificationEmailTemplate({ TemplateName: template.TemplateName })),
    ).toMatchObject(template);
    await acct.v2.send(
      new CreateCustomVerificationEmailTemplateCommand({ ...template, TemplateName: 'other' }),
    );
    const listed = await acct.v2.send(new ListCustomVerificationEmailTemplatesCommand({}));
    expect(listed.CustomVerificationEmailTemplates?.map((t) => t.TemplateName)).toEqual([
      'other',
      'welcome-verify',
    ]);
    await acct.v2.send(
      new UpdateCustomVerificationEmailTemplateCommand({
        ...template,
        TemplateName: 'other',
        TemplateSubject: 'Changed',
      }),
    );
    expect(
      (await acct.v2.send(new GetCustomVerificationEmailTemplateCommand({ TemplateName: 'other' })))
        .TemplateSubject,
    ).toBe('Changed');
    await acct.v2.send(new DeleteCustomVerificationEmailTemplateCommand({ TemplateName: 'other' }));
    expect(
      await failure(acct.v2.send(new GetCustomVerificationEmailTemplateCommand({ TemplateName: 'other' }))),
    ).toBeInstanceOf(NotFoundException);
    expect(
      (await failure(acct.v1.send(new V1GetCustomVerificationEmailTemplate({ TemplateName: 'other' })))).name,
    ).toBe('CustomVerificationEmailTemplateDoesNotExistException');
    expect(
      await failure(
        acct.v2.send(
          new CreateCustomVerificationEmailTemplateCommand({ ...template, SuccessRedirectionURL: 'nope' }),
        ),
      ),
    ).toBeInstanceOf(BadRequestException);
  });

  it('SendCustomVerificationEmail mails the template with a link that verifies and redirects to the success URL', async () => {
    const { MessageId } = await acct.v2.send(
      new SendCustomVerificationEmailCommand({
        EmailAddress: 'newcomer@readers.test',
        TemplateName: template.TemplateName,
      }),
    );
    expect(MessageId).toMatch(/^[0-9a-f]{16}-/);
    const [msg] = await sink.waitForMatching(1, (m) => m.rcptTo.includes('newcomer@readers.test'));
    const parsed = await simpleParser(msg!.raw);
    expect(parsed.subject).toBe('Please confirm your address');
    expect(parsed.from?.text).toBe('hello@news.test');
    expect(parsed.html).toContain('<h1>Welcome to News</h1>');
    const link = /<a href="([^"]+)"/.exec(parsed.html as string)![1]!;
    expect(link).toMatch(
      new RegExp(`^${sesame.url}/verify-email/[^?]+\\?account=${acct.accountId}&template=welcome-verify$`),
    );
    expect(
      (await acct.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'newcomer@readers.test' })))
        .VerificationStatus,
    ).toBe('PENDING');
    const followed = await fetch(link, { redirect: 'manual' });
    expect(followed.status).toBe(302);
    expect(followed.headers.get('location')).toBe('https://news.test/verified');
    expect(
      (await acct.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'newcomer@readers.test' })))
        .VerificationStatus,
    ).toBe('SUCCESS');
    // Following it again: the link is used up, so the failure URL.
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.headers.get('location')).toBe('https://news.test/failed');
  });

  it('is refused in the sandbox, for unknown templates, and when the From address is not verified', async () => {
    const sandboxed = await sesame.createAccount();
    await verifiedDomain(sesame, sandboxed, 'sbx.test');
    await sandboxed.v2.send(
      new CreateCustomVerificationEmailTemplateCommand({ ...template, FromEmailAddress: 'a@sbx.test' }),
    );
    const refused = await failure(
      sandboxed.v2.send(
        new SendCustomVerificationEmailCommand({
          EmailAddress: 'x@readers.test',
          TemplateName: template.TemplateName,
        }),
      ),
    );
    expect(refused).toBeInstanceOf(BadRequestException);
    expect(refused.message).toMatch(/production access/);
    expect(
      (
        await failure(
          sandboxed.v1.send(
            new V1SendCustomVerificationEmail({
              EmailAddress: 'x@readers.test',
              TemplateName: template.TemplateName,
            }),
          ),
        )
      ).name,
    ).toBe('ProductionAccessNotGrantedException');
    expect(
      await failure(
        acct.v2.send(
          new SendCustomVerificationEmailCommand({ EmailAddress: 'x@readers.test', TemplateName: 'ghost' }),
        ),
      ),
    ).toBeInstanceOf(NotFoundException);
    // SES refuses the template at create time when its sender is not a verified identity (v2 and v1)…
    const created = await failure(
      acct.v2.send(
        new CreateCustomVerificationEmailTemplateCommand({
          ...template,
          TemplateName: 'unverified',
          FromEmailAddress: 'a@elsewhere.test',
        }),
      ),
    );
    expect(created).toBeInstanceOf(BadRequestException);
    expect(created.message).toMatch(/a@elsewhere\.test/);
    expect(
      (
        await failure(
          acct.v1.send(
            new V1CreateCustomVerificationEmailTemplate({
              ...template,
              TemplateName: 'unverified',
              FromEmailAddress: 'a@elsewhere.test',
            }),
          ),
        )
      ).name,
    ).toBe('FromEmailAddressNotVerifiedException');
    // … and at send time when the sender stopped being one since.
    await verifiedDomain(sesame, acct, 'gone.test');
    await acct.v2.send(
      new CreateCustomVerificationEmailTemplateCommand({
        ...template,
        TemplateName: 'sender-gone',
        FromEmailAddress: 'a@gone.test',
      }),
    );
    await acct.v2.send(new DeleteEmailIdentityCommand({ EmailIdentity: 'gone.test' }));
    const v1 = await failure(
      acct.v1.send(
        new V1SendCustomVerificationEmail({ EmailAddress: 'x@readers.test', TemplateName: 'sender-gone' }),
      ),
    );
    expect(v1.name).toBe('FromEmailAddressNotVerifiedException');
  });
});

describe('deleting a contact list', () => {
  it('removes its contacts; its unsubscribe links stop working', async () => {
    await acct.v2.send(new DeleteContactListCommand({ ContactListName: 'newsletter' }));
    expect(
      await failure(acct.v2.send(new GetContactListCommand({ ContactListName: 'newsletter' }))),
    ).toBeInstanceOf(NotFoundException);
    expect(
      await sesame.platform.store.contacts.getContact(acct.accountId, 'newsletter', 'ann@readers.test'),
    ).toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, createVerify } from 'node:crypto';
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import {
  CreateConfigurationSetCommand,
  CreateConfigurationSetEventDestinationCommand,
  DeleteSuppressedDestinationCommand,
  GetConfigurationSetCommand,
  GetConfigurationSetEventDestinationsCommand,
  GetSuppressedDestinationCommand,
  ListConfigurationSetsCommand,
  ListSuppressedDestinationsCommand,
  NotFoundException,
  PutConfigurationSetDeliveryOptionsCommand,
  PutConfigurationSetSendingOptionsCommand,
  PutSuppressedDestinationCommand,
  SendEmailCommand,
  SendingPausedException,
  BadRequestException,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import {
  DescribeConfigurationSetCommand,
  GetIdentityNotificationAttributesCommand,
  SetIdentityFeedbackForwardingEnabledCommand,
  SetIdentityHeadersInNotificationsEnabledCommand,
  SetIdentityNotificationTopicCommand,
  CreateConfigurationSetEventDestinationCommand as V1CreateDestination,
} from '@aws-sdk/client-ses';
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { dkimVerifiesWithMailauth, dsnReport, sinkFor, verifiedDomain } from '../support/mail.ts';
import { HttpReceiver } from '../support/http-receiver.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let acct: TestAccount;
let sns: SNSClient;
let sink: SmtpSink;
let receiver: HttpReceiver;
let topicArn: string;

beforeAll(async () => {
  sesame = await startSesame({ notificationRetries: 2 });
  acct = await sesame.createAccount({ production: true });
  await sesame.platform.core.accounts.update(acct.accountId, { maxSendRate: -1 });
  sns = new SNSClient({ endpoint: sesame.url, region: 'us-east-1', credentials: acct, maxAttempts: 1 });
  await verifiedDomain(sesame, acct, 'sender.test');
  sink = await sinkFor(sesame, 'dest.test');
  receiver = await new HttpReceiver().start();
});
afterAll(async () => {
  await receiver.stop();
  await sesame.close();
});

function simple(to: string[], extra: Partial<SendEmailCommandInput> = {}): SendEmailCommand {
  return new SendEmailCommand({
    FromEmailAddress: 'app@sender.test',
    Destination: { ToAddresses: to },
    Content: { Simple: { Subject: { Data: 'Events' }, Body: { Text: { Data: 'Body' } } } },
    ...extra,
  });
}

describe('SNS-compatible topics', () => {
  it('CreateTopic, Subscribe over HTTP, and the confirmation flow', async () => {
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'ses-events' }))).TopicArn!;
    expect(topicArn).toBe(`arn:aws:sns:us-east-1:${acct.accountId}:ses-events`);
    // CreateTopic is idempotent.
    expect((await sns.send(new CreateTopicCommand({ Name: 'ses-events' }))).TopicArn).toBe(topicArn);
    const sub = await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: receiver.url }),
    );
    expect(sub.SubscriptionArn).toBe('pending confirmation');
    const confirmation = await eventually(async () =>
      receiver.received.find((r) => r.body.Type === 'SubscriptionConfirmation'),
    );
    expect(confirmation.headers['x-amz-sns-message-type']).toBe('SubscriptionConfirmation');
    expect(confirmation.headers['x-amz-sns-topic-arn']).toBe(topicArn);
    // SignatureVersion 1 (SHA1withRSA) is SNS's default; a topic can ask for 2 (test/fidelity).
    expect(confirmation.body).toMatchObject({ TopicArn: topicArn, SignatureVersion: '1' });
    expect(confirmation.body.Token).toMatch(/^[0-9a-f]{128}$/);
    expect(confirmation.body.SubscribeURL).toBe(
      `${sesame.url}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${confirmation.body.Token}`,
    );
    // The receiver visited SubscribeURL: the subscription is confirmed.
    const subs = await eventually(async () => {
      const s = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
      return s.Subscriptions?.[0]?.SubscriptionArn !== 'PendingConfirmation' && s;
    });
    expect(subs.Subscriptions?.[0]).toMatchObject({
      Protocol: 'http',
      Endpoint: receiver.url,
      TopicArn: topicArn,
    });
    const attrs = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    expect(attrs.Attributes).toMatchObject({
      TopicArn: topicArn,
      SubscriptionsConfirmed: '1',
      SubscriptionsPending: '0',
    });
    expect((await sns.send(new ListTopicsCommand({}))).Topics).toEqual([{ TopicArn: topicArn }]);
    // ConfirmSubscription through the API with the token works too (and is idempotent).
    expect(
      (
        await sns.send(
          new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: confirmation.body.Token! }),
        )
      ).SubscriptionArn,
    ).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
  });

  it('protocols other than http(s) and email(-json), bad addresses and unknown topics are refused', async () => {
    await expect(
      sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sms', Endpoint: '+15555550100' })),
    ).rejects.toThrow(/not supported by Sesame/);
    await expect(
      sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'not-an-address' })),
    ).rejects.toThrow(/Invalid parameter: Email address/);
    await expect(
      sns.send(new GetTopicAttributesCommand({ TopicArn: `${topicArn}-nope` })),
    ).rejects.toBeInstanceOf((await import('@aws-sdk/client-sns')).NotFoundException);
  });
});

describe('configuration sets and event publishing', () => {
  it('creates a configuration set with an SNS event destination (v2), and reads it back in v1 and v2', async () => {
    await acct.v2.send(
      new CreateConfigurationSetCommand({
        ConfigurationSetName: 'tracked',
        Tags: [{ Key: 'team', Value: 'x' }],
      }),
    );
    await acct.v2.send(
      new CreateConfigurationSetEventDestinationCommand({
        ConfigurationSetName: 'tracked',
        EventDestinationName: 'to-sns',
        EventDestination: {
          Enabled: true,
          MatchingEventTypes: [
            'SEND',
            'DELIVERY',
            'BOUNCE',
            'COMPLAINT',
            'OPEN',
            'CLICK',
            'DELIVERY_DELAY',
            'REJECT',
          ],
          SnsDestination: { TopicArn: topicArn },
        },
      }),
    );
    const got = await acct.v2.send(new GetConfigurationSetCommand({ ConfigurationSetName: 'tracked' }));
    expect(got).toMatchObject({
      ConfigurationSetName: 'tracked',
      SendingOptions: { SendingEnabled: true },
      Tags: [{ Key: 'team', Value: 'x' }],
    });
    const destinations = await acct.v2.send(
      new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: 'tracked' }),
    );
    expect(destinations.EventDestinations?.[0]).toMatchObject({
      Name: 'to-sns',
      Enabled: true,
      SnsDestination: { TopicArn: topicArn },
    });
    const v1 = await acct.v1.send(
      new DescribeConfigurationSetCommand({
        ConfigurationSetName: 'tracked',
        ConfigurationSetAttributeNames: ['eventDestinations'],
      }),
    );
    expect(v1.EventDestinations?.[0]).toMatchObject({
      Name: 'to-sns',
      SNSDestination: { TopicARN: topicArn },
    });
    expect(v1.EventDestinations?.[0]?.MatchingEventTypes).toEqual(
      expect.arrayContaining(['send', 'delivery', 'bounce', 'open', 'click']),
    );
    expect((await acct.v2.send(new ListConfigurationSetsCommand({}))).ConfigurationSets).toEqual(['tracked']);
  });

  it('refuses other destination kinds, unknown topics and duplicate names with AWS-shaped errors', async () => {
    await expect(
      acct.v2.send(
        new CreateConfigurationSetEventDestinationCommand({
          ConfigurationSetName: 'tracked',
          EventDestinationName: 'eb',
          EventDestination: {
            MatchingEventTypes: ['SEND'],
            EventBridgeDestination: { EventBusArn: 'arn:aws:events:us-east-1:1:event-bus/default' },
          },
        }),
      ),
    ).rejects.toThrow(/EventBridge event destinations are not supported by Sesame/);
    await expect(
      acct.v1.send(
        new V1CreateDestination({
          ConfigurationSetName: 'tracked',
          EventDestination: {
            Name: 'bad',
            MatchingEventTypes: ['send'],
            SNSDestination: { TopicARN: `${topicArn}-missing` },
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidSNSDestinationException' });
    await expect(
      acct.v2.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'tracked' })),
    ).rejects.toThrow(/already exists/);
  });

  it('the subscriber receives Send, Delivery, Bounce and Complaint notifications in SES format, signed', async () => {
    const ok = await acct.v2.send(
      simple(['events@dest.test'], {
        ConfigurationSetName: 'tracked',
        EmailTags: [{ Name: 'campaign', Value: 'fall' }],
      }),
    );
    const bounce = await acct.v2.send(
      simple(['bounce@simulator.amazonses.com'], { ConfigurationSetName: 'tracked' }),
    );
    const complaint = await acct.v2.send(
      simple(['complaint@simulator.amazonses.com'], { ConfigurationSetName: 'tracked' }),
    );
    const find = (id: string, type: string) =>
      eventually(async () =>
        receiver.notifications().find((n) => n.mail?.messageId === id && n.eventType === type),
      );
    const send = await find(ok.MessageId!, 'Send');
    expect(send).toMatchObject({
      eventType: 'Send',
      send: {},
      mail: { messageId: ok.MessageId, source: 'app@sender.test', destination: ['events@dest.test'] },
    });
    expect(send.mail.tags).toMatchObject({
      'ses:configuration-set': ['tracked'],
      campaign: ['fall'],
      'ses:operation': ['SendEmail'],
    });
    const delivery = await find(ok.MessageId!, 'Delivery');
    expect(delivery.delivery).toMatchObject({
      recipients: ['events@dest.test'],
      reportingMTA: 'mx.sesame.test',
    });
    expect((await find(bounce.MessageId!, 'Bounce')).bounce).toMatchObject({
      bounceType: 'Permanent',
      bounceSubType: 'General',
    });
    expect((await find(complaint.MessageId!, 'Complaint')).complaint).toMatchObject({
      complaintFeedbackType: 'abuse',
    });

    // Every notification carries the SNS headers and a signature that verifies with Sesame's certificate.
    const n = receiver.received.find(
      (r) => r.body.Type === 'Notification' && r.body.Message?.startsWith('{"eventType"'),
    )!;
    expect(n.headers['x-amz-sns-message-type']).toBe('Notification');
    expect(n.headers['x-amz-sns-subscription-arn']).toMatch(new RegExp(`^${topicArn}:`));
    expect(n.headers['user-agent']).toBe('Amazon Simple Notification Service Agent');
    expect(n.body.UnsubscribeURL).toBe(
      `${sesame.url}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(n.headers['x-amz-sns-subscription-arn'] as string)}`,
    );
    expect(n.body.Subject).toBe('Amazon SES Email Event Notification');
    expect(n.body.SignatureVersion).toBe('1');
    const cert = await (await fetch(n.body.SigningCertURL!)).text();
    const b = n.body;
    const toSign = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      .filter((k) => b[k] !== undefined)
      .map((k) => `${k}\n${b[k]}\n`)
      .join('');
    const verifier = createVerify('RSA-SHA1');
    verifier.update(toSign);
    expect(verifier.verify(new X509Certificate(cert).publicKey, b.Signature!, 'base64')).toBe(true);
    // A tampered message does not verify.
    const tampered = createVerify('RSA-SHA1');
    tampered.update(toSign.replace('Notification', 'Notificatio'));
    expect(tampered.verify(new X509Certificate(cert).publicKey, b.Signature!, 'base64')).toBe(false);
  });

  it('open and click tracking: pixel and rewritten links, Open and Click events, tampered links refused', async () => {
    const html =
      '<html><body><p>Hi</p><a href="https://example.org/offer?x=1&amp;y=2" ses:tags="campaign:fall;variant:b;">Offer</a> ' +
      '<a ses:no-track href="https://example.org/untracked">Plain</a></body></html>';
    const { MessageId } = await acct.v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'app@sender.test',
        Destination: { ToAddresses: ['reader@dest.test'] },
        ConfigurationSetName: 'tracked',
        Content: {
          Simple: {
            Subject: { Data: 'Tracked' },
            Body: { Html: { Data: html }, Text: { Data: 'text part' } },
          },
        },
      }),
    );
    await eventually(async () => sink.received('reader@dest.test').length > 0);
    const got = await simpleParser(sink.received('reader@dest.test')[0]!.raw);
    const body = got.html as string;
    const pixel = /<img src="([^"]+\/t\/o\/[^"]+)"/.exec(body)?.[1];
    const tracked = /<a href="([^"]+\/t\/c\/[^"]+)">Offer<\/a>/.exec(body)?.[1];
    expect(pixel).toBeDefined();
    expect(tracked?.startsWith(`${sesame.url}/t/c/`)).toBe(true);
    expect(body).toContain('<a href="https://example.org/untracked">Plain</a>');
    expect(body).not.toContain('ses:tags');
    expect(body).not.toContain('ses:no-track');
    expect(got.text?.trim()).toBe('text part');
    // The personal copy is signed as it is sent (re-encoded parts keep CRLF line ends).
    expect(await dkimVerifiesWithMailauth(sesame, sink.received('reader@dest.test')[0]!.raw)).toEqual([
      { status: 'pass', domain: 'sender.test' },
    ]);

    const img = await fetch(pixel!, { headers: { 'user-agent': 'TestMail/1.0' } });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/gif');
    const click = await fetch(tracked!, { redirect: 'manual', headers: { 'user-agent': 'TestMail/1.0' } });
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe('https://example.org/offer?x=1&y=2');
    const tamperedUrl = tracked!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetch(tamperedUrl, { redirect: 'manual' })).status).toBe(400);

    const open = await eventually(async () =>
      receiver.notifications().find((n) => n.mail?.messageId === MessageId && n.eventType === 'Open'),
    );
    expect(open.open).toMatchObject({ ipAddress: '127.0.0.1', userAgent: 'TestMail/1.0' });
    const clicked = await eventually(async () =>
      receiver.notifications().find((n) => n.mail?.messageId === MessageId && n.eventType === 'Click'),
    );
    expect(clicked.click).toMatchObject({
      ipAddress: '127.0.0.1',
      userAgent: 'TestMail/1.0',
      link: 'https://example.org/offer?x=1&y=2',
      linkTags: { campaign: ['fall'], variant: ['b'] },
    });
  });

  it('a paused configuration set refuses sends; an unknown one is NotFound', async () => {
    await acct.v2.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'paused' }));
    await acct.v2.send(
      new PutConfigurationSetSendingOptionsCommand({ ConfigurationSetName: 'paused', SendingEnabled: false }),
    );
    await expect(
      acct.v2.send(simple(['x@dest.test'], { ConfigurationSetName: 'paused' })),
    ).rejects.toBeInstanceOf(SendingPausedException);
    await expect(
      acct.v2.send(simple(['x@dest.test'], { ConfigurationSetName: 'ghost' })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('TlsPolicy REQUIRE: no delivery to a server without STARTTLS', async () => {
    const plain = await sinkFor(sesame, 'notls.test', { hideSTARTTLS: true, disabledCommands: ['STARTTLS'] });
    await acct.v2.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'tls-only' }));
    await acct.v2.send(
      new PutConfigurationSetDeliveryOptionsCommand({
        ConfigurationSetName: 'tls-only',
        TlsPolicy: 'REQUIRE',
      }),
    );
    const { MessageId } = await acct.v2.send(simple(['x@notls.test'], { ConfigurationSetName: 'tls-only' }));
    const delay = await eventually(async () =>
      (await sesame.platform.store.messages.events(MessageId!)).find((e) => e.type === 'DeliveryDelay'),
    );
    expect((delay.payload as any).deliveryDelay.delayedRecipients[0].diagnosticCode).toMatch(/STARTTLS|TLS/);
    expect(plain.messages).toHaveLength(0);
    // Without the policy the same server gets the mail.
    await acct.v2.send(simple(['y@notls.test']));
    await eventually(async () => plain.messages.length > 0);
  });
});

describe('identity notifications (SES v1) and feedback forwarding', () => {
  it('SetIdentityNotificationTopic sends Bounce notifications in the notification format, headers when enabled', async () => {
    await acct.v1.send(
      new SetIdentityNotificationTopicCommand({
        Identity: 'sender.test',
        NotificationType: 'Bounce',
        SnsTopic: topicArn,
      }),
    );
    await acct.v1.send(
      new SetIdentityHeadersInNotificationsEnabledCommand({
        Identity: 'sender.test',
        NotificationType: 'Bounce',
        Enabled: true,
      }),
    );
    const attrs = await acct.v1.send(
      new GetIdentityNotificationAttributesCommand({ Identities: ['sender.test'] }),
    );
    expect(attrs.NotificationAttributes?.['sender.test']).toMatchObject({
      BounceTopic: topicArn,
      ForwardingEnabled: true,
      HeadersInBounceNotificationsEnabled: true,
      HeadersInComplaintNotificationsEnabled: false,
    });
    const { MessageId } = await acct.v2.send(simple(['bounce+notify@simulator.amazonses.com']));
    const n = await eventually(async () =>
      receiver
        .notifications()
        .find((x) => x.notificationType === 'Bounce' && x.mail?.messageId === MessageId),
    );
    expect(n.bounce).toMatchObject({ bounceType: 'Permanent', bounceSubType: 'General' });
    expect(n.eventType).toBeUndefined();
    expect(n.mail.tags).toBeUndefined();
    expect(n.mail.headers.length).toBeGreaterThan(0);
    expect(n.mail.commonHeaders.subject).toBe('Events');
  });

  it('feedback forwarding mails bounces to the sender; it can be turned off once bounce and complaint topics are set', async () => {
    const { MessageId } = await acct.v2.send(
      simple(['bounce+fwd@simulator.amazonses.com'], {
        FeedbackForwardingEmailAddress: 'postmaster@dest.test',
      }),
    );
    await eventually(async () => sink.received('postmaster@dest.test').length > 0);
    const fwd = await simpleParser(sink.received('postmaster@dest.test')[0]!.raw);
    expect(fwd.subject).toBe('Delivery Status Notification (Failure)');
    expect(fwd.text).toContain('bounce+fwd@simulator.amazonses.com');
    expect(fwd.text).toContain(MessageId);
    await expect(
      acct.v1.send(
        new SetIdentityFeedbackForwardingEnabledCommand({
          Identity: 'sender.test',
          ForwardingEnabled: false,
        }),
      ),
    ).rejects.toThrow(/until both a Bounce and a Complaint notification topic are set/);
    await acct.v1.send(
      new SetIdentityNotificationTopicCommand({
        Identity: 'sender.test',
        NotificationType: 'Complaint',
        SnsTopic: topicArn,
      }),
    );
    await acct.v1.send(
      new SetIdentityFeedbackForwardingEnabledCommand({ Identity: 'sender.test', ForwardingEnabled: false }),
    );
  });
});

describe('asynchronous feedback on the inbound MX', () => {
  const mxTransport = () =>
    nodemailer.createTransport({
      host: '127.0.0.1',
      port: sesame.smtp.mx,
      secure: false,
      tls: { rejectUnauthorized: false },
    });

  it('a DSN mailed to the VERP address of a delivered message produces a Bounce event for that message', async () => {
    const { MessageId } = await acct.v2.send(
      simple(['later-bounce@dest.test'], { ConfigurationSetName: 'tracked' }),
    );
    await eventually(async () => sink.received('later-bounce@dest.test').length > 0);
    const returnPath = sink.received('later-bounce@dest.test')[0]!.mailFrom;
    const dsn = dsnReport(returnPath, ['later-bounce@dest.test']);
    await mxTransport().sendMail({ envelope: { from: '', to: [returnPath] }, raw: dsn });
    const bounce = await eventually(async () =>
      (await sesame.platform.store.messages.events(MessageId!)).find((e) => e.type === 'Bounce'),
    );
    expect((bounce.payload as any).bounce).toMatchObject({
      bounceType: 'Permanent',
      bouncedRecipients: [
        {
          emailAddress: 'later-bounce@dest.test',
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        },
      ],
      reportingMTA: 'dns; mx.dest.test',
    });
    expect((await sesame.platform.store.messages.recipients(MessageId!))[0]?.status).toBe('bounced');
    expect(
      await sesame.platform.store.suppression.get(acct.accountId, 'later-bounce@dest.test'),
    ).toMatchObject({ reason: 'BOUNCE' });
    // …and a second send to it never reaches the sink.
    const before = sink.received('later-bounce@dest.test').length;
    const again = await acct.v2.send(simple(['later-bounce@dest.test']));
    await eventually(async () =>
      (await sesame.platform.store.messages.events(again.MessageId!)).some((e) => e.type === 'Bounce'),
    );
    expect(sink.received('later-bounce@dest.test')).toHaveLength(before);
  });

  it('an ARF report becomes a Complaint event (feedback type, user agent, arrival date)', async () => {
    const { MessageId } = await acct.v2.send(simple(['reader2@dest.test']));
    await eventually(async () => sink.received('reader2@dest.test').length > 0);
    const returnPath = sink.received('reader2@dest.test')[0]!.mailFrom;
    const arf = [
      'From: fbl@isp.test',
      `To: ${returnPath}`,
      'Subject: FW: complaint',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="b2"',
      '',
      '--b2',
      'Content-Type: text/plain',
      '',
      'This is an email abuse report.',
      '--b2',
      'Content-Type: message/feedback-report',
      '',
      'Feedback-Type: abuse',
      'User-Agent: ISP Feedback Loop/1.0',
      'Version: 1',
      'Original-Rcpt-To: reader2@dest.test',
      'Arrival-Date: Thu, 8 Mar 2026 14:00:00 +0000',
      '',
      '--b2',
      'Content-Type: message/rfc822',
      '',
      'From: app@sender.test',
      'To: reader2@dest.test',
      'Subject: Events',
      '',
      'Body',
      '--b2--',
      '',
    ].join('\r\n');
    await mxTransport().sendMail({ envelope: { from: '', to: [returnPath] }, raw: arf });
    const c = await eventually(async () =>
      (await sesame.platform.store.messages.events(MessageId!)).find((e) => e.type === 'Complaint'),
    );
    expect((c.payload as any).complaint).toMatchObject({
      complainedRecipients: [{ emailAddress: 'reader2@dest.test' }],
      complaintFeedbackType: 'abuse',
      userAgent: 'ISP Feedback Loop/1.0',
      arrivalDate: '2026-03-08T14:00:00.000Z',
    });
    expect(await sesame.platform.store.suppression.get(acct.accountId, 'reader2@dest.test')).toMatchObject({
      reason: 'COMPLAINT',
    });
  });

  it('mail to an address Sesame did not issue is refused (never an open relay)', async () => {
    const err = await mxTransport()
      .sendMail({
        from: 'x@a.test',
        to: 'b-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-0-aaaaaaaa@mx.sesame.test',
        text: 'x',
      })
      .catch((e: { response?: string }) => e);
    expect((err as { response?: string }).response).toMatch(/^550 /);
    const relay = await mxTransport()
      .sendMail({ from: 'x@a.test', to: 'victim@elsewhere.test', text: 'x' })
      .catch((e: { response?: string }) => e);
    expect((relay as { response?: string }).response).toMatch(/^550 /);
  });
});

describe('the suppression list API', () => {
  it('put, get, list with filters and pages, delete', async () => {
    await acct.v2.send(
      new PutSuppressedDestinationCommand({ EmailAddress: 'Manual@Dest.test', Reason: 'COMPLAINT' }),
    );
    const got = await acct.v2.send(new GetSuppressedDestinationCommand({ EmailAddress: 'manual@dest.test' }));
    expect(got.SuppressedDestination).toMatchObject({
      EmailAddress: 'manual@dest.test',
      Reason: 'COMPLAINT',
    });
    expect(got.SuppressedDestination?.LastUpdateTime).toBeInstanceOf(Date);
    const complaints = await acct.v2.send(new ListSuppressedDestinationsCommand({ Reasons: ['COMPLAINT'] }));
    expect(complaints.SuppressedDestinationSummaries?.map((s) => s.EmailAddress)).toEqual(
      expect.arrayContaining(['manual@dest.test', 'reader2@dest.test']),
    );
    expect(complaints.SuppressedDestinationSummaries?.every((s) => s.Reason === 'COMPLAINT')).toBe(true);
    const first = await acct.v2.send(new ListSuppressedDestinationsCommand({ PageSize: 1 }));
    expect(first.SuppressedDestinationSummaries).toHaveLength(1);
    const second = await acct.v2.send(
      new ListSuppressedDestinationsCommand({ PageSize: 1, NextToken: first.NextToken }),
    );
    expect(second.SuppressedDestinationSummaries?.[0]?.EmailAddress).not.toBe(
      first.SuppressedDestinationSummaries?.[0]?.EmailAddress,
    );
    await expect(
      acct.v2.send(new ListSuppressedDestinationsCommand({ NextToken: 'garbage' })),
    ).rejects.toMatchObject({ name: 'InvalidNextTokenException' });
    await acct.v2.send(new DeleteSuppressedDestinationCommand({ EmailAddress: 'manual@dest.test' }));
    await expect(
      acct.v2.send(new GetSuppressedDestinationCommand({ EmailAddress: 'manual@dest.test' })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('a sandbox account may not add addresses itself', async () => {
    const sandbox = await sesame.createAccount();
    await expect(
      sandbox.v2.send(new PutSuppressedDestinationCommand({ EmailAddress: 'x@dest.test', Reason: 'BOUNCE' })),
    ).rejects.toBeInstanceOf(BadRequestException);
  });
});

describe('dispatch', () => {
  it('retries a failing endpoint, dead-letters after the last retry, and replays on request', async () => {
    const failing = await new HttpReceiver().start();
    try {
      const arn = (await sns.send(new CreateTopicCommand({ Name: 'flaky' }))).TopicArn!;
      await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'http', Endpoint: failing.url }));
      await eventually(
        async () =>
          (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }))).Subscriptions?.[0]
            ?.SubscriptionArn !== 'PendingConfirmation',
      );
      await acct.v2.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'flaky' }));
      await acct.v2.send(
        new CreateConfigurationSetEventDestinationCommand({
          ConfigurationSetName: 'flaky',
          EventDestinationName: 'd',
          EventDestination: {
            Enabled: true,
            MatchingEventTypes: ['SEND'],
            SnsDestination: { TopicArn: arn },
          },
        }),
      );
      failing.status = 503;
      const { MessageId } = await acct.v2.send(
        simple(['success@simulator.amazonses.com'], { ConfigurationSetName: 'flaky' }),
      );
      const dead = await eventually(
        async () =>
          (await sesame.platform.core.sns.deadLetters()).find((d) => d.message.includes(MessageId!)),
        15_000,
      );
      expect(dead).toMatchObject({ attempts: 3, lastError: 'HTTP 503', endpoint: failing.url });
      const attempts = failing.received.filter(
        (r) => r.body.Type === 'Notification' && r.body.Message?.includes(MessageId!),
      );
      expect(attempts).toHaveLength(3);
      // The same SNS MessageId on every retry.
      expect(new Set(attempts.map((a) => a.body.MessageId)).size).toBe(1);
      failing.status = 200;
      expect(await sesame.platform.core.sns.replay([dead.id])).toBe(1);
      await eventually(
        async () => failing.received.filter((r) => r.body.Message?.includes(MessageId!)).length === 4,
      );
      expect(await sesame.platform.core.sns.deadLetters()).not.toContainEqual(
        expect.objectContaining({ id: dead.id }),
      );
    } finally {
      await failing.stop();
    }
  });

  it('Unsubscribe stops deliveries; the UnsubscribeURL works without credentials', async () => {
    const other = await new HttpReceiver().start();
    try {
      const arn = (await sns.send(new CreateTopicCommand({ Name: 'unsub' }))).TopicArn!;
      await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'http', Endpoint: other.url }));
      const subs = await eventually(async () => {
        const s = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
        return s.Subscriptions?.[0]?.SubscriptionArn !== 'PendingConfirmation' && s;
      });
      const subArn = subs.Subscriptions![0]!.SubscriptionArn!;
      // SNS's UnsubscribeURL: the Query API's Unsubscribe, unsigned (the subscription ARN is the key).
      const url = sesame.platform.core.sns.unsubscribeUrl(subArn);
      expect(url).toBe(`${sesame.url}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subArn)}`);
      const visited = await fetch(url);
      expect(visited.status).toBe(200);
      expect(await visited.text()).toContain('<UnsubscribeResponse');
      expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }))).Subscriptions).toEqual(
        [],
      );
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: subArn }));
    } finally {
      await other.stop();
    }
  });
});

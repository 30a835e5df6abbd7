/**
 * Monitoring end to end with real clients: Debian's `aws cloudwatch` (Query) and today's
 * `@aws-sdk/client-cloudwatch` (JSON) read the sends a test made; an alarm on Send with an SNS email
 * subscription mails its notification through Sesame's own MTA; hard bounces from a loopback destination move
 * the account under review and then pause it; the operator's resume restores sending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  DeleteAlarmsCommand,
  SetAlarmStateCommand,
  ResourceNotFound,
  InvalidParameterValueException,
} from '@aws-sdk/client-cloudwatch';
import {
  BatchGetMetricDataCommand,
  CreateConfigurationSetCommand,
  CreateConfigurationSetEventDestinationCommand,
  GetAccountCommand,
  GetEmailAddressInsightsCommand,
  GetMessageInsightsCommand,
  NotFoundException,
  PutAccountVdmAttributesCommand,
  SendEmailCommand,
  SendingPausedException,
} from '@aws-sdk/client-sesv2';
import {
  DescribeConfigurationSetCommand,
  GetSendStatisticsCommand,
  SendEmailCommand as V1SendEmail,
} from '@aws-sdk/client-ses';
import { CreateTopicCommand, ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { awsCli } from '../support/aws-cli.ts';
import { sinkFor, verifiedDomain } from '../support/mail.ts';
import { eventually, freePort, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let sink: SmtpSink;

beforeAll(async () => {
  sesame = await startSesame({
    smtpPort: await freePort(),
    monitorIntervalSeconds: 0.2,
    reputationMinimumVolume: 20,
    notificationRetrySeconds: 0.2,
  });
  sink = await sinkFor(sesame, 'dest.test');
});
afterAll(async () => {
  await sink?.stop();
  await sesame?.close();
});

async function account(): Promise<TestAccount> {
  const acct = await sesame.createAccount({ production: true });
  await sesame.platform.core.accounts.update(acct.accountId, { maxSendRate: -1 });
  await verifiedDomain(sesame, acct, 'sender.test');
  return acct;
}

const send = (acct: TestAccount, to: string) =>
  acct.v2.send(
    new SendEmailCommand({
      FromEmailAddress: 'app@sender.test',
      Destination: { ToAddresses: [to] },
      Content: { Simple: { Subject: { Data: 'hi' }, Body: { Text: { Data: 'hello' } } } },
    }),
  );

const cloudwatch = (acct: TestAccount) =>
  new CloudWatchClient({ endpoint: sesame.url, region: 'us-east-1', credentials: acct, maxAttempts: 1 });

describe('CloudWatch-compatible metrics', () => {
  let acct: TestAccount;
  const start = new Date(Date.now() - 3600_000);

  beforeAll(async () => {
    acct = await account();
    for (let i = 0; i < 7; i++) await send(acct, 'success@simulator.amazonses.com');
    for (let i = 0; i < 3; i++) await send(acct, `user${i}@dest.test`);
    await sink.waitFor(3);
  });

  it('aws cloudwatch get-metric-statistics returns the sends of the test (Query protocol)', async () => {
    const aws = awsCli(sesame, acct);
    const r = await aws(
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'AWS/SES',
      '--metric-name',
      'Send',
      '--statistics',
      'Sum',
      'SampleCount',
      '--start-time',
      start.toISOString(),
      '--end-time',
      new Date(Date.now() + 60_000).toISOString(),
      '--period',
      '86400',
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as {
      Label: string;
      Datapoints: { Sum: number; SampleCount: number; Unit: string }[];
    };
    expect(out.Label).toBe('Send');
    expect(out.Datapoints).toHaveLength(1);
    expect(out.Datapoints[0]).toMatchObject({ Sum: 10, SampleCount: 10, Unit: 'Count' });
  });

  it('the SDK (JSON protocol) reads the same: GetMetricStatistics, GetMetricData, ListMetrics', async () => {
    const cw = cloudwatch(acct);
    const end = new Date(Date.now() + 60_000);
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/SES',
        MetricName: 'Delivery',
        StartTime: start,
        EndTime: end,
        Period: 3600,
        Statistics: ['Sum'],
      }),
    );
    await eventually(async () => {
      const s = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/SES',
          MetricName: 'Delivery',
          StartTime: start,
          EndTime: end,
          Period: 7200,
          Statistics: ['Sum'],
        }),
      );
      return s.Datapoints?.reduce((n, d) => n + (d.Sum ?? 0), 0) === 10;
    });
    expect(stats.Label).toBe('Delivery');
    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        MetricDataQueries: [
          {
            Id: 'sends',
            MetricStat: { Metric: { Namespace: 'AWS/SES', MetricName: 'Send' }, Period: 60, Stat: 'Sum' },
          },
        ],
      }),
    );
    const values = data.MetricDataResults?.[0]?.Values ?? [];
    expect(values.reduce((a, b) => a + b, 0)).toBe(10);
    expect(data.MetricDataResults?.[0]?.StatusCode).toBe('Complete');
    const timestamps = data.MetricDataResults?.[0]?.Timestamps ?? [];
    expect([...timestamps].sort((a, b) => b.getTime() - a.getTime())).toEqual(timestamps); // newest first
    const list = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/SES' }));
    const names = (list.Metrics ?? []).map((m) => m.MetricName);
    expect(names).toEqual(expect.arrayContaining(['Send', 'Delivery']));
    expect(names).not.toContain('Bounce');
  });

  it('GetSendStatistics and BatchGetMetricData agree with the events recorded', async () => {
    await eventually(async () => sink.messages.length >= 3);
    const stats = await acct.v1.send(new GetSendStatisticsCommand({}));
    const attempts = (stats.SendDataPoints ?? []).reduce((n, p) => n + (p.DeliveryAttempts ?? 0), 0);
    expect(attempts).toBe(10);
    for (const p of stats.SendDataPoints ?? []) expect(p.Timestamp!.getTime() % (15 * 60_000)).toBe(0);
    const vdm = await acct.v2.send(
      new BatchGetMetricDataCommand({
        Queries: [
          {
            Id: 'send',
            Namespace: 'VDM',
            Metric: 'SEND',
            Dimensions: { EMAIL_IDENTITY: 'sender.test' },
            StartDate: new Date(Date.now() - 86_400_000),
            EndDate: new Date(Date.now() + 86_400_000),
          },
          {
            Id: 'delivered',
            Namespace: 'VDM',
            Metric: 'DELIVERY',
            Dimensions: { ISP: 'Others' },
            StartDate: new Date(Date.now() - 86_400_000),
            EndDate: new Date(Date.now() + 86_400_000),
          },
        ],
      }),
    );
    const sum = (id: string) =>
      (vdm.Results ?? []).find((r) => r.Id === id)?.Values?.reduce((a, b) => a + b, 0) ?? 0;
    // VDM leaves out the mailbox simulator: only the three sends to dest.test count.
    expect(sum('send')).toBe(3);
    await eventually(async () => {
      const again = await acct.v2.send(
        new BatchGetMetricDataCommand({
          Queries: [
            {
              Id: 'delivered',
              Namespace: 'VDM',
              Metric: 'DELIVERY',
              Dimensions: { ISP: 'Others' },
              StartDate: new Date(Date.now() - 86_400_000),
              EndDate: new Date(Date.now() + 86_400_000),
            },
          ],
        }),
      );
      return again.Results?.[0]?.Values?.reduce((a, b) => a + b, 0) === 3;
    });
  });

  it("GetMessageInsights tells each recipient's timeline; GetEmailAddressInsights judges an address locally", async () => {
    const { MessageId } = await send(acct, 'timeline@dest.test');
    await eventually(async () => sink.messages.some((m) => m.rcptTo.includes('timeline@dest.test')));
    const insights = await eventually(async () => {
      const i = await acct.v2.send(new GetMessageInsightsCommand({ MessageId }));
      return i.Insights?.[0]?.Events?.some((e) => e.Type === 'DELIVERY') ? i : undefined;
    });
    expect(insights).toMatchObject({ MessageId, FromEmailAddress: 'app@sender.test', Subject: 'hi' });
    expect(insights.Insights).toHaveLength(1);
    expect(insights.Insights![0]).toMatchObject({ Destination: 'timeline@dest.test', Isp: 'Others' });
    expect(insights.Insights![0]!.Events!.map((e) => e.Type)).toEqual(['SEND', 'DELIVERY']);
    const other = await sesame.createAccount();
    await expect(other.v2.send(new GetMessageInsightsCommand({ MessageId }))).rejects.toBeInstanceOf(
      NotFoundException,
    );

    const good = await acct.v2.send(
      new GetEmailAddressInsightsCommand({ EmailAddress: 'someone@dest.test' }),
    );
    expect(good.MailboxValidation).toMatchObject({
      IsValid: { ConfidenceVerdict: 'HIGH' },
      Evaluations: {
        HasValidSyntax: { ConfidenceVerdict: 'HIGH' },
        HasValidDnsRecords: { ConfidenceVerdict: 'HIGH' },
        IsRoleAddress: { ConfidenceVerdict: 'LOW' },
      },
    });
    const role = await acct.v2.send(
      new GetEmailAddressInsightsCommand({ EmailAddress: 'postmaster@nowhere.invalid' }),
    );
    expect(role.MailboxValidation).toMatchObject({
      IsValid: { ConfidenceVerdict: 'LOW' },
      Evaluations: {
        HasValidDnsRecords: { ConfidenceVerdict: 'LOW' },
        IsRoleAddress: { ConfidenceVerdict: 'HIGH' },
      },
    });

    await acct.v2.send(
      new PutAccountVdmAttributesCommand({
        VdmAttributes: { VdmEnabled: 'ENABLED', DashboardAttributes: { EngagementMetrics: 'ENABLED' } },
      }),
    );
    expect((await acct.v2.send(new GetAccountCommand({}))).VdmAttributes).toEqual({
      VdmEnabled: 'ENABLED',
      DashboardAttributes: { EngagementMetrics: 'ENABLED' },
    });
  });

  it('refuses bad queries and unsupported operations with CloudWatch errors, on both protocols', async () => {
    const cw = cloudwatch(acct);
    const bad = await cw
      .send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/SES',
          MetricName: 'Send',
          StartTime: new Date(),
          EndTime: new Date(Date.now() - 60_000),
          Period: 60,
          Statistics: ['Sum'],
        }),
      )
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidParameterValueException);
    expect((bad as Error).message).toMatch(/StartTime must be less than/);
    const unsupported = await cw
      .send(new PutMetricDataCommand({ Namespace: 'Mine', MetricData: [{ MetricName: 'x', Value: 1 }] }))
      .catch((e: unknown) => e);
    expect((unsupported as Error).message).toMatch(/not supported by Sesame/);
    const missing = await cw
      .send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFound);
    const aws = awsCli(sesame, acct);
    const cli = await aws(
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'AWS/SES',
      '--metric-name',
      'Send',
      '--statistics',
      'Sum',
      '--start-time',
      new Date(Date.now() - 30 * 86_400_000).toISOString(),
      '--end-time',
      new Date().toISOString(),
      '--period',
      '60',
    );
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/InvalidParameterCombination.*exceeds the limit of 1,440/);
  });
});

describe('CloudWatch event destinations', () => {
  it('publish events as AWS/SES metrics with dimensions from message tags and headers (v2 and v1 shapes)', async () => {
    const acct = await account();
    await acct.v2.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'marketing' }));
    await acct.v2.send(
      new CreateConfigurationSetEventDestinationCommand({
        ConfigurationSetName: 'marketing',
        EventDestinationName: 'to-cloudwatch',
        EventDestination: {
          Enabled: true,
          MatchingEventTypes: ['SEND', 'DELIVERY'],
          CloudWatchDestination: {
            DimensionConfigurations: [
              {
                DimensionName: 'campaign',
                DimensionValueSource: 'MESSAGE_TAG',
                DefaultDimensionValue: 'none',
              },
              {
                DimensionName: 'X-Team',
                DimensionValueSource: 'EMAIL_HEADER',
                DefaultDimensionValue: 'unknown',
              },
            ],
          },
        },
      }),
    );
    const v1 = await acct.v1.send(
      new DescribeConfigurationSetCommand({
        ConfigurationSetName: 'marketing',
        ConfigurationSetAttributeNames: ['eventDestinations'],
      }),
    );
    expect(v1.EventDestinations?.[0]?.CloudWatchDestination?.DimensionConfigurations?.[0]).toEqual({
      DimensionName: 'campaign',
      DimensionValueSource: 'messageTag',
      DefaultDimensionValue: 'none',
    });
    for (const campaign of ['spring', 'spring', undefined])
      await acct.v2.send(
        new SendEmailCommand({
          FromEmailAddress: 'app@sender.test',
          Destination: { ToAddresses: ['success@simulator.amazonses.com'] },
          ConfigurationSetName: 'marketing',
          ...(campaign ? { EmailTags: [{ Name: 'campaign', Value: campaign }] } : {}),
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
        }),
      );
    const cw = cloudwatch(acct);
    const sum = async (metric: string, campaign: string) => {
      const r = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/SES',
          MetricName: metric,
          Dimensions: [
            { Name: 'campaign', Value: campaign },
            { Name: 'X-Team', Value: 'unknown' },
          ],
          StartTime: new Date(Date.now() - 3600_000),
          EndTime: new Date(Date.now() + 60_000),
          Period: 3600 * 2,
          Statistics: ['Sum'],
        }),
      );
      return (r.Datapoints ?? []).reduce((n, d) => n + (d.Sum ?? 0), 0);
    };
    expect(await sum('Send', 'spring')).toBe(2);
    expect(await sum('Send', 'none')).toBe(1);
    await eventually(async () => (await sum('Delivery', 'spring')) === 2);
    const listed = await cw.send(
      new ListMetricsCommand({ Namespace: 'AWS/SES', Dimensions: [{ Name: 'campaign' }] }),
    );
    expect(listed.Metrics?.map((m) => m.MetricName).sort()).toEqual(['Delivery', 'Delivery', 'Send', 'Send']);
  });
});

describe('alarms that act', () => {
  it('Send Sum > 100 over a day with an email subscription: confirmation, then the alarm email after 101 sends', async () => {
    const acct = await account();
    const aws = awsCli(sesame, acct);
    const sns = new SNSClient({
      endpoint: sesame.url,
      region: 'us-east-1',
      credentials: acct,
      maxAttempts: 1,
    });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'send-alarm' }));
    const before = sink.messages.length;
    const sub = await aws(
      'sns',
      'subscribe',
      '--topic-arn',
      TopicArn!,
      '--protocol',
      'email',
      '--notification-endpoint',
      'ops@dest.test',
    );
    expect(JSON.parse(sub.stdout)).toEqual({ SubscriptionArn: 'pending confirmation' });
    const confirmation = await eventually(async () =>
      sink.messages.slice(before).find((m) => m.rcptTo.includes('ops@dest.test')),
    );
    const parsed = await simpleParser(confirmation.raw);
    expect(parsed.subject).toBe('AWS Notification - Subscription Confirmation');
    expect(parsed.from?.text).toMatch(/AWS Notifications/);
    const link = /(http:\/\/\S+Action=ConfirmSubscription\S+)/.exec(parsed.text ?? '')?.[1];
    expect(link).toBeDefined();
    expect((await fetch(link!)).status).toBe(200);
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(subs.Subscriptions?.[0]?.SubscriptionArn).toMatch(/^arn:aws:sns:/);

    const put = await aws(
      'cloudwatch',
      'put-metric-alarm',
      '--alarm-name',
      'too-many-sends',
      '--namespace',
      'AWS/SES',
      '--metric-name',
      'Send',
      '--statistic',
      'Sum',
      '--period',
      '86400',
      '--evaluation-periods',
      '1',
      '--threshold',
      '100',
      '--comparison-operator',
      'GreaterThanThreshold',
      '--alarm-actions',
      TopicArn!,
    );
    expect(put.stderr).toBe('');
    const described = JSON.parse(
      (await aws('cloudwatch', 'describe-alarms', '--alarm-names', 'too-many-sends')).stdout,
    ) as {
      MetricAlarms: { StateValue: string; Threshold: number }[];
    };
    expect(described.MetricAlarms[0]).toMatchObject({ Threshold: 100 });
    await eventually(async () => {
      const a = await cloudwatch(acct).send(new DescribeAlarmsCommand({ AlarmNames: ['too-many-sends'] }));
      return a.MetricAlarms?.[0]?.StateValue === 'INSUFFICIENT_DATA';
    });
    for (let i = 0; i < 100; i++) await send(acct, 'success@simulator.amazonses.com');
    // 100 is not more than 100: the alarm has data now, and it is OK.
    let state = await eventually(async () => {
      const a = await cloudwatch(acct).send(new DescribeAlarmsCommand({ AlarmNames: ['too-many-sends'] }));
      return a.MetricAlarms?.[0]?.StateValue === 'OK' ? a : undefined;
    });
    const mark = sink.messages.length;
    await send(acct, 'success@simulator.amazonses.com');
    await eventually(async () => {
      state = await cloudwatch(acct).send(new DescribeAlarmsCommand({ AlarmNames: ['too-many-sends'] }));
      return state.MetricAlarms?.[0]?.StateValue === 'ALARM';
    });
    expect(state.MetricAlarms?.[0]?.StateReason).toMatch(
      /1 out of the last 1 datapoints \[101\.0\] was greater than the threshold \(100\.0\)/,
    );
    const mail = await eventually(async () =>
      sink.messages.slice(mark).find((m) => m.rcptTo.includes('ops@dest.test')),
    );
    const alarmMail = await simpleParser(mail.raw);
    expect(alarmMail.subject).toBe('ALARM: "too-many-sends" in US East (N. Virginia)');
    const body = (alarmMail.text ?? '').split('\n\n--\n')[0]!;
    expect(JSON.parse(body)).toMatchObject({
      AlarmName: 'too-many-sends',
      AWSAccountId: acct.accountId,
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      Trigger: { MetricName: 'Send', Namespace: 'AWS/SES', Statistic: 'SUM', Period: 86400, Threshold: 100 },
    });
    expect(alarmMail.text).toMatch(/Action=Unsubscribe/);
    const history = await cloudwatch(acct).send(
      new DescribeAlarmHistoryCommand({ AlarmName: 'too-many-sends' }),
    );
    const types = (history.AlarmHistoryItems ?? []).map((h) => h.HistoryItemType);
    expect(types).toEqual(expect.arrayContaining(['ConfigurationUpdate', 'StateUpdate', 'Action']));
    await cloudwatch(acct).send(new DeleteAlarmsCommand({ AlarmNames: ['too-many-sends'] }));
    expect((await cloudwatch(acct).send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
  });

  it('an alarm action naming a configuration set pauses it on ALARM and resumes it on OK', async () => {
    const acct = await account();
    await acct.v2.send(
      new CreateConfigurationSetCommand({
        ConfigurationSetName: 'guarded',
        ReputationOptions: { ReputationMetricsEnabled: true },
      }),
    );
    const setArn = `arn:aws:ses:us-east-1:${acct.accountId}:configuration-set/guarded`;
    const cw = cloudwatch(acct);
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'guard',
        Namespace: 'AWS/SES',
        MetricName: 'Reputation.BounceRate',
        Dimensions: [{ Name: 'ses:configuration-set', Value: 'guarded' }],
        Statistic: 'Average',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 0.1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
        AlarmActions: [setArn],
        OKActions: [setArn],
      }),
    );
    const sendVia = () =>
      acct.v2.send(
        new SendEmailCommand({
          FromEmailAddress: 'app@sender.test',
          Destination: { ToAddresses: ['success@simulator.amazonses.com'] },
          ConfigurationSetName: 'guarded',
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
        }),
      );
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: 'guard', StateValue: 'ALARM', StateReason: 'testing' }),
    );
    await eventually(
      async () => (await sendVia().catch((e: unknown) => e)) instanceof SendingPausedException,
    );
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'guard', StateValue: 'OK', StateReason: 'testing' }));
    await eventually(async () => ((await sendVia().catch(() => undefined))?.MessageId ? true : undefined));
    const history = await cw.send(
      new DescribeAlarmHistoryCommand({ AlarmName: 'guard', HistoryItemType: 'Action' }),
    );
    expect(history.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual([
      `Successfully executed action ${setArn}`,
      `Successfully executed action ${setArn}`,
    ]);
    const unknown = await cw
      .send(
        new PutMetricAlarmCommand({
          AlarmName: 'guard2',
          Namespace: 'AWS/SES',
          MetricName: 'Send',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold',
          AlarmActions: [`arn:aws:ses:us-east-1:${acct.accountId}:configuration-set/nope`],
        }),
      )
      .catch((e: unknown) => e);
    expect((unknown as Error).message).toMatch(/nope/);
  });

  it('PutMetricAlarm refuses actions Sesame cannot perform and invalid definitions', async () => {
    const acct = await account();
    const cw = cloudwatch(acct);
    const base = {
      AlarmName: 'a',
      Namespace: 'AWS/SES',
      MetricName: 'Bounce',
      Statistic: 'Sum' as const,
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold' as const,
    };
    const lambda = await cw
      .send(
        new PutMetricAlarmCommand({
          ...base,
          AlarmActions: ['arn:aws:lambda:us-east-1:123456789012:function:f'],
        }),
      )
      .catch((e: unknown) => e);
    expect(lambda).toBeInstanceOf(InvalidParameterValueException);
    expect((lambda as Error).message).toMatch(/not supported by Sesame/);
    const tooLong = await cw
      .send(new PutMetricAlarmCommand({ ...base, Period: 3000, EvaluationPeriods: 30 }))
      .catch((e: unknown) => e);
    expect((tooLong as { name: string }).name).toBe('InvalidParameterCombinationException');
  });
});

describe('reputation and enforcement', () => {
  it('simulator bounces do not count; real hard bounces put the account under review, then pause it; resume restores sending', async () => {
    const acct = await account();
    const status = async () => (await acct.v2.send(new GetAccountCommand({}))).EnforcementStatus;
    for (let i = 0; i < 30; i++) await send(acct, 'bounce@simulator.amazonses.com');
    await new Promise((r) => setTimeout(r, 600));
    expect(await status()).toBe('HEALTHY');

    for (let i = 0; i < 20; i++) await send(acct, `fine${i}@dest.test`);
    for (const n of [0, 1]) sink.rcptReplies.set(`gone${n}@dest.test`, ['550 5.1.1 No such user']);
    for (const n of [0, 1]) await send(acct, `gone${n}@dest.test`);
    await eventually(async () => (await status()) === 'PROBATION', 15_000);

    for (const n of [2, 3, 4]) sink.rcptReplies.set(`gone${n}@dest.test`, ['550 5.1.1 No such user']);
    for (const n of [2, 3, 4]) await send(acct, `gone${n}@dest.test`);
    await eventually(async () => (await status()) === 'SHUTDOWN', 15_000);

    const refused = await send(acct, 'fine0@dest.test').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SendingPausedException);
    const v1 = await acct.v1
      .send(
        new V1SendEmail({
          Source: 'app@sender.test',
          Destination: { ToAddresses: ['fine0@dest.test'] },
          Message: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } },
        }),
      )
      .catch((e: unknown) => e);
    expect((v1 as { name: string }).name).toBe('AccountSendingPausedException');
    const smtp = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sesame.smtp.starttls,
      secure: false,
      tls: { rejectUnauthorized: false },
      auth: { user: acct.smtpUsername, pass: acct.smtpPassword },
    });
    const viaSmtp = await smtp
      .sendMail({ from: 'app@sender.test', to: 'fine0@dest.test', subject: 's', text: 'b' })
      .catch((e: unknown) => e);
    smtp.close();
    expect((viaSmtp as { responseCode?: number }).responseCode).toBe(554);
    expect((viaSmtp as Error).message).toMatch(
      /Sending is paused for this account because of its reputation/,
    );

    const stats = await cloudwatch(acct).send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/SES',
        MetricName: 'Reputation.BounceRate',
        StartTime: new Date(Date.now() - 3600_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600,
        Statistics: ['Maximum'],
      }),
    );
    expect(Math.max(...(stats.Datapoints ?? []).map((d) => d.Maximum ?? 0))).toBeGreaterThanOrEqual(0.1);

    // The operator's resume (`sesame account update --enforcement HEALTHY`) is a fresh start.
    await sesame.platform.core.accounts.update(acct.accountId, { enforcementStatus: 'HEALTHY' });
    await new Promise((r) => setTimeout(r, 600));
    expect(await status()).toBe('HEALTHY');
    expect((await send(acct, 'fine1@dest.test')).MessageId).toBeDefined();
  });
});

/** Helpers for tests that watch SES events: a configuration set publishing to an HTTP receiver, and failures. */
import {
  CreateConfigurationSetCommand,
  CreateConfigurationSetEventDestinationCommand,
  type EventType,
} from '@aws-sdk/client-sesv2';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import type { HttpReceiver } from './http-receiver.ts';
import { eventually, type TestAccount, type TestSesame } from './sesame.ts';

/**
 * Creates configuration set `name` whose event destination publishes `types` to an SNS topic the receiver is
 * subscribed to (and has confirmed).
 */
export async function eventedConfigurationSet(
  sesame: TestSesame,
  acct: TestAccount,
  receiver: HttpReceiver,
  name: string,
  types: EventType[],
): Promise<void> {
  const sns = new SNSClient({ endpoint: sesame.url, region: 'us-east-1', credentials: acct, maxAttempts: 1 });
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: `${name}-events` }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: receiver.url }));
  await eventually(async () => {
    const s = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    return s.Subscriptions?.[0]?.SubscriptionArn !== 'PendingConfirmation';
  });
  await acct.v2.send(new CreateConfigurationSetCommand({ ConfigurationSetName: name }));
  await acct.v2.send(
    new CreateConfigurationSetEventDestinationCommand({
      ConfigurationSetName: name,
      EventDestinationName: 'all',
      EventDestination: { Enabled: true, MatchingEventTypes: types, SnsDestination: { TopicArn: topicArn } },
    }),
  );
}

/** The error a call fails with (the test fails if it succeeds). */
export async function failure(p: Promise<unknown>): Promise<Error & { name: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { name: string };
  }
  throw new Error('expected the call to fail');
}

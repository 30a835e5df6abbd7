/**
 * The notification dispatcher's per-endpoint queue: notifications claimed while earlier ones to the same
 * endpoint are still in flight must all go out. A finishing delivery once dropped the endpoint's newer queue,
 * and what waited in it sat out its two-minute lease. The subscriber here holds every answer until the test
 * releases it, so the order of events is exactly the one that lost them.
 */
import { createServer, type ServerResponse, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';

let sesame: TestSesame;
let acct: TestAccount;
let server: Server;
const notifications: { message: string; res: ServerResponse; answered: boolean }[] = [];

beforeAll(async () => {
  sesame = await startSesame({ notificationEndpointConcurrency: 2 });
  acct = await sesame.createAccount({ production: true });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
      if (body.Type === 'SubscriptionConfirmation') {
        void fetch(body.SubscribeURL!);
        res.writeHead(200).end();
      } else notifications.push({ message: body.Message!, res, answered: false });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const n of notifications) if (!n.answered) n.res.writeHead(200).end();
  await sesame?.close();
  await new Promise((r) => server?.close(r));
});

const answer = (message: string) => {
  const n = notifications.find((x) => x.message === message && !x.answered)!;
  n.answered = true;
  n.res.writeHead(200).end();
};
const arrived = (message: string) => notifications.some((n) => n.message === message);

describe('notification dispatch', () => {
  it('delivers what was queued for an endpoint while its earlier deliveries were finishing', async () => {
    const sns = new SNSClient({
      endpoint: sesame.url,
      region: 'us-east-1',
      credentials: acct,
      maxAttempts: 1,
    });
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'waves' }))).TopicArn!;
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: url }));
    await eventually(async () => (await sesame.platform.core.sns.publish(topicArn, 'probe')).length === 1);
    const queue = async (...messages: string[]) => {
      const records = [];
      for (const m of messages) records.push(...(await sesame.platform.core.sns.publish(topicArn, m)));
      await sesame.platform.store.notifications.enqueue(records);
    };
    // Two in flight (the endpoint's limit); the first one finishes and empties the endpoint's queue.
    await queue('a', 'b');
    await eventually(async () => arrived('a') && arrived('b'));
    answer('a');
    // Three more while b is still in flight: one takes the free place, two wait in the endpoint's queue.
    await queue('c', 'd', 'e');
    await eventually(async () => notifications.length === 3);
    // b finishes: one more goes out, and the last must stay queued (it was dropped with the queue here).
    answer('b');
    await eventually(async () => notifications.length === 4);
    for (const n of notifications) if (!n.answered) answer(n.message);
    await eventually(async () => notifications.length === 5, 5000);
    answer(notifications[4]!.message);
    expect(notifications.map((n) => n.message).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

/**
 * Scenario f — receiving: Postfix's smtp-source injects messages over 20 sessions into Sesame's MX for a
 * receipt rule with an S3 action (Sesame's embedded bucket) and an SNS action (a topic with one HTTP
 * subscriber); the figure is the time from the first injection until every message is an object in the
 * bucket. Reference: Postfix receiving the same injection into a Maildir (its virtual transport), in the
 * same run, until every message is a file there.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { HttpReceiver } from '../../test/support/http-receiver.ts';
import { freePort } from '../../test/support/sesame.ts';
import { BenchNode } from '../lib/node.ts';
import { rssMiB, seconds } from '../lib/measure.ts';
import { PostfixMaildir, smtpSource } from '../lib/postfix.ts';
import type { Db, ScenarioResult } from '../run.ts';

const SESSIONS = 20;
const SIZE = 10 * 1024;

const count = (dir: string) => {
  try {
    return readdirSync(dir).filter((f) => !f.startsWith('.')).length;
  } catch {
    return 0;
  }
};

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('the messages did not all arrive in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function postfixMaildir(messages: number): Promise<{ messagesPerSecond: number; seconds: number }> {
  const pf = new PostfixMaildir('/tmp/sesame-bench-maildir', await freePort(), 'inbound.bench');
  pf.start();
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const started = Date.now();
    await smtpSource({
      port: pf.port,
      messages,
      sessions: SESSIONS,
      size: SIZE,
      from: 'x@remote.bench',
      to: 'box@inbound.bench',
    });
    await until(() => count(pf.maildirNew) >= messages, 600_000);
    const ms = Date.now() - started;
    return { messagesPerSecond: Math.round(messages / (ms / 1000)), seconds: seconds(ms) };
  } finally {
    pf.stop();
  }
}

async function sesameInbound(db: Db, messages: number) {
  const mxPort = await freePort();
  const node = await BenchNode.start({
    db,
    env: { SESAME_MX_ENABLED: 'true', SESAME_MX_PORT: String(mxPort) },
  });
  const receiver = await new HttpReceiver().start();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(node.process.pid ?? 0) || 0)), 500);
  try {
    const creds = node.credentials;
    await node.process.cli('bucket', 'create', 'inbound', '--account', creds.accountId);
    const sns = new SNSClient({
      endpoint: node.url,
      region: 'us-east-1',
      credentials: creds,
      maxAttempts: 1,
    });
    const topic = (await sns.send(new CreateTopicCommand({ Name: 'inbound' }))).TopicArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'http', Endpoint: receiver.url }));
    const ses = new SESClient({
      endpoint: node.url,
      region: 'us-east-1',
      credentials: creds,
      maxAttempts: 1,
    });
    await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'bench' }));
    await ses.send(
      new CreateReceiptRuleCommand({
        RuleSetName: 'bench',
        Rule: {
          Name: 'store',
          Enabled: true,
          Recipients: ['sender.bench'],
          Actions: [{ S3Action: { BucketName: 'inbound' } }, { SNSAction: { TopicArn: topic } }],
        },
      }),
    );
    await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'bench' }));
    const bucketDir = join(node.dir, 'buckets', 'inbound');
    const started = Date.now();
    await smtpSource({
      port: mxPort,
      messages,
      sessions: SESSIONS,
      size: SIZE,
      from: 'x@remote.bench',
      to: 'box@sender.bench',
    });
    const injected = Date.now() - started;
    await until(() => count(bucketDir) >= messages, 600_000);
    const ms = Date.now() - started;
    return {
      messagesPerSecond: Math.round(messages / (ms / 1000)),
      seconds: seconds(ms),
      injectSeconds: seconds(injected),
      notificationsReceived: receiver.received.filter((r) => r.body.Type === 'Notification').length,
      rssMiB: peak,
    };
  } finally {
    clearInterval(sampler);
    await receiver.stop();
    await node.stop();
  }
}

export async function inbound(db: Db, messages: number): Promise<ScenarioResult> {
  const reference = await postfixMaildir(messages);
  const sesame = await sesameInbound(db, messages);
  const ratio = sesame.messagesPerSecond / reference.messagesPerSecond;
  return {
    id: 'f',
    name: `Receiving (${messages.toLocaleString('en')} × 10 KB into the MX, ${SESSIONS} sessions, S3 + SNS actions)`,
    unit: 'messages/s',
    sesame: sesame.messagesPerSecond,
    reference: reference.messagesPerSecond,
    referenceName: 'Postfix into a Maildir',
    ratio,
    details: { messages, size: SIZE, sessions: SESSIONS, sesame, reference },
    targets: [{ what: '≥ Postfix', met: ratio >= 1 }],
  };
}

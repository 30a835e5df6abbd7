/**
 * The crash experiment: send messages over the API to a Sesame process, `kill -9` it while sends are in
 * flight, restart it on the same data, and count the messages that were answered 200 but never reached the
 * receiving server. Accepted means durable, so that count must be 0 (duplicates are allowed).
 */
import nodemailer from 'nodemailer';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { deliveredId, startNodeFixture } from './node-fixture.ts';

export interface CrashResult {
  messages: number;
  acceptedBeforeKill: number;
  accepted: number;
  refused: number;
  received: number;
  lost: number;
  duplicates: number;
  acceptRate: number;
  deliverySeconds: number;
}

export interface CrashOptions {
  messages: number;
  concurrency: number;
  killAfter: number;
  /** Send over the SES v2 API (default) or SMTP submission (STARTTLS + AUTH). */
  via?: 'api' | 'smtp';
  log?: (s: string) => void;
}

export async function crashExperiment(options: CrashOptions): Promise<CrashResult> {
  const log = options.log ?? (() => undefined);
  const fixture = await startNodeFixture({ env: { SESAME_NODE_ID: 'crash-node' } });
  const { node, sink, creds } = fixture;
  const smtp = nodemailer.createTransport({
    host: '127.0.0.1',
    port: fixture.ports.smtp,
    requireTLS: true,
    pool: true,
    maxConnections: options.concurrency,
    auth: { user: creds.smtpUsername, pass: creds.smtpPassword },
    tls: { rejectUnauthorized: false },
  });
  try {
    const client = fixture.client();
    const accepted = new Set<string>();
    let refused = 0;
    let killed = false;
    let acceptedBeforeKill = 0;
    let next = 0;
    const started = Date.now();
    const worker = async () => {
      while (next < options.messages) {
        const n = next++;
        try {
          if (options.via === 'smtp') {
            const info = await smtp.sendMail({
              from: 'crash@sender.test',
              to: `r${n}@dest.test`,
              subject: `crash ${n}`,
              text: 'x'.repeat(2000),
            });
            accepted.add(info.response.replace(/^250 Ok /, ''));
          } else {
            const res = await client.send(
              new SendEmailCommand({
                FromEmailAddress: 'crash@sender.test',
                Destination: { ToAddresses: [`r${n}@dest.test`] },
                Content: {
                  Simple: { Subject: { Data: `crash ${n}` }, Body: { Text: { Data: 'x'.repeat(2000) } } },
                },
              }),
            );
            accepted.add(res.MessageId!);
          }
          if (!killed && accepted.size >= options.killAfter) {
            killed = true;
            acceptedBeforeKill = accepted.size;
            log(`kill -9 after ${accepted.size} accepted`);
            await node.kill();
          }
        } catch {
          refused++;
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const acceptSeconds = (Date.now() - started) / 1000;
    log(`${accepted.size} accepted, ${refused} refused (server down); restarting`);
    await node.start();
    await fixture.undelivered(accepted, 120_000);
    const ids = sink.messages.map((m) => deliveredId(m.raw));
    const unique = new Set(ids);
    return {
      messages: options.messages,
      acceptedBeforeKill,
      accepted: accepted.size,
      refused,
      received: unique.size,
      lost: [...accepted].filter((id) => !unique.has(id)).length,
      duplicates: ids.length - unique.size,
      acceptRate: Math.round(accepted.size / acceptSeconds),
      deliverySeconds: (Date.now() - started) / 1000,
    };
  } finally {
    smtp.close();
    await fixture.close();
  }
}

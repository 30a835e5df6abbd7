/**
 * The crash experiment: send messages over the API to a Sesame process, `kill -9` it while sends are in
 * flight, restart it on the same data, and count the messages that were answered 200 but never reached the
 * receiving server. Accepted means durable, so that count must be 0 (duplicates are allowed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import {
  CreateEmailIdentityCommand,
  GetEmailIdentityCommand,
  SESv2Client,
  SendEmailCommand,
} from '@aws-sdk/client-sesv2';
import { testDatabase } from './database.ts';
import { TestDnsServer } from './dns-server.ts';
import { SesameProcess } from './node-process.ts';
import { freePort } from './sesame.ts';
import { SmtpSink } from './smtp-sink.ts';

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
  const dir = mkdtempSync(join(tmpdir(), 'sesame-crash-'));
  const db = testDatabase(dir);
  const dns = await new TestDnsServer().start();
  const deliveryPort = await freePort();
  const sink = await new SmtpSink('127.0.0.2', deliveryPort).start();
  dns.set('dest.test', { mx: [{ exchange: 'mx.dest.test', priority: 10 }] });
  dns.set('mx.dest.test', { a: ['127.0.0.2'] });
  const env = {
    SESAME_DATA_DIR: dir,
    SESAME_DATABASE_URL: db.url,
    SESAME_DATABASE_SCHEMA: db.schema,
    SESAME_HTTP_PORT: String(await freePort()),
    SESAME_DNS_SERVERS: dns.address,
    SESAME_DELIVERY_PORT: String(deliveryPort),
    SESAME_HOSTNAME: 'mx.sesame.test',
    SESAME_NODE_ID: 'crash-node',
    SESAME_VERIFICATION_RETRY_SECONDS: '0.1',
    SESAME_RETRY_BASE_SECONDS: '0.5',
    SESAME_LOG_LEVEL: 'warn',
    SESAME_SMTP_PORT: String(await freePort()),
    SESAME_SMTPS_PORT: String(await freePort()),
  };
  const node = new SesameProcess(env);
  let smtpClose = () => undefined as void;
  try {
    const creds = JSON.parse(await node.cli('account', 'create', '--name', 'crash', '--production')) as {
      accountId: string;
      accessKeyId: string;
      secretAccessKey: string;
      smtpUsername: string;
      smtpPassword: string;
    };
    const smtp = nodemailer.createTransport({
      host: '127.0.0.1',
      port: Number(env.SESAME_SMTP_PORT),
      requireTLS: true,
      pool: true,
      maxConnections: options.concurrency,
      auth: { user: creds.smtpUsername, pass: creds.smtpPassword },
      tls: { rejectUnauthorized: false },
    });
    smtpClose = () => smtp.close();
    await node.cli('account', 'update', creds.accountId, '--max-rate', 'unlimited', '--max-24h', 'unlimited');
    await node.start();
    const client = new SESv2Client({
      endpoint: node.url,
      region: 'us-east-1',
      credentials: creds,
      maxAttempts: 1,
    });
    await client.send(new CreateEmailIdentityCommand({ EmailIdentity: 'sender.test' }));
    dns.publishZoneFile(await node.cli('dns-records', 'sender.test'));
    for (let i = 0; ; i++) {
      if (
        (await client.send(new GetEmailIdentityCommand({ EmailIdentity: 'sender.test' })))
          .VerifiedForSendingStatus
      )
        break;
      if (i > 200) throw new Error('the sender domain did not verify');
      await new Promise((r) => setTimeout(r, 50));
    }

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
    const idOf = (raw: Buffer) => /^Message-ID:\s*<([^@>]+)@/im.exec(raw.toString('latin1'))?.[1];
    const deadline = Date.now() + 120_000;
    for (;;) {
      const got = new Set(sink.messages.map((m) => idOf(m.raw)));
      if ([...accepted].every((id) => got.has(id)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const ids = sink.messages.map((m) => idOf(m.raw));
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
    smtpClose();
    await node.stop().catch(() => undefined);
    await sink.stop();
    await dns.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

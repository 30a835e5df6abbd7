/**
 * A PostgreSQL connection that the server terminates (a restart, a failover, a proxy timeout) must not end the
 * node: while it serves load, every Sesame connection is terminated, over and over; the requests caught in it
 * are answered ServiceUnavailable (503, which clients retry), the pool reconnects, and every message that was
 * accepted is delivered.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { onPostgres, testDatabaseUrl } from '../support/database.ts';
import { startNodeFixture, type NodeFixture } from '../support/node-fixture.ts';
import { recordFault } from './results.ts';

const MESSAGES = 600;
const CONCURRENCY = 16;
const ROUNDS = 3;

describe.skipIf(!onPostgres)('PostgreSQL connections terminated', () => {
  let fixture: NodeFixture;
  let admin: pg.Client;
  /** Terminates every connection of this node (its pool names them `sesame:<schema>`); how many it ended. */
  const terminateAll = async (): Promise<number> => {
    const r = await admin.query<{ n: string }>(
      `select count(pg_terminate_backend(pid)) as n from pg_stat_activity where application_name = $1`,
      [`sesame:${fixture.db.schema}`],
    );
    return Number(r.rows[0]!.n);
  };

  beforeAll(async () => {
    fixture = await startNodeFixture({ env: { SESAME_LOG_LEVEL: 'warn' } });
    admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    transport?.close();
    await admin?.end();
    await fixture?.close();
  });

  /** Every fourth message goes over SMTP submission (a pooled nodemailer transport), the others over the API. */
  const smtp = () =>
    (transport ??= nodemailer.createTransport({
      host: '127.0.0.1',
      port: fixture.ports.smtp,
      requireTLS: true,
      pool: true,
      maxConnections: 4,
      auth: { user: fixture.creds.smtpUsername, pass: fixture.creds.smtpPassword },
      tls: { rejectUnauthorized: false },
    }));
  let transport: Transporter | undefined;
  const sendSmtp = async (n: number) => {
    const info = await smtp().sendMail({
      from: 'outage@sender.test',
      to: `r${n}@dest.test`,
      subject: `outage ${n}`,
      text: 'x'.repeat(1000),
    });
    return { MessageId: String(info.response).replace(/^250 Ok /, '') };
  };
  const send = (n: number) =>
    fixture.client().send(
      new SendEmailCommand({
        FromEmailAddress: 'outage@sender.test',
        Destination: { ToAddresses: [`r${n}@dest.test`] },
        Content: { Simple: { Subject: { Data: `outage ${n}` }, Body: { Text: { Data: 'x'.repeat(1000) } } } },
      }),
    );

  it('terminated while idle: the node stays up and the next request succeeds', async () => {
    await send(-1); // the pool holds connections now
    expect(await terminateAll()).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(fixture.node.pid).toBeDefined();
    // The first request may meet a connection the pool has not yet noticed is gone (503); the next succeeds.
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++)
      ok = await send(-2).then(
        () => true,
        (err: { name?: string }) => {
          expect(err.name).toBe('ServiceUnavailable');
          return false;
        },
      );
    expect(ok).toBe(true);
  });

  it(`terminated ${ROUNDS} times under load: 503s while it happens, nothing lost, the node keeps serving`, async () => {
    const accepted = new Set<string>();
    const unavailable: number[] = [];
    const smtpUnavailable: number[] = [];
    const otherErrors: string[] = [];
    let next = 0;
    let terminated = 0;
    const worker = async () => {
      while (next < MESSAGES) {
        const n = next++;
        for (let attempt = 0; ; attempt++) {
          try {
            accepted.add((await (n % 4 === 0 ? sendSmtp(n) : send(n))).MessageId as string);
            break;
          } catch (err) {
            const e = err as {
              name?: string;
              $metadata?: { httpStatusCode?: number };
              responseCode?: number;
              message?: string;
            };
            const retryable =
              (e.name === 'ServiceUnavailable' && e.$metadata?.httpStatusCode === 503) ||
              e.responseCode === 451;
            if (retryable && attempt < 50) {
              if (e.responseCode === 451) smtpUnavailable.push(n);
              else unavailable.push(n);
              await new Promise((r) => setTimeout(r, 50));
              continue;
            }
            otherErrors.push(`${e.name}: ${e.message}`);
            break;
          }
        }
      }
    };
    let done = false;
    const terminator = async () => {
      for (let round = 0; round < ROUNDS; round++) {
        while (!done && accepted.size < ((round + 1) * MESSAGES) / (ROUNDS + 2))
          await new Promise((r) => setTimeout(r, 10));
        if (done) return;
        terminated += await terminateAll();
      }
    };
    const workers = Promise.all(Array.from({ length: CONCURRENCY }, worker)).finally(() => (done = true));
    await Promise.all([workers, terminator()]);
    expect(otherErrors).toEqual([]);
    expect(accepted.size).toBe(MESSAGES);
    expect(terminated).toBeGreaterThanOrEqual(ROUNDS);
    // Every accepted message reaches the destination.
    const missing = await fixture.undelivered(accepted);
    expect(missing).toEqual([]);
    expect(fixture.node.pid).toBeDefined();
    // Logged once per episode with its cause, not once per failed request.
    const began = fixture.node.output.split('\n').filter((l) => l.includes('database unavailable'));
    expect(began.length).toBeGreaterThanOrEqual(1);
    expect(began.length).toBeLessThanOrEqual(ROUNDS + 1);
    expect(fixture.node.output).not.toMatch(/uncaught|unhandled/i);
    if (process.env.SHOW_NODE_LOG) console.log(fixture.node.output);
    recordFault({
      promise: 'accepted means durable; the node survives its database',
      fault: 'PostgreSQL: pg_terminate_backend of every Sesame connection, under load',
      tried: `${ROUNDS} rounds (${terminated} connections) during ${MESSAGES} sends (¾ API, ¼ SMTP) at concurrency ${CONCURRENCY}`,
      held: `node up; ${accepted.size}/${MESSAGES} accepted (${unavailable.length} API answers 503 ServiceUnavailable and ${smtpUnavailable.length} SMTP 451, retried); ${missing.length} lost; ${began.length} "database unavailable" log line(s)`,
    });
  }, 120_000);
});

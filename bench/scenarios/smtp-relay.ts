/**
 * Scenarios b and c — SMTP relay end to end: Postfix's smtp-source injects messages over 20 sessions into
 * Sesame's trusted-network listener; Sesame signs each with DKIM and delivers it (MX from the loopback DNS
 * server) to Postfix's smtp-sink, which exits after the last one. The figure is the time from the first
 * injection to the last message at the sink. Reference: Postfix itself relaying to the same sink, same
 * injection (Postfix does not sign: it has no DKIM without a milter).
 */
import { BenchNode } from '../lib/node.ts';
import { PostfixRelay, SmtpSinkProcess, smtpSource } from '../lib/postfix.ts';
import { freePort } from '../../test/support/sesame.ts';
import { rssMiB, seconds } from '../lib/measure.ts';
import type { Db, ScenarioResult } from '../run.ts';

const SESSIONS = 20;

interface RelayRun {
  messagesPerSecond: number;
  seconds: number;
  injectSeconds: number;
}

async function timed(port: number, sink: SmtpSinkProcess, messages: number, size: number): Promise<RelayRun> {
  const started = Date.now();
  await smtpSource({
    port,
    messages,
    sessions: SESSIONS,
    size,
    from: 'bench@sender.bench',
    to: 'r@sink.bench',
  });
  const injected = Date.now() - started;
  await sink.done;
  const total = Date.now() - started;
  return {
    messagesPerSecond: Math.round(messages / (total / 1000)),
    seconds: seconds(total),
    injectSeconds: seconds(injected),
  };
}

export async function postfixRelay(messages: number, size: number): Promise<RelayRun> {
  const sinkPort = await freePort();
  const relay = new PostfixRelay('/tmp/sesame-bench-postfix', await freePort(), sinkPort);
  relay.start();
  try {
    await waitForPort(relay.port);
    const sink = new SmtpSinkProcess(sinkPort, messages);
    try {
      return await timed(relay.port, sink, messages, size);
    } finally {
      sink.stop();
    }
  } finally {
    relay.stop();
  }
}

export async function sesameRelay(
  db: Db,
  messages: number,
  size: number,
  env: Record<string, string> = {},
): Promise<RelayRun & { rssMiB: number }> {
  const sinkPort = await freePort();
  const node = await BenchNode.start({ db, trustedListener: true, sinkPort, env });
  const sink = new SmtpSinkProcess(sinkPort, messages);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(node.process.pid ?? 0) || 0)), 500);
  try {
    const run = await timed(node.port('SESAME_SMTP_TRUSTED_PORT'), sink, messages, size);
    return { ...run, rssMiB: peak };
  } finally {
    clearInterval(sampler);
    sink.stop();
    await node.stop();
  }
}

export async function smtpRelay(
  id: 'b' | 'c',
  db: Db,
  messages: number,
  size: number,
): Promise<ScenarioResult> {
  // Two interleaved rounds (Postfix, Sesame; Postfix, Sesame), each on fresh processes and data.
  const rounds: { reference: RelayRun; sesame: RelayRun & { rssMiB: number } }[] = [];
  for (let round = 0; round < 2; round++)
    rounds.push({
      reference: await postfixRelay(messages, size),
      sesame: await sesameRelay(db, messages, size),
    });
  const mean = (f: (r: (typeof rounds)[number]) => number) =>
    Math.round(rounds.reduce((t, r) => t + f(r), 0) / rounds.length);
  const sesame = { messagesPerSecond: mean((r) => r.sesame.messagesPerSecond) };
  const reference = { messagesPerSecond: mean((r) => r.reference.messagesPerSecond) };
  const ratio = sesame.messagesPerSecond / reference.messagesPerSecond;
  return {
    id,
    name: `SMTP relay end to end (${messages.toLocaleString('en')} × ${size >= 1024 ? `${size / 1024} KB` : `${size} B`}, ${SESSIONS} sessions, DKIM)`,
    unit: 'messages/s',
    sesame: sesame.messagesPerSecond,
    reference: reference.messagesPerSecond,
    referenceName: 'Postfix relay (no DKIM)',
    ratio,
    details: { messages, size, sessions: SESSIONS, rounds },
    runs: rounds.map((r) => ({
      sesame: r.sesame.messagesPerSecond,
      reference: r.reference.messagesPerSecond,
    })),
    targets:
      id === 'b'
        ? [{ what: '≥ 2 × Postfix', met: ratio >= 2 }]
        : [
            { what: '≥ 750 messages/s', met: sesame.messagesPerSecond >= 750 },
            { what: '≥ Postfix', met: ratio >= 1 },
          ],
  };
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on port ${port}`);
}

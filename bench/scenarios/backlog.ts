/**
 * Scenario d — backlog: a large number of messages is queued (smtp-source into the trusted listener) while
 * delivery is paused; the node's memory (RSS) is measured at that point. Then the node restarts with delivery
 * on and the delivery rate is measured at the sink from the first delivered message to the `sample`-th —
 * compared with the same measurement for a 1,000-message backlog (the reference).
 */
import { BenchNode } from '../lib/node.ts';
import { SmtpSinkProcess, smtpSource } from '../lib/postfix.ts';
import { freePort } from '../../test/support/sesame.ts';
import { rssMiB, seconds } from '../lib/measure.ts';
import type { Db, ScenarioResult } from '../run.ts';

interface BacklogRun {
  backlog: number;
  injectSeconds: number;
  injectPerSecond: number;
  rssQueuedMiB: number;
  restartSeconds: number;
  rssDeliveringMiB: number;
  sample: number;
  deliveredPerSecond: number;
}

async function run(db: Db, backlog: number, sample: number, log: (s: string) => void): Promise<BacklogRun> {
  const sinkPort = await freePort();
  const node = await BenchNode.start({
    db,
    trustedListener: true,
    sinkPort,
    env: { SESAME_DELIVERY_PAUSED: 'true' },
  });
  try {
    const started = Date.now();
    await smtpSource({
      port: node.port('SESAME_SMTP_TRUSTED_PORT'),
      messages: backlog,
      sessions: 20,
      size: 2048,
      from: 'bench@sender.bench',
      to: 'r@sink.bench',
    });
    const injectMs = Date.now() - started;
    const rssQueuedMiB = rssMiB(node.process.pid!);
    log(
      `  ${backlog} queued in ${seconds(injectMs)} s, RSS ${rssQueuedMiB} MiB; restarting with delivery on`,
    );
    await node.process.stop();
    node.process.env.SESAME_DELIVERY_PAUSED = 'false';
    const sink = new SmtpSinkProcess(sinkPort, sample);
    let peak = 0;
    const restarted = Date.now();
    await node.process.start(600_000);
    const restartMs = Date.now() - restarted;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(node.process.pid ?? 0) || 0)), 250);
    try {
      await sink.done;
    } finally {
      clearInterval(sampler);
      sink.stop();
    }
    const deliveringMs = Date.now() - (sink.firstAt ?? restarted);
    return {
      backlog,
      injectSeconds: seconds(injectMs),
      injectPerSecond: Math.round(backlog / (injectMs / 1000)),
      rssQueuedMiB,
      restartSeconds: seconds(restartMs),
      rssDeliveringMiB: peak,
      sample,
      deliveredPerSecond: Math.round((sample - 1) / (deliveringMs / 1000)),
    };
  } finally {
    await node.stop();
  }
}

export async function backlog(
  db: Db,
  size: number,
  sample: number,
  log: (s: string) => void,
): Promise<ScenarioResult> {
  const small = await run(db, 1000, 1000, log);
  const large = await run(db, size, Math.min(sample, size), log);
  const ratio = large.deliveredPerSecond / small.deliveredPerSecond;
  return {
    id: 'd',
    name: `Backlog of ${size.toLocaleString('en')} queued while paused, then delivered`,
    unit: 'delivered/s',
    sesame: large.deliveredPerSecond,
    reference: small.deliveredPerSecond,
    referenceName: 'same node, 1,000-message backlog',
    ratio,
    details: { large, small },
    targets: [
      {
        what: 'RSS < 1 GB with the backlog',
        met: Math.max(large.rssQueuedMiB, large.rssDeliveringMiB) < 1024,
      },
      { what: 'rate ≥ 80 % of the small-backlog rate', met: ratio >= 0.8 },
    ],
  };
}

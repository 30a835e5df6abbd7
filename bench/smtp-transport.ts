/**
 * The outbound SMTP transport alone, BDAT against DATA (issue 21 item 4): this process sends N messages over
 * 4 reused connections (src/mta/delivery/session.ts, in this thread) to a discarding receiver that offers
 * PIPELINING and CHUNKING, once with SESAME_DELIVERY_CHUNKING's default (BDAT) and once by DATA, for 2 KiB
 * and 100 KiB bodies, two interleaved rounds each. Prints messages/s and the sender's CPU µs per message.
 * The bench's smtp-sink offers no CHUNKING (nor does Postfix's client use BDAT), so scenarios b and c cannot
 * show this; it needs no root and no Postfix. Pinned as the other scenarios: sender on the server cores,
 * receiver on the load cores. Run: node bench/smtp-transport.ts [messages=5000]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinning } from './lib/cpus.ts';
import { SmtpSession } from '../src/mta/delivery/session.ts';
import { freePort } from '../test/support/sesame.ts';

const RECEIVER = fileURLToPath(new URL('../test/support/chunking-receiver.ts', import.meta.url));

const messages = Number(process.argv[2] ?? 5000);
const CONNECTIONS = 4;

function body(kib: number): Buffer {
  const lines = ['From: bench@sender.bench', 'Subject: transport', ''];
  // Every fifth line starts with a dot, for DATA's dot-stuffing to do.
  for (let i = 0, size = 0; size < kib * 1024; i++) {
    const line = `${i % 5 === 0 ? '.' : ''}line ${i} ${'y'.repeat(70)}`;
    lines.push(line);
    size += line.length + 2;
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

async function run(
  port: number,
  chunking: boolean,
  message: Buffer,
): Promise<{ rate: number; cpuUs: number }> {
  const sessions = await Promise.all(
    Array.from({ length: CONNECTIONS }, () =>
      SmtpSession.open(
        { address: '127.0.0.1', port, servername: 'receiver' },
        { name: 'mta.sesame.bench', timeoutMs: 10_000, chunking },
      ),
    ),
  );
  for (const s of sessions) await s.send('bounce@sender.bench', ['to@dest.bench'], message, false);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let sent = 0;
  await Promise.all(
    sessions.map(async (s) => {
      while (sent < messages) {
        sent++;
        await s.send('bounce@sender.bench', ['to@dest.bench'], message, false);
      }
    }),
  );
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  for (const s of sessions) s.close();
  return { rate: (messages / ms) * 1000, cpuUs: (used.user + used.system) / messages };
}

if (pinning) {
  const { execFileSync } = await import('node:child_process');
  execFileSync('/usr/bin/taskset', ['-a', '-p', '-c', pinning.server, String(process.pid)], {
    stdio: 'ignore',
  });
}
const port = await freePort();
const receiver = spawn(
  pinning ? '/usr/bin/taskset' : process.execPath,
  // The receiver: a child process, so its CPU is not the sender's (test/support/chunking-receiver.ts).
  [...(pinning ? ['-c', pinning.load, process.execPath] : []), RECEIVER, String(port)],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((resolve) => receiver.stdout.once('data', () => resolve()));
try {
  console.log(`| body | round | DATA msg/s | BDAT msg/s | DATA CPU µs/msg | BDAT CPU µs/msg |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const kib of [2, 100]) {
    const message = body(kib);
    // Warm-up (the JIT), not reported.
    await run(port, false, message);
    await run(port, true, message);
    for (let round = 1; round <= 2; round++) {
      const data = await run(port, false, message);
      const bdat = await run(port, true, message);
      console.log(
        `| ${kib} KiB | ${round} | ${data.rate.toFixed(0)} | ${bdat.rate.toFixed(0)} | ${data.cpuUs.toFixed(0)} | ${bdat.cpuUs.toFixed(0)} |`,
      );
    }
  }
  console.log(
    `\n${messages} messages per run over ${CONNECTIONS} connections; pinning: ${JSON.stringify(pinning)}`,
  );
} finally {
  receiver.kill();
}
process.exit(0);

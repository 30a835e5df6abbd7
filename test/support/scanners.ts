/**
 * Real content scanners for receiving tests, each started with a configuration written here (nothing from
 * /etc, no signature download): Debian's SpamAssassin `spamd` with its shipped rules and a minimal plugin list,
 * and ClamAV's `clamd` with two locally written signatures for the EICAR test string.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './sesame.ts';

/** The EICAR anti-virus test string (68 bytes). */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
/** SpamAssassin's GTUBE test string. */
export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

export interface Scanner {
  address: string;
  stop(): Promise<void>;
}

async function listening(
  port: number,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`scanner exited (${child.exitCode}):\n${output()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`scanner did not listen within ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function start(bin: string, args: string[], port: number, dir: string, timeoutMs: number): Promise<Scanner> {
  if (!existsSync(bin))
    throw new Error(`${bin} is not installed (.ci/run installs it: spamd, clamav-daemon)`);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return listening(port, child, () => output, timeoutMs).then(
    () => ({ address: `127.0.0.1:${port}`, stop }),
    async (err: unknown) => {
      await stop();
      throw err;
    },
  );
}

export async function startSpamd(): Promise<Scanner> {
  const dir = mkdtempSync(join(tmpdir(), 'sesame-spamd-'));
  // spamd's children run as nobody: they must be able to read the configuration.
  chmodSync(dir, 0o755);
  const site = join(dir, 'site');
  mkdirSync(site, { mode: 0o755 });
  // Debian ships the .pre files that load plugins in /etc only; the Check plugin is all GTUBE needs.
  writeFileSync(
    join(site, 'sesame.pre'),
    ['Check', 'HeaderEval', 'BodyEval', 'MIMEEval', 'HTMLEval', 'RelayEval', 'URIEval', 'WLBLEval']
      .map((p) => `loadplugin Mail::SpamAssassin::Plugin::${p}\n`)
      .join(''),
  );
  const port = await freePort();
  return start(
    '/usr/sbin/spamd',
    [
      '--local',
      `--listen=127.0.0.1:${port}`,
      '-u',
      'nobody',
      '--allowed-ips=127.0.0.1',
      `--siteconfigpath=${site}`,
      '--nouser-config',
      `--pidfile=${join(dir, 'spamd.pid')}`,
      '--max-children=2',
    ],
    port,
    dir,
    60_000,
  );
}

export async function startClamd(): Promise<Scanner> {
  const dir = mkdtempSync(join(tmpdir(), 'sesame-clamd-'));
  const db = join(dir, 'db');
  mkdirSync(db);
  const md5 = createHash('md5').update(EICAR).digest('hex');
  writeFileSync(join(db, 'sesame.hdb'), `${md5}:${EICAR.length}:Sesame.Test.EICAR\n`);
  writeFileSync(join(db, 'sesame.ndb'), `Sesame.Test.Pattern:0:*:${Buffer.from(EICAR).toString('hex')}\n`);
  const port = await freePort();
  const conf = join(dir, 'clamd.conf');
  writeFileSync(
    conf,
    [
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      'Foreground yes',
      `DatabaseDirectory ${db}`,
      'StreamMaxLength 40M',
      `PidFile ${join(dir, 'clamd.pid')}`,
      `TemporaryDirectory ${dir}`,
      '',
    ].join('\n'),
  );
  return start('/usr/sbin/clamd', ['-c', conf], port, dir, 60_000);
}

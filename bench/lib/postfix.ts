/**
 * Postfix's own tools and a private Postfix instance, the reference MTA: `smtp-source` injects, `smtp-sink`
 * receives (and counts), and a Postfix relay (its own config, queue and log under a temporary directory,
 * listening on a loopback port) stands in for "Postfix itself" on the same machine.
 * Debian package `postfix`; the binaries must run as root here (smtp-sink drops to `nobody`).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onServerCores } from './cpus.ts';

export function postfixAvailable(): string | undefined {
  for (const bin of ['/usr/sbin/smtp-source', '/usr/sbin/smtp-sink', '/usr/sbin/postfix'])
    if (!existsSync(bin)) return `${bin} is missing (apt-get install postfix)`;
  if (process.getuid?.() !== 0) return 'the Postfix reference needs root (postfix start, smtp-sink -u)';
  return undefined;
}

/**
 * smtp-sink on a loopback port that exits after `count` messages; `done` resolves then. Its running counter
 * (-c) tells when the first message arrived.
 */
export class SmtpSinkProcess {
  readonly port: number;
  readonly done: Promise<void>;
  /** When the first message arrived (epoch ms). */
  firstAt: number | undefined;
  received = 0;
  readonly #child: ChildProcess;

  constructor(port: number, count: number) {
    this.port = port;
    this.#child = spawn(
      '/usr/sbin/smtp-sink',
      ['-u', 'nobody', '-c', '-M', String(count), `127.0.0.1:${port}`, '1024'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let tail = '';
    this.#child.stdout!.on('data', (d: Buffer) => {
      tail = (tail + d.toString('latin1')).slice(-200);
      this.received = Math.max(this.received, Number(/.*mesg=(\d+)/s.exec(tail)?.[1] ?? 0));
      if (this.received > 0 && this.firstAt === undefined) this.firstAt = Date.now();
    });
    this.done = new Promise((resolve, reject) => {
      this.#child.once('exit', (code, signal) =>
        code === 0 || signal === 'SIGTERM'
          ? resolve()
          : reject(new Error(`smtp-sink exited with ${code ?? signal}`)),
      );
    });
  }

  stop(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGTERM');
  }
}

/** Runs smtp-source: `messages` messages of `size` bytes over `sessions` parallel sessions. */
export function smtpSource(o: {
  port: number;
  messages: number;
  sessions: number;
  size: number;
  from: string;
  to: string;
}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      '/usr/sbin/smtp-source',
      [
        '-s',
        String(o.sessions),
        '-m',
        String(o.messages),
        '-l',
        String(o.size),
        '-f',
        o.from,
        '-t',
        o.to,
        '-M',
        'source.bench',
        `127.0.0.1:${o.port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`smtp-source exited with ${code}: ${err}`)),
    );
  });
}

/**
 * A private Postfix instance: its own queue, data directory and configuration under `dir`, smtpd on `port`,
 * nothing of /etc/postfix's configuration: Debian's stock master.cf (/usr/share/postfix) is the template. `settings` are its main.cf lines beyond the
 * common ones.
 */
class PostfixInstance {
  readonly dir: string;
  readonly port: number;

  constructor(dir: string, port: number, settings: string[]) {
    this.dir = dir;
    this.port = port;
    rmSync(dir, { recursive: true, force: true });
    for (const d of ['conf', 'queue', 'data']) mkdirSync(join(dir, d), { recursive: true });
    chownSync(join(dir, 'data'), postfixUid(), 0);
    writeFileSync(
      join(dir, 'conf/main.cf'),
      [
        'compatibility_level = 3.6',
        `queue_directory = ${dir}/queue`,
        `data_directory = ${dir}/data`,
        'command_directory = /usr/sbin',
        'daemon_directory = /usr/lib/postfix/sbin',
        'meta_directory = /etc/postfix',
        'shlib_directory = /usr/lib/postfix',
        'mail_owner = postfix',
        'setgid_group = postdrop',
        'mydomain = bench',
        'inet_interfaces = 127.0.0.1',
        'inet_protocols = ipv4',
        'mynetworks = 127.0.0.0/8',
        'mydestination =',
        'smtpd_relay_restrictions = permit_mynetworks, reject',
        `maillog_file = ${dir}/maillog`,
        `maillog_file_prefixes = ${dir}`,
        'smtpd_tls_security_level = none',
        'alias_maps =',
        'alias_database =',
        'local_recipient_maps =',
        ...settings,
        '',
      ].join('\n'),
    );
    // Debian's stock master.cf (as the package ships it: /etc/postfix's copy may have been changed by other
    // tools on the machine) with smtpd on our port and no chroot (the queue is not a prepared chroot).
    const master = readFileSync('/usr/share/postfix/master.cf.dist', 'utf8')
      .replace(/^smtp(\s+)inet(\s+)n(\s+)-(\s+)y/m, `127.0.0.1:${port} inet n - n`)
      .replace(/^([a-z0-9.:-]+\s+(?:unix|inet|fifo|pass|unix-dgram)\s+\S+\s+\S+\s+)y/gm, '$1n');
    writeFileSync(join(dir, 'conf/master.cf'), master);
  }

  /** Starts the instance on the server cores (its master and every daemon it forks inherit them). */
  start(): void {
    const [command = '/usr/sbin/postfix', ...args] = [
      ...onServerCores(),
      '/usr/sbin/postfix',
      '-c',
      join(this.dir, 'conf'),
      'start',
    ];
    execFileSync(command, args, { stdio: 'ignore' });
  }

  stop(): void {
    try {
      execFileSync('/usr/sbin/postfix', ['-c', join(this.dir, 'conf'), 'stop'], { stdio: 'ignore' });
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Postfix instance relaying everything from 127.0.0.0/8 to `relayPort` on 127.0.0.1. */
export class PostfixRelay extends PostfixInstance {
  constructor(dir: string, port: number, relayPort: number) {
    super(dir, port, [
      'myhostname = relay.bench',
      `relayhost = [127.0.0.1]:${relayPort}`,
      'smtp_tls_security_level = none',
    ]);
  }
}

/** A Postfix instance receiving every message for `domain` into one Maildir (the virtual transport). */
export class PostfixMaildir extends PostfixInstance {
  /** Where the messages arrive (one file each). */
  readonly maildirNew: string;

  constructor(dir: string, port: number, domain: string) {
    super(dir, port, [
      'myhostname = mx.maildir.bench',
      `virtual_mailbox_domains = ${domain}`,
      `virtual_mailbox_base = ${dir}/vmail`,
      'virtual_mailbox_maps = static:box/',
      'virtual_uid_maps = static:65534',
      'virtual_gid_maps = static:65534',
      'virtual_minimum_uid = 1',
    ]);
    mkdirSync(join(dir, 'vmail'), { recursive: true });
    chownSync(join(dir, 'vmail'), 65534, 65534);
    this.maildirNew = join(dir, 'vmail/box/new');
  }
}

function postfixUid(): number {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postfix:'));
  return Number(line?.split(':')[2] ?? 0);
}

/**
 * A private Postfix instance for tests — as the sending MTA of the Internet, or as a destination's MX that
 * Sesame delivers to: its own main.cf and master.cf (nothing read from /etc/postfix), queue and log under a
 * temporary directory, smtpd on a loopback address and port, relaying everything it takes from 127.0.0.0/8
 * to `relayhost`. Debian's `postfix` package; needs root.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why Postfix cannot run here, or undefined. */
export function postfixMissing(): string | undefined {
  if (!existsSync('/usr/sbin/postfix')) return '/usr/sbin/postfix is missing (.ci/run installs postfix)';
  if (process.getuid?.() !== 0) return 'Postfix needs root';
  return undefined;
}

const SERVICES = `
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

export interface PostfixOptions {
  /** The loopback address smtpd listens on (default 127.0.0.1). */
  address?: string;
  /** More main.cf lines (e.g. smtpd_recipient_restrictions); `$conf` in them stands for the config directory. */
  main?: string[];
  /** Files to write in the config directory (lookup tables the extra lines name), by name. */
  files?: Record<string, string>;
}

export class PostfixInstance {
  readonly dir: string;
  readonly port: number;
  readonly address: string;

  constructor(port: number, relayhost: string, options: PostfixOptions = {}) {
    this.port = port;
    this.address = options.address ?? '127.0.0.1';
    this.dir = mkdtempSync(join(tmpdir(), 'sesame-postfix-'));
    // Postfix's own processes (user postfix) must reach their data directory.
    chmodSync(this.dir, 0o755);
    for (const d of ['conf', 'queue', 'data']) mkdirSync(join(this.dir, d), { recursive: true });
    chownSync(join(this.dir, 'data'), uidOf('postfix'), 0);
    writeFileSync(
      join(this.dir, 'conf/main.cf'),
      [
        'compatibility_level = 3.6',
        `queue_directory = ${this.dir}/queue`,
        `data_directory = ${this.dir}/data`,
        'command_directory = /usr/sbin',
        'daemon_directory = /usr/lib/postfix/sbin',
        'shlib_directory = /usr/lib/postfix',
        'mail_owner = postfix',
        'setgid_group = postdrop',
        'myhostname = mta.remote.test',
        'mydomain = remote.test',
        // An interface address (Postfix refuses others here); master.cf binds the listener to `address`.
        'inet_interfaces = 127.0.0.1',
        'inet_protocols = ipv4',
        'mynetworks = 127.0.0.0/8',
        'mydestination =',
        `relayhost = ${relayhost}`,
        'smtpd_relay_restrictions = permit_mynetworks, reject',
        `maillog_file = ${this.dir}/maillog`,
        `maillog_file_prefixes = ${this.dir}`,
        'smtp_tls_security_level = may',
        'smtp_tls_loglevel = 1',
        'smtpd_tls_security_level = none',
        'alias_maps =',
        'alias_database =',
        'local_recipient_maps =',
        'smtp_address_preference = ipv4',
        'queue_run_delay = 1s',
        'minimal_backoff_time = 1s',
        'maximal_backoff_time = 2s',
        ...(options.main ?? []).map((line) => line.replaceAll('$conf', join(this.dir, 'conf'))),
        '',
      ].join('\n'),
    );
    for (const [name, text] of Object.entries(options.files ?? {}))
      writeFileSync(join(this.dir, 'conf', name), text);
    writeFileSync(
      join(this.dir, 'conf/master.cf'),
      `${this.address}:${port} inet n - n - - smtpd\n${SERVICES}`,
    );
  }

  start(): void {
    try {
      execFileSync('/usr/sbin/postfix', ['-c', join(this.dir, 'conf'), 'start'], { stdio: 'pipe' });
    } catch (err) {
      // Postfix says on stderr (and in its log) which setting it refused.
      const stderr = String((err as { stderr?: Buffer }).stderr ?? '');
      throw new Error(`postfix start failed: ${stderr.trim()}\n${this.log()}`, { cause: err });
    }
  }

  /** The mail log (delivery status lines). */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'maillog'), 'utf8');
    } catch {
      return '';
    }
  }

  stop(): void {
    try {
      execFileSync('/usr/sbin/postfix', ['-c', join(this.dir, 'conf'), 'stop'], { stdio: 'pipe' });
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function uidOf(user: string): number {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`no ${user} user (is postfix installed?)`);
  return Number(line.split(':')[2]);
}

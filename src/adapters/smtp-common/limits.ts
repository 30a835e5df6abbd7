/**
 * What keeps one client from holding an SMTP listener: a cap on the sessions a listener admits and on those of
 * one client address (an IPv6 client counts by its /64, which one host usually has whole), a deadline for the
 * implicit-TLS handshake, and a limit on commands that do not move a session forward (NOOP, RSET, …), which
 * would otherwise keep an idle session open for ever because any byte resets smtp-server's idle timer.
 */
import { isIPv6 } from 'node:net';
import type { Socket } from 'node:net';
import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { SmtpReply } from './replies.ts';

export interface SessionLimits {
  /** Sessions the listener admits at once. */
  maxConnections: number;
  /** Sessions of one client address (IPv4 address, IPv6 /64) at once. */
  maxPerAddress: number;
  /** Told of each admitted session and of its end (telemetry). */
  onSession?: ((delta: 1 | -1) => void) | undefined;
}

/** The address a client is counted by: an IPv4 address as is, an IPv6 address by its /64 prefix. */
export function clientKey(remoteAddress: string): string {
  const ip = remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Counts the sessions a listener admitted (onConnect) and releases only those (onClose): a session refused
 * at connect never counted, so its close must not free a place.
 */
export class SessionGate {
  readonly #limits: SessionLimits;
  readonly #admitted = new Map<string, string>();
  readonly #perClient = new Map<string, number>();

  constructor(limits: SessionLimits) {
    this.#limits = limits;
  }

  /** Admits the session, or says with which reply (421) it is refused. */
  admit(session: SMTPServerSession, hostname: string): SmtpReply | undefined {
    if (this.#admitted.size >= this.#limits.maxConnections)
      return { code: 421, message: `${hostname} Too many concurrent SMTP connections, try again later` };
    const key = clientKey(session.remoteAddress);
    const n = this.#perClient.get(key) ?? 0;
    if (n >= this.#limits.maxPerAddress)
      return {
        code: 421,
        message: `${hostname} Too many concurrent SMTP connections from your address, try again later`,
      };
    this.#perClient.set(key, n + 1);
    this.#admitted.set(session.id, key);
    this.#limits.onSession?.(1);
    return undefined;
  }

  release(session: SMTPServerSession): void {
    const key = this.#admitted.get(session.id);
    if (key === undefined) return;
    this.#admitted.delete(session.id);
    this.#limits.onSession?.(-1);
    const n = (this.#perClient.get(key) ?? 1) - 1;
    if (n > 0) this.#perClient.set(key, n);
    else this.#perClient.delete(key);
  }

  get size(): number {
    return this.#admitted.size;
  }
}

/**
 * Closes an implicit-TLS connection whose handshake has not completed within `ms` (smtp-server's own guard
 * waits the whole idle timeout). smtp-server keeps such sockets in `_pendingSockets` until the session starts.
 */
export function limitHandshake(server: SMTPServer, ms: number): void {
  const pending = (server as unknown as { _pendingSockets?: unknown })._pendingSockets;
  if (!(pending instanceof Map))
    throw new Error('smtp-server no longer keeps _pendingSockets: revisit limitHandshake');
  const sockets = pending as Map<Socket, Socket>;
  server.server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => {
      // The TLS socket once the handshake has begun (as smtp-server's own handshake timeout does): destroying
      // the raw socket under a TLS handshake in progress tears the TLS wrap down from below.
      sockets.get(socket)?.destroy();
    }, ms);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}

/** Commands that answer without moving a session towards a message (RFC 5321 §4.1.1.5, .9, .10, .6). */
const JUNK_COMMANDS = new Set(['NOOP', 'RSET', 'HELP', 'VRFY', 'EXPN']);
/** Postfix's smtpd_junk_command_limit. */
export const JUNK_COMMAND_LIMIT = 100;

interface ConnectionInternals {
  _server: SMTPServer & { options: { socketTimeout?: number } };
  name: string;
  send(code: number, message: string): void;
  _sesameJunk?: number;
  _sesameProgressAt?: number;
  _onCommand: (this: ConnectionInternals, command: Buffer, callback: () => void) => void;
}

const junkLimited = new WeakSet<SMTPServer>();
let junkPatched = false;
export const originalOnCommand = (SMTPConnection.prototype as unknown as ConnectionInternals)._onCommand;

/**
 * On this server, NOOP and its kind do not keep a session alive: past the idle timeout since the last command
 * that moved the session forward (or past JUNK_COMMAND_LIMIT of them in a row) the session is closed with 421.
 */
export function limitJunkCommands(server: SMTPServer): void {
  junkLimited.add(server);
  if (junkPatched) return;
  junkPatched = true;
  const proto = SMTPConnection.prototype as unknown as ConnectionInternals;
  proto._onCommand = function (this: ConnectionInternals, command: Buffer, callback: () => void) {
    if (junkLimited.has(this._server)) {
      const now = Date.now();
      this._sesameProgressAt ??= now;
      const name = (command || '').toString().split(' ', 1)[0]!.toUpperCase();
      if (JUNK_COMMANDS.has(name)) {
        this._sesameJunk = (this._sesameJunk ?? 0) + 1;
        const idleMs = this._server.options.socketTimeout ?? 60_000;
        if (this._sesameJunk > JUNK_COMMAND_LIMIT || now - this._sesameProgressAt > idleMs) {
          // A 421 closes the connection (smtp-server's send).
          this.send(421, `${this.name} Too many commands without a mail transaction, closing connection`);
          return;
        }
      } else {
        this._sesameJunk = 0;
        this._sesameProgressAt = now;
      }
    }
    return originalOnCommand.call(this, command, callback);
  };
}

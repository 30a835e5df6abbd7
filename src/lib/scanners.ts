/**
 * Clients of the two content scanners receiving can use, each a few lines over a socket (no client library):
 * SpamAssassin's `spamd` (SPAMC/1.5 `CHECK`) and ClamAV's `clamd` (`zINSTREAM`). Both speak to `host:port`.
 */
import { connect } from 'node:net';

export interface ScannerAddress {
  host: string;
  port: number;
  timeoutMs?: number;
}

/** `host:port` (IPv6 in brackets) as a scanner address. */
export function scannerAddress(value: string, timeoutMs?: number): ScannerAddress {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value);
  if (!m) throw new Error(`a scanner address is host:port, got "${value}"`);
  return { host: m[1]!, port: Number(m[2]), ...(timeoutMs ? { timeoutMs } : {}) };
}

/** Sends `request`, reads the whole answer (the scanner closes the connection when it is done). */
function exchange(address: ScannerAddress, request: (write: (b: Buffer) => void) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(address.port, address.host);
    const chunks: Buffer[] = [];
    const timer = setTimeout(
      () =>
        socket.destroy(
          new Error(
            `no answer from ${address.host}:${address.port} within ${address.timeoutMs ?? 30_000} ms`,
          ),
        ),
      address.timeoutMs ?? 30_000,
    );
    socket.on('connect', () => request((b) => socket.write(b)));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

export interface SpamResult {
  spam: boolean;
  score: number;
  threshold: number;
}

/** spamd: `CHECK SPAMC/1.5`, answered `SPAMD/1.1 0 EX_OK` and `Spam: True ; 1003.3 / 5.0`. */
export async function spamdCheck(address: ScannerAddress, message: Buffer): Promise<SpamResult> {
  const answer = await exchange(address, (write) => {
    write(Buffer.from(`CHECK SPAMC/1.5\r\nContent-length: ${message.length}\r\n\r\n`));
    write(message);
  });
  const status = /^SPAMD\/\d\.\d+ (\d+) (\S+)/.exec(answer);
  if (!status || status[1] !== '0')
    throw new Error(`spamd answered: ${answer.split('\r\n')[0]?.slice(0, 200)}`);
  const verdict = /^Spam: (True|False|Yes|No) ; (-?[\d.]+) \/ (-?[\d.]+)/im.exec(answer);
  if (!verdict) throw new Error('spamd gave no Spam: line');
  return {
    spam: verdict[1] === 'True' || verdict[1] === 'Yes',
    score: Number(verdict[2]),
    threshold: Number(verdict[3]),
  };
}

export interface VirusResult {
  infected: boolean;
  /** The signature found, when infected. */
  name: string | null;
}

/** clamd: `zINSTREAM`, the message in length-prefixed chunks, a zero-length chunk; `stream: OK` or `… FOUND`. */
export async function clamdScan(address: ScannerAddress, message: Buffer): Promise<VirusResult> {
  const answer = await exchange(address, (write) => {
    write(Buffer.from('zINSTREAM\0'));
    for (let i = 0; i < message.length; i += 64 * 1024) {
      const chunk = message.subarray(i, i + 64 * 1024);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(chunk.length);
      write(length);
      write(chunk);
    }
    write(Buffer.alloc(4));
  });
  const line = answer.replace(/\0/g, '').trim();
  const found = /^stream: (.+) FOUND$/.exec(line);
  if (found) return { infected: true, name: found[1]! };
  if (line === 'stream: OK') return { infected: false, name: null };
  throw new Error(`clamd answered: ${line.slice(0, 200)}`);
}

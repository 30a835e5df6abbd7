/**
 * smtp-server's DATA parser (SMTPStream._feedDataStream) looks for a dot at the start of a line one byte at a
 * time in JavaScript: 8 % of the main thread when relaying 100 KB messages. This is the same method with that
 * search done by Buffer.indexOf over "\n." — the rest is smtp-server 3.18's code as it is, including its
 * defences (a terminator is only honoured where smtp-server honours one). A test feeds both versions the same
 * messages cut into chunks at every position and compares what they emit; it fails if an upgrade changes the
 * method this replaces.
 */
import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import type { PassThrough } from 'node:stream';

const END_SEQUENCE = Buffer.from('\r\n.\r\n');
const LINE_START_DOT = Buffer.from('\n.');
const DATA_START_END = Buffer.from('.\r\n');

interface SmtpStreamInternals {
  _dataStream: PassThrough;
  _lastBytes: Buffer | false;
  _atDataStart: boolean;
  _countDataBytes(length: number): void;
  _endDataMode(chunk: Buffer | false, remainder: Buffer, done: () => void): void;
  _feedDataStream: (this: SmtpStreamInternals, chunk: Buffer, done: () => void) => void;
}

export const originalFeedDataStream = (SMTPStream.prototype as unknown as SmtpStreamInternals)
  ._feedDataStream;

export function feedDataStream(this: SmtpStreamInternals, input: Buffer, done: () => void): void {
  const dataStream = this._dataStream;
  let chunk = input;
  if (this._lastBytes && this._lastBytes.length) {
    chunk = Buffer.concat([this._lastBytes, chunk], this._lastBytes.length + chunk.length);
    this._lastBytes = false;
  }
  let len = chunk.length;
  // Only at the very start of the data can a leading "." end it (see smtp-server's comments on smuggling).
  if (this._atDataStart && len >= 3 && Buffer.compare(chunk.subarray(0, 3), DATA_START_END) === 0) {
    this._endDataMode(false, chunk.subarray(3), done);
    return;
  }
  if (this._atDataStart && len >= 2 && chunk[0] === 0x2e && chunk[1] === 0x2e) {
    chunk = chunk.subarray(1);
    len--;
    this._atDataStart = false;
  }
  // Each i is a dot that starts a line, from index 2 on and with two bytes after it (as smtp-server's loop).
  for (
    let i = chunk.indexOf(LINE_START_DOT, 1) + 1;
    i > 0 && i < len - 2;
    i = chunk.indexOf(LINE_START_DOT, i) + 1
  ) {
    if (Buffer.compare(chunk.subarray(i - 2, i + 3), END_SEQUENCE) === 0) {
      const buf = chunk.subarray(0, i);
      this._countDataBytes(buf.length);
      this._endDataMode(buf, chunk.subarray(i + 3), done);
      return;
    }
    if (chunk[i + 1] === 0x2e) {
      const buf = chunk.subarray(0, i);
      this._lastBytes = false;
      this._countDataBytes(buf.length);
      if (dataStream.writable) dataStream.write(buf);
      const rest = chunk.subarray(i + 1);
      setImmediate(() => this._feedDataStream(rest, done));
      return;
    }
  }
  this._lastBytes = chunk.length < 4 ? chunk : chunk.subarray(chunk.length - 4);
  if (this._lastBytes.length < chunk.length) {
    const buf = chunk.subarray(0, chunk.length - this._lastBytes.length);
    this._countDataBytes(buf.length);
    if (dataStream.writable) {
      const handled = dataStream.write(buf);
      if (!handled && !dataStream.destroyed) {
        // A stream that the application destroys never drains, it only closes.
        const onDrain = () => {
          dataStream.removeListener('drain', onDrain);
          dataStream.removeListener('close', onDrain);
          done();
        };
        dataStream.once('drain', onDrain);
        dataStream.once('close', onDrain);
      } else return done();
    } else return done();
  } else return done();
}

let installed = false;

/** Puts the indexOf-based parser in place for every SMTP server of this process (it emits the same bytes). */
export function fastDataPhase(): void {
  if (installed) return;
  installed = true;
  (SMTPStream.prototype as unknown as SmtpStreamInternals)._feedDataStream = feedDataStream;
}

/**
 * smtp-server's DATA parser (SMTPStream._feedDataStream), in two ways cheaper:
 * - it looks for a dot at the start of a line one byte at a time in JavaScript (8 % of the main thread when
 *   relaying 100 KB messages); here the search is Buffer.indexOf over "\n.";
 * - it copies every chunk once more, to put the few bytes kept from the previous chunk in front of it. A message
 *   that streams in at network speed then leaves twice its size in garbage buffers, and V8 collects them only
 *   64 MB at a time: the peak memory of a session over the size limit. Here a large chunk is not copied: the
 *   kept bytes are checked together with the chunk's first bytes (a line-start dot there can only need those)
 *   and written on their own.
 * The rest is smtp-server's code as it is, including its defences (a terminator is only honoured where
 * smtp-server honours one). A test feeds both versions the same messages cut into chunks at every position and
 * compares what they emit; it fails if an upgrade changes the method this replaces.
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

/** Chunks at least this long are not copied to join the bytes kept from the previous one. */
const SEAM_MIN = 8;

export function feedDataStream(this: SmtpStreamInternals, input: Buffer, done: () => void): void {
  const last = this._lastBytes;
  if (last && last.length && !this._atDataStart && input.length >= SEAM_MIN) {
    feedAcrossSeam.call(this, last, input, done);
    return;
  }
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
      if (!handled && !dataStream.destroyed) whenDrained(dataStream, done);
      else return done();
    } else return done();
  } else return done();
}

/** Calls `done` once the stream drains — or closes: a stream that the application destroys never drains. */
function whenDrained(dataStream: PassThrough, done: () => void): void {
  const onDrain = () => {
    dataStream.removeListener('drain', onDrain);
    dataStream.removeListener('close', onDrain);
    done();
  };
  dataStream.once('drain', onDrain);
  dataStream.once('close', onDrain);
}

/**
 * The same as feeding `last + chunk`, without building it: `last` (at most 4 bytes) is past the start of the
 * data and `chunk` has at least SEAM_MIN bytes. Index i below is in those joined bytes, ci in the chunk.
 */
function feedAcrossSeam(this: SmtpStreamInternals, last: Buffer, chunk: Buffer, done: () => void): void {
  const dataStream = this._dataStream;
  const kept = last.length;
  this._lastBytes = false;
  // A line-start dot whose 5-byte window reaches back into `last` (i < kept + 2) needs only these bytes.
  const seam = Buffer.concat([last, chunk.subarray(0, 4)], kept + 4);
  for (
    let i = seam.indexOf(LINE_START_DOT, 1) + 1;
    i > 0 && i < kept + 2;
    i = seam.indexOf(LINE_START_DOT, i) + 1
  ) {
    if (Buffer.compare(seam.subarray(i - 2, i + 3), END_SEQUENCE) === 0) {
      const buf = seam.subarray(0, i);
      this._countDataBytes(buf.length);
      this._endDataMode(buf, chunk.subarray(i + 3 - kept), done);
      return;
    }
    if (seam[i + 1] === 0x2e) {
      const buf = seam.subarray(0, i);
      this._countDataBytes(buf.length);
      if (dataStream.writable) dataStream.write(buf);
      // The rest starts after the escape dot: in the chunk, or still among the kept bytes.
      let rest = chunk;
      if (i + 1 >= kept) rest = chunk.subarray(i + 1 - kept);
      else this._lastBytes = last.subarray(i + 1);
      setImmediate(() => this._feedDataStream(rest, done));
      return;
    }
  }
  // The kept bytes go out on their own (a copy: the previous chunk's buffer need not stay alive for them).
  const head = seam.subarray(0, kept);
  const len = chunk.length;
  for (
    let ci = chunk.indexOf(LINE_START_DOT, 1) + 1;
    ci > 0 && ci < len - 2;
    ci = chunk.indexOf(LINE_START_DOT, ci) + 1
  ) {
    if (Buffer.compare(chunk.subarray(ci - 2, ci + 3), END_SEQUENCE) === 0) {
      this._countDataBytes(kept + ci);
      if (dataStream.writable) dataStream.write(head);
      this._endDataMode(chunk.subarray(0, ci), chunk.subarray(ci + 3), done);
      return;
    }
    if (chunk[ci + 1] === 0x2e) {
      this._countDataBytes(kept + ci);
      if (dataStream.writable) {
        dataStream.write(head);
        dataStream.write(chunk.subarray(0, ci));
      }
      const rest = chunk.subarray(ci + 1);
      setImmediate(() => this._feedDataStream(rest, done));
      return;
    }
  }
  this._lastBytes = chunk.subarray(len - 4);
  this._countDataBytes(kept + len - 4);
  if (!dataStream.writable) return done();
  dataStream.write(head);
  const handled = dataStream.write(chunk.subarray(0, len - 4));
  if (handled || dataStream.destroyed) return done();
  whenDrained(dataStream, done);
}

let installed = false;

/** Puts the indexOf-based parser in place for every SMTP server of this process (it emits the same bytes). */
export function fastDataPhase(): void {
  if (installed) return;
  installed = true;
  (SMTPStream.prototype as unknown as SmtpStreamInternals)._feedDataStream = feedDataStream;
}

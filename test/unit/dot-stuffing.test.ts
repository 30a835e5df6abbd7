import { describe, expect, it } from 'vitest';
import type { Transform } from 'node:stream';
import { stuffDots, withFastDotStuffing } from '../../src/mta/delivery/dot-stuffing.ts';

// nodemailer's own DataStream (not among its package exports), the reference for every output below.
const { default: DataStream } = (await import(
  new URL('./smtp-connection/data-stream.js', import.meta.resolve('nodemailer')).href
)) as { default: new () => Transform };

async function encode(chunks: string[], fast: boolean): Promise<string> {
  const stream = new DataStream();
  if (fast) withFastDotStuffing(stream);
  const out: Buffer[] = [];
  stream.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((r) => stream.on('end', r));
  for (const c of chunks) stream.write(Buffer.from(c, 'latin1'));
  stream.end();
  await ended;
  return Buffer.concat(out).toString('latin1');
}

const cases: [string, string[]][] = [
  ['plain CRLF text', ['Subject: x\r\n\r\nhello\r\nworld\r\n']],
  ['dots that start lines', ['.first\r\n..second\r\nmid.dle\r\n.\r\n.end']],
  ['a dot after a chunk that ended a line', ['line\r\n', '.dot\r\n', 'x']],
  ['a chunk boundary inside CRLF', ['line\r', '\n.dot\r\n']],
  ['lone LF', ['one\ntwo\r\n.three\n.four']],
  ['lone CR', ['one\rtwo\r.three\r\n']],
  ['a long message', [`${'a'.repeat(75)}\r\n.${'b'.repeat(74)}\r\n`.repeat(700)]],
  ['empty chunks', ['', 'x\r\n', '']],
];

describe('fast SMTP dot-stuffing', () => {
  it.each(cases)('%s: the same bytes as nodemailer’s DataStream', async (_name, chunks) => {
    expect(await encode(chunks, true)).toBe(await encode(chunks, false));
  });

  it('takes clean CRLF text itself and leaves lone line breaks to the byte loop', () => {
    expect(stuffDots(Buffer.from('.a\r\nb\r\n.c'), false)?.toString()).toBe('..a\r\nb\r\n..c');
    expect(stuffDots(Buffer.from('.a'), 0x61)?.toString()).toBe('.a');
    expect(stuffDots(Buffer.from('a\nb'), false)).toBeUndefined();
    expect(stuffDots(Buffer.from('a\rb'), false)).toBeUndefined();
    // An LF that starts a chunk completes the previous chunk's CR: that boundary is the byte loop's.
    expect(stuffDots(Buffer.from('\n.a'), 0x0d)).toBeUndefined();
    expect(stuffDots(Buffer.from('a\r'), false)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { feedDataStream, originalFeedDataStream } from '../../src/adapters/smtp-common/data-phase.ts';

type Feed = typeof feedDataStream;

/** Runs one SMTP conversation through an SMTPStream: DATA, the given bytes, and what follows the data. */
async function receive(
  feed: Feed,
  chunks: Buffer[],
): Promise<{ data: string; after: string[]; byteLength: number }> {
  const stream = new SMTPStream() as SMTPStream & { _feedDataStream: Feed };
  stream._feedDataStream = feed;
  const after: string[] = [];
  let data = '';
  let byteLength = -1;
  let ended!: () => void;
  const dataDone = new Promise<void>((r) => (ended = r));
  stream.oncommand = (command: Buffer, callback: () => void) => {
    const line = command.toString('binary');
    if (line === 'DATA') {
      const dataStream = stream.startDataMode();
      dataStream.on('data', (c: Buffer) => (data += c.toString('binary')));
      dataStream.on('end', () => {
        // The size smtp-server counts (what the size limit is checked against) must be the same too.
        byteLength = (dataStream as unknown as { byteLength: number }).byteLength;
        ended();
        stream.continue();
      });
    } else after.push(line);
    callback();
  };
  for (const c of chunks) await new Promise<void>((r) => stream.write(c, () => r()));
  await dataDone;
  await new Promise<void>((r) => stream.end(r));
  return { data, after, byteLength };
}

const messages = [
  'Subject: a\r\n\r\nplain body\r\n.\r\nQUIT\r\n',
  'Subject: b\r\n\r\n..escaped first\r\n..\r\nmiddle .. dots\r\n...three\r\n.\r\nNOOP\r\n',
  '..\r\nx\r\n.\r\n',
  '.\r\nRSET\r\n',
  'x\r\n.a\r\n.\r\nQUIT\r\n',
  'line\n.not a terminator\n.\r\nreal\r\n.\r\n',
  `${'a'.repeat(80)}\r\n..${'b'.repeat(70)}\r\n`.repeat(30) + '.\r\nQUIT\r\n',
  // Line-start dots every few bytes: every chunk boundary falls next to one somewhere.
  'a\r\n..b\r\n.\n..\r\n...\r\nc\n.d\r\n..\r\n'.repeat(40) + '.\r\nNOOP\r\n',
];

function cutEvery(message: string, at: number): Buffer[] {
  const bytes = Buffer.from(`DATA\r\n${message}`, 'binary');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += at) chunks.push(bytes.subarray(i, i + at));
  return chunks;
}

/** Cuts a message into chunks of pseudo-random sizes (1–200 bytes), the same for a given seed. */
function cutRandomly(message: string, seed: number): Buffer[] {
  const bytes = Buffer.from(`DATA\r\n${message}`, 'binary');
  const chunks: Buffer[] = [];
  let x = seed;
  for (let i = 0; i < bytes.length;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (x % 200);
    chunks.push(bytes.subarray(i, i + n));
    i += n;
  }
  return chunks;
}

describe('the indexOf-based DATA parser', () => {
  it.each(messages.map((m, i) => [i, m] as const))(
    'message %i: the same data and the same commands after it as smtp-server’s own, however it is cut',
    async (_i, message) => {
      // Chunks of 8 bytes and more take the path that does not copy them (seams at every offset).
      const sizes = [1, 2, 3, 4, 5, 6, 7, ...Array.from({ length: 40 }, (_, k) => 8 + k), 64, 81, 100_000];
      for (const at of sizes) {
        const chunks = cutEvery(message, at);
        expect(await receive(feedDataStream, chunks), `cut every ${at} bytes`).toEqual(
          await receive(originalFeedDataStream, chunks),
        );
      }
    },
  );

  it.each(messages.map((m, i) => [i, m] as const))(
    'message %i: the same as smtp-server’s own when cut at random (200 cuttings)',
    async (_i, message) => {
      for (let seed = 1; seed <= 200; seed++) {
        const chunks = cutRandomly(message, seed);
        expect(await receive(feedDataStream, chunks), `seed ${seed}`).toEqual(
          await receive(originalFeedDataStream, chunks),
        );
      }
    },
  );

  it('unescapes dots and stops at the terminator', async () => {
    const { data, after } = await receive(feedDataStream, cutEvery(messages[1]!, 100_000));
    expect(data).toBe('Subject: b\r\n\r\n.escaped first\r\n.\r\nmiddle .. dots\r\n..three\r\n');
    expect(after).toEqual(['NOOP']);
  });
});

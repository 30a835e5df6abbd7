/**
 * An SMTP receiver that offers PIPELINING and CHUNKING (smtp-server, the tests' usual sink, has no BDAT). It
 * reads a pipelined envelope up to its `BDAT <n> LAST` chunk or its DATA, and answers the whole batch at once
 * with `onChunk`'s replies (by default: every command accepted); DATA's body gets `onData`'s reply once its
 * final dot arrives. With `record`, it keeps each batch as it arrived and each DATA body (the unit tests read
 * them); without, it discards everything (the transport bench). Run as a program
 * (`node test/support/chunking-receiver.ts <port>`) it serves discarding on that port and prints `ready`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface ReceivedBatch {
  /** MAIL and RCPT commands of the batch, and the BDAT or DATA that ends it. */
  commands: number;
  /** Ended by DATA (its body follows after the replies), not by BDAT. */
  data: boolean;
}

export class ChunkingReceiver {
  /** Each batch as it arrived (with `record`): envelope, BDAT command and chunk. */
  readonly batches: string[] = [];
  /** Each DATA body, dot-stuffed as it arrived, without its final dot (with `record`). */
  readonly dataBodies: string[] = [];
  /** The replies to a batch, one per command; a last reply of 421 closes the connection. */
  onChunk: (socket: Socket, batch: ReceivedBatch) => string[] = (_socket, batch) => [
    ...Array.from({ length: batch.commands - 1 }, () => '250 2.1.0 Ok'),
    batch.data ? '354 Go ahead' : '250 2.0.0 Ok',
  ];
  onData: () => string = () => '250 2.0.0 Ok';
  port = 0;
  readonly #record: boolean;
  readonly #server: Server = createServer((socket) => this.#serve(socket));

  private constructor(record: boolean) {
    this.#record = record;
  }

  static async start(options: { port?: number; record?: boolean } = {}): Promise<ChunkingReceiver> {
    const receiver = new ChunkingReceiver(options.record ?? true);
    await new Promise<void>((resolve) => receiver.#server.listen(options.port ?? 0, '127.0.0.1', resolve));
    receiver.port = (receiver.#server.address() as { port: number }).port;
    return receiver;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #serve(socket: Socket): void {
    // Pipelined replies leave as they are ready (no Nagle), as a real MTA's do.
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.write('220 chunking.test ESMTP\r\n');
    let buffered: Buffer = Buffer.alloc(0);
    let inData = false;
    const reply = (lines: string[]) => {
      if (lines.length) socket.write(lines.map((l) => `${l}\r\n`).join(''));
      if (lines.at(-1)?.startsWith('421')) socket.end();
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      for (;;) {
        if (inData) {
          const end = buffered.indexOf('\r\n.\r\n');
          if (end < 0) return;
          if (this.#record) this.dataBodies.push(buffered.toString('latin1', 0, end + 2));
          buffered = buffered.subarray(end + 5);
          inData = false;
          socket.write(`${this.onData()}\r\n`);
          continue;
        }
        // The batch so far: MAIL and RCPT lines wait for the BDAT or DATA that ends it.
        let at = 0;
        let commands = 0;
        let ended: { end: number; data: boolean } | undefined;
        let single: string | undefined;
        for (;;) {
          const nl = buffered.indexOf('\r\n', at);
          if (nl < 0) break;
          const line = buffered.toString('latin1', at, nl);
          const verb = line.slice(0, 4).toUpperCase();
          at = nl + 2;
          if (verb === 'MAIL' || verb === 'RCPT') {
            commands++;
            continue;
          }
          if (commands === 0 && verb !== 'BDAT' && verb !== 'DATA') single = verb;
          else if (verb === 'BDAT') {
            const size = Number(/^BDAT (\d+)/i.exec(line)?.[1]);
            ended = { end: at + size, data: false };
          } else ended = { end: at, data: true };
          break;
        }
        if (single !== undefined) {
          buffered = buffered.subarray(at);
          if (single === 'EHLO')
            socket.write(
              '250-chunking.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 100000000\r\n250 CHUNKING\r\n',
            );
          else if (single === 'QUIT') socket.end('221 2.0.0 Bye\r\n');
          else socket.write('250 2.0.0 Ok\r\n');
          continue;
        }
        if (!ended || buffered.length < ended.end) return;
        if (this.#record && !ended.data) this.batches.push(buffered.toString('latin1', 0, ended.end));
        buffered = buffered.subarray(ended.end);
        inData = ended.data;
        reply(this.onChunk(socket, { commands: commands + 1, data: ended.data }));
      }
    });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await ChunkingReceiver.start({ port: Number(process.argv[2]), record: false });
  process.stdout.write('ready\n');
}

/**
 * The SMTP transport (mta/delivery/transport-worker.ts behind session.ts), on both of its carriers: the
 * transport thread (SESAME_DELIVERY_THREAD; the main thread then holds no socket of its connections) and
 * the main thread. Results, refusals with nodemailer's fields, and a server hanging up all reach the handle.
 */
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpSession, type SmtpError } from '../../src/mta/delivery/session.ts';
import { ChunkingReceiver } from '../support/chunking-receiver.ts';
import { freePort } from '../support/sesame.ts';
import { SmtpSink } from '../support/smtp-sink.ts';

const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

for (const thread of [true, false])
  describe(`SMTP sessions ${thread ? 'on the transport thread' : 'in the main thread'}`, () => {
    let sink: SmtpSink;
    beforeAll(async () => {
      sink = await new SmtpSink('127.0.0.1', await freePort()).start();
    });
    afterAll(() => sink.stop());

    const open = () =>
      SmtpSession.open(
        { address: '127.0.0.1', port: sink.port, servername: 'sink.test' },
        { name: 'mta.sesame.test', timeoutMs: 5000, thread },
      );

    it(`delivers over a connection whose client socket is ${thread ? 'not ' : ''}on the main thread`, async () => {
      // Earlier tests' connections (this sink's, or the previous suite's receivers') may still be closing in
      // this process: count from none open (up to 5 s; this file holds no other TCP sockets between tests).
      for (const deadline = Date.now() + 5000; sink.open > 0 || tcpHandles() > 0;) {
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const before = tcpHandles();
      const session = await open();
      // The sink's side of the connection is on this thread; the client's side only without the thread.
      expect(tcpHandles()).toBe(before + (thread ? 1 : 2));
      expect(session.supports('pipelining')).toBe(true);
      // The sink offers STARTTLS: the handshake happened on the transport thread too.
      expect(session.secure).toBe(true);
      const body = Buffer.from('Subject: t\r\n\r\n.a line with a leading dot\r\nend\r\n');
      const info = await session.send('bounce@sesame.test', ['a@dest.test', 'b@dest.test'], body, false);
      expect(info.accepted).toEqual(['a@dest.test', 'b@dest.test']);
      expect(info.response).toMatch(/^250 .*Message queued as test/);
      expect(sink.messages.at(-1)?.raw.toString()).toBe(body.toString());
      const closed = new Promise<void>((r) => session.whenClosed(r));
      session.close();
      await closed;
      expect(session.usable).toBe(false);
    });

    it('a refused recipient and a refused DATA keep their replies', async () => {
      sink.rcptReplies.set('no@dest.test', ['550 5.1.1 No such user']);
      const session = await open();
      const info = await session.send(
        'bounce@sesame.test',
        ['no@dest.test', 'yes@dest.test'],
        Buffer.from('x\r\n'),
        false,
      );
      expect(info.rejected).toEqual(['no@dest.test']);
      expect(info.rejectedErrors?.[0]).toMatchObject({ recipient: 'no@dest.test', responseCode: 550 });
      sink.dataReply = '554 5.7.1 Message rejected';
      const refused = (await session
        .send('bounce@sesame.test', ['yes@dest.test'], Buffer.from('x\r\n'), false)
        .catch((e: unknown) => e)) as SmtpError;
      sink.dataReply = undefined;
      expect(refused).toBeInstanceOf(Error);
      expect(refused).toMatchObject({ responseCode: 554, command: 'DATA' });
      expect(refused.response).toMatch(/554 5\.7\.1 Message rejected/);
      expect(await session.reset()).toBe(true);
      session.close();
    });

    it('a connection the server drops is no longer usable, and says so to whoever waits for it', async () => {
      const sockets: Socket[] = [];
      const server = createServer((socket) => {
        sockets.push(socket);
        socket.write('220 hangup.test ESMTP\r\n');
        socket.on('data', (d) => {
          if (/^EHLO/i.test(d.toString())) socket.write('250-hangup.test\r\n250 PIPELINING\r\n');
        });
      });
      const port = await freePort();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      try {
        const session = await SmtpSession.open(
          { address: '127.0.0.1', port, servername: 'hangup.test' },
          { name: 'mta.sesame.test', timeoutMs: 5000, thread },
        );
        expect(session.usable).toBe(true);
        const closed = new Promise<void>((r) => session.whenClosed(r));
        for (const s of sockets) s.destroy();
        await closed;
        expect(session.usable).toBe(false);
      } finally {
        server.close();
      }
    });

    describe('BDAT to a server that offers CHUNKING', () => {
      let server: ChunkingReceiver;
      beforeAll(async () => {
        server = await ChunkingReceiver.start();
      });
      afterAll(() => server.stop());
      const openChunking = () =>
        SmtpSession.open(
          { address: '127.0.0.1', port: server.port, servername: 'chunking.test' },
          { name: 'mta.sesame.test', timeoutMs: 5000, thread },
        );

      it('sends the envelope and one BDAT LAST chunk in one go, the bytes unstuffed', async () => {
        server.onChunk = () => ['250 2.1.0 ok', '250 2.1.5 ok', '250 2.0.0 7 bytes queued'];
        const session = await openChunking();
        expect(session.supports('chunking')).toBe(true);
        const body = Buffer.from('.a\r\n..\r\n');
        const info = await session.send('bounce@sesame.test', ['a@dest.test'], body, false);
        expect(info).toMatchObject({ accepted: ['a@dest.test'], response: '250 2.0.0 7 bytes queued' });
        // Nothing waited for a reply between the commands: they and the chunk came as one write.
        expect(server.batches.at(-1)).toBe(
          `MAIL FROM:<bounce@sesame.test> SIZE=${body.length}\r\nRCPT TO:<a@dest.test>\r\n` +
            `BDAT ${body.length} LAST\r\n${body.toString()}`,
        );
        // A body with a lone LF goes by DATA, whose encoder repairs it.
        server.onChunk = () => ['250 ok', '250 ok', '354 go on'];
        server.onData = () => '250 2.0.0 by data';
        const byData = await session.send(
          'bounce@sesame.test',
          ['a@dest.test'],
          Buffer.from('x\ny\r\n'),
          false,
        );
        expect(byData.response).toBe('250 2.0.0 by data');
        expect(server.dataBodies.at(-1)).toBe('x\r\ny\r\n');
        session.close();
      });

      it('a refused sender fails the message with its reply; the session stays in step', async () => {
        server.onChunk = () => [
          '550 5.7.1 sender refused',
          '503 5.5.1 no sender',
          '503 5.5.1 no valid recipients',
        ];
        const session = await openChunking();
        const err = (await session
          .send('bounce@sesame.test', ['a@dest.test'], Buffer.from('x\r\n'), false)
          .catch((e: unknown) => e)) as SmtpError;
        expect(err).toMatchObject({ responseCode: 550, command: 'MAIL FROM', code: 'EENVELOPE' });
        expect(await session.reset()).toBe(true);
        server.onChunk = () => ['250 ok', '250 ok', '250 2.0.0 after'];
        expect(
          (await session.send('b@sesame.test', ['a@dest.test'], Buffer.from('y\r\n'), false)).response,
        ).toBe('250 2.0.0 after');
        session.close();
      });

      it('a 421 to the chunk ends the transaction with that reply and the connection', async () => {
        server.onChunk = () => ['250 ok', '250 ok', '421 4.3.2 Service shutting down'];
        const session = await openChunking();
        const closed = new Promise<void>((r) => session.whenClosed(r));
        const err = (await session
          .send('bounce@sesame.test', ['a@dest.test'], Buffer.from('x\r\n'), false)
          .catch((e: unknown) => e)) as SmtpError;
        expect(err).toBeInstanceOf(Error);
        expect(err.responseCode).toBe(421);
        await closed;
        expect(session.usable).toBe(false);
      });

      it('a connection lost before the chunk is answered fails the message without a reply code', async () => {
        server.onChunk = (socket) => {
          socket.write('250 ok\r\n250 ok\r\n');
          setTimeout(() => socket.destroy(), 20);
          return [];
        };
        const session = await openChunking();
        const err = (await session
          .send('bounce@sesame.test', ['a@dest.test'], Buffer.from('x\r\n'), false)
          .catch((e: unknown) => e)) as SmtpError;
        expect(err).toBeInstanceOf(Error);
        expect(err.code).toBe('ECONNECTION');
        expect(err.responseCode).toBeUndefined();
      });
    });

    it('a connection refused fails open with the socket error', async () => {
      const port = await freePort();
      const err = (await SmtpSession.open(
        { address: '127.0.0.1', port, servername: 'nothing.test' },
        { name: 'mta.sesame.test', timeoutMs: 2000, thread },
      ).catch((e: unknown) => e)) as SmtpError;
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe('ESOCKET');
      expect(err.message).toMatch(/ECONNREFUSED/);
    });
  });

/**
 * SESAME_DELIVERY_THREAD=1: a node whose outbound SMTP connections live on the transport thread delivers
 * what it accepts — signed, one connection reused — exactly as with the connections on its main thread.
 */
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { deliveredId, startNodeFixture } from '../support/node-fixture.ts';

describe('delivery on the transport thread', () => {
  it('delivers every accepted message, DKIM-signed, over reused connections', async () => {
    const fixture = await startNodeFixture({ env: { SESAME_DELIVERY_THREAD: 'true' } });
    try {
      const client = fixture.client();
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await client.send(
          new SendEmailCommand({
            FromEmailAddress: 'thread@sender.test',
            Destination: { ToAddresses: [`t${i}@dest.test`] },
            Content: { Simple: { Subject: { Data: `thread ${i}` }, Body: { Text: { Data: `.${i}\n` } } } },
          }),
        );
        ids.push(res.MessageId!);
      }
      expect(await fixture.undelivered(ids, 30_000)).toEqual([]);
      const got = fixture.sink.messages.filter((m) => ids.includes(deliveredId(m.raw) ?? ''));
      expect(got).toHaveLength(40);
      for (const m of got)
        expect(m.raw.toString()).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256;[^]*d=sender\.test/m);
      // A body line starting with a dot arrives as sent (dot-stuffing on the thread, unstuffed by the sink).
      expect(got[0]!.raw.toString()).toMatch(/\r\n\.\d+\r\n/);
      expect(Math.max(...got.map((m) => m.transactionInConnection))).toBeGreaterThan(1);
    } finally {
      await fixture.close();
    }
  }, 60_000);
});

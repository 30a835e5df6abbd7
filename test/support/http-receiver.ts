/**
 * A loopback HTTP endpoint standing in for an SNS subscriber: records every POST (headers and parsed body),
 * confirms subscriptions by visiting their SubscribeURL when asked, and answers with a chosen status.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Received {
  headers: IncomingHttpHeaders;
  body: Record<string, string>;
  /** The body as sent. */
  raw: string;
}

export class HttpReceiver {
  readonly received: Received[] = [];
  /** Status to answer with (e.g. 500 to make deliveries fail). */
  status = 200;
  autoConfirm = true;
  /** A response body for a request (e.g. a Lambda-style disposition); none by default. */
  reply: ((r: Received) => string | undefined) | undefined;
  #server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: Record<string, string>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
        } catch {
          body = { raw: Buffer.concat(chunks).toString('utf8') };
        }
        const received = { headers: req.headers, body, raw: Buffer.concat(chunks).toString('utf8') };
        this.received.push(received);
        if (this.autoConfirm && body.Type === 'SubscriptionConfirmation' && body.SubscribeURL)
          void fetch(body.SubscribeURL);
        const answer = this.reply?.(received);
        res.writeHead(this.status, answer ? { 'content-type': 'application/json' } : {}).end(answer);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as { port: number }).port}/sns`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  /**
   * Notifications (Type Notification) whose Message is JSON (SES events), parsed. SES also publishes a plain
   * text message when a topic becomes an event destination ("Successfully validated SNS topic…"): a consumer
   * of real SES must skip it too, so this does; `texts()` returns such messages.
   */
  notifications(): Record<string, any>[] {
    return this.received
      .filter((r) => r.body.Type === 'Notification' && r.body.Message?.startsWith('{'))
      .map((r) => JSON.parse(r.body.Message!) as Record<string, any>);
  }

  /** Notifications whose Message is plain text. */
  texts(): string[] {
    return this.received
      .filter((r) => r.body.Type === 'Notification' && !r.body.Message?.startsWith('{'))
      .map((r) => r.body.Message ?? '');
  }
}

// Minimal types for mailsplit (MIME splitter/rewriter/joiner by the author of nodemailer; ships no types).
declare module 'mailsplit' {
  import { Transform } from 'node:stream';

  export interface MimeNode {
    contentType: string | false;
    charset: string | false;
    disposition: string | false;
    headers: {
      get(key: string): string[];
      add(key: string, value: string): void;
      update(key: string, value: string): void;
    };
  }

  export class Splitter extends Transform {
    constructor(options?: Record<string, unknown>);
  }
  export class Joiner extends Transform {}
  export class Streamer extends Transform {
    constructor(filter: (node: MimeNode) => boolean);
    on(
      event: 'node',
      listener: (data: { node: MimeNode; decoder: NodeJS.ReadableStream; done: () => void }) => void,
    ): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  export class Rewriter extends Transform {
    constructor(filter: (node: MimeNode) => boolean);
    on(
      event: 'node',
      listener: (data: {
        node: MimeNode;
        decoder: NodeJS.ReadableStream;
        encoder: NodeJS.WritableStream;
      }) => void,
    ): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}

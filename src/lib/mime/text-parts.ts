/** Editing the text parts of a MIME message in place (mailsplit walks the tree; other parts pass untouched). */
import { Readable } from 'node:stream';
import { Joiner, Rewriter, Splitter } from 'mailsplit';
import { toCrlf } from '../line-breaks.ts';

/**
 * Edits the text parts of the given content types (never attachments), decoded from their transfer encoding
 * and encoded back; everything else passes through untouched. The text is handed over as latin1, which keeps
 * every byte as it is: edits that touch only ASCII survive any ASCII-compatible charset.
 */
export async function rewriteTextParts(
  message: Buffer,
  contentTypes: string[],
  edit: (text: string, contentType: string) => string,
): Promise<Buffer> {
  const rewriter = new Rewriter(
    (node) => contentTypes.includes(node.contentType || '') && node.disposition !== 'attachment',
  );
  rewriter.on('node', ({ node, decoder, encoder }) => {
    const chunks: Buffer[] = [];
    decoder.on('data', (c: Buffer) => chunks.push(c));
    decoder.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      encoder.end(Buffer.from(edit(text, node.contentType || ''), 'latin1'));
    });
  });
  const out: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const joiner = new Joiner();
    joiner.on('data', (c: Buffer) => out.push(c));
    joiner.on('end', resolve);
    joiner.on('error', reject);
    Readable.from([message]).pipe(new Splitter()).pipe(rewriter).pipe(joiner);
  });
  // mailsplit's encoders end re-encoded lines with LF; SMTP sends CRLF, and DKIM must sign what is sent.
  return toCrlf(Buffer.concat(out));
}

import { describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer';
import {
  composerOptions,
  type SimpleMessage,
  writeMimeTree,
  toCrlf,
  writeSimpleText,
} from '../../src/lib/mime/index.ts';
import { quotedPrintableText } from '../../src/lib/mime/quoted-printable.ts';
import { parseMailboxes } from '../../src/lib/mime/addresses.ts';
import addressparser from 'nodemailer/lib/addressparser';
import * as qp from 'nodemailer/lib/qp';
import { hasLongerLines } from 'nodemailer/lib/mime-funcs';
import { hasLongerLines76 } from '../../src/lib/mime/compose.ts';

type ComposerOptions = ConstructorParameters<typeof MailComposer>[0];

const base = {
  from: 'Sender <sender@example.com>',
  to: ['a@example.com', 'Ünïcode Nàme <b@example.com>'],
  messageId: '<id@example.com>',
  date: new Date(0),
  disableFileAccess: true,
  disableUrlAccess: true,
};

const longLine = 'word '.repeat(40);
const cases: [string, ComposerOptions][] = [
  ['short ASCII text (7bit)', { ...base, subject: 'Hello', text: 'Hi there\nsecond line' }],
  ['a long ASCII line (quoted-printable)', { ...base, subject: 'Hi', text: 'x'.repeat(2048) }],
  ['trailing whitespace before line ends', { ...base, subject: 'Hi', text: `tail  \nmore\t\n${longLine}` }],
  [
    'mostly non-Latin text (base64)',
    { ...base, subject: 'Привет мир', text: 'Привет, как дела? '.repeat(20) },
  ],
  [
    'Latin text with accents (quoted-printable)',
    { ...base, subject: 'Héllo', text: 'Grüße aus Köln. '.repeat(10) },
  ],
  [
    'text and HTML (multipart/alternative)',
    { ...base, subject: 'Both', text: 'plain', html: `<p>${longLine}</p>` },
  ],
  ['a text ending in CR', { ...base, subject: 'CR', text: 'ends with\r' }],
  ['empty text', { ...base, subject: 'Empty', text: '' }],
  ['custom headers', { ...base, subject: 'H', text: 'x', headers: [{ key: 'X-Tag', value: 'värde' }] }],
  [
    'attachments (multipart/mixed)',
    {
      ...base,
      subject: 'Files',
      text: 'see attached',
      html: '<p>see <img src="cid:logo@x"></p>',
      attachments: [
        { filename: 'report.pdf', content: Buffer.from([0, 1, 2, 13, 10, 255]) },
        { filename: 'logo.png', content: Buffer.alloc(300, 7), cid: 'logo@x', contentDisposition: 'inline' },
        { filename: 'notes.txt', content: Buffer.from('line\nline two\n'), contentTransferEncoding: '7bit' },
        { filename: 'big.bin', content: Buffer.alloc(100_000, 'ab\u00ff') },
      ],
    },
  ],
  [
    'a quoted-printable attachment with lone CR and LF (binary)',
    {
      ...base,
      subject: 'QP',
      text: 'x',
      attachments: [
        {
          filename: 'a.bin',
          content: Buffer.from('a\rb\nc \r\n'),
          contentTransferEncoding: 'quoted-printable',
        },
      ],
    },
  ],
];

describe('MIME messages written without streams', () => {
  it.each(cases)('%s: the same bytes as MailComposer’s stream build', async (_name, options) => {
    const written = writeMimeTree(new MailComposer(options).compile());
    expect(written).toBeDefined();
    // The same tree built twice differs only in its random boundaries; build both from one compiled tree.
    const tree = new MailComposer(options).compile();
    expect(writeMimeTree(tree)!.toString('latin1')).toBe((await tree.build()).toString('latin1'));
  });
});

describe('simple messages written directly', () => {
  const simple = (over: Partial<SimpleMessage>): SimpleMessage => ({
    from: 'sender@example.com',
    to: ['a@example.com'],
    cc: [],
    replyTo: [],
    subject: 'Hello',
    headers: [],
    attachments: [],
    messageIdHeader: '<0100-abc-000000@email.example.com>',
    date: new Date(Date.UTC(2026, 10, 23, 12, 0, 0)),
    ...over,
  });
  /** What MailComposer writes for the same message, with the same boundary. */
  const composed = (m: SimpleMessage, baseBoundary: string) =>
    new MailComposer({ ...composerOptions(m), baseBoundary }).compile().build();

  const texts = [
    'Hi there\nsecond line',
    'x'.repeat(2048),
    `${'word '.repeat(15)}\n${'y'.repeat(76)}\n${'z'.repeat(77)}`,
    'Grüße aus Köln. '.repeat(10),
    'Привет, как дела? '.repeat(20),
    'tab\tand CR\r and CRLF\r\n and trailing space \n',
    'ctrl \x01 char',
  ];
  const fast: [string, SimpleMessage][] = [
    ...texts.map((text, i) => [`text ${i}`, simple({ text })] as [string, SimpleMessage]),
    ...texts.map((html, i) => [`html ${i}`, simple({ html })] as [string, SimpleMessage]),
    ['text and html', simple({ text: texts[0], html: `<p>${texts[3]}</p>` })],
    [
      'named and several addresses',
      simple({
        from: 'News Desk <news@example.com>',
        to: ['a@example.com', 'B_2 <b@example.org>'],
        cc: ['c@example.net'],
        replyTo: ['reply@example.com'],
        text: 'x',
      }),
    ],
    ['a whitespace-only subject (no Subject field)', simple({ subject: '  ', text: 'x' })],
    ['a subject of 66 characters', simple({ subject: 's'.repeat(66), text: 'x' })],
    ['a long subject (folded)', simple({ subject: 'word '.repeat(30), text: 'x' })],
    [
      'a long Message-ID (folded)',
      simple({ messageIdHeader: `<${'0'.repeat(90)}@mx.example.com>`, text: 'x' }),
    ],
    [
      'many recipients (folded To)',
      simple({ to: Array.from({ length: 8 }, (_, i) => `r${i}@example.com`), text: 'x' }),
    ],
  ];
  it.each(fast)('%s: the same bytes as MailComposer', async (_name, m) => {
    const written = writeSimpleText(m, '0123456789abcdef');
    expect(written).toBeDefined();
    expect(written!.toString('latin1')).toBe((await composed(m, '0123456789abcdef')).toString('latin1'));
  });

  const slow: [string, SimpleMessage][] = [
    ['a non-ASCII subject', simple({ subject: 'Grüße', text: 'x' })],
    ['an encoded-word-like subject', simple({ subject: '=?utf-8?q?x?=', text: 'x' })],
    ['a quoted display name', simple({ from: '"Doe, Jane" <jane@example.com>', text: 'x' })],
    ['a non-ASCII display name', simple({ to: ['Jöhn <j@example.com>'], text: 'x' })],
    ['an upper-case domain', simple({ to: ['a@Example.com'], text: 'x' })],
    ['custom headers', simple({ headers: [{ name: 'X-Tag', value: 'v' }], text: 'x' })],
    ['an empty text', simple({ text: '', html: '<p>x</p>' })],
  ];
  it.each(slow)('%s: left to MailComposer', (_name, m) => {
    expect(writeSimpleText(m)).toBeUndefined();
  });
});

describe('quoted-printable text without the encoder stream', () => {
  /** What nodemailer's qp.Encoder writes for the whole text at once (as MimeNode feeds it). */
  const encoded = (text: string): string => {
    const encoder = new qp.Encoder({ binary: false });
    const out: string[] = [];
    encoder.push = (chunk: string | Buffer | null) => {
      if (chunk !== null) out.push(chunk.toString());
      return true;
    };
    encoder._transform(Buffer.from(text), 'buffer' as BufferEncoding, () => undefined);
    encoder._flush(() => undefined);
    return out.join('');
  };
  // Tokens that exercise every branch of the wrapping: CRLF, lone LF and CR, break characters, long words.
  const tokens = [
    'x',
    'Z',
    ' ',
    '\t',
    '.',
    ',',
    '!',
    '?',
    '\r\n',
    '\n',
    '\r',
    '-',
    'Lorem ipsum ',
    '<p>',
    '0',
  ];

  it('writes exactly what qp.Encoder writes, over random text of every shape', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let written = 0;
    for (let n = 0; n < 20_000; n++) {
      const words = Math.floor(random() ** 2 * (n % 100 === 0 ? 12_000 : 400));
      const longWords = random();
      let text = '';
      for (let i = 0; i < words; i++)
        text += random() < longWords ? 'x' : tokens[Math.floor(random() * tokens.length)];
      const fast = quotedPrintableText(text);
      if (fast === undefined) continue;
      written++;
      expect(fast, JSON.stringify(text)).toBe(encoded(text));
    }
    // Most random texts are of the kind it handles (the others have trailing whitespace).
    expect(written).toBeGreaterThan(10_000);
  });

  it('leaves to the encoder what it would escape, and input it would split into slices', () => {
    for (const text of ['a = b', 'trailing ', 'tab\t\r\nx', 'Grüße', 'ctrl \x01', 'x'.repeat(64 * 1024 + 1)])
      expect(quotedPrintableText(text)).toBeUndefined();
    expect(quotedPrintableText('x'.repeat(64 * 1024))).toBe(encoded('x'.repeat(64 * 1024)));
  });
});

describe('long lines', () => {
  it('hasLongerLines76 answers as nodemailer’s hasLongerLines(text, 76), over random text', () => {
    const pieces = [
      'x',
      'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      '\n',
      '\r',
      '\r\n',
      ' ',
      '\u2028',
      '\u2029',
      'é',
      '😀',
    ];
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let long = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      for (let i = Math.floor(random() * 60); i > 0; i--)
        text += pieces[Math.floor(random() * pieces.length)];
      const expected = hasLongerLines(text, 76);
      if (expected) long++;
      expect(hasLongerLines76(text), JSON.stringify(text)).toBe(expected);
    }
    // Both answers are well represented.
    expect(long).toBeGreaterThan(2_000);
    expect(long).toBeLessThan(18_000);
    // The edges: 76 and 77 code units, and the 128 KB cut-off.
    for (const text of [
      'y'.repeat(76),
      'y'.repeat(77),
      `${'y'.repeat(76)}\n${'y'.repeat(76)}`,
      'y\n'.repeat(70_000),
    ])
      expect(hasLongerLines76(text)).toBe(hasLongerLines(text, 76));
  });
});

describe('address lists', () => {
  it('parses as addressparser does (a bare address without addressparser)', () => {
    // No ':' or ';' in the alphabet: groups, which parseMailboxes flattens, are not compared here.
    const alphabet = 'ab.Z0-_+\'!#$%&*/=?^`{|}~@.é=\u00a0\t ,<>"';
    let seed = 3;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let bare = 0;
    for (let n = 0; n < 50_000; n++) {
      let value = '';
      for (let i = 1 + Math.floor(random() * 12); i > 0; i--)
        value += alphabet[Math.floor(random() * alphabet.length)];
      const expected = addressparser(value).flatMap((a) =>
        a.address ? [{ name: a.name, address: a.address }] : [],
      );
      if (/^[^\s<>,"]+@[^\s<>,"@]+$/.test(value) && !value.slice(0, value.indexOf('@')).includes('@')) bare++;
      expect(parseMailboxes(value), JSON.stringify(value)).toEqual(expected);
    }
    expect(bare).toBeGreaterThan(1000);
  });
});

describe('line ends', () => {
  it('turns lone CR and lone LF into CRLF (as they go out on the wire) and leaves CRLF text as it is', () => {
    expect(toCrlf(Buffer.from('a\rb\nc\r\nd\r')).toString()).toBe('a\r\nb\r\nc\r\nd\r\n');
    expect(toCrlf(Buffer.from('\n.x')).toString()).toBe('\r\n.x');
    const clean = Buffer.from('one\r\ntwo\r\n');
    expect(toCrlf(clean)).toBe(clean);
  });
});

/**
 * The import boundaries fail where they must: each forbidden kind of import, in a fixture placed where it would
 * live in src/, is linted with the very config block eslint.config.js uses (tools/eslint/boundaries.js), and
 * must be reported; the allowed counterparts must not.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { boundariesConfig } from '../../tools/eslint/boundaries.js';

const root = join(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: [boundariesConfig(root)] });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  // Errors only: a file outside src/ gets ESLint's "no matching configuration" warning, which is the point.
  return result!.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const forbidden: [string, string, string, RegExp][] = [
  [
    'core → an adapter',
    'src/core/x.ts',
    "import { SesV2Api } from '../adapters/ses-v2/index.ts';",
    /src\/core may not import src\/adapters/,
  ],
  [
    'core → the MTA, as a type',
    'src/core/x.ts',
    "import type { Mta } from '../mta/index.ts';",
    /may not import src\/mta/,
  ],
  [
    'core → a store implementation',
    'src/core/sending/x.ts',
    "import { openStore } from '../../store/kysely-store.ts';",
    /may not import src\/store\/kysely-store/,
  ],
  [
    'core → config/',
    'src/core/x.ts',
    "import { loadConfig } from '../config/load.ts';",
    /may not import src\/config/,
  ],
  ['core → SQL', 'src/core/x.ts', "import { sql } from 'kysely';", /may not use the package kysely/],
  [
    'core → an HTTP package',
    'src/core/x.ts',
    "import Fastify from 'fastify';",
    /may not use the package fastify/,
  ],
  [
    'core → dynamic import()',
    'src/core/x.ts',
    "export const m = () => import('../mta/index.ts');",
    /may not import src\/mta/,
  ],
  [
    'core → a computed dynamic import()',
    'src/core/x.ts',
    'export const m = (p: string) => import(p);',
    /must name its module literally/,
  ],
  [
    'core → an import() type',
    'src/core/x.ts',
    "export type M = import('../dispatch/index.ts').Dispatcher;",
    /may not import src\/dispatch/,
  ],
  [
    'core → re-export of an adapter',
    'src/core/x.ts',
    "export * from '../adapters/cli/commands.ts';",
    /may not import src\/adapters/,
  ],
  [
    'core → require()',
    'src/core/x.ts',
    "const m = require('../platform.ts'); export default m;",
    /may not import src\/platform/,
  ],
  [
    'an adapter → a core module past the facade',
    'src/adapters/ses-v2/x.ts',
    "import { SendingService } from '../../core/sending/sending-service.ts';",
    /may not import src\/core\/sending/,
  ],
  [
    'an adapter → the store',
    'src/adapters/http/x.ts',
    "import type { Store } from '../../store/store.ts';",
    /may not import src\/store/,
  ],
  [
    'an adapter → the MTA',
    'src/adapters/smtp-inbound/x.ts',
    "import { ReturnPathCodec } from '../../mta/return-path/verp.ts';",
    /may not import src\/mta/,
  ],
  [
    'an adapter → config/',
    'src/adapters/cli/x.ts',
    "export { settings } from '../../config/schema.ts';",
    /may not import src\/config/,
  ],
  ['an adapter → SQL', 'src/adapters/cli/x.ts', "import pg from 'pg';", /may not use the package pg/],
  [
    'the MTA → dispatch',
    'src/mta/x.ts',
    "import { Dispatcher } from '../dispatch/index.ts';",
    /src\/mta may not import src\/dispatch/,
  ],
  [
    'dispatch → the MTA',
    'src/dispatch/x.ts',
    "import { Mta } from '../mta/index.ts';",
    /src\/dispatch may not import src\/mta/,
  ],
  [
    'the MTA → an adapter',
    'src/mta/delivery/x.ts',
    "import { smtpError } from '../../adapters/smtp-common/index.ts';",
    /may not import src\/adapters/,
  ],
  [
    'the MTA → config/',
    'src/mta/x.ts',
    "import type { Config } from '../config/load.ts';",
    /may not import src\/config/,
  ],
  [
    'the store → the core',
    'src/store/x.ts',
    "import { SesError } from '../core/errors.ts';",
    /src\/store may not import src\/core/,
  ],
  [
    'lib/ → the core',
    'src/lib/x.ts',
    "import { Core } from '../core/index.ts';",
    /src\/lib may not import src\/core/,
  ],
  [
    'config/ → the core',
    'src/config/x.ts',
    "import { Core } from '../core/index.ts';",
    /src\/config may not import src\/core/,
  ],
  [
    'smtp-server internals outside smtp-common',
    'src/adapters/smtp-submission/x.ts',
    "import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';",
    /smtp-server\/lib\/smtp-stream.js may not be imported here/,
  ],
  [
    'nodemailer MIME internals outside lib/mime',
    'src/core/sending/x.ts',
    "import * as qp from 'nodemailer/lib/qp';",
    /nodemailer\/lib\/qp may not be imported here/,
  ],
  [
    'nodemailer SMTP client outside mta/delivery',
    'src/mta/return-path/x.ts',
    "import SMTPConnection from 'nodemailer/lib/smtp-connection';",
    /nodemailer\/lib\/smtp-connection may not be imported here/,
  ],
  [
    'nodemailer internals by dynamic import()',
    'src/adapters/http/x.ts',
    "export const q = () => import('nodemailer/lib/qp');",
    /nodemailer\/lib\/qp may not be imported here/,
  ],
];

const allowed: [string, string, string][] = [
  [
    'an adapter → the core facade',
    'src/adapters/ses-v2/x.ts',
    "import type { SesApiPort } from '../../core/index.ts';",
  ],
  ['an adapter → lib/', 'src/adapters/http/x.ts', "import { PublicLinks } from '../../lib/public-links.ts';"],
  [
    'an adapter → another adapter',
    'src/adapters/smtp-inbound/x.ts',
    "import { onMessage } from '../smtp-common/index.ts';",
  ],
  ['the core → the store interface', 'src/core/x.ts', "import type { Store } from '../store/store.ts';"],
  [
    'the MTA → the facade and the store interface',
    'src/mta/x.ts',
    "import type { MtaPort } from '../core/index.ts';\nimport type { Store } from '../store/store.ts';",
  ],
  [
    'smtp-common → smtp-server internals',
    'src/adapters/smtp-common/x.ts',
    "import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';",
  ],
  ['lib/mime → nodemailer MIME internals', 'src/lib/mime/x.ts', "import * as qp from 'nodemailer/lib/qp';"],
  [
    'mta/delivery → nodemailer SMTP client',
    'src/mta/delivery/x.ts',
    "import SMTPConnection from 'nodemailer/lib/smtp-connection';",
  ],
  [
    'the composition root → anything',
    'src/platform.ts',
    "import { Mta } from './mta/index.ts';\nimport { loadConfig } from './config/load.ts';",
  ],
  ['tests → internals', 'test/unit/x.ts', "import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';"],
];

describe('import boundaries (npm run lint)', () => {
  it('eslint.config.js applies the boundary rule to every file of src/', async () => {
    const real = new ESLint({ cwd: root });
    for (const file of [
      'src/core/index.ts',
      'src/adapters/http/server.ts',
      'src/mta/index.ts',
      'src/platform.ts',
    ]) {
      const computed = (await real.calculateConfigForFile(join(root, file))) as {
        rules: Record<string, unknown>;
      };
      expect(computed.rules['sesame/boundaries'], file).toEqual([2, { root }]);
    }
  });

  it.each(forbidden)('refuses %s', async (_what, file, code, expected) => {
    const found = await problems(file, code);
    expect(found.join('\n')).toMatch(expected);
    expect(found.every((p) => p.startsWith('sesame/boundaries'))).toBe(true);
  });

  it.each(allowed)('allows %s', async (_what, file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});

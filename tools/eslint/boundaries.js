// The import boundaries of ARCHITECTURE.md as one ESLint rule (`sesame/boundaries`), so `npm run lint` and CI
// fail on a violation. It sees every way a file can reach another: static imports and `import type`,
// re-exports (`export … from`), dynamic `import()` (a computed specifier is refused outright), `import('…')`
// types, and `require()`. test/unit/boundaries.test.ts lints a fixture of each forbidden kind with this config.
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where each layer of src/ may import from (paths relative to src/, a trailing `/` means the folder), and the
 * packages it may not use. Anything not listed for a layer is forbidden to it.
 */
const protocolPackages = [
  'fastify',
  'smtp-server',
  'nodemailer',
  'node:http',
  'node:https',
  'node:net',
  'node:tls',
];
const sqlPackages = ['kysely', 'pg', 'better-sqlite3'];

export const layers = {
  core: {
    may: ['core/', 'lib/', 'store/store.ts'],
    packages: [...protocolPackages, ...sqlPackages],
    why: 'core imports only lib/ and the store interface (store/store.ts); it knows no HTTP, SMTP or SQL',
  },
  adapters: {
    may: ['adapters/', 'core/index.ts', 'lib/'],
    packages: sqlPackages,
    why: 'adapters import only the core facade (core/index.ts, which exports the ports) and lib/',
  },
  mta: {
    may: ['mta/', 'core/index.ts', 'store/store.ts', 'lib/'],
    packages: [...sqlPackages, 'fastify'],
    why: 'mta/ imports its port from the core facade, the store interface and lib/ (never dispatch/)',
  },
  dispatch: {
    may: ['dispatch/', 'core/index.ts', 'store/store.ts', 'lib/'],
    packages: [...sqlPackages, 'fastify', 'smtp-server', 'nodemailer'],
    why: 'dispatch/ imports its port from the core facade, the store interface and lib/ (never mta/)',
  },
  'receiving-worker': {
    may: ['receiving-worker/', 'core/index.ts', 'store/store.ts', 'lib/'],
    packages: [...sqlPackages, 'fastify', 'smtp-server', 'nodemailer'],
    why: 'receiving-worker/ imports its port from the core facade, the store interface and lib/',
  },
  store: {
    may: ['store/', 'lib/'],
    packages: protocolPackages,
    why: 'store/ imports only lib/',
  },
  lib: {
    may: ['lib/'],
    packages: ['fastify', 'smtp-server', 'kysely', 'pg', 'better-sqlite3'],
    why: 'lib/ holds helpers with no domain knowledge; it imports nothing else from src/',
  },
  config: {
    may: ['config/', 'lib/'],
    packages: [...protocolPackages.filter((p) => p !== 'node:net'), ...sqlPackages],
    why: 'config/ (the settings schema) imports only lib/; only the composition root reads settings',
  },
  types: { may: [], packages: [], why: 'src/types holds ambient declarations only' },
};

/**
 * Package subpaths that reach into a library's internals: each has one home in src/. Tests may use them (the
 * differential tests compare against them).
 */
export const subpathHomes = [
  {
    pattern: /^smtp-server\/lib\//,
    home: 'adapters/smtp-common/',
    why: "smtp-server's internals are patched and read only in adapters/smtp-common/",
  },
  {
    pattern: /^nodemailer\/lib\/smtp-connection/,
    home: 'mta/delivery/',
    why: "nodemailer's SMTP client is used only by the MTA's delivery sessions (mta/delivery/)",
  },
  {
    pattern: /^nodemailer\/lib\/(?!smtp-connection)/,
    home: 'lib/mime/',
    why: "nodemailer's MIME internals are used only in lib/mime/",
  },
];

function layerOf(pathInSrc) {
  if (!pathInSrc.includes('/')) return 'root'; // platform.ts, main.ts: the composition root
  return pathInSrc.slice(0, pathInSrc.indexOf('/'));
}

function allowed(list, target) {
  return list.some((p) => (p.endsWith('/') ? target.startsWith(p) : target === p));
}

const packageName = (spec) =>
  spec.startsWith('@')
    ? spec.split('/').slice(0, 2).join('/')
    : spec.startsWith('node:')
      ? spec
      : spec.split('/')[0];

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforces the import boundaries between the layers of src/ (ARCHITECTURE.md).' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: {
      layer: '{{from}} may not import {{target}}: {{why}}.',
      package: '{{from}} may not use the package {{target}}: {{why}}.',
      subpath: '{{target}} may not be imported here: {{why}}.',
      computed:
        'A dynamic import() in src/ must name its module literally, so the import boundaries can check it.',
    },
  },
  create(context) {
    const root = context.options[0]?.root ?? repoRoot;
    const file = relative(root, context.filename).split('\\').join('/');
    if (!file.startsWith('src/')) return {};
    const inSrc = file.slice('src/'.length);
    const from = layerOf(inSrc);
    const layer = layers[from];

    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        if (!layer) return;
        const target = relative(resolve(root, 'src'), resolve(dirname(context.filename), spec))
          .split('\\')
          .join('/');
        if (target.startsWith('..')) return; // outside src/ (generated files, types): not a layer
        if (!allowed(layer.may, target))
          context.report({
            node,
            messageId: 'layer',
            data: { from: `src/${from}`, target: `src/${target}`, why: layer.why },
          });
        return;
      }
      for (const s of subpathHomes)
        if (s.pattern.test(spec) && !inSrc.startsWith(s.home))
          context.report({ node, messageId: 'subpath', data: { target: spec, why: s.why } });
      if (layer && layer.packages.includes(packageName(spec)))
        context.report({
          node,
          messageId: 'package',
          data: { from: `src/${from}`, target: spec, why: layer.why },
        });
    }

    const literal = (n) => (n && n.type === 'Literal' && typeof n.value === 'string' ? n.value : undefined);
    return {
      ImportDeclaration: (n) => check(n.source, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value),
      ExportAllDeclaration: (n) => check(n.source, n.source.value),
      ImportExpression(n) {
        const spec =
          literal(n.source) ??
          (n.source.type === 'TemplateLiteral' && n.source.expressions.length === 0
            ? n.source.quasis[0].value.cooked
            : undefined);
        if (spec === undefined) context.report({ node: n, messageId: 'computed' });
        else check(n.source, spec);
      },
      TSImportType(n) {
        const arg = n.argument;
        const spec = arg?.type === 'TSLiteralType' ? literal(arg.literal) : literal(arg);
        if (spec !== undefined) check(n, spec);
      },
      TSImportEqualsDeclaration(n) {
        if (n.moduleReference.type === 'TSExternalModuleReference')
          check(n, literal(n.moduleReference.expression));
      },
      CallExpression(n) {
        if (n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments.length === 1)
          check(n, literal(n.arguments[0]));
      },
    };
  },
};

export const boundariesPlugin = { rules: { boundaries: rule } };

/** The config block eslint.config.js uses (and the fixture test, with the same rule and settings). */
export function boundariesConfig(root = repoRoot) {
  return {
    files: ['src/**/*.ts', 'src/**/*.js'],
    languageOptions: { parser: tseslint.parser },
    plugins: { sesame: boundariesPlugin },
    rules: { 'sesame/boundaries': ['error', { root }] },
  };
}

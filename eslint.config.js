// ESLint: typescript-eslint (type-checked) plus the import-boundary rules of ARCHITECTURE.md.
// A boundary violation is an error, so `npm run lint` (and CI) fails on it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Builds a no-restricted-imports rule from forbidden path groups and packages, with the reason shown. */
function boundary(message, groups, packages = []) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [{ group: groups, message }],
        paths: packages.map((name) => ({ name, message })),
      },
    ],
  };
}

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

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'data/**',
      'coverage/**',
      'bench/results/**',
      'src/adapters/aws/model/*.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: boundary(
      'core imports only lib/ and the store interface (store/store.ts); it knows no HTTP, SMTP or SQL.',
      [
        '**/adapters/**',
        '**/mta/**',
        '**/dispatch/**',
        '**/config/**',
        '**/platform.ts',
        '**/main.ts',
        '**/store/**',
        '!**/store/store.ts',
      ],
      [...protocolPackages, ...sqlPackages],
    ),
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: boundary(
      'adapters import only the core facade (core/index.ts) and lib/.',
      [
        '**/core/**',
        '!**/core/index.ts',
        '**/store/**',
        '**/mta/**',
        '**/dispatch/**',
        '**/config/**',
        '**/platform.ts',
      ],
      sqlPackages,
    ),
  },
  {
    files: ['src/mta/**/*.ts', 'src/dispatch/**/*.ts'],
    rules: boundary(
      'mta/ and dispatch/ import the core facade, the store interface and lib/.',
      [
        '**/core/**',
        '!**/core/index.ts',
        '**/store/**',
        '!**/store/store.ts',
        '**/adapters/**',
        '**/config/**',
        '**/platform.ts',
      ],
      sqlPackages,
    ),
  },
  {
    files: ['src/store/**/*.ts'],
    rules: boundary('store/ imports only lib/.', [
      '**/core/**',
      '**/adapters/**',
      '**/mta/**',
      '**/dispatch/**',
      '**/config/**',
      '**/platform.ts',
    ]),
  },
  {
    files: ['src/lib/**/*.ts'],
    rules: boundary('lib/ holds helpers with no domain knowledge; it imports nothing else from src/.', [
      '**/core/**',
      '**/adapters/**',
      '**/mta/**',
      '**/dispatch/**',
      '**/config/**',
      '**/store/**',
      '**/platform.ts',
    ]),
  },
  {
    files: ['test/**/*.ts', 'tools/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each test file starts its own server on its own ports and database; two workers match the 2-core machines.
    maxWorkers: 2,
  },
});

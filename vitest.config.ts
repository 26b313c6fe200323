import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that build network namespaces or start receivers are slow by nature; keep one file per
    // worker and a generous timeout rather than flaky ones.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

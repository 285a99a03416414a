// Test runner configuration for every workspace package.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // Tests run against the sources of the workspace packages, not their builds.
  resolve: {
    alias: [
      { find: /^wxpay$/, replacement: source('./packages/sdk/src/index.ts') },
      { find: /^@wxpay\/sandbox$/, replacement: source('./packages/sandbox/src/index.ts') },
      { find: /^@wxpay\/payouts$/, replacement: source('./packages/payouts/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});

import { defineConfig } from 'vitest/config';

/**
 * Two kinds of test, named by suffix and kept beside the code:
 * `*.test.ts` does no I/O; `*.db.test.ts` talks to the real MariaDB (each file in its own database).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['ingest/src/**/*.test.ts', 'migrations/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.db.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'db',
          globalSetup: ['ingest/src/test/global-setup.ts'],
          include: ['ingest/src/**/*.db.test.ts', 'migrations/src/**/*.db.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { testFilesOfKind } from './test/setup/projects.js';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));

// Two projects, split by what each test file uses (the rule: test/setup/projects.ts). `npm run test:unit` runs
// `unit` alone: no PostgreSQL, no build, no global setup. `npm test` runs both.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: testFilesOfKind(repoRoot, 'unit'),
          // One module graph per worker instead of one per file: TypeScript, ESLint and the parsers load once per
          // worker, not once per file (about half the project's CPU time; docs/development.md has the figures).
          isolate: false,
          // Two workers on two cores: a file waiting on its servers (gRPC, HTTP) overlaps another's CPU work.
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: testFilesOfKind(repoRoot, 'integration'),
          // Starts a throwaway PostgreSQL cluster (or uses DATABASE_URL) for the tests that inject its URL.
          globalSetup: ['test/setup/postgres.ts'],
        },
      },
    ],
  },
});

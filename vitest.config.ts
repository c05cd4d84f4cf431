import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { testFilesOfKind } from './test/setup/projects.js';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));

// Three projects, split by what each test file uses (the rule: test/setup/projects.ts). `npm run test:unit` runs
// `unit` and `unit-timing`: no PostgreSQL, no build, no global setup. `npm test` runs all three.
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
          // Projects with different worker counts run one after the other: the unit files first.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'unit-timing',
          include: testFilesOfKind(repoRoot, 'unit-timing'),
          // Each file in a fresh process, one at a time, after the other unit files: a cost ratio measured beside
          // another file's work, or in a heap holding every module the other files loaded, moves with them.
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: testFilesOfKind(repoRoot, 'integration'),
          // Starts a throwaway PostgreSQL cluster (or uses DATABASE_URL) for the tests that inject its URL.
          globalSetup: ['test/setup/postgres.ts'],
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});

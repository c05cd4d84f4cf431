import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyTestFile, integrationReason, testFilesOfKind, timingReason } from './projects.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Spelled in pieces: written whole, they would make this very file an integration test.
const INJECT = ['inj', 'ect('].join('');
const CHILD_PROCESS = ['node:child', 'process'].join('_');

describe('unit and integration projects', () => {
  const unit = testFilesOfKind(repoRoot, 'unit');
  const integration = testFilesOfKind(repoRoot, 'integration');
  const timing = testFilesOfKind(repoRoot, 'unit-timing');

  it('puts every test file in exactly one project', () => {
    const all = [...unit, ...timing, ...integration];
    expect(new Set(all).size).toBe(all.length);
    expect(unit.length).toBeGreaterThan(0);
    expect(integration.length).toBeGreaterThan(0);
  });

  it('runs the unit files that time code (cost ratios) in a process of their own', () => {
    expect(timing).toContain('test/runtime/graphql/lru.test.ts'); // through support/growth.ts
    expect(timing).toContain('test/security/lint-migrations-scaling.test.ts');
    expect(unit).not.toContain('test/runtime/graphql/lru.test.ts');
  });

  it('keeps files that use PostgreSQL, the build or other programs out of the unit project', () => {
    for (const file of [
      'test/runtime/pg/query.test.ts', // test/support/pg.ts: the database URL from the global setup
      'test/index-advisor/advisor.test.ts', // psql and the built CLI
      'test/runtime/kafka/redis-store.test.ts', // redis-server
      'test/runtime/kafka/broker.test.ts', // the Kafka mock broker
      'test/cli/runner.test.ts', // the built CLI on temp git repos
      'test/setup/postgres.test.ts',
      'test/architecture/completeness.test.ts', // the built codemods
    ]) {
      expect(integration, file).toContain(file);
    }
    expect(unit).toContain('test/setup/projects.test.ts');
    expect(unit).toContain('test/codemods/fixtures.test.ts');
  });

  describe('on sources written here', () => {
    const root = mkdtempSync(join(tmpdir(), 'quickwins-projects-'));
    const testRoot = join(root, 'test');
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text: string): string => {
      const file = join(testRoot, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    };

    it('follows local helpers transitively and names the file with the marker', () => {
      write('support/db.ts', `import { inject } from 'vitest';\nexport const url = () => ${INJECT}'databaseUrl');\n`);
      write('support/wrapper.ts', "export { url } from './db.js';\n");
      const file = write('a/uses-db.test.ts', "import { url } from '../support/wrapper.js';\nurl();\n");
      expect(integrationReason(file, testRoot)).toBe('support/db.ts reads the global setup (vitest inject)');
    });

    it('sees child processes and the build', () => {
      const spawns = write('b/spawns.test.ts', `import { spawnSync } from '${CHILD_PROCESS}';\n`);
      const built = write('b/built.test.ts', `const cli = await import('../../${'di' + 'st'}/cli/main.js');\n`);
      expect(classifyTestFile(spawns, testRoot)).toBe('integration');
      expect(classifyTestFile(built, testRoot)).toBe('integration');
      const transform = write(
        'b/transform.test.ts',
        `const file = join(root, ${"'codemods'"}, \`\${id}.${'c' + 'js'}\`);\n`,
      );
      expect(integrationReason(transform, testRoot)).toBe('b/transform.test.ts reads the built codemods (.cjs)');
    });

    it('sees a unit file that times code, through its helpers, and leaves integration files where they are', () => {
      write('support/clock.ts', `export const now = () => ${'perfor' + 'mance'}.now();\n`);
      const timed = write('d/timed.test.ts', "import { now } from '../support/clock.js';\nnow();\n");
      expect(timingReason(timed, testRoot)).toBe('support/clock.ts times code with a high-resolution clock');
      expect(classifyTestFile(timed, testRoot)).toBe('unit-timing');
      const both = write(
        'd/both.test.ts',
        `import { now } from '../support/clock.js';\nimport { spawn } from '${CHILD_PROCESS}';\n`,
      );
      expect(classifyTestFile(both, testRoot)).toBe('integration');
    });

    it('leaves in-process tests, and imports of the code under test, in the unit project', () => {
      write('support/plain.ts', "import { createServer } from 'node:http';\nexport const server = createServer();\n");
      const file = write(
        'c/plain.test.ts',
        "import { server } from '../support/plain.js';\nimport { x } from '../../src/cli/x.js';\n",
      );
      expect(integrationReason(file, testRoot)).toBeUndefined();
    });
  });
});

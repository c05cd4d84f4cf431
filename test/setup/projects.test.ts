import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyTestFile, integrationReason, testFilesOfKind } from './projects.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Spelled in pieces: written whole, they would make this very file an integration test.
const INJECT = ['inj', 'ect('].join('');
const CHILD_PROCESS = ['node:child', 'process'].join('_');

describe('unit and integration projects', () => {
  const unit = testFilesOfKind(repoRoot, 'unit');
  const integration = testFilesOfKind(repoRoot, 'integration');

  it('puts every test file in exactly one project', () => {
    expect(unit.filter((file) => integration.includes(file))).toEqual([]);
    expect(unit.length).toBeGreaterThan(0);
    expect(integration.length).toBeGreaterThan(0);
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

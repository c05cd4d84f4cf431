/**
 * What each package costs a project, installed from its packed tarball into a fresh project with `--omit=dev`, as a
 * production image would: `@quickwins/runtime` with its peers `pg` and `prom-client` adds exactly one package (itself)
 * to what pino + pg + prom-client install on their own (measured here too: 30 packages with pino 10.4, pg 8.23 and
 * prom-client 15.1, so a bound of 30 packages is out of reach by upstream alone), and stays within 10 MB; the
 * toolkit's figures are printed for the README.
 *
 * The toolkit install is also where `typescript` is absent for real (an optional peer): a type-aware run goes on
 * without types and says so once; after `npm install typescript` at the oldest version the peer range allows, the
 * same run is typed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPESCRIPT_MISSING } from '../../src/cli/type-aware-loader.js';
import { footprintOf, mustRun, packBoth, type Tarballs } from '../support/packages.js';

const MAX_RUNTIME_BYTES = 10 * 1024 * 1024;
/** The oldest TypeScript the `typescript` peer range admits (typescript-estree's own floor). */
const OLDEST_TYPESCRIPT = '4.8.4';

let scratch = '';
let tarballs: Tarballs;

function freshProject(name: string): string {
  const project = join(scratch, name);
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name, version: '1.0.0', private: true }, null, 2)}\n`,
  );
  return project;
}

function install(project: string, specs: readonly string[]): void {
  mustRun('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', ...specs], project);
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'quickwins-footprint-'));
  tarballs = packBoth(scratch);
}, 240_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('production footprint', () => {
  it(
    `@quickwins/runtime with pg and prom-client: its own package beyond pino + pg + prom-client, at most ${mb(MAX_RUNTIME_BYTES)} MB`,
    { timeout: 240_000 },
    () => {
      const baselineProject = freshProject('baseline-app');
      install(baselineProject, ['pino@^10.4.0', 'pg@^8', 'prom-client@^15']);
      const baseline = footprintOf(baselineProject);
      const project = freshProject('runtime-app');
      install(project, [tarballs.runtime, 'pg@^8', 'prom-client@^15']);
      const { packages, bytes } = footprintOf(project);
      console.log(
        `footprint @quickwins/runtime + pg + prom-client: ${packages.length} packages, ${mb(bytes)} MB ` +
          `(pino + pg + prom-client alone: ${baseline.packages.length} packages, ${mb(baseline.bytes)} MB)`,
      );
      expect(packages).toEqual([...baseline.packages, '@quickwins/runtime'].sort());
      expect(bytes).toBeLessThanOrEqual(MAX_RUNTIME_BYTES);
    },
  );

  describe('the toolkit', () => {
    let project = '';
    beforeAll(() => {
      project = freshProject('toolkit-app');
      // The runtime is not on the registry yet: its tarball stands in for the dependency the toolkit declares.
      install(project, [tarballs.toolkit, tarballs.runtime]);
      mkdirSync(join(project, 'src'));
      writeFileSync(
        join(project, 'tsconfig.json'),
        `${JSON.stringify({ compilerOptions: { strict: true, module: 'commonjs', target: 'es2020', allowJs: true }, include: ['src'] }, null, 2)}\n`,
      );
      // A pool the codemod can only know through types: it comes from a package the code evaluation does not read.
      writeFileSync(
        join(project, 'src/db.ts'),
        [
          "import { pool } from 'acme-db';",
          'export async function run() {',
          '  const client = await pool.connect();',
          '  client.release();',
          '}',
          '',
        ].join('\n'),
      );
    }, 240_000);

    it('installs without typescript, eslint or typescript-eslint (all optional peers) and reports its footprint', () => {
      const { packages, bytes } = footprintOf(project);
      console.log(
        `footprint quickwins (toolkit, with @quickwins/runtime): ${packages.length} packages, ${mb(bytes)} MB`,
      );
      expect(packages).toEqual(expect.arrayContaining(['quickwins', '@quickwins/runtime', 'oxc-parser']));
      for (const peer of ['typescript', 'eslint', '@typescript-eslint/utils', '@typescript-eslint/typescript-estree']) {
        expect(packages).not.toContain(peer);
      }
    });

    it('loads its ESLint plugin without typescript', () => {
      const out = mustRun(
        process.execPath,
        ['-e', "console.log(Object.keys(require('quickwins/eslint-plugin').rules).join())"],
        project,
      );
      expect(out.trim()).toBe(
        'graphql-cache,grpc-connection-rotation,kafka-batch-protocol,no-blanket-disable,no-raw-pool-connect',
      );
    });

    it(
      `a type-aware run without typescript goes on untyped and says so once; with typescript ${OLDEST_TYPESCRIPT} it is typed`,
      { timeout: 240_000 },
      () => {
        const quickwins = (): {
          stderr: string;
          report: { files: { path: string; typed: boolean }[]; typesUnavailable?: string };
        } => {
          const result = spawnSync(
            process.execPath,
            [join(project, 'node_modules/quickwins/dist/cli/bin.js'), 'pool-backpressure', '--dry', '--json', 'src'],
            {
              cwd: project,
              encoding: 'utf8',
              timeout: 120_000,
            },
          );
          expect(result.status, result.stderr).toBe(0);
          return { stderr: result.stderr, report: JSON.parse(result.stdout) };
        };
        const untyped = quickwins();
        expect(untyped.stderr.split('\n').filter((line) => line.includes('typescript is not installed'))).toEqual([
          `quickwins: ${TYPESCRIPT_MISSING}`,
        ]);
        expect(untyped.report.typesUnavailable).toBe(TYPESCRIPT_MISSING);
        expect(untyped.report.files.map((file) => [file.path, file.typed])).toEqual([['src/db.ts', false]]);

        install(project, [`typescript@${OLDEST_TYPESCRIPT}`]);
        const typed = quickwins();
        expect(typed.stderr).not.toContain('typescript is not installed');
        expect(typed.report.typesUnavailable).toBeUndefined();
        expect(typed.report.files.map((file) => [file.path, file.typed])).toEqual([['src/db.ts', true]]);
      },
    );
  });
});

/**
 * `npm run demo`: the main job on a small but realistic service. Copies fixtures/sample-app to a
 * temporary folder, runs every registered codemod on it with --dry through the CLI's own `main` (what the
 * `quickwins` bin runs), and prints each codemod's diffs and summary. Then the plan's acceptance check
 * (bench/acceptance.ts): a pool-of-10 HTTP service before and after pool-backpressure under open-loop load with a
 * database slowdown, on DATABASE_URL or a throwaway PostgreSQL started (while the codemods run) as the tests start
 * theirs; a table on stdout and an SVG chart (QUICKWINS_DEMO_CHART, default in the temporary folder's parent).
 * `npm run demo` runs it from sources with tsx, so nothing is built first. Nothing in the repository is touched; the
 * temporary copy is removed at the end (QUICKWINS_DEMO_KEEP=1 keeps it).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCodemods } from '../registry/index.js';
import { main } from './main.js';

// src/cli/demo.ts and dist/cli/demo.js both sit two folders below the package root.
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const sampleApp = join(packageRoot, 'fixtures', 'sample-app');

const workDir = mkdtempSync(join(tmpdir(), 'quickwins-demo-'));
const app = join(workDir, 'sample-app');
cpSync(sampleApp, app, { recursive: true });
// The package's own node_modules holds pg, @types/pg and express, so type-aware mode sees real pg types.
// The runner never walks node_modules, so the link adds no files to the run.
const modules = join(packageRoot, 'node_modules');
if (existsSync(modules)) symlinkSync(modules, join(app, 'node_modules'), 'dir');
// A git work tree, as a team's repository is (the runner warns about files outside one); no git, no repository.
const git = (...args: string[]): void => void spawnSync('git', args, { cwd: app, stdio: 'ignore' });
git('init', '-q');
git('add', '-A');
git('-c', 'user.name=quickwins demo', '-c', 'user.email=demo@example.invalid', 'commit', '-q', '-m', 'sample app');

// The acceptance check and the test set-up's PostgreSQL run from the sources under tsx: loaded by URL, so the CLI's
// bundle (dist/cli/demo.js) does not take in the bench and the test set-up.
type AcceptanceModule = typeof import('../../bench/acceptance.js');
type DatabaseModule = typeof import('../../test/setup/postgres.js');
const acceptanceModule = new URL('../../bench/acceptance.ts', import.meta.url).href;
const databaseModule = new URL('../../test/setup/postgres.ts', import.meta.url).href;
// Started now, beside the codemods: initdb and the server's start take seconds the diffs need not wait for.
const database = (import(databaseModule) as Promise<DatabaseModule>).then((module) => module.resolveDatabase());
database.catch(() => undefined); // reported where it is awaited
const chartPath = process.env.QUICKWINS_DEMO_CHART || join(tmpdir(), 'quickwins-acceptance.svg');

const bold = (text: string): string =>
  process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${text}\x1b[22m` : text;
const results: string[] = [];
try {
  const codemods = [...(await loadCodemods()).values()];
  console.log(bold(`quickwins demo: ${codemods.length} codemods on a copy of fixtures/sample-app (${app})`));
  for (const codemod of codemods) {
    console.log(`\n${bold(`$ npx quickwins ${codemod.id} --dry`)}   # ${codemod.summary}\n`);
    // In this process, one after the other: TypeScript is loaded once for the six runs, not once per run.
    const exitCode = await main([codemod.id, '--dry'], {
      cwd: app,
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
    });
    results.push(`${codemod.id}: exit ${exitCode}`);
  }
  console.log(`\n${bold('Done.')} ${results.join('; ')}. Nothing was written (--dry).`);

  console.log(
    `\n${bold("The plan's acceptance check: a service with a pool of 10, before and after pool-backpressure")}\n`,
  );
  const { runAcceptance } = (await import(acceptanceModule)) as AcceptanceModule;
  const { url, stop } = await database;
  try {
    await runAcceptance({ databaseUrl: url, workDir: app, chartPath, log: (line) => console.log(line) });
  } finally {
    await stop();
  }
  console.log(
    '\nRun the same on your own repo: npx quickwins plan, then npx quickwins <codemod> [paths] --dry, then without --dry to write.',
  );
} finally {
  void database.then((started) => started.stop()).catch(() => undefined);
  if (process.env.QUICKWINS_DEMO_KEEP === '1') console.log(`kept ${app}`);
  else rmSync(workDir, { recursive: true, force: true });
}

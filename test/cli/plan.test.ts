/**
 * `quickwins plan` through the real built CLI on temp git repositories: the fixtures' sample app (every quick win
 * applies), a repository with none of the libraries, and the sample app as its codemods are applied. Its counts
 * are held against each codemod's own `--dry --json` on the same paths.
 */
import { cpSync, existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, git, gitRepo, REPO_ROOT, removeTempDirs, runCli, tempDir, type JsonReport } from './helpers.js';

const IDS = [
  'pool-backpressure',
  'index-advisor',
  'narrow-eslint-disable',
  'auth-logging',
  'graphql-cache',
  'kafka-dedupe',
  'grpc-rotation',
];
const CODEMOD_IDS = IDS.filter((id) => id !== 'index-advisor');
// No database unless a test names one: the index advisor's entry must not depend on the machine's environment.
const NO_DATABASE = { DATABASE_URL: '' };

interface PlanEntry {
  id: string;
  day: string;
  applies: boolean;
  evidence: string[];
  sites: { ready: number; left: number };
  command: string;
  status: string;
  rule: { id: string; enabled: boolean } | null;
}
interface PlanJson {
  quickWins: PlanEntry[];
  totals: { applicable: number; sitesReady: number; sitesLeft: number };
  run: { files: number; parsedFiles: number; workers: number };
}

/** A copy of fixtures/sample-app in a fresh git repository; the package's node_modules linked in (pg, express types, ESLint). */
function sampleApp(): string {
  const dir = tempDir('quickwins-plan-');
  cpSync(join(REPO_ROOT, 'fixtures', 'sample-app'), dir, { recursive: true });
  const modules = join(REPO_ROOT, 'node_modules');
  if (!existsSync(modules)) throw new Error(`${modules} is missing: npm ci first`);
  symlinkSync(modules, join(dir, 'node_modules'), 'dir');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'sample app');
  return dir;
}

function plan(cwd: string, args: readonly string[] = []): { status: number | null; json: PlanJson; stderr: string } {
  const run = runCli(['plan', '--json', ...args], { cwd, env: NO_DATABASE });
  if (run.status !== 0 && run.status !== 1) throw new Error(`quickwins plan exited ${run.status}: ${run.stderr}`);
  return { status: run.status, json: JSON.parse(run.stdout) as PlanJson, stderr: run.stderr };
}

function entry(json: PlanJson, id: string): PlanEntry {
  const found = json.quickWins.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no entry ${id} in ${JSON.stringify(json.quickWins.map((item) => item.id))}`);
  return found;
}

function codemodTotals(cwd: string, id: string, paths: readonly string[] = []): JsonReport['totals'] {
  const run = runCli([id, ...paths, '--dry', '--json'], { cwd });
  return (JSON.parse(run.stdout) as JsonReport).totals;
}

beforeAll(() => assertBuilt());
afterAll(() => removeTempDirs());

describe('quickwins plan on the sample app', () => {
  let app: string;
  let result: ReturnType<typeof plan>;
  beforeAll(() => {
    app = sampleApp();
    result = plan(app);
  }, 240_000);

  it("lists the seven quick wins in the plan's order, each with its day", () => {
    expect(result.json.quickWins.map((item) => item.id)).toEqual(IDS);
    expect(result.json.quickWins.map((item) => item.day)).toEqual(['1', '2', '3', '4-5', '8', '9', '10']);
  });

  it('finds that every quick win applies, with the package.json evidence', () => {
    for (const item of result.json.quickWins) expect(item.applies, item.id).toBe(true);
    expect(entry(result.json, 'pool-backpressure').evidence).toContain('`pg` in package.json');
    expect(entry(result.json, 'kafka-dedupe').evidence).toContain('`kafkajs` in package.json');
    expect(entry(result.json, 'grpc-rotation').evidence).toContain('`@grpc/grpc-js` in package.json');
  });

  it('counts, for each codemod, the sites its own --dry --json counts on the same paths', () => {
    for (const id of CODEMOD_IDS) {
      const totals = codemodTotals(app, id);
      expect(entry(result.json, id).sites, id).toEqual({ ready: totals.rewrittenSites, left: totals.leftSites });
      expect(totals.rewrittenSites, id).toBeGreaterThan(0);
    }
  }, 240_000);

  it('gives each quick win with sites ready the status todo and its exact command', () => {
    for (const id of CODEMOD_IDS) {
      expect(entry(result.json, id).status, id).toBe('todo');
      expect(entry(result.json, id).command).toBe(`npx quickwins ${id}`);
    }
  });

  it('says the index advisor needs a database, and how to give it one', () => {
    const advisor = entry(result.json, 'index-advisor');
    expect(advisor.status).toBe('not checked');
    expect(advisor.evidence.join('\n')).toMatch(/--database-url <url>.*DATABASE_URL/);
  });

  it('parses each file at most once for all the codemods', () => {
    expect(result.json.run.parsedFiles).toBeLessThanOrEqual(result.json.run.files);
  });

  it('prints the progress tracker as a markdown checklist', () => {
    const run = runCli(['plan', '--markdown'], { cwd: app, env: NO_DATABASE });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^- \[ \] Day 1: Reject early when the connection pool is exhausted \(`pool-backpressure`\): todo: 7 ready, 0 left$/m,
    );
    expect(run.stdout).toMatch(/^- \[ \] Days 4-5: .*\(`auth-logging`\)/m);
  }, 120_000);

  it('refuses --json with --markdown, and a path that does not exist, as usage errors', () => {
    const both = runCli(['plan', '--json', '--markdown'], { cwd: app, env: NO_DATABASE });
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^quickwins: options --json and --markdown cannot be used together/m);
    const missing = runCli(['plan', 'nowhere'], { cwd: app, env: NO_DATABASE });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('path not found: nowhere');
  });
});

describe('quickwins plan on the paths named', () => {
  it('counts only the files under them, as the codemod does on the same paths, and repeats them in the command', () => {
    const app = sampleApp();
    const { json } = plan(app, ['src/orders']);
    const totals = codemodTotals(app, 'pool-backpressure', ['src/orders']);
    expect(entry(json, 'pool-backpressure').sites.ready).toBe(totals.rewrittenSites);
    expect(entry(json, 'pool-backpressure').command).toBe('npx quickwins pool-backpressure src/orders');
    expect(entry(json, 'kafka-dedupe').sites.ready).toBe(0);
  }, 240_000);
});

describe('quickwins plan on a repository with none of the libraries', () => {
  it('says no quick win applies, and why', () => {
    const repo = gitRepo({
      'package.json': JSON.stringify({ name: 'plain', dependencies: { lodash: '^4.17.21' } }),
      'src/index.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
    });
    const { status, json } = plan(repo, ['--check']);
    expect(status).toBe(0);
    expect(json.quickWins.map((item) => item.id)).toEqual(IDS);
    for (const item of json.quickWins) {
      expect(item.applies, item.id).toBe(false);
      expect(item.status, item.id).toBe('not applicable');
    }
    expect(entry(json, 'kafka-dedupe').evidence.join('\n')).toContain(
      'no `kafkajs` in any package.json (1 read): does not apply',
    );
    expect(entry(json, 'index-advisor').evidence.join('\n')).toMatch(/no PostgreSQL client .* does not apply/);
    expect(json.totals.applicable).toBe(0);
  }, 120_000);
});

describe('quickwins plan on a repository large enough for worker threads', () => {
  it('parses on the workers and counts what each codemod counts alone', () => {
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'many', dependencies: { pg: '^8.13.0', kafkajs: '^2.2.4' } }),
      'src/db.js': "const { Pool } = require('pg');\nconst pool = new Pool();\nmodule.exports = { pool };\n",
    };
    for (let index = 0; index < 320; index++) {
      files[`src/module-${index}.js`] =
        index % 4 === 0
          ? `const { pool } = require('./db');\nexports.load${index} = async (id) => (await pool.query('select $1::int', [id])).rows;\n`
          : `exports.value${index} = (x) => x.query ? x.query() : ${index};\n`;
    }
    const repo = gitRepo(files);
    const { json } = plan(repo, ['--workers', '1']);
    expect(json.run.workers).toBe(1);
    const totals = codemodTotals(repo, 'pool-backpressure', []);
    expect(totals.rewrittenSites).toBe(80);
    expect(entry(json, 'pool-backpressure').sites).toEqual({ ready: totals.rewrittenSites, left: totals.leftSites });
  }, 240_000);
});

describe('quickwins plan where ESLint is not installed', () => {
  it('still finds blanket directives (and only those) for Day 3, and says the codemod cannot run', () => {
    const files = {
      'package.json': JSON.stringify({ name: 'no-eslint' }),
      'src/named.ts': '// eslint-disable-next-line no-console\nconsole.log(1);\n',
    };
    const named = plan(gitRepo(files)).json;
    expect(entry(named, 'narrow-eslint-disable')).toMatchObject({ applies: false, status: 'not applicable' });

    const blanket = plan(
      gitRepo({ ...files, 'src/legacy.ts': '/* eslint-disable */\nexport const x: any = 1;\n' }),
    ).json;
    const day3 = entry(blanket, 'narrow-eslint-disable');
    expect(day3).toMatchObject({ applies: true, status: 'todo' });
    expect(day3.evidence.join('\n')).toMatch(/narrow-eslint-disable cannot run here: ESLint is not installed/);
    expect(day3.evidence.join('\n')).toContain(
      '1 site(s) seen in the text instead: src/legacy.ts:1:1: blanket eslint-disable',
    );
  }, 120_000);
});

describe('quickwins plan --check as the codemods are applied', () => {
  it('exits 1 while a quick win has sites ready, 0 once every codemod has run, and done once its rule is on', () => {
    const app = sampleApp();
    expect(runCli(['plan', '--check'], { cwd: app, env: NO_DATABASE }).status).toBe(1);
    for (const [position, id] of CODEMOD_IDS.entries()) {
      const applied = runCli([id, '--allow-dirty', '--no-format'], { cwd: app });
      expect(applied.status, `${id}: ${applied.stderr}`).toBe(0);
      const { status, json } = plan(app, ['--check']);
      expect(entry(json, id).sites.ready, id).toBe(0);
      // Every quick win after this one still has its sites: the check stays 1 until the last codemod.
      expect(status, `after ${id}`).toBe(position === CODEMOD_IDS.length - 1 ? 0 : 1);
    }
    const { json: before } = plan(app);
    expect(entry(before, 'pool-backpressure').status).toBe('in progress');
    expect(entry(before, 'pool-backpressure').rule).toEqual({ id: 'quickwins/no-raw-pool-connect', enabled: false });
    expect(entry(before, 'auth-logging').status).toBe('done');

    // The rules that keep each quick win done, on in the project's ESLint config (the plugin as built here).
    const plugin = join(REPO_ROOT, 'dist', 'eslint-plugin', 'index.js');
    const rules = [
      'no-raw-pool-connect',
      'no-blanket-disable',
      'graphql-cache',
      'kafka-batch-protocol',
      'grpc-connection-rotation',
    ];
    writeFileSync(
      join(app, 'eslint.config.js'),
      `import tseslint from 'typescript-eslint';\nimport quickwins from ${JSON.stringify(plugin)};\n\n` +
        `export default tseslint.config({ ignores: ['node_modules/**'] }, tseslint.configs.recommended, ` +
        `{ plugins: { quickwins }, rules: { ${rules.map((rule) => `'quickwins/${rule}': 'error'`).join(', ')} } });\n`,
    );
    const { json: after } = plan(app);
    // kafka-dedupe reports a handler it finds already wrapped as a site left (not as done), so Day 9 stays in progress.
    for (const id of CODEMOD_IDS.filter((codemodId) => codemodId !== 'kafka-dedupe'))
      expect(entry(after, id).status, id).toBe('done');
    expect(entry(after, 'kafka-dedupe')).toMatchObject({ status: 'in progress', sites: { ready: 0, left: 1 } });
  }, 600_000);
});

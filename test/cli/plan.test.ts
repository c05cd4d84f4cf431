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
  run: { files: number; parsedFiles: number; workers: number; isolatedWorkers: number; directiveFiles: number };
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

describe('quickwins plan on a large file', () => {
  it('transforms it on one worker of its own for every codemod that wants it, with the counts each gives alone', () => {
    const functions = Array.from(
      { length: 3300 },
      (_, index) => `exports.load${index} = async (id) => (await pool.query('select $1::int', [id])).rows;`,
    );
    const large = [
      "const { Pool } = require('pg');",
      "const { Kafka } = require('kafkajs');",
      'const pool = new Pool();',
      "const consumer = new Kafka({ brokers: ['127.0.0.1:9092'] }).consumer({ groupId: 'loads' });",
      'exports.start = () => consumer.run({ eachMessage: async ({ message }) => pool.query(String(message.value)) });',
      ...functions,
      '',
    ].join('\n');
    expect(large.length).toBeGreaterThan(256 * 1024);
    const repo = gitRepo({
      'package.json': JSON.stringify({ name: 'large', dependencies: { pg: '^8.13.0', kafkajs: '^2.2.4' } }),
      'src/loads.js': large,
    });
    const { json } = plan(repo);
    expect(json.run.isolatedWorkers).toBe(1);
    for (const id of ['pool-backpressure', 'kafka-dedupe']) {
      const totals = codemodTotals(repo, id);
      expect(entry(json, id).sites, id).toEqual({ ready: totals.rewrittenSites, left: totals.leftSites });
    }
    expect(entry(json, 'pool-backpressure').sites.ready).toBe(3301);
    expect(entry(json, 'kafka-dedupe').sites.ready).toBe(1);
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
    // Only a file whose text may hold a blanket directive is parsed again for its comments.
    expect(named.run.directiveFiles).toBe(0);

    const blanket = plan(
      gitRepo({ ...files, 'src/legacy.ts': '/* eslint-disable */\nexport const x: any = 1;\n' }),
    ).json;
    const day3 = entry(blanket, 'narrow-eslint-disable');
    expect(day3).toMatchObject({ applies: true, status: 'todo' });
    expect(day3.evidence.join('\n')).toMatch(/narrow-eslint-disable cannot run here: ESLint is not installed/);
    expect(day3.evidence.join('\n')).toContain(
      '1 site(s) seen in the text instead: src/legacy.ts:1:1: blanket eslint-disable',
    );
    expect(blanket.run.directiveFiles).toBe(1);
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
    for (const id of CODEMOD_IDS) expect(entry(after, id).status, id).toBe('done');
    // The handler it wrapped is counted as done, not left: by the plan and by the codemod's own report.
    expect(entry(after, 'kafka-dedupe')).toMatchObject({ sites: { ready: 0, left: 0 } });
    expect(entry(after, 'kafka-dedupe').evidence.join('\n')).toContain('1 already done');
    expect(codemodTotals(app, 'kafka-dedupe')).toMatchObject({ rewrittenSites: 0, leftSites: 0 });
  }, 600_000);
});

/**
 * Shaped like corpus/repos-libs.tsv's AntonBurduzha/news-feed (written here, none of its code): services, each its own
 * package; an auth service on Express with a pg pool and a transaction helper; a fan-out service whose kafkajs consumer
 * is a class keeping the constructor's groupId on `this`. No GraphQL, no gRPC, no ESLint installed.
 */
const NEWS_FEED: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'news-feed', private: true, workspaces: ['services/*'] }, null, 2),
  'services/auth-service/package.json': JSON.stringify(
    {
      name: '@news-feed/auth-service',
      type: 'module',
      dependencies: { express: '^5.1.0', pg: '^8.13.0', bcryptjs: '^2.4.3', jsonwebtoken: '^9.0.2' },
    },
    null,
    2,
  ),
  'services/auth-service/src/db/postgres.ts': `import { Pool, type PoolClient } from 'pg';

export const db = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

export async function checkPostgresConnection(): Promise<void> {
  await db.query('SELECT 1');
}

export async function withTransaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}
`,
  'services/auth-service/src/auth/auth.repository.ts': `import { db } from '../db/postgres.js';

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
}

export async function findUserByEmail(email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>('SELECT id, email, password_hash FROM users WHERE email = $1', [email]);
  return rows[0];
}
`,
  'services/auth-service/src/auth/auth.routes.ts': `import { Router, type Request, type Response } from 'express';
import bcrypt from 'bcryptjs';
import jwt from 'jsonwebtoken';
import { findUserByEmail } from './auth.repository.js';

const router = Router();

router.post('/login', async (req: Request, res: Response) => {
  const user = await findUserByEmail(req.body.email);
  if (!user || !(await bcrypt.compare(req.body.password, user.password_hash))) {
    res.status(401).json({ error: 'invalid credentials' });
    return;
  }
  res.json({ token: jwt.sign({ sub: user.id }, process.env.JWT_SECRET ?? 'dev') });
});

export default router;
`,
  'services/fan-out-service/package.json': JSON.stringify(
    { name: '@news-feed/fan-out-service', type: 'module', dependencies: { kafkajs: '^2.2.4', redis: '^5.5.6' } },
    null,
    2,
  ),
  'services/fan-out-service/src/kafka/consumer.ts': `import { Kafka, type Consumer, type EachMessagePayload } from 'kafkajs';

export class KafkaConsumer {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly groupId: string;

  constructor(clientId: string, brokers: string[], groupId: string) {
    this.kafka = new Kafka({ clientId, brokers });
    this.groupId = groupId;
    this.consumer = this.kafka.consumer({ groupId });
  }

  async subscribeAndListen(topics: string[], onMessage: (payload: EachMessagePayload) => Promise<void>): Promise<void> {
    await this.consumer.subscribe({ topics, fromBeginning: false });
    await this.consumer.run({
      eachMessage: async (payload: EachMessagePayload) => {
        await onMessage(payload);
      },
    });
  }
}
`,
};

describe('quickwins plan on a repository shaped like one of the corpus (services with pg, kafkajs, Express)', () => {
  it('gives the right entries, counts what each codemod counts, and --check goes from 1 to 0 as the listed commands run', () => {
    const repo = gitRepo(NEWS_FEED);
    const { status, json } = plan(repo, ['--check']);
    expect(status).toBe(1);
    expect(json.quickWins.map((item) => [item.id, item.applies])).toEqual([
      ['pool-backpressure', true],
      ['index-advisor', true],
      ['narrow-eslint-disable', false],
      ['auth-logging', true],
      ['graphql-cache', false],
      ['kafka-dedupe', true],
      ['grpc-rotation', false],
    ]);
    expect(entry(json, 'pool-backpressure').evidence).toContain('`pg` in services/auth-service/package.json');
    expect(entry(json, 'kafka-dedupe').evidence).toContain('`kafkajs` in services/fan-out-service/package.json');
    expect(entry(json, 'graphql-cache').evidence.join('\n')).toContain('(2 read): does not apply');
    expect(entry(json, 'index-advisor').status).toBe('not checked');
    expect(entry(json, 'pool-backpressure').sites).toEqual({ ready: 3, left: 0 });
    expect(entry(json, 'kafka-dedupe').sites).toEqual({ ready: 1, left: 0 });
    expect(entry(json, 'auth-logging').sites.ready).toBeGreaterThan(0);
    for (const id of CODEMOD_IDS) {
      const totals = codemodTotals(repo, id);
      expect(entry(json, id).sites, id).toEqual({ ready: totals.rewrittenSites, left: totals.leftSites });
    }

    // Run each command the plan lists (for the quick wins with sites ready), as a team would.
    const listed = json.quickWins.filter((item) => item.applies && item.sites.ready > 0);
    expect(listed.map((item) => item.id)).toEqual(['pool-backpressure', 'auth-logging', 'kafka-dedupe']);
    for (const item of listed) {
      const [, , ...args] = item.command.split(' ');
      const applied = runCli([...args, '--allow-dirty', '--no-format'], { cwd: repo });
      expect(applied.status, `${item.command}: ${applied.stderr}`).toBe(0);
    }
    const after = plan(repo, ['--check']);
    expect(after.status).toBe(0);
    for (const item of listed) expect(entry(after.json, item.id).sites, item.id).toEqual({ ready: 0, left: 0 });
    expect(entry(after.json, 'kafka-dedupe').evidence.join('\n')).toContain('1 already done');
    // Without ESLint no rule keeps pool-backpressure and kafka-dedupe done yet: started; auth-logging has no rule.
    expect(listed.map((item) => entry(after.json, item.id).status)).toEqual(['in progress', 'done', 'in progress']);
  }, 600_000);
});

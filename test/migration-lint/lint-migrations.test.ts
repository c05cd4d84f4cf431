// `quickwins lint-migrations` through the real built CLI on migration files of each kind, and on the index
// advisor's own migrations (which must lint clean).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { knexMigration, nodePgMigrateMigration, sqlMigration } from '../../src/index-advisor/migration.js';
import type { Proposal } from '../../src/index-advisor/types.js';
import { loadSqlParser, PARSE_SLICE_LENGTH } from '../../src/index-advisor/migration-lint/lint.js';
import { assertBuilt, removeTempDirs, runCli, tempDir } from '../cli/helpers.js';

// Each case starts the real CLI (about 1 s each, several seconds on a loaded machine).
vi.setConfig({ testTimeout: 120_000 });
beforeAll(assertBuilt);
// The migration writers quote names with the WASM parser's scanner: loaded here, as the CLI loads it before writing.
beforeAll(async () => {
  await loadSqlParser();
});
afterAll(removeTempDirs);

function lint(files: Record<string, string>, extra: string[] = []) {
  const dir = tempDir('quickwins-lint-migrations-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return runCli(['lint-migrations', ...Object.keys(files), ...extra], { cwd: dir });
}

/** `line rule` pairs of the findings for one file. */
function findings(name: string, text: string): string[] {
  const run = lint({ [name]: text }, ['--json']);
  const parsed = JSON.parse(run.stdout) as { findings: { line: number; rule: string }[] };
  expect(run.status).toBe(parsed.findings.length > 0 ? 1 : 0);
  return parsed.findings.map((finding) => `${finding.line} ${finding.rule}`);
}

describe('SQL files', () => {
  it('flags a plain CREATE INDEX on an existing table, not on a table the file creates', () => {
    expect(findings('001.sql', 'CREATE INDEX users_email ON users (email);\n')).toEqual([
      '1 create-index-not-concurrently',
    ]);
    expect(findings('002.sql', 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\n')).toEqual([]);
  });

  it('flags CONCURRENTLY after BEGIN, and in goose / dbmate files that run in a transaction', () => {
    const body = 'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\n';
    expect(findings('003.sql', `BEGIN;\n${body}COMMIT;\n`)).toEqual(['2 concurrently-in-transaction']);
    expect(findings('004.sql', `-- +goose Up\n${body}`)).toEqual(['2 concurrently-in-transaction']);
    expect(findings('005.sql', `-- +goose NO TRANSACTION\n-- +goose Up\n${body}`)).toEqual([]);
    expect(findings('006.sql', `-- migrate:up\n${body}`)).toEqual(['2 concurrently-in-transaction']);
    expect(findings('007.sql', `-- migrate:up transaction:false\n${body}`)).toEqual([]);
    expect(findings('008.sql', `BEGIN;\nCOMMIT;\n${body}`)).toEqual([]);
  });

  it('flags a concurrent build without a name or without IF NOT EXISTS', () => {
    expect(findings('009.sql', 'CREATE INDEX CONCURRENTLY ON users (email);')).toEqual(['1 index-without-name']);
    expect(findings('010.sql', '\n-- why\nCREATE INDEX CONCURRENTLY users_email ON users (email);')).toEqual([
      '3 index-without-if-not-exists',
    ]);
  });

  it('names SQL it cannot parse instead of passing it', () => {
    expect(findings('011.sql', 'CREATE INDEX CONCURENTLY oops ON users (email);')).toEqual(['1 unparsable-sql']);
  });
});

/** `line rule` pairs per file, for several files linted in one run of the CLI. */
function findingsByFile(files: Record<string, string>): Record<string, string[]> {
  const run = lint(files, ['--json']);
  const parsed = JSON.parse(run.stdout) as { findings: { file: string; line: number; rule: string }[] };
  expect(run.status).toBe(parsed.findings.length > 0 ? 1 : 0);
  const byFile: Record<string, string[]> = Object.fromEntries(Object.keys(files).map((name) => [name, []]));
  for (const finding of parsed.findings) byFile[finding.file]?.push(`${finding.line} ${finding.rule}`);
  return byFile;
}

const blocking = 'CREATE INDEX users_a ON users (a);\n';

describe('SQL files as psql runs them', () => {
  it('a UTF-8 byte order mark is skipped with lines kept right; an empty file is clean', () => {
    // 60 two-byte characters: byte offsets taken for string offsets would land a line further down.
    const wide = `SELECT '${'é'.repeat(60)}';\nSELECT 1;\n`;
    expect(
      findingsByFile({
        'bom.sql': `\uFEFF-- why\n${blocking}`,
        'bom-wide.sql': `\uFEFF${wide}${blocking}SELECT 2;\n`,
        'empty.sql': '',
        'bom-only.sql': '\uFEFF',
      }),
    ).toEqual({
      'bom.sql': ['2 create-index-not-concurrently'],
      'bom-wide.sql': ['3 create-index-not-concurrently'],
      'empty.sql': [],
      'bom-only.sql': [],
    });
  });

  it('psql meta-commands and COPY … FROM stdin data are skipped and the rest is linted, on its own lines', () => {
    expect(
      findingsByFile({
        'meta.sql': `\\set ON_ERROR_STOP 1\n\\connect app\n\\i seed.sql\n${blocking}`,
        'copy.sql': `COPY users (email, note) FROM stdin;\na@example.com\tit's; \\N\nb@example.com\t-- not a comment\n\\.\n${blocking}`,
        'copy-meta.sql': `\\copy users (email) from stdin\na@example.com\n\\.\n${blocking}`,
        'send.sql': `SELECT 1 \\g\n${blocking}`,
        'quoted.sql': `SELECT '\\i x', E'\\'\\\\', $$\\set y$$, "a\\b";\n${blocking}`,
      }),
    ).toEqual({
      'meta.sql': ['4 create-index-not-concurrently'],
      'copy.sql': ['5 create-index-not-concurrently'],
      'copy-meta.sql': ['4 create-index-not-concurrently'],
      'send.sql': ['2 create-index-not-concurrently'],
      'quoted.sql': ['2 create-index-not-concurrently'],
    });
  });

  it('\\gexec, which runs the rows of a query as SQL, is named as not checked', () => {
    expect(findings('gexec.sql', "SELECT format('CREATE INDEX ON %I (a)', relname) FROM pg_class\n\\gexec\n")).toEqual([
      '2 unchecked-sql',
    ]);
  });

  it('EXECUTE in a DO block, a function or a procedure is named as not checked; a DO block without it is clean', () => {
    const run = lint(
      {
        'do.sql': "DO $$\nBEGIN\n  EXECUTE 'CREATE INDEX users_a ON users (a)';\nEND\n$$;\n",
        'function.sql':
          "SELECT 1;\nCREATE FUNCTION make_index(t text) RETURNS void LANGUAGE plpgsql AS $f$\nBEGIN\n  EXECUTE format('CREATE INDEX ON %I (a)', t);\nEND\n$f$;\n",
        'procedure.sql':
          "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ DECLARE r record; BEGIN FOR r IN EXECUTE 'SELECT 1' LOOP END LOOP; END $$;\n",
        'python.sql': "DO LANGUAGE plpython3u $$ plpy.execute('CREATE INDEX users_a ON users (a)') $$;\n",
        'static.sql': "DO $$ BEGIN RAISE NOTICE 'EXECUTE later'; END $$;\n",
      },
      ['--json'],
    );
    const parsed = JSON.parse(run.stdout) as {
      findings: { file: string; line: number; rule: string; message: string }[];
    };
    expect(
      parsed.findings.map((finding) => `${finding.file}:${finding.line} ${finding.rule} ${finding.message}`),
    ).toEqual([
      'do.sql:1 unchecked-sql DO block runs SQL built at run time (EXECUTE): not checked',
      'function.sql:2 unchecked-sql function make_index runs SQL built at run time (EXECUTE): not checked',
      'procedure.sql:1 unchecked-sql procedure p runs SQL built at run time (EXECUTE): not checked',
      'python.sql:1 unchecked-sql DO block in plpython3u can run any SQL: not checked',
    ]);
    expect(run.status).toBe(1);
  });

  it('CREATE INDEX written in a DO block (which runs now, inside a function) is checked on its own line', () => {
    expect(
      findingsByFile({
        'do-if.sql':
          "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'users_a') THEN\n    CREATE INDEX users_a ON users (a);\n  END IF;\nEND\n$$;\n",
        'do-concurrently.sql':
          'SELECT 1;\nDO\n$$ BEGIN\n  CREATE INDEX CONCURRENTLY IF NOT EXISTS users_a ON users (a); END $$;\n',
        'do-new-table.sql': 'CREATE TABLE t (a int);\nDO $$ BEGIN CREATE INDEX t_a ON t (a); END $$;\n',
        'function-body.sql':
          'CREATE FUNCTION later() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CREATE INDEX users_a ON users (a); END $$;\n',
      }),
    ).toEqual({
      'do-if.sql': ['4 create-index-not-concurrently'],
      'do-concurrently.sql': ['4 concurrently-in-transaction'],
      'do-new-table.sql': [],
      'function-body.sql': [],
    });
  });

  it('a statement after a comment-ending line break is read as the statement it is', () => {
    // The shape of a migration whose `-- <table>: serves …` comment held a table name with line breaks.
    const hidden =
      '-- "nl\nCREATE INDEX victims_a ON victims (a);\n--": serves 3 statements\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_a ON messages (a);\n';
    expect(findings('hidden.sql', hidden)).toEqual(['2 create-index-not-concurrently']);
  });
});

describe('large SQL files, parsed in slices cut at statement ends', () => {
  const row = "INSERT INTO t VALUES (1, 'é');\n";
  const header = 'CREATE TABLE t (a int, b text);\n';
  const lineCount = (text: string) => text.split('\n').length - 1;

  it('carry the transaction state across slices, find lines in late slices, and name a late syntax error', () => {
    const filler = header + row.repeat(Math.ceil((2.5 * PARSE_SLICE_LENGTH) / row.length));
    const sliced = `BEGIN;\n${filler}CREATE INDEX CONCURRENTLY IF NOT EXISTS users_a ON users (a);\nCOMMIT;\n`;
    expect(
      findingsByFile({ 'sliced.sql': sliced, 'broken.sql': `${filler}CREATE INDEX CONCURENTLY oops ON users (a);\n` }),
    ).toEqual({
      'sliced.sql': [`${lineCount(sliced) - 1} concurrently-in-transaction`],
      'broken.sql': ['1 unparsable-sql'],
    });
  });

  it('a cut that falls inside BEGIN ATOMIC … END (whose `;` ends no statement) parses the whole file instead', () => {
    // The last filler statement ends just before the slice length, the function's first inner `;` just after it.
    const filler = header + row.repeat(Math.floor((PARSE_SLICE_LENGTH - 10 - header.length) / row.length));
    const atomic = `${filler}CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n${blocking}`;
    expect(atomic.indexOf('SELECT 1;') + 'SELECT 1;'.length).toBeGreaterThanOrEqual(PARSE_SLICE_LENGTH);
    expect(findings('atomic.sql', atomic)).toEqual([`${lineCount(atomic)} create-index-not-concurrently`]);
  });
});

describe('node-pg-migrate and knex files', () => {
  const create = 'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email)';

  it('node-pg-migrate: wrapped in a transaction unless pgm.noTransaction()', () => {
    expect(findings('1_a.js', `exports.up = (pgm) => {\n  pgm.sql('${create}');\n};\n`)).toEqual([
      '2 concurrently-in-transaction',
    ]);
    expect(
      findings('1_b.js', `exports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.sql('${create}');\n};\n`),
    ).toEqual([]);
  });

  it('several concurrent builds in one string run as one implicit transaction', () => {
    const two = `${create}; CREATE INDEX CONCURRENTLY IF NOT EXISTS users_name ON users (name)`;
    expect(
      findings('1_c.ts', `export const up = (pgm) => {\n  pgm.noTransaction();\n  pgm.sql(\`${two}\`);\n};\n`),
    ).toEqual(['3 several-concurrent-builds-in-one-string']);
  });

  it('pgm.createIndex without { concurrently: true } on an existing table; with it, in a noTransaction migration, clean', () => {
    expect(findings('1_d.js', `exports.up = (pgm) => {\n  pgm.createIndex('users', 'email');\n};\n`)).toEqual([
      '2 create-index-not-concurrently',
    ]);
    expect(
      findings(
        '1_e.js',
        `exports.up = (pgm) => {\n  pgm.createTable('t', { a: 'int' });\n  pgm.createIndex('t', 'a');\n};\n`,
      ),
    ).toEqual([]);
    expect(
      findings(
        '1_f.js',
        `exports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.createIndex('users', 'email', { concurrently: true, ifNotExists: true });\n};\n`,
      ),
    ).toEqual([]);
  });

  it('knex: wrapped unless config = { transaction: false }; the schema builder cannot build concurrently', () => {
    expect(findings('2_a.js', `exports.up = async (knex) => {\n  await knex.raw('${create}');\n};\n`)).toEqual([
      '2 concurrently-in-transaction',
    ]);
    expect(
      findings(
        '2_b.js',
        `exports.config = { transaction: false };\nexports.up = async (knex) => {\n  await knex.raw('${create}');\n};\n`,
      ),
    ).toEqual([]);
    expect(
      findings(
        '2_c.mjs',
        `export const config = { transaction: false };\nexport async function up(knex) {\n  await knex.raw('${create}');\n}\n`,
      ),
    ).toEqual([]);
    expect(
      findings(
        '2_d.js',
        `exports.up = (knex) => knex.schema.alterTable('users', (t) => {\n  t.index(['email']);\n});\n`,
      ),
    ).toEqual(['2 create-index-not-concurrently']);
  });

  it('names SQL built at run time as not checked', () => {
    expect(
      findings(
        '2_e.js',
        'exports.config = { transaction: false };\nexports.up = (knex) => knex.raw(`CREATE INDEX ${name} ON users (email)`);\n',
      ),
    ).toEqual(['2 unchecked-sql']);
  });
});

describe('the index advisor’s own migrations', () => {
  const proposal = (name: string, definition: string): Proposal => ({
    candidate: {
      table: { schema: 'public', name: 'messages' },
      columns: [],
      equalityColumns: 0,
      conditions: [],
      statementIds: ['1'],
    },
    name,
    definition,
    served: [{ queryId: '1', before: 1000, after: 10 }],
    calls: 5,
    tableScans: { seqScan: 3, idxScan: null },
  });
  const proposals = [
    proposal(
      'idx_a',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_a ON messages (conversation_id, created_at DESC) WHERE deleted_at IS NULL',
    ),
    proposal(
      'idx_b',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_b ON messages (user_id, created_at DESC) WHERE deleted_at IS NULL',
    ),
  ];
  const settings = { lockTimeout: '5s', statementTimeout: '1h' };

  it('lint clean in every format', () => {
    const run = lint({
      'a.sql': sqlMigration(proposals, settings),
      'b.js': nodePgMigrateMigration(proposals, settings),
      'c.js': knexMigration(proposals, settings),
    });
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('lint-migrations: 3 file(s), 0 finding(s)\n');
    expect(run.status).toBe(0);
  });
});

describe('usage', () => {
  it('a missing file or a file that is no migration is a usage error (2); findings print file:line rule message', () => {
    const dir = tempDir('quickwins-lint-migrations-');
    const missing = runCli(['lint-migrations', 'nope.sql'], { cwd: dir });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('quickwins lint-migrations: not a file: nope.sql\n');
    writeFileSync(join(dir, 'notes.txt'), '');
    expect(runCli(['lint-migrations', 'notes.txt'], { cwd: dir }).status).toBe(2);
    const run = lint({ 'x.sql': 'CREATE INDEX i ON users (a);' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(
      'x.sql:1  create-index-not-concurrently  CREATE INDEX on existing table users without CONCURRENTLY blocks writes while it builds\n',
    );
  });
});

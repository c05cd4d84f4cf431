// Adversarial names against the index advisor's migration writers, on a real PostgreSQL: schemas, tables and columns
// named with newlines, quotes, `*/`, `--`, `$$`, `${`, backslashes and any Unicode. The .sql file is applied with
// `psql -v ON_ERROR_STOP=1 -f` and must build exactly the proposed indexes and change nothing else in the catalog;
// the knex and node-pg-migrate files are loaded and must hold exactly the intended statements.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadModule, parseSync } from 'libpg-query';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jsString, quotedIdentifier, sqlComment, sqlLiteral } from '../../src/index-advisor/escape.js';
import { createIndexStatement, dropIndexStatement, indexName } from '../../src/index-advisor/index-sql.js';
import {
  knexMigration,
  nodePgMigrateMigration,
  sqlMigration,
  type MigrationSettings,
} from '../../src/index-advisor/migration.js';
import type { Candidate, Proposal } from '../../src/index-advisor/types.js';
import { assertBuilt, removeTempDirs, runCli, tempDir } from '../cli/helpers.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../setup/postgres.js';
import { findPsql, runSqlFile } from '../support/psql.js';

vi.setConfig({ testTimeout: 300_000 });

const require = createRequire(import.meta.url);
const SETTINGS: MigrationSettings = { lockTimeout: '5s', statementTimeout: '1h' };
const SETUP_STATEMENTS = ["SET client_encoding = 'UTF8'", "SET lock_timeout = '5s'", "SET statement_timeout = '1h'"];

/** Pieces that end comments, literals, identifiers or templates in SQL or JS, mixed with any code point. */
const HOSTILE = [
  '\n',
  '\r',
  '\r\n',
  '\u2028',
  '\u2029',
  '"',
  "'",
  '`',
  '*/',
  '/*',
  '--',
  '$$',
  '${',
  '}',
  '\\',
  ';',
  ' ',
  ':x',
  "E'",
  '\u202e',
  '\t',
];
const unit = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
/** A legal identifier: not empty, no NUL, at most 63 bytes (PostgreSQL would cut a longer one). */
const identifier = fc
  .string({ unit, minLength: 1, maxLength: 12 })
  .map((text) => text.replaceAll('\u0000', ''))
  .filter((text) => text.length > 0 && Buffer.byteLength(text) <= 63);

let server: ThrowawayPostgres;
let admin: pg.Client;
let dir: string;

beforeAll(async () => {
  assertBuilt();
  await loadModule();
  server = await startThrowawayPostgres({
    settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'top' },
  });
  admin = new pg.Client(server.url);
  await admin.connect();
  await admin.query('CREATE EXTENSION pg_stat_statements');
  await admin.query('CREATE TABLE victims (id int)');
  await admin.query('INSERT INTO victims SELECT generate_series(1, 3)');
  dir = mkdtempSync(join(tmpdir(), 'quickwins-advisor-sql-'));
  if (findPsql() === undefined)
    console.warn('psql not found: the .sql files are applied through libpg-query + pg (see test/support/psql.ts)');
}, 180_000);

afterAll(async () => {
  await admin?.end();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  removeTempDirs();
});

/** Everything in the catalog a stray statement could change: relations, schemas, roles, databases, functions, the canary. */
async function catalogFingerprint(): Promise<string[]> {
  const result = await admin.query<{ item: string }>(
    `select 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text as item from pg_class c join pg_namespace n on n.oid = c.relnamespace
     union all select 'schema ' || nspname from pg_namespace
     union all select 'role ' || rolname || ' ' || rolsuper::text from pg_roles
     union all select 'database ' || datname from pg_database
     union all select 'function ' || oid::regprocedure::text from pg_proc where pronamespace <> 'pg_catalog'::regnamespace
     union all select 'victims ' || count(*) from victims`,
  );
  return result.rows.map((row) => row.item).sort();
}

interface Shape {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly indexes: readonly {
    readonly columns: readonly { index: number; descending: boolean }[];
    readonly nullColumn?: number;
  }[];
}

const shapes = fc
  .record({
    schema: identifier,
    table: identifier,
    columns: fc.uniqueArray(identifier, { minLength: 1, maxLength: 3 }),
    indexSeeds: fc.array(
      fc.record({
        order: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        descending: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        nullColumn: fc.option(fc.nat()),
      }),
      {
        minLength: 1,
        maxLength: 2,
      },
    ),
  })
  .map(({ schema, table, columns, indexSeeds }): Shape => ({
    schema,
    table,
    columns,
    indexes: indexSeeds.map((seed) => ({
      columns: [...new Set(seed.order.map((value) => value % columns.length))].map((index, position) => ({
        index,
        descending: seed.descending[position] ?? false,
      })),
      nullColumn: seed.nullColumn === null ? undefined : seed.nullColumn % columns.length,
    })),
  }));

/** The advisor's proposals for a shape, named and written by its own functions. */
function proposalsFor(shape: Shape): Proposal[] {
  const taken = new Set<string>();
  const proposals: Proposal[] = [];
  for (const [position, index] of shape.indexes.entries()) {
    const candidate: Candidate = {
      table: { schema: shape.schema, name: shape.table },
      columns: index.columns.map((column) => ({
        name: shape.columns[column.index] ?? '',
        descending: column.descending,
      })),
      equalityColumns: 0,
      conditions:
        index.nullColumn === undefined ? [] : [{ column: shape.columns[index.nullColumn] ?? '', isNull: true }],
      statementIds: [String(position)],
    };
    const name = indexName(candidate, taken);
    taken.add(name);
    proposals.push({
      candidate,
      name,
      definition: createIndexStatement(name, candidate),
      served: [{ queryId: String(position), before: 1000, after: 10 }],
      calls: 7,
      tableScans: { seqScan: 1, idxScan: null },
      replacesInvalid: position === 1,
    });
  }
  return proposals;
}

/** The indexes on the shape's table as the server describes them: name, key columns with direction, predicate. */
async function indexesOn(
  shape: Shape,
): Promise<{ name: string; columns: string[]; descending: boolean[]; predicate: string | null; valid: boolean }[]> {
  const result = await admin.query(
    `select ic.relname as name, i.indisvalid as valid,
            array(select a.attname::text from unnest(i.indkey) with ordinality k(attnum, n)
                   join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.n) as columns,
            array(select (o & 1) = 1 from unnest(i.indoption) o) as descending,
            pg_get_expr(i.indpred, i.indrelid) as predicate
       from pg_index i join pg_class ic on ic.oid = i.indexrelid
      where i.indrelid = (select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2)
      order by 1`,
    [shape.schema, shape.table],
  );
  return result.rows;
}

/** Loads a JS migration file and records the SQL its up and down run, through stand-ins for pgm and knex. */
async function recordedStatements(
  file: string,
  format: 'knex' | 'node-pg-migrate',
): Promise<{ up: string[]; down: string[] }> {
  const migration = require(file) as { up: (tool: unknown) => unknown; down: (tool: unknown) => unknown };
  const record = async (step: 'up' | 'down'): Promise<string[]> => {
    const seen: string[] = [];
    if (format === 'node-pg-migrate') {
      await migration[step]({ noTransaction: () => undefined, sql: (statement: string) => void seen.push(statement) });
    } else {
      const knex = {
        client: { acquireConnection: async () => ({}), releaseConnection: async () => undefined },
        raw: (statement: string) => ({ connection: async () => void seen.push(statement) }),
      };
      await migration[step](knex);
    }
    return seen;
  };
  return { up: await record('up'), down: await record('down') };
}

let fileCount = 0;

describe('hostile identifiers in every migration format', () => {
  it('property: psql -f builds exactly the proposed indexes and changes nothing else; the JS files hold exactly the intended SQL', async () => {
    await fc.assert(
      fc.asyncProperty(shapes, async (shape) => {
        const columns = shape.columns.map((column) => `${quotedIdentifier(column)} int`).join(', ');
        await admin.query(`CREATE SCHEMA ${quotedIdentifier(shape.schema)}`);
        try {
          await admin.query(
            `CREATE TABLE ${quotedIdentifier(shape.schema)}.${quotedIdentifier(shape.table)} (${columns})`,
          );
          const proposals = proposalsFor(shape);
          // The second proposal is marked as replacing an INVALID leftover: its DROP (IF EXISTS) is in the files too.
          const before = await catalogFingerprint();

          const sql = sqlMigration(proposals, SETTINGS, 'estimate');
          const expectedUp = [
            ...SETUP_STATEMENTS,
            ...proposals.flatMap((proposal) => [
              ...(proposal.replacesInvalid ? [dropIndexStatement(proposal.name, proposal.candidate.table)] : []),
              proposal.definition,
            ]),
          ];
          // PostgreSQL's own parser sees exactly the intended statements, comments and all.
          const parsedStatements = parseSync(sql).stmts?.length;
          expect(parsedStatements).toBe(expectedUp.length);
          const sqlFile = join(dir, `${++fileCount}.sql`);
          writeFileSync(sqlFile, sql);
          await runSqlFile(server.url, sqlFile);

          const built = await indexesOn(shape);
          expect(built.map((index) => index.name).sort()).toEqual(proposals.map((proposal) => proposal.name).sort());
          for (const proposal of proposals) {
            const index = built.find((item) => item.name === proposal.name);
            expect(index?.valid).toBe(true);
            expect(index?.columns).toEqual(proposal.candidate.columns.map((column) => column.name));
            expect(index?.descending).toEqual(proposal.candidate.columns.map((column) => column.descending));
            const condition = proposal.candidate.conditions[0];
            const expected =
              condition === undefined
                ? null
                : (await admin.query(`select format('(%I IS NULL)', $1::text) as text`, [condition.column])).rows[0]
                    .text;
            expect(index?.predicate).toBe(expected);
          }
          const after = await catalogFingerprint();
          const newIndexes = new Set(proposals.map((proposal) => `rel ${shape.schema}.${proposal.name} i`));
          expect(after.filter((item) => !newIndexes.has(item))).toEqual(before);

          for (const format of ['knex', 'node-pg-migrate'] as const) {
            const text =
              format === 'knex'
                ? knexMigration(proposals, SETTINGS, 'estimate')
                : nodePgMigrateMigration(proposals, SETTINGS, 'estimate');
            const jsFile = join(dir, `${++fileCount}.js`);
            writeFileSync(jsFile, text);
            const recorded = await recordedStatements(jsFile, format);
            expect(recorded.up).toEqual(expectedUp);
            expect(recorded.down).toEqual(
              [...proposals].reverse().map((proposal) => dropIndexStatement(proposal.name, proposal.candidate.table)),
            );
          }
        } finally {
          await admin.query(`DROP SCHEMA ${quotedIdentifier(shape.schema)} CASCADE`);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('property: a string literal reads back the same with standard_conforming_strings on and off', async () => {
    const client = new pg.Client(server.url);
    await client.connect();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit, maxLength: 20 }).map((text) => text.replaceAll('\u0000', '')),
          fc.boolean(),
          async (value, conforming) => {
            await client.query(`SET standard_conforming_strings = ${conforming ? 'on' : 'off'}`);
            const result = await client.query(`SELECT ${sqlLiteral(value)} AS value`);
            expect(result.rows[0].value).toBe(value);
          },
        ),
        { numRuns: 100 },
      );
    } finally {
      await client.end();
    }
  });

  it('property: a comment line stays one line for SQL and JS, and a JS string evaluates to its value', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (text) => {
        const comment = sqlComment(text);
        expect(comment).not.toMatch(/[\n\r\u2028\u2029]/);
        expect(parseSync(`${comment}\nSELECT 1`).stmts).toHaveLength(1);
        expect(new Function(`return ${jsString(text)}`)()).toBe(text);
        expect(jsString(text)).not.toMatch(/[\n\r\u2028\u2029]/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('end to end: a table named to end the comment', () => {
  it('index-advisor --out writes a migration whose psql -f builds the index and drops nothing', async () => {
    // The table name closes the `-- <table>: serves …` comment and runs DROP TABLE if written raw.
    const table = 'nl\nDROP TABLE victims;\n--';
    const column = 'x*/ $$\'"\n\\! echo PWNED';
    const qualified = `public.${quotedIdentifier(table)}`;
    await admin.query(`CREATE TABLE ${qualified} (id int, ${quotedIdentifier(column)} int)`);
    await admin.query(`INSERT INTO ${qualified} SELECT g, g FROM generate_series(1, 20000) g`);
    await admin.query(`ANALYZE ${qualified}`);
    await admin.query('SELECT pg_stat_statements_reset()');
    for (let call = 0; call < 20; call++)
      await admin.query(`SELECT id FROM ${qualified} WHERE ${quotedIdentifier(column)} = $1`, [call]);

    // All three files first (applying one builds the index, and a next run would propose nothing), then apply.
    const written = new Map<string, { path: string; definition: string }>();
    for (const format of ['sql', 'knex', 'node-pg-migrate']) {
      const out = tempDir('quickwins-advisor-out-');
      const run = runCli(['index-advisor', '--out', out, '--format', format, '--json'], {
        cwd: out,
        env: { DATABASE_URL: server.url },
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const advice = JSON.parse(run.stdout) as {
        proposals: { table: { name: string }; definition: string }[];
        migrationPath: string;
      };
      expect(advice.proposals.map((proposal) => proposal.table.name)).toEqual([table]);
      written.set(format, { path: advice.migrationPath, definition: advice.proposals[0]?.definition ?? '' });
    }

    const sqlFile = written.get('sql')?.path ?? '';
    // The name's newline may sit inside a quoted identifier, never in a comment line of its own.
    const commentLines = readFileSync(sqlFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('-- '));
    expect(commentLines.join('\n')).not.toContain('victims;\n');
    const before = await catalogFingerprint();
    await runSqlFile(server.url, sqlFile);
    expect((await admin.query('select count(*)::int as n from victims')).rows[0].n).toBe(3);
    const after = await catalogFingerprint();
    expect(after.filter((item) => !item.startsWith('rel public.idx_'))).toEqual(before);
    expect(after.filter((item) => item.startsWith('rel public.idx_'))).toHaveLength(1);

    for (const format of ['knex', 'node-pg-migrate'] as const) {
      const file = written.get(format);
      const recorded = await recordedStatements(file?.path ?? '', format);
      expect(recorded.up).toEqual([...SETUP_STATEMENTS, file?.definition]);
    }
  });
});

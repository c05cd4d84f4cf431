/**
 * `lint-migrations` rules: index builds that block writes or fail halfway.
 * - create-index-not-concurrently: CREATE INDEX without CONCURRENTLY on a table the file did not create (a plain
 *   build holds a SHARE lock: no INSERT/UPDATE/DELETE until it ends).
 * - concurrently-in-transaction: CONCURRENTLY after BEGIN, or in a migration its tool wraps in a transaction
 *   (PostgreSQL refuses it).
 * - several-concurrent-builds-in-one-string: one multi-statement string runs as one implicit transaction.
 * - index-without-if-not-exists / index-without-name: a concurrent build that is retried must not fail or
 *   duplicate; IF NOT EXISTS needs a name.
 * - unparsable-sql / unchecked-sql: SQL the rules could not see (it does not parse, is built at run time, or runs
 *   through EXECUTE in a DO block or function), named so that silence never reads as clean.
 */
import { loadModule, parsePlPgSQLSync, parseSync } from 'libpg-query';
import { lineIndexIn, lineStarts } from '../../core/lines.js';
import { skipSpaceAndComments } from './psql-script.js';
import type { MigrationSource, SqlChunk } from './sources.js';

export type RuleId =
  | 'create-index-not-concurrently'
  | 'concurrently-in-transaction'
  | 'several-concurrent-builds-in-one-string'
  | 'index-without-if-not-exists'
  | 'index-without-name'
  | 'unparsable-sql'
  | 'unchecked-sql';

export interface Finding {
  readonly line: number;
  readonly rule: RuleId;
  readonly message: string;
}

export const loadSqlParser = loadModule;

type Json = Record<string, unknown>;

interface RawStatement {
  stmt: Json;
  /** Bytes (UTF-8) from the start of the SQL string; absent for 0. */
  stmt_location?: number;
  /** Bytes; absent for a last statement without `;` (it runs to the end). */
  stmt_len?: number;
}

/** What every chunk of one file shares: its line index (built once per file), the tables it creates, the findings. */
interface FileContext {
  readonly source: MigrationSource;
  readonly lineAt: (offset: number) => number;
  readonly created: Set<string>;
  readonly findings: Finding[];
}

export function lintMigration(source: MigrationSource): Finding[] {
  const findings: Finding[] = [];
  const created = new Set(source.builderTables.map((name) => name.toLowerCase()));
  const starts = lineStarts(source.text);
  const lineAt = (offset: number): number => lineIndexIn(starts, offset) + 1;
  for (const chunk of source.chunks) lintChunk({ source, lineAt, created, findings }, chunk);
  for (const builder of source.builders) {
    const line = lineAt(builder.offset);
    const isNew = builder.table !== undefined && created.has(builder.table.toLowerCase());
    if (!builder.concurrently && !isNew) {
      findings.push({
        line,
        rule: 'create-index-not-concurrently',
        message:
          builder.tool === 'knex'
            ? `index on existing table ${builder.table ?? '?'} built by knex's schema builder, which cannot build CONCURRENTLY: use knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS …') with config = { transaction: false }`
            : `pgm.createIndex on existing table ${builder.table ?? '?'} without { concurrently: true } blocks writes while it builds`,
      });
    }
    if (builder.concurrently && source.wrappedBy)
      findings.push({
        line,
        rule: 'concurrently-in-transaction',
        message: `concurrent index build inside a transaction: ${source.wrappedBy}`,
      });
    if (builder.concurrently && !builder.ifNotExists)
      findings.push({
        line,
        rule: 'index-without-if-not-exists',
        message: 'concurrent index build without { ifNotExists: true }: a retry after a failed build errors',
      });
  }
  for (const item of source.unreadable)
    findings.push({ line: lineAt(item.offset), rule: 'unchecked-sql', message: item.reason });
  return findings.sort((a, b) => a.line - b.line);
}

/**
 * A `.sql` file is parsed in slices of about this many characters, cut where psql ends a statement, so that the
 * parse trees of a large script are never all in memory at once.
 */
export const PARSE_SLICE_LENGTH = 1 << 20;

/** What the checks carry from one statement of a chunk to the next, across slices. */
interface ChunkState {
  inTransaction: boolean;
  statements: number;
  concurrentBuilds: number;
  firstConcurrentLine: number | undefined;
}

function lintChunk(context: FileContext, chunk: SqlChunk): void {
  // An empty file or string runs nothing (the parser refuses an empty string, not one of white space).
  if (chunk.sql.length === 0) return;
  const cuts = sliceCuts(chunk);
  if (cuts.length > 0) {
    // A `;` inside BEGIN ATOMIC … END ends no statement: a slice cut there does not parse, and the whole string is
    // parsed instead, as a string without cuts is.
    const attempt: FileContext = { ...context, created: new Set(context.created), findings: [] };
    if (lintSlices(attempt, chunk, cuts)) {
      for (const table of attempt.created) context.created.add(table);
      context.findings.push(...attempt.findings);
      return;
    }
  }
  lintSlices(context, chunk, []);
}

function sliceCuts(chunk: SqlChunk): number[] {
  const cuts: number[] = [];
  let last = 0;
  for (const end of chunk.statementEnds ?? []) {
    if (end - last < PARSE_SLICE_LENGTH || end >= chunk.sql.length) continue;
    cuts.push(end);
    last = end;
  }
  return cuts;
}

/** Lints the chunk slice by slice; false when a slice does not parse and `cuts` were given (the caller retries whole). */
function lintSlices(context: FileContext, chunk: SqlChunk, cuts: readonly number[]): boolean {
  const { lineAt, findings } = context;
  const state: ChunkState = {
    inTransaction: false,
    statements: 0,
    concurrentBuilds: 0,
    firstConcurrentLine: undefined,
  };
  const bounds = [0, ...cuts, chunk.sql.length];
  for (let index = 0; index + 1 < bounds.length; index++) {
    const from = bounds[index] as number;
    const sql = cuts.length === 0 ? chunk.sql : chunk.sql.slice(from, bounds[index + 1]);
    let statements: RawStatement[];
    try {
      statements = (parseSync(sql) as unknown as { stmts?: RawStatement[] }).stmts ?? [];
    } catch (error) {
      if (cuts.length > 0) return false;
      findings.push({
        line: lineAt(chunk.offset),
        rule: 'unparsable-sql',
        message: `SQL does not parse, not checked: ${(error as Error).message.split('\n')[0]}`,
      });
      return true;
    }
    lintStatements(context, { sql, offset: chunk.offset + from }, statements, state);
  }
  // The simple query protocol runs a multi-statement string as one implicit transaction: CONCURRENTLY fails there.
  if (chunk.oneRoundTrip && state.statements > 1 && state.firstConcurrentLine !== undefined) {
    findings.push({
      line: state.firstConcurrentLine,
      rule: 'several-concurrent-builds-in-one-string',
      message: `${state.concurrentBuilds} CREATE INDEX CONCURRENTLY in one ${state.statements}-statement string, which runs as one implicit transaction: one statement per call`,
    });
  }
  return true;
}

function lintStatements(
  context: FileContext,
  slice: { readonly sql: string; readonly offset: number },
  statements: readonly RawStatement[],
  state: ChunkState,
): void {
  const { source, lineAt, created, findings } = context;
  const offsetOf = stringOffsets(slice.sql);
  state.statements += statements.length;
  for (const statement of statements) {
    const [type, body] = Object.entries(statement.stmt)[0] ?? [];
    const node = (body ?? {}) as Json;
    const start = offsetOf(statement.stmt_location ?? 0);
    const line = lineAt(slice.offset + skipSpaceAndComments(slice.sql, start));
    if (type === 'DoStmt' || type === 'CreateFunctionStmt') {
      const bodyLocation = type === 'DoStmt' ? definition(node.args, 'as')?.location : undefined;
      const bodyLine = typeof bodyLocation === 'number' ? lineAt(slice.offset + offsetOf(bodyLocation)) : line;
      const end = statement.stmt_len ? offsetOf((statement.stmt_location ?? 0) + statement.stmt_len) : slice.sql.length;
      const code = readProceduralCode(type, node, slice.sql.slice(start, end));
      if (code.unchecked !== undefined) findings.push({ line, rule: 'unchecked-sql', message: code.unchecked });
      for (const build of code.indexBuilds)
        lintIndexBuildInDoBlock(context, build.query, bodyLine + build.bodyLine - 1);
      continue;
    }
    if (type === 'TransactionStmt') {
      const kind = node.kind as string;
      if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') state.inTransaction = true;
      else if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') state.inTransaction = false;
      continue;
    }
    if (type === 'CreateStmt' || type === 'CreateTableAsStmt') {
      const relation = (type === 'CreateStmt' ? node.relation : (node.into as Json | undefined)?.rel) as
        Json | undefined;
      if (relation?.relname) created.add(String(relation.relname).toLowerCase());
      continue;
    }
    if (type !== 'IndexStmt') continue;
    const table = String((node.relation as Json | undefined)?.relname ?? '?');
    const concurrent = node.concurrent === true;
    const name = node.idxname as string | undefined;
    if (!concurrent && !created.has(table.toLowerCase())) {
      findings.push({
        line,
        rule: 'create-index-not-concurrently',
        message: `CREATE INDEX on existing table ${table} without CONCURRENTLY blocks writes while it builds`,
      });
    }
    if (!concurrent) continue;
    state.concurrentBuilds++;
    if (state.inTransaction)
      findings.push({
        line,
        rule: 'concurrently-in-transaction',
        message: 'CREATE INDEX CONCURRENTLY after BEGIN: PostgreSQL refuses it inside a transaction block',
      });
    else if (source.wrappedBy)
      findings.push({
        line,
        rule: 'concurrently-in-transaction',
        message: `CREATE INDEX CONCURRENTLY inside a transaction: ${source.wrappedBy}`,
      });
    state.firstConcurrentLine ??= line;
    if (name === undefined)
      findings.push({
        line,
        rule: 'index-without-name',
        message: `CREATE INDEX CONCURRENTLY on ${table} without a name: a retry builds a second index`,
      });
    else if (node.if_not_exists !== true)
      findings.push({
        line,
        rule: 'index-without-if-not-exists',
        message: `CREATE INDEX CONCURRENTLY ${name} without IF NOT EXISTS: a retry after a failed run errors`,
      });
  }
}

/**
 * libpg-query's offsets count UTF-8 bytes; the file's offsets count UTF-16 units. The converter walks forward, so
 * statements read in order cost one pass over the string.
 */
function stringOffsets(sql: string): (byteOffset: number) => number {
  if (Buffer.byteLength(sql) === sql.length) return (byteOffset) => byteOffset;
  let units = 0;
  let bytes = 0;
  return (byteOffset) => {
    if (byteOffset < bytes) [units, bytes] = [0, 0];
    while (bytes < byteOffset && units < sql.length) {
      const code = sql.codePointAt(units) ?? 0;
      bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      units += code < 0x10000 ? 1 : 2;
    }
    return units;
  };
}

/** PL/pgSQL statements that run SQL built from a string at run time. */
const DYNAMIC_SQL_STATEMENTS = new Set(['PLpgSQL_stmt_dynexecute', 'PLpgSQL_stmt_dynfors']);

const INDEX_BUILD = /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\b/i;

/** What lint can tell of a DO block or a function without running it. */
interface ProceduralCode {
  /** Why it cannot be checked, when it cannot. */
  readonly unchecked?: string;
  /** CREATE INDEX written in a PL/pgSQL DO block (which runs now), with its line in the body (1: the quote's line). */
  readonly indexBuilds: readonly { readonly bodyLine: number; readonly query: string }[];
}

/**
 * Not checkable: PL/pgSQL that runs a string through EXECUTE (or `RETURN QUERY EXECUTE`, `FOR … IN EXECUTE`,
 * `OPEN … FOR EXECUTE`), a DO block in another procedural language, or a PL/pgSQL body that does not parse.
 * A function's static SQL runs when it is called, not when the migration creates it: only a DO block's is read.
 */
function readProceduralCode(type: 'DoStmt' | 'CreateFunctionStmt', node: Json, statementText: string): ProceduralCode {
  const language = definition(type === 'DoStmt' ? node.args : node.options, 'language');
  const languageName = String(
    ((language?.arg as Json | undefined)?.String as Json | undefined)?.sval ?? (type === 'DoStmt' ? 'plpgsql' : 'sql'),
  ).toLowerCase();
  const what =
    type === 'DoStmt' ? 'DO block' : `${node.is_procedure === true ? 'procedure' : 'function'} ${functionName(node)}`;
  if (languageName !== 'plpgsql') {
    return {
      unchecked:
        type === 'DoStmt' && languageName !== 'sql'
          ? `${what} in ${languageName} can run any SQL: not checked`
          : undefined,
      indexBuilds: [],
    };
  }
  let tree: unknown;
  try {
    tree = parsePlPgSQLSync(statementText);
  } catch (error) {
    return {
      unchecked: `${what} does not parse as PL/pgSQL, not checked: ${(error as Error).message.split('\n')[0]}`,
      indexBuilds: [],
    };
  }
  return {
    unchecked: runsDynamicSql(tree) ? `${what} runs SQL built at run time (EXECUTE): not checked` : undefined,
    indexBuilds: type === 'DoStmt' ? staticSql(tree).filter((item) => INDEX_BUILD.test(item.query)) : [],
  };
}

/** A DO block runs inside a function call: CONCURRENTLY is refused there, and a plain build blocks writes. */
function lintIndexBuildInDoBlock(context: FileContext, query: string, line: number): void {
  let statements: RawStatement[];
  try {
    statements = (parseSync(query) as unknown as { stmts?: RawStatement[] }).stmts ?? [];
  } catch (error) {
    context.findings.push({
      line,
      rule: 'unparsable-sql',
      message: `statement in a DO block does not parse, not checked: ${(error as Error).message.split('\n')[0]}`,
    });
    return;
  }
  for (const statement of statements) {
    const node = statement.stmt.IndexStmt as Json | undefined;
    if (node === undefined) continue;
    const table = String((node.relation as Json | undefined)?.relname ?? '?');
    if (node.concurrent === true) {
      context.findings.push({
        line,
        rule: 'concurrently-in-transaction',
        message: 'CREATE INDEX CONCURRENTLY in a DO block: PostgreSQL refuses it inside a function',
      });
    } else if (!context.created.has(table.toLowerCase())) {
      context.findings.push({
        line,
        rule: 'create-index-not-concurrently',
        message: `CREATE INDEX in a DO block on existing table ${table} blocks writes while it builds (a DO block cannot build CONCURRENTLY)`,
      });
    }
  }
}

/** The `name` option of a DO block's arguments or a function's options. */
function definition(options: unknown, name: string): Json | undefined {
  return ((options ?? []) as Json[])
    .map((option) => option.DefElem as Json | undefined)
    .find((option) => option?.defname === name);
}

/** Static SQL statements of a PL/pgSQL tree, with their line in the body. */
function staticSql(tree: unknown): { bodyLine: number; query: string }[] {
  const found: { bodyLine: number; query: string }[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'PLpgSQL_stmt_execsql') {
          const statement = inner as Json;
          const query = ((statement.sqlstmt as Json | undefined)?.PLpgSQL_expr as Json | undefined)?.query;
          if (typeof query === 'string') found.push({ bodyLine: Number(statement.lineno ?? 1), query });
        }
        visit(inner);
      }
    }
  };
  visit(tree);
  return found;
}

function functionName(node: Json): string {
  const parts = (node.funcname ?? []) as Json[];
  return parts.map((part) => String((part.String as Json | undefined)?.sval ?? '?')).join('.');
}

function runsDynamicSql(tree: unknown): boolean {
  if (Array.isArray(tree)) return tree.some(runsDynamicSql);
  if (tree === null || typeof tree !== 'object') return false;
  return Object.entries(tree).some(
    ([key, value]) => DYNAMIC_SQL_STATEMENTS.has(key) || (key === 'dynquery' && value != null) || runsDynamicSql(value),
  );
}

/**
 * `lint-migrations` rules: index builds that block writes or fail halfway.
 * - create-index-not-concurrently: CREATE INDEX without CONCURRENTLY on a table the file did not create (a plain
 *   build holds a SHARE lock: no INSERT/UPDATE/DELETE until it ends).
 * - concurrently-in-transaction: CONCURRENTLY after BEGIN, or in a migration its tool wraps in a transaction
 *   (PostgreSQL refuses it).
 * - several-concurrent-builds-in-one-string: one multi-statement string runs as one implicit transaction.
 * - index-without-if-not-exists / index-without-name: a concurrent build that is retried must not fail or
 *   duplicate; IF NOT EXISTS needs a name.
 */
import { loadModule, parseSync } from 'libpg-query';
import { lineOf, type MigrationSource, type SqlChunk } from './sources.js';

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
  stmt_location?: number;
}

export function lintMigration(source: MigrationSource): Finding[] {
  const findings: Finding[] = [];
  const created = new Set(source.builderTables.map((name) => name.toLowerCase()));
  for (const chunk of source.chunks) lintChunk(source, chunk, created, findings);
  for (const builder of source.builders) {
    const line = lineOf(source.text, builder.offset);
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
    if (builder.concurrently && source.wrappedBy) findings.push({ line, rule: 'concurrently-in-transaction', message: `concurrent index build inside a transaction: ${source.wrappedBy}` });
    if (builder.concurrently && !builder.ifNotExists) findings.push({ line, rule: 'index-without-if-not-exists', message: 'concurrent index build without { ifNotExists: true }: a retry after a failed build errors' });
  }
  for (const item of source.unreadable) findings.push({ line: lineOf(source.text, item.offset), rule: 'unchecked-sql', message: item.reason });
  return findings.sort((a, b) => a.line - b.line);
}

function lintChunk(source: MigrationSource, chunk: SqlChunk, created: Set<string>, findings: Finding[]): void {
  let statements: RawStatement[];
  try {
    statements = (parseSync(chunk.sql) as unknown as { stmts?: RawStatement[] }).stmts ?? [];
  } catch (error) {
    findings.push({ line: lineOf(source.text, chunk.offset), rule: 'unparsable-sql', message: `SQL does not parse, not checked: ${(error as Error).message.split('\n')[0]}` });
    return;
  }
  let inTransaction = false;
  let concurrentBuilds = 0;
  let firstConcurrentLine: number | undefined;
  for (const statement of statements) {
    const [type, body] = Object.entries(statement.stmt)[0] ?? [];
    const node = (body ?? {}) as Json;
    // stmt_location counts bytes in the SQL; close enough to characters for a line number in migration text.
    const line = lineOf(source.text, chunk.offset + leadingTrim(chunk.sql, statement.stmt_location ?? 0));
    if (type === 'TransactionStmt') {
      const kind = node.kind as string;
      if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') inTransaction = true;
      else if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') inTransaction = false;
      continue;
    }
    if (type === 'CreateStmt' || type === 'CreateTableAsStmt') {
      const relation = (type === 'CreateStmt' ? node.relation : (node.into as Json | undefined)?.rel) as Json | undefined;
      if (relation?.relname) created.add(String(relation.relname).toLowerCase());
      continue;
    }
    if (type !== 'IndexStmt') continue;
    const table = String((node.relation as Json | undefined)?.relname ?? '?');
    const concurrent = node.concurrent === true;
    const name = node.idxname as string | undefined;
    if (!concurrent && !created.has(table.toLowerCase())) {
      findings.push({ line, rule: 'create-index-not-concurrently', message: `CREATE INDEX on existing table ${table} without CONCURRENTLY blocks writes while it builds` });
    }
    if (!concurrent) continue;
    concurrentBuilds++;
    if (inTransaction) findings.push({ line, rule: 'concurrently-in-transaction', message: 'CREATE INDEX CONCURRENTLY after BEGIN: PostgreSQL refuses it inside a transaction block' });
    else if (source.wrappedBy) findings.push({ line, rule: 'concurrently-in-transaction', message: `CREATE INDEX CONCURRENTLY inside a transaction: ${source.wrappedBy}` });
    firstConcurrentLine ??= line;
    if (name === undefined) findings.push({ line, rule: 'index-without-name', message: `CREATE INDEX CONCURRENTLY on ${table} without a name: a retry builds a second index` });
    else if (node.if_not_exists !== true) findings.push({ line, rule: 'index-without-if-not-exists', message: `CREATE INDEX CONCURRENTLY ${name} without IF NOT EXISTS: a retry after a failed run errors` });
  }
  // The simple query protocol runs a multi-statement string as one implicit transaction: CONCURRENTLY fails there.
  if (chunk.oneRoundTrip && statements.length > 1 && firstConcurrentLine !== undefined) {
    findings.push({
      line: firstConcurrentLine,
      rule: 'several-concurrent-builds-in-one-string',
      message: `${concurrentBuilds} CREATE INDEX CONCURRENTLY in one ${statements.length}-statement string, which runs as one implicit transaction: one statement per call`,
    });
  }
}

/** stmt_location points at the whitespace/comments before a statement; move to its first keyword. */
function leadingTrim(sql: string, location: number): number {
  let index = location;
  for (;;) {
    while (index < sql.length && /\s/.test(sql[index] ?? '')) index++;
    if (sql.startsWith('--', index)) {
      const end = sql.indexOf('\n', index);
      index = end === -1 ? sql.length : end + 1;
    } else return index;
  }
}

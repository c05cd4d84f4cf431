/**
 * The SQL a migration file runs, and whether its tool wraps it in a transaction:
 * - `.sql`: the file is the SQL, run statement by statement (psql -f); goose and dbmate files are wrapped in a
 *   transaction unless they opt out (`-- +goose NO TRANSACTION`, `-- migrate:up transaction:false`).
 * - JavaScript / TypeScript: each string passed to `pgm.sql()` (node-pg-migrate) or `knex.raw()` / `knex.schema.raw()`
 *   is one multi-statement string; node-pg-migrate wraps unless `pgm.noTransaction()`, knex unless
 *   `config = { transaction: false }`. Index builders (`pgm.createIndex`, knex's `table.index()`) are read too.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { extname } from 'node:path';
import { isSourceFile, parseSource } from '../../core/parse.js';
import { traverse } from '../../core/traverse.js';
import { psqlScript } from './psql-script.js';

/** One SQL string as the database receives it in one round trip. */
export interface SqlChunk {
  readonly sql: string;
  /** Offset of the string's first character in the file. */
  readonly offset: number;
  /** Several statements in one string run as one implicit transaction (the simple query protocol). */
  readonly oneRoundTrip: boolean;
  /** Offsets just after each `;` where psql ends a statement (a script's), in order. */
  readonly statementEnds?: readonly number[];
}

/** An index built through a migration tool's builder instead of SQL. */
export interface BuilderIndex {
  readonly offset: number;
  readonly table: string | undefined;
  readonly concurrently: boolean;
  readonly ifNotExists: boolean;
  readonly tool: 'node-pg-migrate' | 'knex';
}

export interface MigrationSource {
  readonly text: string;
  readonly chunks: readonly SqlChunk[];
  readonly builders: readonly BuilderIndex[];
  /** Tables the file itself creates through a builder (pgm.createTable, knex.schema.createTable). */
  readonly builderTables: readonly string[];
  /** Why the tool runs the file inside a transaction, or undefined when it does not. */
  readonly wrappedBy: string | undefined;
  /** SQL strings the linter cannot read (built at run time), with their offsets. */
  readonly unreadable: readonly { readonly offset: number; readonly reason: string }[];
}

export function isMigrationFile(path: string): boolean {
  return extname(path).toLowerCase() === '.sql' || isSourceFile(path);
}

export function readMigration(path: string, text: string): MigrationSource {
  if (extname(path).toLowerCase() === '.sql') return sqlFile(text);
  return scriptFile(path, text);
}

/** psql skips a UTF-8 byte order mark at the start of a script; the server would read it as part of a keyword. */
const BYTE_ORDER_MARK = '\uFEFF';

function sqlFile(text: string): MigrationSource {
  let wrappedBy: string | undefined;
  if (/^--\s*\+goose\s+Up\b/im.test(text) && !/^--\s*\+goose\s+NO\s+TRANSACTION\b/im.test(text)) {
    wrappedBy = 'goose runs the file in a transaction (add `-- +goose NO TRANSACTION`)';
  } else if (/^--\s*migrate:up\b/im.test(text) && !/^--\s*migrate:up\b.*transaction:false/im.test(text)) {
    wrappedBy = 'dbmate runs the file in a transaction (write `-- migrate:up transaction:false`)';
  }
  const offset = text.startsWith(BYTE_ORDER_MARK) ? BYTE_ORDER_MARK.length : 0;
  const script = psqlScript(text.slice(offset));
  const unreadable = script.unchecked.map((item) => ({ offset: offset + item.offset, reason: item.reason }));
  return {
    text,
    chunks: [{ sql: script.sql, offset, oneRoundTrip: false, statementEnds: script.statementEnds }],
    builders: [],
    builderTables: [],
    wrappedBy,
    unreadable,
  };
}

type Node = TSESTree.Node;

function propertyName(node: Node | undefined): string | undefined {
  if (node?.type !== 'MemberExpression') return undefined;
  return node.property.type === 'Identifier'
    ? node.property.name
    : node.property.type === 'Literal'
      ? String(node.property.value)
      : undefined;
}

function stringValue(node: Node | undefined): { value: string } | { reason: string } | undefined {
  if (node === undefined) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return { value: node.value };
  if (node.type === 'TemplateLiteral') {
    if (node.expressions.length === 0)
      return { value: node.quasis.map((quasi) => quasi.value.cooked ?? quasi.value.raw).join('') };
    return { reason: 'SQL built at run time (template with ${…}): not checked' };
  }
  return { reason: 'SQL passed as a value, not a literal: not checked' };
}

function objectFlag(node: Node | undefined, key: string): boolean {
  if (node?.type !== 'ObjectExpression') return false;
  return node.properties.some(
    (property) =>
      property.type === 'Property' &&
      ((property.key.type === 'Identifier' && property.key.name === key) ||
        (property.key.type === 'Literal' && property.key.value === key)) &&
      property.value.type === 'Literal' &&
      property.value.value === true,
  );
}

function literalText(node: Node | undefined): string | undefined {
  const value = stringValue(node);
  return value && 'value' in value ? value.value : undefined;
}

function scriptFile(path: string, text: string): MigrationSource {
  const program = parseSource(path, text);
  const chunks: SqlChunk[] = [];
  const builders: BuilderIndex[] = [];
  const builderTables: string[] = [];
  const unreadable: { offset: number; reason: string }[] = [];
  let usesPgm = false;
  let usesKnex = false;
  let noTransaction = false;
  let knexNoTransaction = false;

  traverse(program as unknown as Node, (node) => {
    if (node.type === 'CallExpression') {
      const method = propertyName(node.callee);
      const argument = node.arguments[0] as Node | undefined;
      if (method === 'noTransaction') noTransaction = true;
      if (method === 'sql' || method === 'raw') {
        if (method === 'sql') usesPgm = true;
        else usesKnex = true;
        const value = stringValue(argument);
        if (value && 'value' in value) {
          const offset = (argument?.range[0] ?? 0) + 1;
          chunks.push({ sql: value.value, offset, oneRoundTrip: true });
        } else if (value) unreadable.push({ offset: argument?.range[0] ?? node.range[0], reason: value.reason });
      }
      if (method === 'createTable') {
        const table = literalText(argument);
        if (table) builderTables.push(table);
      }
      if (method === 'createIndex') {
        usesPgm = true;
        const options = node.arguments[2] as Node | undefined;
        builders.push({
          offset: node.range[0],
          table: literalText(argument),
          concurrently: objectFlag(options, 'concurrently'),
          ifNotExists: objectFlag(options, 'ifNotExists'),
          tool: 'node-pg-migrate',
        });
      }
      if ((method === 'alterTable' || method === 'table') && node.arguments[1]) {
        usesKnex = true;
        const table = literalText(argument);
        traverse(node.arguments[1] as Node, (inner) => {
          if (inner.type === 'CallExpression' && propertyName(inner.callee) === 'index') {
            builders.push({ offset: inner.range[0], table, concurrently: false, ifNotExists: false, tool: 'knex' });
          }
        });
      }
    }
    // exports.config = { transaction: false } / export const config = { transaction: false }
    if (node.type === 'ObjectExpression') {
      const transactionOff = node.properties.some(
        (property) =>
          property.type === 'Property' &&
          property.key.type === 'Identifier' &&
          property.key.name === 'transaction' &&
          property.value.type === 'Literal' &&
          property.value.value === false,
      );
      if (transactionOff) knexNoTransaction = true;
    }
  });

  let wrappedBy: string | undefined;
  if (usesPgm && !noTransaction)
    wrappedBy = 'node-pg-migrate runs each migration in a transaction unless it calls pgm.noTransaction()';
  else if (usesKnex && !knexNoTransaction)
    wrappedBy = 'knex runs each migration in a transaction unless the file exports config = { transaction: false }';
  return { text, chunks, builders, builderTables, wrappedBy, unreadable };
}

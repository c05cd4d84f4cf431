/**
 * The type-checker path of pg-pool detection: when a tsconfig covers the file, a receiver is a
 * node-postgres pool when its type is the `Pool` class declared by the `pg` / `pg-pool` typings
 * (or a class extending it), whatever the variable is called. A home-grown `Pool`, a redis client,
 * a mysql pool or a `pg.Client` never qualifies, whatever their names.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import type ts from 'typescript';

// The flags this module reads, as numbers: a value import of `typescript` would load the whole compiler in every
// process that only imports the analysis (the CLI without types, ESLint on JavaScript). Stable since TypeScript 2.
const TYPE_FLAGS_ANY = 1 << 0; // ts.TypeFlags.Any
const TYPE_FLAGS_UNKNOWN = 1 << 1; // ts.TypeFlags.Unknown
const SYMBOL_FLAGS_ALIAS = 1 << 21; // ts.SymbolFlags.Alias
import type { TypeServices } from '../core/parse.js';

export type TypeVerdict =
  /** `member`: the pool is that property of the receiver (`fastify.pg` → `fastify.pg.pool`). */
  | { readonly kind: 'pool'; readonly evidence: string; readonly member?: string }
  /** `typesMayTell`: shown not to be a pool without types, but the checker may know better (a class extending another). */
  | { readonly kind: 'not-pool'; readonly reason: string; readonly typesMayTell?: true; readonly lead?: string }
  /**
   * `refused`: the value is a pg pool, but it cannot be passed to the helpers as it is typed: always reported.
   * `lead` (here and on `not-pool`): why it may still hold a pg pool at run time (a union with pg's Pool, a type that
   * is part of one, a type named like one that cannot be followed): reported, never passed over silently.
   */
  | { readonly kind: 'unknown'; readonly reason: string; readonly refused?: true; readonly lead?: string };

/** Files that declare node-postgres' own classes: `@types/pg`, `@types/pg-pool`, or typings shipped inside `pg` / `pg-pool`. */
const PG_TYPINGS = /[\\/]node_modules[\\/](?:@types[\\/])?(?:pg|pg-pool)[\\/]/;

export function poolVerdictFromType(node: TSESTree.Node, types: TypeServices): TypeVerdict {
  const tsNode = types.esTreeNodeToTSNodeMap.get(node as never) as ts.Node | undefined;
  if (!tsNode) return { kind: 'unknown', reason: 'no type information for this expression' };
  const checker = types.program.getTypeChecker();
  const type = checker.getTypeAtLocation(tsNode);
  if (type.flags & (TYPE_FLAGS_ANY | TYPE_FLAGS_UNKNOWN)) {
    return { kind: 'unknown', reason: `its type is \`${checker.typeToString(type)}\`` };
  }
  const nonNullable = checker.getNonNullableType(type);
  const parts = nonNullable.isUnion() ? nonNullable.types : [nonNullable];
  const pools = parts.filter((part) => isPgPoolType(part, checker, 0));
  if (pools.length === parts.length && pools.length > 0) {
    const shim = pools.some((part) => declaredInAmbientPgModule(part, checker));
    return {
      kind: 'pool',
      evidence: `its type \`${checker.typeToString(nonNullable)}\` is pg's Pool${shim ? " (the project's own `declare module 'pg'` typings)" : ''}`,
    };
  }
  if (pools.length > 0) {
    const text = checker.typeToString(nonNullable);
    return {
      kind: 'unknown',
      reason: `its type \`${text}\` is only sometimes a pg Pool`,
      lead: `its type \`${text}\` includes pg's Pool`,
    };
  }
  if (parts.every((part) => isFastifyPostgresDb(part, checker))) {
    return {
      kind: 'pool',
      evidence: `its type \`${checker.typeToString(nonNullable)}\` is @fastify/postgres's decorator, whose \`.pool\` is pg's Pool`,
      member: 'pool',
    };
  }
  return { kind: 'not-pool', reason: `its type \`${checker.typeToString(nonNullable)}\` is not pg's Pool` };
}

/** Files of @fastify/postgres's typings (and its old name's). */
const FASTIFY_POSTGRES_TYPINGS = /[\\/]node_modules[\\/](?:@fastify[\\/]postgres|fastify-postgres)[\\/]/;

/** @fastify/postgres's `PostgresDb` (`fastify.pg`, `PostgresDb & Record<string, PostgresDb>`): its `.pool` is the Pool. */
function isFastifyPostgresDb(type: ts.Type, checker: ts.TypeChecker): boolean {
  if (type.isIntersection()) return type.types.some((part) => isFastifyPostgresDb(part, checker));
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  const resolved = symbol && symbol.flags & SYMBOL_FLAGS_ALIAS ? checker.getAliasedSymbol(symbol) : symbol;
  if (resolved?.getName() !== 'PostgresDb' && type.aliasSymbol?.getName() !== 'PostgresDb') return false;
  return [...(resolved?.getDeclarations() ?? []), ...(type.aliasSymbol?.getDeclarations() ?? [])].some((declaration) =>
    FASTIFY_POSTGRES_TYPINGS.test(declaration.getSourceFile().fileName),
  );
}

/**
 * Which of `members` the expression's type lacks (a project's own pg typings may leave out what the helpers read);
 * undefined when the checker does not know the type.
 */
export function missingPropertiesByType(
  node: TSESTree.Node,
  types: TypeServices,
  members: readonly string[],
): string[] | undefined {
  const tsNode = types.esTreeNodeToTSNodeMap.get(node as never) as ts.Node | undefined;
  if (!tsNode) return undefined;
  const checker = types.program.getTypeChecker();
  const type = checker.getNonNullableType(checker.getTypeAtLocation(tsNode));
  if (type.flags & (TYPE_FLAGS_ANY | TYPE_FLAGS_UNKNOWN)) return undefined;
  return members.filter((member) => type.getProperty(member) === undefined);
}

function isPgPoolType(type: ts.Type, checker: ts.TypeChecker, depth: number): boolean {
  if (depth > 8) return false;
  if (type.isIntersection()) return type.types.some((part) => isPgPoolType(part, checker, depth + 1));
  if (declaresPgPool(type.getSymbol(), checker)) return true;
  // Generic instantiations (pg-pool's `Pool<Client>`) point at their class through `target`.
  const target = (type as ts.TypeReference).target as ts.Type | undefined;
  const classType = target ?? type;
  if (target && declaresPgPool(target.getSymbol(), checker)) return true;
  if (!classType.isClassOrInterface()) return false;
  return checker.getBaseTypes(classType).some((base) => isPgPoolType(base, checker, depth + 1));
}

function declaresPgPool(symbol: ts.Symbol | undefined, checker: ts.TypeChecker): boolean {
  if (!symbol) return false;
  const resolved = symbol.flags & SYMBOL_FLAGS_ALIAS ? checker.getAliasedSymbol(symbol) : symbol;
  if (resolved.getName() !== 'Pool') return false;
  return (resolved.getDeclarations() ?? []).some(
    (declaration) => PG_TYPINGS.test(declaration.getSourceFile().fileName) || insideAmbientPgModule(declaration),
  );
}

/**
 * A project that ships its own typings for pg (`declare module 'pg' { export class Pool … }` in a .d.ts, when
 * @types/pg is not installed) declares pg's Pool all the same: the class is what `import { Pool } from 'pg'` gives.
 */
function insideAmbientPgModule(declaration: ts.Node): boolean {
  for (let node: ts.Node | undefined = declaration.parent; node; node = node.parent) {
    const name = (node as { name?: ts.Node & { text?: unknown } }).name;
    // A ModuleDeclaration named by a string literal: `declare module 'pg'`. Read by shape, not by SyntaxKind numbers.
    if (name && 'body' in node && typeof name.text === 'string' && /^['"]/.test(name.getText()))
      return PG_AMBIENT_MODULES.has(name.text);
  }
  return false;
}

const PG_AMBIENT_MODULES = new Set(['pg', 'pg-pool']);

function declaredInAmbientPgModule(type: ts.Type, checker: ts.TypeChecker): boolean {
  const symbol = type.getSymbol();
  const resolved = symbol && symbol.flags & SYMBOL_FLAGS_ALIAS ? checker.getAliasedSymbol(symbol) : symbol;
  return (resolved?.getDeclarations() ?? []).some(
    (declaration) => !PG_TYPINGS.test(declaration.getSourceFile().fileName) && insideAmbientPgModule(declaration),
  );
}

/** Whether the expression's type can be called: a `pool.query(sql, callback)` second argument. */
export function isCallableByType(node: TSESTree.Node, types: TypeServices): boolean {
  const tsNode = types.esTreeNodeToTSNodeMap.get(node as never) as ts.Node | undefined;
  if (!tsNode) return false;
  const type = types.program.getTypeChecker().getTypeAtLocation(tsNode);
  return type.getCallSignatures().length > 0;
}

/** Whether the expression's type has a property `name` (a `submit` method marks a pg Submittable: Cursor, QueryStream). */
export function hasPropertyByType(node: TSESTree.Node, types: TypeServices, name: string): boolean {
  const tsNode = types.esTreeNodeToTSNodeMap.get(node as never) as ts.Node | undefined;
  if (!tsNode) return false;
  const type = types.program.getTypeChecker().getTypeAtLocation(tsNode);
  return type.getProperty(name) !== undefined;
}

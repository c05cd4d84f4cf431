/**
 * Finds raw acquisition on node-postgres pools (`pool.connect(...)`, `pool.query(...)`) and plans the
 * rewrite into quickwins' backpressure helpers. Shared by the `pool-backpressure` codemod and the
 * ESLint rule `no-raw-pool-connect`, so both find and rewrite exactly the same calls.
 *
 * Precision first. A receiver is a pool when
 * - with type information: its type is pg's `Pool` class (pg-pool-types.ts), whatever it is called;
 * - without: its value visibly comes from `new Pool()` of 'pg' / 'pg-pool' or is annotated with that
 *   `Pool` type (pool-values.ts), followed through bindings (bindings.ts), class fields (`this.pool`,
 *   `this.db.pool`), object literals, typed factories and, when the caller passes `resolveImport`
 *   (pool-exports.ts), exports of relative modules.
 * A call whose receiver cannot be decided is never rewritten; it is reported as uncertain when the
 * receiver looks like a pool by name, and silently passed over otherwise (every `client.query()` would
 * be noise). Calls whose shape the helpers cannot take (callback `query`, optional calls, spreads) are
 * reported too.
 * Before any binding is resolved, a pre-check (`PoolCallPrecheck`) passes over files where none of this
 * can come out: most files with a `.query(` call never reference pg, and the binding index is most of the
 * detector's cost.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { TEST_FILE_REASON } from '../codemod-host/test-files.js';
import { buildBindingIndex, type BindingIndex } from '../core/bindings.js';
import type { CodeStyle } from '../core/code-style.js';
import type { TypeServices } from '../core/parse.js';
import { planNamedImports } from '../core/imports.js';
import type { ModuleStyle } from '../core/module-style.js';
import { partitionPoint } from '../core/lines.js';
import type { PackageFacts } from '../core/package-evidence.js';
import { hasPropertyByType, isCallableByType, missingPropertiesByType, poolVerdictFromType } from './pg-pool-types.js';
import { HELPER_POOL_MEMBERS, type PgTypingsShim } from './pg-typings.js';
import { describeReceiver, mayBringPool, PoolValues, type ImportResolver, type PoolVerdict } from './pool-values.js';
import { requireSpecifier } from '../core/ast-helpers.js';
import type { TextEdit } from '../core/text-edit.js';
import { forEachChild } from '../core/traverse.js';
import { Trivia } from '../core/trivia.js';

export interface PoolCallSite {
  /** The raw `pool.connect(...)` / `pool.query(...)` call. */
  readonly call: TSESTree.CallExpression;
  readonly method: 'connect' | 'query';
  /** The receiver expression (`pool`, `this.pool`, `this.db.pool`, ...). */
  readonly pool: TSESTree.Expression;
  /** Why the receiver is a pg pool, for reports (`new Pool() from 'pg'`). */
  readonly evidence?: string;
  /** The pool is this property of the receiver: `fastify.pg.connect()` → `acquireWithBackpressure(fastify.pg.pool)`. */
  readonly member?: string;
}

export interface UncertainPoolCall {
  readonly call: TSESTree.CallExpression;
  readonly reason: string;
  /** The receiver may be a pg pool but is declared with this other type: left, and the ESLint rule reports it without a fix. */
  readonly declaredType?: string;
}

export interface PoolCallScan {
  readonly sites: PoolCallSite[];
  readonly uncertain: UncertainPoolCall[];
  /**
   * Some `.connect(` / `.query(` receiver was left undecided without types (a value the bindings cannot place, a
   * type from another module, a class that extends another, or a file the pre-check passed over): the checker may
   * still find a pool there. False when every call was placed: pool, reported, or shown not to be one.
   */
  readonly undecided: boolean;
}

export type { ImportResolver, PoolVerdict } from './pool-values.js';
export { describeReceiver };

export interface PoolDetectionOptions {
  readonly types?: TypeServices;
  readonly includeQuery: boolean;
  /** Looks into relative modules (pool-exports.ts `createFileImportResolver`); without it imported pools are uncertain. */
  readonly resolveImport?: ImportResolver;
  /** `false` skips the pre-check (`mayFindPoolCalls`) and always builds the binding index: tests hold the two paths equal. */
  readonly precheck?: boolean;
  /**
   * The nearest package.json's facts (package-evidence.ts `packageFactsFor`): a receiver named like a pool in a
   * package that depends on pg and on no other pool library is a pool; `<x>.pg` is @fastify/postgres's decorator.
   */
  readonly packageFacts?: PackageFacts;
  /**
   * For a TypeScript file: the project's own `declare module 'pg'` typings whose Pool lacks what the helpers read
   * (pg-typings.ts). Without a type for the receiver, its pools are left: the rewrite would not type-check.
   */
  readonly pgTypingsShim?: () => PgTypingsShim | undefined;
  /** The file is TypeScript (tsc checks it): values typed otherwise than pg's Pool are left, the rewrite would not type-check. */
  readonly typeChecked?: boolean;
  /** The file is a test (`isTestFile`): its sites are left, with that reason, unless `includeTests`. */
  readonly testFile?: boolean;
  readonly includeTests?: boolean;
}

export { isTestFile } from '../codemod-host/test-files.js';

export interface PoolRewriteOptions {
  /** Module the helpers are imported from; default '@quickwins/runtime'. */
  readonly importFrom: string;
  /** Written as an explicit argument when set. */
  readonly threshold?: number;
  readonly moduleStyle: ModuleStyle;
  readonly style: CodeStyle;
}

export const ACQUIRE_HELPER = 'acquireWithBackpressure';
export const QUERY_HELPER = 'queryWithBackpressure';

export function findPoolCalls(program: TSESTree.Program, source: string, options: PoolDetectionOptions): PoolCallScan {
  const sites: PoolCallSite[] = [];
  const uncertain: UncertainPoolCall[] = [];
  // The binding index is most of the cost; most files with a `.query(` call have nothing to do with pg.
  if (options.precheck !== false && !mayFindPoolCalls(program, options)) return { sites, uncertain, undecided: true };
  const { index, collected: calls } = buildBindingIndex(program, (node) => candidateCall(node, options.includeQuery));
  if (calls.length === 0) return { sites, uncertain, undecided: false };
  const values = new PoolValues(
    index,
    program,
    source,
    options.resolveImport,
    options.packageFacts,
    options.typeChecked,
  );
  let undecided = false;
  for (const candidate of calls) {
    const { call, method, receiver } = candidate;
    const verdict = withPackageEvidence(
      receiverVerdict(receiver, values, options.types),
      receiver,
      options.packageFacts,
    );
    const described = `\`${describeReceiver(receiver)}.${method}()\``;
    if (candidate.bound) {
      // Whoever calls the bound method acquires without backpressure; the helpers wrap calls, not references.
      if (verdict.kind === 'pool') {
        uncertain.push({
          call,
          reason: `\`${describeReceiver(receiver)}.${method}\` is handed out as a bound method (\`.${method}.bind()\`): its callers acquire without backpressure, and the helpers wrap calls, not references [pg pool: ${verdict.evidence}]`,
        });
      } else if (verdict.kind === 'unknown' || verdict.typesMayTell) undecided = true;
      continue;
    }
    const declaredRefusal = declaredTypeRefusal(receiver, values, options.types);
    if (declaredRefusal) {
      // A local class of its own is a decoy; an interface, or a type from another module, may well describe a pg pool.
      if (
        verdict.kind === 'pool' ||
        (declaredRefusal.mayDescribePool && (looksLikePool(receiver) || declaredRefusal.lead !== undefined))
      ) {
        uncertain.push({ call, reason: `${described}: ${declaredRefusal.reason}`, declaredType: declaredRefusal.type });
      }
      if (declaredRefusal.typesMayTell) undecided = true;
      continue;
    }
    if (verdict.kind === 'not-pool') {
      if (verdict.typesMayTell) undecided = true;
      if (verdict.lead)
        uncertain.push({ call, reason: `${described}: may be a pg Pool (${verdict.lead}), but ${verdict.reason}` });
      continue;
    }
    if (verdict.kind === 'unknown') {
      undecided = true;
      if (verdict.refused) uncertain.push({ call, reason: `${described}: ${verdict.reason}` });
      else if (looksLikePool(receiver))
        uncertain.push({ call, reason: `${described}: not sure it is a pg Pool (${verdict.reason})` });
      else if (takesPgPoolCallback(call, method)) {
        uncertain.push({
          call,
          reason: `${described}: its callback takes pg-pool's (err, client, release), but nothing shows it is a pg Pool (${verdict.reason})`,
        });
      } else if (verdict.lead) {
        uncertain.push({
          call,
          reason: `${described}: may be a pg Pool (${verdict.lead}), but nothing shows it is one (${verdict.reason})`,
        });
      }
      continue;
    }
    const refusal =
      helperTypeRefusal(receiver, verdict.member, options) ??
      shapeRefusal(call, method, options.types, values) ??
      layoutRefusal(call, program) ??
      shadowRefusal(candidate, index) ??
      (options.testFile && !options.includeTests ? TEST_FILE_REASON : undefined);
    if (refusal) {
      uncertain.push({ call, reason: `${described}: ${refusal} [pg pool: ${verdict.evidence}]` });
      continue;
    }
    sites.push({
      call,
      method,
      pool: receiver,
      evidence: verdict.evidence,
      ...(verdict.member ? { member: verdict.member } : {}),
    });
  }
  return { sites, uncertain, undecided };
}

/**
 * The cheap look at a file that decides whether `findPoolCalls` can return anything at all, before any binding
 * is resolved. Fed nodes in any order (the detector's own walk, or an ESLint rule's listeners for
 * `CallExpression`, `ImportDeclaration`, `TSImportEqualsDeclaration` and `TSImportType`), it answers from what
 * the detector's evidence paths need:
 * - a candidate: a `.connect()` (or, with `includeQuery`, `.query()`) member call;
 * - for a site, a `pool` verdict on its receiver. With type information any receiver may have one. Without, every
 *   such verdict starts at a module that can bring a pool (pool-values.ts `mayBringPool`: 'pg', 'pg-pool', or a
 *   relative module when `resolveImport` follows imports), referenced by an import declaration,
 *   `import x = require()`, `require()`, an `import('…')` type or a JSDoc `import('…')`;
 * - for an uncertain report, a site's verdict (see above), a receiver named like a pool (`looksLikePool`) or a `connect`
 *   given pg-pool's three-parameter callback (`takesPgPoolCallback`).
 * Module names are read from the AST, so escapes in the source text (`'p\x67'`) cannot hide them.
 */
export class PoolCallPrecheck {
  private candidate = false;
  private poolNamedCandidate = false;
  /** A `connect` given pg-pool's three-parameter callback: reported whatever its receiver is called. */
  private callbackCandidate = false;
  private poolModule = false;
  private packageCandidate = false;
  private readonly typed: boolean;
  private readonly includeQuery: boolean;
  private readonly followsImports: boolean;
  private readonly follows: ((specifier: string) => boolean) | undefined;
  private readonly packageFacts: PackageFacts | undefined;

  constructor(options: PoolDetectionOptions) {
    this.typed = options.types !== undefined;
    this.includeQuery = options.includeQuery;
    this.followsImports = options.resolveImport !== undefined;
    this.follows = options.resolveImport?.follows;
    this.packageFacts = options.packageFacts;
  }

  visit(node: TSESTree.Node): void {
    switch (node.type) {
      case 'CallExpression': {
        const candidate = candidateCall(node, this.includeQuery);
        if (candidate) {
          this.candidate = true;
          if (!this.poolNamedCandidate && looksLikePool(candidate.receiver)) this.poolNamedCandidate = true;
          if (!this.callbackCandidate && takesPgPoolCallback(node, candidate.method)) this.callbackCandidate = true;
          // Package evidence (see `withPackageEvidence` and pool-values.ts `fastifyDecorator`).
          if (
            (this.poolNamedCandidate && this.packageFacts?.pgOnly) ||
            (this.packageFacts?.fastifyPostgres && readsPgMember(candidate.receiver)) ||
            (this.packageFacts?.dependsOnPg && namedLikePg(candidate.receiver))
          ) {
            this.packageCandidate = true;
          }
        }
        const required = requireSpecifier(node);
        if (required !== undefined) this.noteModule(required);
        return;
      }
      case 'ImportDeclaration':
        this.noteModule(node.source.value);
        return;
      case 'ImportExpression':
        this.noteModule(stringValue(node.source));
        return;
      case 'TSImportEqualsDeclaration':
        // `import x = require(…)` only; `import x = A.B` names no module.
        if (node.moduleReference.type === 'TSExternalModuleReference')
          this.noteModule(stringValue(node.moduleReference.expression));
        return;
      case 'TSImportType':
        this.noteModule(stringValue(node.source as TSESTree.Node | undefined));
        return;
      default:
        return;
    }
  }

  /** The answer is final: a candidate, and something that lets it be reported whatever else the file holds. */
  get settled(): boolean {
    return (
      this.candidate &&
      (this.typed || this.poolModule || this.poolNamedCandidate || this.callbackCandidate || this.packageCandidate)
    );
  }

  /** Whether `findPoolCalls` may return a site for the file whose nodes were visited (`program` for its JSDoc). */
  maySite(program: TSESTree.Program): boolean {
    if (!this.candidate) return false;
    return (
      this.typed ||
      this.poolModule ||
      this.packageCandidate ||
      jsdocBringsPool(program, this.followsImports, this.follows)
    );
  }

  /** Whether `findPoolCalls` may return a site or an uncertain call. */
  mayReport(program: TSESTree.Program): boolean {
    return this.poolNamedCandidate || this.callbackCandidate || this.maySite(program);
  }

  /** Unknown text (a shape this check does not know) counts as a module that may bring a pool. */
  private noteModule(specifier: string | undefined): void {
    if (specifier === undefined || mayBringPool(specifier, this.followsImports, this.follows)) this.poolModule = true;
  }
}

/** Whether `findPoolCalls` can return anything for `program`: the pre-check over one walk that stops once it knows. */
export function mayFindPoolCalls(program: TSESTree.Program, options: PoolDetectionOptions): boolean {
  const precheck = new PoolCallPrecheck(options);
  const walk = (node: TSESTree.Node): boolean => {
    precheck.visit(node);
    if (precheck.settled) return true;
    return forEachChild(node, walk);
  };
  for (const statement of program.body) if (walk(statement)) return true;
  return precheck.mayReport(program);
}

function stringValue(node: TSESTree.Node | undefined): string | undefined {
  return node?.type === 'Literal' && typeof node.value === 'string' ? node.value : undefined;
}

/**
 * The text-only mirror of `mayFindPoolCalls` for a file parsed without types, run before any parse: false only
 * when the pre-check would certainly say false too, because nothing in the text can become what it looks for:
 * - a receiver named like a pool (`looksLikePool`: the name contains "pool");
 * - a module that can bring a pool (`mayBringPool`): 'pg' or 'pg-pool' (both caught by "pool" or `'pg'`), or a
 *   relative specifier, all of which are string literals, written with quotes;
 * - an escape (`'p\x67'`, `'\u002e/db'`, legacy octal, a line continuation) that could spell one of those in a
 *   literal or an identifier;
 * - a `connect(` whose argument may be pg-pool's three-parameter callback (reported whatever the receiver's name).
 * Tests hold it to that: wherever it says false, `mayFindPoolCalls` says false.
 */
export function mayFindPoolCallsInText(source: string): boolean {
  return (
    /pool/i.test(source) ||
    /['"`]pg['"`]/.test(source) ||
    /\.\s*pg\b/.test(source) ||
    PG_NAME_TEXT.test(source) ||
    RELATIVE_SPECIFIER_TEXT.test(source) ||
    ALIAS_SPECIFIER_TEXT.test(source) ||
    /\\[xu0-7\r\n\u2028\u2029]/.test(source) ||
    PG_POOL_CALLBACK_TEXT.test(source)
  );
}

/**
 * The rest of `mayFindPoolCalls`'s modules, for a file whose path is known: a string in the text that names a module
 * `resolveImport` follows by name (a workspace package, a tsconfig `paths` / `baseUrl` alias). Every specifier the
 * pre-check reads is such a string (escapes aside, which `mayFindPoolCallsInText` lets through).
 */
export function namesFollowedModule(source: string, resolveImport: ImportResolver): boolean {
  const follows = resolveImport.follows;
  if (!follows) return false;
  for (const [, , specifier] of source.matchAll(BARE_SPECIFIER_TEXT)) if (follows(specifier as string)) return true;
  return false;
}

/** A quoted string shaped like a bare module specifier (`'@acme/db'`, `'lib/db'`, `'#db'`): no spaces, no quotes. */
const BARE_SPECIFIER_TEXT = /(['"`])([@#~\w$][\w$@#~./+-]*)\1/g;

/** `connect(` followed by a function or a parenthesised parameter list: where pg-pool's callback (`takesPgPoolCallback`) can start. */
const PG_POOL_CALLBACK_TEXT = /connect\s*\(\s*(?:async\s*)?(?:function\b|\()/;

/** A name `namedLikePg` reads as a pg client or pool (`pgClient`, `this.#pgPool`, `pg_conn`), or Postgres spelled out. */
const PG_NAME_TEXT = /\bpg(?:[A-Z0-9_$]|\b)|postgres/i;

/** A quote followed by `../analysis`, `..`, `/`, or the whole of `.` / `..`. */
const RELATIVE_SPECIFIER_TEXT = /['"`](?:\.{1,2}(?:['"`]|\/)|\/)/;
/** A quote followed by a tsconfig-paths style prefix (pool-values.ts `isAliasSpecifier`): `'@/db'`, `'~/db'`. */
const ALIAS_SPECIFIER_TEXT = /['"`][@~]\//;

/**
 * JSDoc types name modules too (`@type {import('pg').Pool}`, read by pool-values.ts `ofJsdoc`). Every
 * `import('…')` in a block comment counts: a superset of the ones the detector reads.
 */
function jsdocBringsPool(
  program: TSESTree.Program,
  followsImports: boolean,
  follows: ((specifier: string) => boolean) | undefined,
): boolean {
  const specifier = /import\(\s*['"]([^'"]+)['"]/y;
  for (const comment of program.comments ?? []) {
    if (comment.type !== 'Block') continue;
    const text = comment.value;
    for (let at = text.indexOf('import('); at !== -1; at = text.indexOf('import(', at + 1)) {
      specifier.lastIndex = at;
      const module = specifier.exec(text)?.[1];
      if (module !== undefined && mayBringPool(module, followsImports, follows)) return true;
    }
  }
  return false;
}

interface Candidate {
  readonly call: TSESTree.CallExpression;
  readonly method: 'connect' | 'query';
  readonly receiver: TSESTree.Expression;
  /** `pool.connect.bind(pool)`: the method handed out as a reference (`call` is the `.bind()` call). */
  readonly bound?: true;
}

function candidateCall(node: TSESTree.Node, includeQuery: boolean): Candidate | undefined {
  if (node.type !== 'CallExpression') return undefined;
  const callee = node.callee;
  if (callee.type !== 'MemberExpression' || callee.object.type === 'Super') return undefined;
  const name = staticMemberName(callee);
  if (name === 'connect' || (name === 'query' && includeQuery))
    return { call: node, method: name, receiver: callee.object };
  if (name === 'bind' && callee.object.type === 'MemberExpression' && callee.object.object.type !== 'Super') {
    const bound = staticMemberName(callee.object);
    if (bound === 'connect' || (bound === 'query' && includeQuery))
      return { call: node, method: bound, receiver: callee.object.object, bound: true };
  }
  return undefined;
}

function staticMemberName(node: TSESTree.MemberExpression): string | undefined {
  if (node.computed)
    return node.property.type === 'Literal' && typeof node.property.value === 'string'
      ? node.property.value
      : undefined;
  return node.property.type === 'Identifier' ? node.property.name : undefined;
}

/**
 * Package-level evidence, for receivers nothing else decided: named like a pool (`pool`, `this._pool`, `dbPool`),
 * in a package that depends on pg and on no other pool library. Never overrides a `not-pool` verdict, nor an
 * `unknown` one that saw a non-pool among the values (`db ?? pool`, `Pool | PoolClient`).
 */
function withPackageEvidence(
  verdict: PoolVerdict,
  receiver: TSESTree.Expression,
  facts: PackageFacts | undefined,
): PoolVerdict {
  if (verdict.kind !== 'unknown' || !facts?.dependsOnPg) return verdict;
  if (!namedLikeWholePool(receiver)) {
    // `this.#pgClient.query()`: a client or a pool by its name, in a package that depends on pg: reported, not rewritten.
    return namedLikePg(receiver) && verdict.lead === undefined && !HANDED_OUT.test(verdict.reason)
      ? { ...verdict, lead: `named like a pg client or pool in ${facts.name}, which depends on pg` }
      : verdict;
  }
  if (!facts.pgOnly)
    return {
      kind: 'unknown',
      reason: `${verdict.reason}; ${facts.name} also depends on ${facts.otherPoolLibraries.join(', ')}, so the name proves nothing`,
    };
  // A value some of whose sources are not pools, or one a pool handed out (`await pool.connect()`), stays unknown.
  if (/only (?:some|sometimes)/.test(verdict.reason) || HANDED_OUT.test(verdict.reason)) return verdict;
  return {
    kind: 'pool',
    evidence: `named like a pool in ${facts.name}, which depends on pg and on no other pool library (${verdict.reason})`,
  };
}

/** What a `.connect()` / `.query()` handed out: a client or a result, whatever handed it out. */
const HANDED_OUT = /returned by `[^`]*\.(?:connect|query)\(\)`/;

/** `fastify.pg`, `app.pg.primary`, `fastify.pg.pool`: a receiver reading a `.pg` property somewhere along its chain. */
function readsPgMember(receiver: TSESTree.Node): boolean {
  for (let node: TSESTree.Node = receiver; node.type === 'MemberExpression'; node = node.object) {
    if (!node.computed && node.property.type === 'Identifier' && node.property.name === 'pg') return true;
  }
  return false;
}

function receiverVerdict(
  receiver: TSESTree.Expression,
  values: PoolValues,
  types: TypeServices | undefined,
): PoolVerdict {
  if (types) {
    // @fastify/postgres's typings say `fastify.pg` is its PostgresDb, not a Pool: the decorator is read from the code.
    if (readsPgMember(receiver)) {
      const byBindings = values.verdict(values.ofExpression(receiver));
      if (byBindings.kind === 'pool') return byBindings;
    }
    const byType = poolVerdictFromType(receiver, types);
    // The checker decides whenever it knows the type; `any` (missing typings) falls back to the bindings.
    if (byType.kind !== 'unknown') return byType;
    const byBindings = values.verdict(values.ofExpression(receiver));
    if (byBindings.kind !== 'unknown') return byBindings;
    const lead = byBindings.lead ?? byType.lead;
    return { ...byBindings, reason: `${byType.reason}; ${byBindings.reason}`, ...(lead ? { lead } : {}) };
  }
  return values.verdict(values.ofExpression(receiver));
}

/**
 * A receiver declared in the source with a type that is not pg's Pool (`pool: PoolLike`, `{ pool }: { pool: MyDb }`,
 * `private pool: DbLike`) is never rewritten, whatever else says it holds a pool: the helpers take pg's Pool, so
 * the rewrite would not type-check. `any` type-checks; with types, the checker has the last word on the annotation.
 */
function declaredTypeRefusal(
  receiver: TSESTree.Expression,
  values: PoolValues,
  types: TypeServices | undefined,
):
  | {
      readonly type: string;
      readonly reason: string;
      readonly mayDescribePool: boolean;
      readonly typesMayTell: boolean;
      /** Why the declared type may describe a pg pool (a union with it, part of it, a name like it). */
      readonly lead?: string;
    }
  | undefined {
  const declared = values.declaredType(receiver);
  if (!declared || ANY_JSDOC_TYPES.has(declared.text)) return undefined;
  const verdict = values.verdict(declared.value);
  if (verdict.kind === 'pool' || (verdict.kind === 'unknown' && verdict.reason.startsWith('typed `any`')))
    return undefined;
  const byType = types ? poolVerdictFromType(receiver, types) : undefined;
  if (byType?.kind === 'pool') return undefined;
  const lead = verdict.lead ?? byType?.lead;
  return {
    type: declared.text,
    reason: `declared as \`${declared.text}\`, not pg's Pool: rewriting would not type-check (${verdict.reason})`,
    mayDescribePool:
      verdict.kind === 'unknown' ||
      declared.value.kind === 'type-members' ||
      declared.value.kind === 'external' ||
      lead !== undefined,
    ...(lead !== undefined
      ? { lead }
      : /pool/i.test(declared.text)
        ? { lead: `declared with a type named like a pool` }
        : {}),
    // A type declared in this file is not pg's Pool to the checker either; one from elsewhere may be an alias of it.
    typesMayTell: verdict.kind === 'unknown' || declared.value.kind === 'external',
  };
}

/** JSDoc types that stand for `any` in a checked JavaScript file (`{*}`, `{?}`, `{Object}`): they type-check. */
const ANY_JSDOC_TYPES = new Set(['*', '?', 'any', 'Object']);

/**
 * A pool whose declared type lacks the counters the helpers read (a project's own pg typings) cannot be passed to
 * them: the checker says so when it knows the receiver's type, the project's shim (pg-typings.ts) otherwise.
 * `fastify.pg.pool` is typed by @fastify/postgres with pg's own Pool.
 */
function helperTypeRefusal(
  receiver: TSESTree.Expression,
  member: string | undefined,
  options: PoolDetectionOptions,
): string | undefined {
  if (member !== undefined) return undefined;
  const byType = options.types ? missingPropertiesByType(receiver, options.types, HELPER_POOL_MEMBERS) : undefined;
  const shim = options.pgTypingsShim?.();
  const missing = byType ?? shim?.missing ?? [];
  if (missing.length === 0) return undefined;
  const where = shim ? ` (the project's own typings for 'pg' in ${shim.file})` : '';
  // pg's Pool has every one of them at run time: the declaration, not the pool, is short.
  const fix = shim ? ": add them there (pg's own Pool declares them) or use @types/pg, then run again" : '';
  return `its Pool type has no ${missing.join(', ')}${where}, which the helpers read: the rewrite would not type-check${fix}`;
}

/** Why a call on a real pool is still left alone: shapes the helpers do not take, or an edit that would lose code. */
function shapeRefusal(
  call: TSESTree.CallExpression,
  method: 'connect' | 'query',
  types: TypeServices | undefined,
  values: PoolValues,
): string | undefined {
  const callee = call.callee as TSESTree.MemberExpression;
  if (call.optional || callee.optional)
    return 'optional call (`?.`): the rewrite would change what happens when the pool is missing';
  if (callee.computed) return 'computed member access';
  if (call.arguments.some((argument) => argument.type === 'SpreadElement')) return 'spread arguments';
  const args = call.arguments as TSESTree.Expression[];
  if (method === 'connect') {
    if (args.length > 1) return `${args.length} arguments to connect()`;
    return undefined;
  }
  if (args.length === 0) return 'query() without arguments';
  if (args.length > 2)
    return 'callback-style pool.query(text, values, callback): queryWithBackpressure returns a promise';
  const first = args[0];
  if (first && isSubmittable(first, types, values)) {
    return 'a submittable (`new Cursor()` / `new QueryStream()`) streams on a client the helper would release at once';
  }
  const last = args.at(-1);
  if (args.length === 2 && last && isCallback(last, types, values)) {
    return 'callback-style pool.query(text, callback): queryWithBackpressure returns a promise';
  }
  return undefined;
}

/**
 * The rewrite replaces the text from the end of the receiver to the call's `(`: it must hold only the
 * `.method` (and type arguments). A comment there would be lost; a parenthesized callee
 * (`(pool.query)(sql)`) puts a `)` there.
 */
function layoutRefusal(call: TSESTree.CallExpression, program: TSESTree.Program): string | undefined {
  const callee = call.callee as TSESTree.MemberExpression;
  const from = callee.object.range[1];
  const to = call.arguments[0]?.range[0] ?? call.range[1];
  const typeArguments = call.typeArguments?.range;
  const lost = commentsBetween(program.comments ?? [], from, to).some(
    (comment) =>
      comment.range[0] >= from &&
      comment.range[1] <= to &&
      !(typeArguments && comment.range[0] >= typeArguments[0] && comment.range[1] <= typeArguments[1]),
  );
  if (lost) return 'a comment between the receiver and the arguments would be lost';
  // ESTree ranges leave out a node's own parentheses but not its children's: `(pool.query)(sql)` starts before its callee.
  if (call.range[0] !== callee.range[0]) return 'a parenthesized callee';
  return undefined;
}

/**
 * The comments that start in [from, to), in source order. Comments are sorted, so a binary search finds the first;
 * scanning every comment for every call made a file with a comment per function quadratic in its size.
 */
function commentsBetween(comments: readonly TSESTree.Comment[], from: number, to: number): readonly TSESTree.Comment[] {
  const low = partitionPoint(comments.length, (index) => (comments[index] as TSESTree.Comment).range[0] < from);
  let end = low;
  while (end < comments.length && (comments[end] as TSESTree.Comment).range[0] < to) end++;
  return comments.slice(low, end);
}

/** A local binding named like the helper (`const queryWithBackpressure = …` in the function) would capture the call. */
function shadowRefusal(candidate: Candidate, index: BindingIndex): string | undefined {
  const helper = candidate.method === 'connect' ? ACQUIRE_HELPER : QUERY_HELPER;
  const binding = index.resolveNameAt(helper, candidate.call);
  if (!binding || binding === index.moduleBinding(helper)) return undefined;
  return `a local \`${helper}\` shadows the helper here`;
}

/**
 * pg's `query(submittable)` hands back the submittable itself and keeps the client busy until it ends;
 * queryWithBackpressure would release the client as soon as the call returns.
 */
function isSubmittable(argument: TSESTree.Expression, types: TypeServices | undefined, values: PoolValues): boolean {
  if (argument.type === 'NewExpression') return true;
  if (types) return hasPropertyByType(argument, types, 'submit');
  if (argument.type !== 'Identifier') return false;
  const binding = values.index.resolve(argument);
  const sources = [
    ...(binding?.init && binding.path?.length === 0 ? [binding.init] : []),
    ...(binding?.assignments ?? []),
  ];
  return sources.some((source) => source.type === 'NewExpression');
}

function isCallback(argument: TSESTree.Expression, types: TypeServices | undefined, values: PoolValues): boolean {
  if (argument.type === 'ArrowFunctionExpression' || argument.type === 'FunctionExpression') return true;
  if (types) return isCallableByType(argument, types);
  if (argument.type === 'Identifier') {
    const binding = values.index.resolve(argument);
    if (binding?.kind === 'function') return true;
    const init = binding?.init;
    return (
      binding?.kind === 'variable' &&
      binding.path?.length === 0 &&
      (init?.type === 'ArrowFunctionExpression' || init?.type === 'FunctionExpression')
    );
  }
  return false;
}

/**
 * `x.connect((err, client, release) => …)`: pg-pool's callback signature. Other drivers' connect callbacks take one
 * or two parameters (mongodb, mysql's getConnection, net), so three point at a pg pool: worth a report, not a rewrite.
 */
function takesPgPoolCallback(call: TSESTree.CallExpression, method: 'connect' | 'query'): boolean {
  const [callback, ...rest] = call.arguments;
  return (
    method === 'connect' &&
    rest.length === 0 &&
    (callback?.type === 'ArrowFunctionExpression' || callback?.type === 'FunctionExpression') &&
    callback.params.length === 3
  );
}

/** A pool's own name (`pool`, `_pool`, `pgPool`, `readPool`), not a client or transaction taken from one (`poolClient`). */
function namedLikeWholePool(receiver: TSESTree.Expression): boolean {
  const name = lastName(receiver);
  return name !== undefined && /pool/i.test(name) && !/client|conn|tx|transaction|session/i.test(name);
}

/**
 * Names people give pools: only such receivers are worth an "uncertain" report without other leads. Any name along
 * the member chain counts: `pgPools.evaluate` is a member of something holding pools.
 */
function looksLikePool(receiver: TSESTree.Expression): boolean {
  const name = lastName(receiver);
  return (name !== undefined && /pool/i.test(name)) || chainNames(receiver).some((each) => /pool/i.test(each));
}

/** `pgClient`, `this.#pg`, `pg_pool`, `postgresClient`: the last name says pg (or Postgres), not which of its objects. */
function namedLikePg(receiver: TSESTree.Expression): boolean {
  const name = lastName(receiver);
  return name !== undefined && /^[_#$]*pg(?:[A-Z0-9_$]|$)|postgres/i.test(name);
}

/** The names of a member chain, last first: `this.db.pool!` → ['pool', 'db']; calls and other nodes end it. */
function chainNames(receiver: TSESTree.Node): string[] {
  const names: string[] = [];
  for (let node: TSESTree.Node | undefined = receiver; node;) {
    switch (node.type) {
      case 'Identifier':
        names.push(node.name);
        node = undefined;
        break;
      case 'MemberExpression':
        if (!node.computed && (node.property.type === 'Identifier' || node.property.type === 'PrivateIdentifier'))
          names.push(node.property.name);
        node = node.object;
        break;
      case 'TSNonNullExpression':
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'ChainExpression':
        node = node.expression;
        break;
      default:
        node = undefined;
    }
  }
  return names;
}

function lastName(node: TSESTree.Node): string | undefined {
  switch (node.type) {
    case 'Identifier':
      return node.name;
    case 'MemberExpression':
      return !node.computed && (node.property.type === 'Identifier' || node.property.type === 'PrivateIdentifier')
        ? node.property.name
        : undefined;
    case 'TSNonNullExpression':
    case 'TSAsExpression':
    case 'TSSatisfiesExpression':
    case 'ChainExpression':
      return lastName(node.expression);
    case 'AwaitExpression':
      return lastName(node.argument);
    case 'CallExpression':
      return lastName(node.callee);
    default:
      return undefined;
  }
}

/** Every edit for the given sites of one file: each call's rewrite plus the helper import, added once. */
export function planPoolRewrites(
  program: TSESTree.Program,
  source: string,
  sites: readonly PoolCallSite[],
  options: PoolRewriteOptions,
): TextEdit[] {
  if (sites.length === 0) return [];
  const helperOf = (site: PoolCallSite): string => (site.method === 'connect' ? ACQUIRE_HELPER : QUERY_HELPER);
  const names = [ACQUIRE_HELPER, QUERY_HELPER].filter((name) => sites.some((site) => helperOf(site) === name));
  const imports = planNamedImports(program, source, {
    from: options.importFrom,
    names,
    moduleStyle: options.moduleStyle,
    style: options.style,
  });
  const edits: TextEdit[] = [...imports.edits];
  const trivia = new Trivia(source, program.comments);
  for (const site of sites) {
    edits.push(
      ...rewriteCall(site, imports.references.get(helperOf(site)) ?? helperOf(site), source, trivia, options.threshold),
    );
  }
  return edits;
}

/**
 * The rewrite of one call, as small edits that leave the receiver's own text (and any site nested in
 * it) in place:
 *   pool.query<Row>(sql, values)  →  queryWithBackpressure<Row>(pool, sql, values)
 *   ^ insert `helper<T>(`   ^^^^^^^^^^^^^ replaced by `, `
 * The threshold goes where each helper takes it: 2nd argument of acquireWithBackpressure (before a
 * callback), 4th of queryWithBackpressure (after `values`, `undefined` standing in when absent).
 */
function rewriteCall(
  site: PoolCallSite,
  helper: string,
  source: string,
  trivia: Trivia,
  threshold: number | undefined,
): TextEdit[] {
  const { call } = site;
  const callee = call.callee as TSESTree.MemberExpression;
  const typeArguments = call.typeArguments
    ? source.slice(call.typeArguments.range[0], call.typeArguments.range[1])
    : '';
  const openParen = trivia.skipForward((call.typeArguments ?? callee).range[1]);
  // Back from the property over the `.` or `?.`, then over what separates it from the receiver's text.
  const dotEnd = trivia.skipBackward(callee.property.range[0]);
  const receiverEnd = trivia.skipBackward(dotEnd - (source.startsWith('?.', dotEnd - 2) ? 2 : 1));
  const args = call.arguments;
  const thresholdText = threshold === undefined ? undefined : String(threshold);
  const edits: TextEdit[] = [{ start: callee.range[0], end: callee.range[0], text: `${helper}${typeArguments}(` }];
  const firstArgument = args[0];
  // Arguments laid out one per line: the receiver joins the call's first line, and that line ends with `,`.
  const multiline = firstArgument !== undefined && source.slice(openParen + 1, firstArgument.range[0]).includes('\n');
  const gap = multiline ? ',' : ', ';
  let separator = args.length > 0 ? gap : '';
  if (thresholdText !== undefined && site.method === 'connect')
    separator = `, ${thresholdText}${args.length > 0 ? gap : ''}`;
  // `fastify.pg.connect()`: the pool is `fastify.pg.pool`, which the helper needs (its counts and options).
  edits.push({ start: receiverEnd, end: openParen + 1, text: `${site.member ? `.${site.member}` : ''}${separator}` });
  const lastArgument = args.at(-1);
  if (thresholdText !== undefined && site.method === 'query' && lastArgument) {
    const extra = args.length === 1 ? ['undefined', thresholdText] : [thresholdText];
    // The `)` or, when the arguments end with one, the trailing `,`.
    const closeParen = call.range[1] - 1;
    const closing = trivia.previousChar(closeParen) === ',' ? trivia.skipBackward(closeParen) - 1 : closeParen;
    const lastArgumentEnd = trivia.skipBackward(closing);
    if (multiline) {
      const lineStart = source.lastIndexOf('\n', lastArgument.range[0] - 1) + 1;
      const lead = source.slice(lineStart, lastArgument.range[0]);
      const indent = /^[ \t]*$/.test(lead) ? lead : '';
      const eol = source[lineStart - 2] === '\r' ? '\r\n' : '\n';
      edits.push(
        source[closing] === ','
          ? { start: closing + 1, end: closing + 1, text: extra.map((text) => `${eol}${indent}${text},`).join('') }
          : {
              start: lastArgumentEnd,
              end: lastArgumentEnd,
              text: extra.map((text) => `,${eol}${indent}${text}`).join(''),
            },
      );
    } else {
      edits.push({ start: lastArgumentEnd, end: lastArgumentEnd, text: `, ${extra.join(', ')}` });
    }
  }
  return edits;
}

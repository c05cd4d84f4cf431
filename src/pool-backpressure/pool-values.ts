/**
 * What an expression holds, as far as node-postgres pools are concerned, read from the code alone (no
 * type checker): `new Pool()` of 'pg' / 'pg-pool', `Pool` annotations, class fields, object literals,
 * factories with a declared return type, and exports of relative modules through an ImportResolver.
 * The detector in pg-pool.ts asks it for a verdict per receiver; pool-exports.ts asks it what another
 * module exports.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import {
  buildBindingIndex,
  memberKey,
  propertyKeyName,
  type Binding,
  type BindingIndex,
  type ClassNode,
} from '../core/bindings.js';
import { partitionPoint } from '../core/lines.js';
import { FASTIFY_POSTGRES, type PackageFacts } from '../core/package-evidence.js';
import type { TypeVerdict } from './pg-pool-types.js';
import { forEachChild } from '../core/traverse.js';
import { requireSpecifier } from '../core/ast-helpers.js';

/** What an import of a relative module turned out to be; see `resolveImport`. */
export type PoolVerdict = TypeVerdict;

/**
 * Follows a relative import: `specifier` as written, `path` the export name then member names
 * (`import { db } from './db'` … `db.pool` → ['db', 'pool']; `#instance` stands for `new X()` / a `: X` annotation).
 */
export type ImportResolver = ((specifier: string, path: readonly string[]) => PoolVerdict) & {
  /**
   * Whether a bare specifier is followed too (a package of the file's own workspace, a tsconfig `paths` / `baseUrl`
   * alias into the repository: pool-exports.ts).
   */
  readonly follows?: (specifier: string) => boolean;
  /** The tsconfig `extends` outside the repository, not read: a package import may be an alias set there. */
  readonly unreadConfig?: () => string | undefined;
};

/** Packages whose connect/query are known not to be node-postgres pools: never worth a report. */
const NOT_PG_PACKAGES = new Set([
  'redis',
  'ioredis',
  '@redis/client',
  'mongodb',
  'mongoose',
  'mysql',
  'mysql2',
  'mysql2/promise',
  'mariadb',
  'generic-pool',
  'tarn',
  'net',
  'node:net',
  'tls',
  'node:tls',
  'http2',
  'node:http2',
  'ws',
  'socket.io-client',
  'amqplib',
  'nats',
  'kafkajs',
  'pg-promise',
  'postgres',
  '@databases/pg',
  'knex',
  'sequelize',
  'typeorm',
  '@prisma/client',
  'better-sqlite3',
  'sqlite3',
  'oracledb',
  'mssql',
  'tedious',
  'cassandra-driver',
  'memcached',
  'undici',
]);

const PG_MODULES = new Set(['pg']);
const PG_POOL_MODULES = new Set(['pg-pool']);
const DRIZZLE_NODE_POSTGRES = new Set(['drizzle-orm/node-postgres']);

/** `./db`, `../db.js`, `/abs/db`: modules `resolveImport` can look into. */
function isRelativeSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || specifier.startsWith('/');
}

/** `@/db`, `~/db`: the usual tsconfig `paths` aliases, followed whatever the config (others: `follows`). */
export function isAliasSpecifier(specifier: string): boolean {
  return /^[@~]\//.test(specifier);
}

/**
 * Whether importing `specifier` can put a pg pool into a file, as far as the code-only evaluation goes: pg and
 * pg-pool themselves, and relative modules when their exports are followed (`followsImports`). Every `pool`
 * verdict without type information starts at one of these (see `moduleImport`): a file that references none
 * of them has no provable pool. pg-pool.ts's pre-check relies on it; keep the two in step with `moduleImport`.
 */
export function mayBringPool(
  specifier: string,
  followsImports: boolean,
  follows?: (specifier: string) => boolean,
): boolean {
  return (
    PG_MODULES.has(specifier) ||
    PG_POOL_MODULES.has(specifier) ||
    (followsImports && (isRelativeSpecifier(specifier) || isAliasSpecifier(specifier))) ||
    follows?.(specifier) === true
  );
}

/** One step of the evaluation: what a binding, member or call gives (`pool`, a class, an import to follow, …). */
export type PoolValue =
  | { readonly kind: 'pool'; readonly evidence: string }
  /** The `pg` module object (default, namespace or `require('pg')`). */
  | { readonly kind: 'pg-module' }
  /** pg's `Pool` constructor; `through`: a type standing for it (`interface PgPool extends pg.Pool`). */
  | { readonly kind: 'pool-class'; readonly module: string; readonly through?: string }
  | { readonly kind: 'class'; readonly node: ClassNode }
  | { readonly kind: 'instance'; readonly node: ClassNode }
  | { readonly kind: 'object'; readonly node: TSESTree.ObjectExpression }
  /** A function: calling it gives what its declared return type (or arrow expression body) says. */
  | { readonly kind: 'function'; readonly node: FunctionNode }
  | { readonly kind: 'type-members'; readonly members: readonly TSESTree.TypeElement[]; readonly name: string }
  /** Something in a relative module, followed through `resolveImport`. */
  | { readonly kind: 'external'; readonly specifier: string; readonly path: readonly string[] }
  /** Something from another package (not pg). */
  | { readonly kind: 'foreign'; readonly module: string }
  | { readonly kind: 'nullish' }
  /** `fastify.pg` (or `fastify.pg.<name>`) of @fastify/postgres: not a Pool itself, its `.pool` is. */
  | { readonly kind: 'fastify-pg'; readonly evidence: string }
  /** A drizzle database over node-postgres (`drizzle(pool)`), or its `._` / `._.session`: `client` is what it was given. */
  | { readonly kind: 'drizzle'; readonly client: PoolValue; readonly at: 'db' | '_' | 'session' }
  /** `lead`: why it may still hold a pg pool at run time (see TypeVerdict): reported, never passed over silently. */
  | { readonly kind: 'not-pool'; readonly reason: string; readonly typesMayTell?: true; readonly lead?: string }
  | { readonly kind: 'unknown'; readonly reason: string; readonly refused?: true; readonly lead?: string };

const INSTANCE = '#instance';
/** What @fastify/postgres puts on `fastify.pg` besides `pool`: bound functions and the Client class. */
const FASTIFY_PG_MEMBERS = new Set(['connect', 'query', 'transact', 'Client']);
const MAX_EVALUATION_DEPTH = 200;
/** Path segment for "the result of calling it": `import { getDb } from './db'` … `getDb().pool`. */
const CALL = '#call';

type FunctionNode =
  | TSESTree.FunctionDeclaration
  | TSESTree.TSDeclareFunction
  | TSESTree.FunctionExpression
  | TSESTree.ArrowFunctionExpression;

/** A short source-like label for messages: `pool`, `this.db.pool`, `getPool()`. */
export function describeReceiver(node: TSESTree.Node): string {
  return describe(node);
}

function describe(node: TSESTree.Node): string {
  switch (node.type) {
    case 'Identifier':
      return node.name;
    case 'ThisExpression':
      return 'this';
    case 'MemberExpression':
      return !node.computed && (node.property.type === 'Identifier' || node.property.type === 'PrivateIdentifier')
        ? `${describe(node.object)}.${memberKey(node.property)}`
        : `${describe(node.object)}[…]`;
    case 'CallExpression':
      return `${describe(node.callee)}()`;
    case 'TSNonNullExpression':
      return `${describe(node.expression)}!`;
    case 'TSAsExpression':
    case 'TSSatisfiesExpression':
    case 'ChainExpression':
      return describe(node.expression);
    case 'AwaitExpression':
      return `(await ${describe(node.argument)})`;
    default:
      return '(…)';
  }
}

/**
 * Evaluates, without types, what an expression holds as far as pools are concerned. Memoised per
 * binding; a binding met again while it is being evaluated (a cycle) counts as unknown.
 */
export class PoolValues {
  private readonly bindingValues = new Map<Binding, PoolValue | 'pending'>();
  private readonly callsInProgress = new Set<FunctionNode>();
  /** `this.a = this.b; this.b = this.a`: class members reach each other, so they are memoised like bindings. */
  private readonly memberValues = new Map<ClassNode, Map<string, PoolValue | 'pending'>>();

  constructor(
    readonly index: BindingIndex,
    private readonly program: TSESTree.Program,
    /** The program's text: JavaScript files type their pools in JSDoc comments, read with what surrounds them. */
    private readonly source: string,
    private readonly resolveImport: ImportResolver | undefined,
    /** The nearest package.json's facts (package-evidence.ts): `@fastify/postgres`'s decorator. */
    private readonly packageFacts?: PackageFacts,
    /** The file is TypeScript, checked by tsc: a value typed otherwise than pg's Pool cannot be passed to the helpers. */
    private readonly typeChecked = false,
  ) {}

  /** Said of a package import when the tsconfig's `extends` was not read: it may map that import somewhere. */
  private unreadConfigNote(): string {
    const unread = this.resolveImport?.unreadConfig?.();
    return unread === undefined
      ? ''
      : `, or a \`paths\` alias of the tsconfig it extends, '${unread}', which lies outside the repository and is not read`;
  }

  verdict(value: PoolValue): PoolVerdict {
    switch (value.kind) {
      case 'pool':
        return value;
      case 'not-pool':
      case 'unknown':
        return value;
      case 'external':
        if (!this.resolveImport)
          return { kind: 'unknown', reason: `it comes from '${value.specifier}' and imports are not followed` };
        return this.resolveImport(value.specifier, value.path);
      case 'foreign':
        return NOT_PG_PACKAGES.has(value.module)
          ? { kind: 'not-pool', reason: `it comes from '${value.module}'` }
          : { kind: 'unknown', reason: `it comes from the package '${value.module}'${this.unreadConfigNote()}` };
      case 'nullish':
        return { kind: 'not-pool', reason: 'null or undefined' };
      case 'fastify-pg':
        return { kind: 'pool', evidence: value.evidence, member: 'pool' };
      case 'drizzle':
        return { kind: 'not-pool', reason: value.at === 'db' ? 'a drizzle database' : `drizzle's \`${value.at}\`` };
      case 'pg-module':
        return { kind: 'not-pool', reason: "the 'pg' module itself" };
      case 'pool-class':
        return { kind: 'not-pool', reason: 'the Pool class itself' };
      case 'class':
      case 'instance':
        // A local class that extends another (pg's Pool, say) is a pool to the checker.
        return {
          kind: 'not-pool',
          reason: `an instance of the local class ${value.node.id?.name ?? '(anonymous)'}`,
          ...(value.node.superClass ? { typesMayTell: true as const } : {}),
        };
      case 'object':
        return { kind: 'not-pool', reason: 'an object literal' };
      case 'function':
        return { kind: 'not-pool', reason: 'a function' };
      case 'type-members':
        return { kind: 'not-pool', reason: `typed ${value.name}` };
    }
  }

  /**
   * `module.<name>`, `module.exports.<name>`, `exports.<name>` on CommonJS's own (undeclared) `module` / `exports`:
   * the key `module.<name>` or `exports.<name>`, and `exports` for `module.exports` itself. Undefined for anything else.
   */
  private commonJsKey(node: TSESTree.MemberExpression): string | undefined {
    const name = memberName(node);
    if (name === undefined) return undefined;
    const object = node.object;
    const isGlobal = (identifier: TSESTree.Node, global: string): boolean =>
      identifier.type === 'Identifier' && identifier.name === global && this.index.resolve(identifier) === undefined;
    if (isGlobal(object, 'module')) return name === 'exports' ? 'exports' : `module.${name}`;
    // Bare `exports` stays `module.exports` only while the file does not reassign `module.exports`: kept apart.
    if (isGlobal(object, 'exports')) return `bare-exports.${name}`;
    if (object.type === 'MemberExpression' && memberName(object) === 'exports' && isGlobal(object.object, 'module'))
      return `exports.${name}`;
    return undefined;
  }

  /** What this file stores under a `commonJsKey` (`module.exports.pool = new Pool()`, `module.exports = { pool }`). */
  private commonJsStore(key: string): PoolValue {
    const stores = this.commonJsStores();
    const name = key.slice(key.indexOf('.') + 1);
    const bare = key.startsWith('bare-exports.');
    if (bare && stores.has('exports'))
      return { kind: 'unknown', reason: 'this file reassigns `module.exports`, so `exports` is no longer that object' };
    const exported = bare || key.startsWith('exports.');
    const keys = exported ? [`exports.${name}`, `bare-exports.${name}`] : [key];
    const sources = keys.flatMap((each) => stores.get(each) ?? []).map((value) => this.ofExpression(value));
    if (exported)
      for (const whole of stores.get('exports') ?? []) sources.push(this.member(this.ofExpression(whole), name));
    if (sources.length === 0) {
      if (key === 'exports') return { kind: 'unknown', reason: 'this file assigns nothing to `module.exports`' };
      if (
        key.startsWith('module.') &&
        (stores.has(`exports.${name}`) || stores.has(`bare-exports.${name}`) || stores.has('exports'))
      ) {
        return {
          kind: 'unknown',
          reason: `\`${key}\` is read, but this file stores \`${name}\` on \`module.exports\`, a different object`,
        };
      }
      return {
        kind: 'unknown',
        reason: `nothing in this file stores \`${name}\` on CommonJS's \`${key.startsWith('module.') ? 'module' : 'module.exports'}\``,
      };
    }
    const where = key === 'exports' ? 'module.exports' : exported ? `module.exports.${name}` : key;
    const value = this.join(sources, `what this file stores on \`${where}\``);
    return value.kind === 'pool'
      ? { kind: 'pool', evidence: `stored on \`${where}\` in this file: ${value.evidence}` }
      : value;
  }

  private commonJsStoreMemo: Map<string, TSESTree.Expression[]> | undefined;

  /** Every `module.x = …`, `module.exports.x = …`, `exports.x = …` and `module.exports = …` of the file, by `commonJsKey`. */
  private commonJsStores(): Map<string, TSESTree.Expression[]> {
    if (this.commonJsStoreMemo) return this.commonJsStoreMemo;
    const stores = new Map<string, TSESTree.Expression[]>();
    const visit = (node: TSESTree.Node): boolean => {
      if (node.type === 'AssignmentExpression' && node.operator === '=' && node.left.type === 'MemberExpression') {
        const key = this.commonJsKey(node.left);
        if (key !== undefined) stores.set(key, [...(stores.get(key) ?? []), node.right]);
      }
      return forEachChild(node, visit);
    };
    visit(this.program);
    this.commonJsStoreMemo = stores;
    return stores;
  }

  /**
   * The type written in the source for the receiver itself, when it is a name (parameter, destructured parameter,
   * variable) or `this.<field>` (a field or constructor parameter property): its text and what it holds.
   */
  declaredType(receiver: TSESTree.Node): DeclaredType | undefined {
    const node = unwrapNonNull(receiver);
    if (node.type === 'Identifier') {
      const binding = this.index.resolve(node);
      if (!binding || (binding.kind !== 'parameter' && binding.kind !== 'variable')) return undefined;
      if (binding.typeAnnotation)
        return { text: this.textOf(binding.typeAnnotation), value: this.ofType(binding.typeAnnotation) };
      if (!binding.patternType || binding.path === undefined) return this.declaredInJsdoc(binding);
      const member = literalMemberType(binding.patternType, binding.path);
      const text = member
        ? this.textOf(member)
        : `${this.textOf(binding.patternType)}[${binding.path.map((key) => `'${key}'`).join('][')}]`;
      return { text, value: this.path(this.ofType(binding.patternType), binding.path) };
    }
    if (node.type === 'MemberExpression' && node.object.type === 'ThisExpression') {
      const name = memberName(node);
      const owner = this.index.thisClass(node.object);
      const annotation = owner && name !== undefined ? declaredFieldType(owner, name) : undefined;
      if (annotation) return { text: this.textOf(annotation), value: this.ofType(annotation) };
      if (!this.typeChecked || !owner || name === undefined) return undefined;
      // A checked JavaScript class types its field where it assigns it: `/** @type {Queryable} */ this.pool = pool`.
      for (const assignment of this.index.thisAssignments(owner, name)) {
        const jsdoc = this.leadingJsdoc(assignment.range[0]);
        const text = jsdoc === undefined ? undefined : jsdocTypeText(jsdoc, 'type', undefined);
        if (text !== undefined) return { text, value: this.ofJsdocType(text, assignment) };
      }
    }
    return undefined;
  }

  /**
   * The JSDoc type of a parameter (`@param {Queryable} pool`) or variable (`/** @type {Queryable} *\/ let pool`) in a
   * JavaScript file the compiler checks (`checkJs`, `// @ts-check`): there it binds like an annotation.
   */
  private declaredInJsdoc(binding: Binding): DeclaredType | undefined {
    if (!this.typeChecked || (binding.kind === 'parameter' && !binding.owner)) return undefined;
    const jsdoc = this.leadingJsdoc(
      (binding.kind === 'parameter' ? binding.owner : binding.declaration)?.range[0] ?? 0,
    );
    if (jsdoc === undefined) return undefined;
    const text = jsdocTypeText(jsdoc, binding.kind === 'parameter' ? 'param' : 'type', binding.name);
    return text === undefined ? undefined : { text, value: this.ofJsdocType(text, binding.id) };
  }

  private textOf(node: TSESTree.Node): string {
    return this.source.slice(node.range[0], node.range[1]);
  }

  /** Guards against cycles no memo catches (`a = { x: b.x }`, `b = { x: a.x }`): past this depth, give up. */
  private depth = 0;

  ofExpression(node: TSESTree.Node): PoolValue {
    if (this.depth > MAX_EVALUATION_DEPTH) return { kind: 'unknown', reason: 'too many steps to follow' };
    this.depth++;
    try {
      return this.evaluate(node);
    } finally {
      this.depth--;
    }
  }

  private evaluate(node: TSESTree.Node): PoolValue {
    switch (node.type) {
      case 'Identifier': {
        if (node.name === 'undefined') return { kind: 'nullish' };
        const binding = this.index.resolve(node);
        if (binding) return this.ofBinding(binding);
        return node.name === 'module' || node.name === 'exports'
          ? { kind: 'unknown', reason: `\`${node.name}\` is CommonJS's own module object` }
          : { kind: 'unknown', reason: `\`${node.name}\` is not declared in this file` };
      }
      case 'ThisExpression': {
        const owner = this.index.thisClass(node);
        return owner ? { kind: 'instance', node: owner } : { kind: 'unknown', reason: '`this` outside a class method' };
      }
      case 'Literal':
        return node.value === null ? { kind: 'nullish' } : { kind: 'not-pool', reason: 'a literal' };
      case 'MemberExpression': {
        const name = memberName(node);
        if (name === undefined) {
          // `fastify.pg[name]`: @fastify/postgres refuses names that clash with its own members, so a computed
          // name reads a pool registered under a name, shaped like `fastify.pg` itself.
          const object = this.ofExpression(node.object);
          return object.kind === 'fastify-pg' ? object : { kind: 'unknown', reason: 'computed member' };
        }
        const stored = this.commonJsKey(node);
        if (stored !== undefined) return this.commonJsStore(stored);
        const object = this.ofExpression(node.object);
        const fastifyPg = name === 'pg' ? this.fastifyDecorator(node, object) : undefined;
        return fastifyPg ?? this.member(object, name);
      }
      case 'ChainExpression':
      case 'TSNonNullExpression':
      case 'TSSatisfiesExpression':
        return this.ofExpression(node.expression);
      case 'TSAsExpression':
      case 'TSTypeAssertion': {
        const asType = this.ofType(node.typeAnnotation);
        return asType.kind === 'unknown' ? this.ofExpression(node.expression) : asType;
      }
      case 'AwaitExpression':
        return this.ofExpression(node.argument);
      case 'ImportExpression':
        // `await import('pg')`: the module namespace, whose `default` is pg itself (see `member`).
        return node.source.type === 'Literal' && typeof node.source.value === 'string'
          ? this.moduleImport(node.source.value, '*')
          : { kind: 'unknown', reason: 'import() of a computed specifier' };
      case 'SequenceExpression':
        return node.expressions.length > 0
          ? this.ofExpression(node.expressions[node.expressions.length - 1] as TSESTree.Expression)
          : { kind: 'nullish' };
      case 'AssignmentExpression':
        return this.ofExpression(node.right);
      case 'LogicalExpression':
        return this.join([this.ofExpression(node.left), this.ofExpression(node.right)], 'either side');
      case 'ConditionalExpression':
        return this.join([this.ofExpression(node.consequent), this.ofExpression(node.alternate)], 'either branch');
      case 'NewExpression':
        return this.construct(this.ofExpression(node.callee));
      case 'CallExpression':
        return this.call(node);
      case 'ObjectExpression':
        return { kind: 'object', node };
      case 'ClassExpression':
        return { kind: 'class', node };
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return { kind: 'function', node };
      case 'TemplateLiteral':
      case 'ArrayExpression':
      case 'BinaryExpression':
      case 'UnaryExpression':
      case 'UpdateExpression':
        return { kind: 'not-pool', reason: 'not an object from pg' };
      default:
        return { kind: 'unknown', reason: `a ${node.type}` };
    }
  }

  private call(node: TSESTree.CallExpression): PoolValue {
    const module = requireSpecifier(node);
    if (module !== undefined) return this.moduleImport(module, '*');
    const assigned = this.objectAssign(node);
    if (assigned) return assigned;
    const handedOut = this.handedOutByPool(node);
    if (handedOut) return handedOut;
    const callee = this.ofExpression(node.callee);
    if (callee.kind === 'foreign' && DRIZZLE_NODE_POSTGRES.has(callee.module)) return this.drizzle(node);
    const result = this.callResult(callee);
    return result.kind === 'unknown'
      ? {
          kind: 'unknown',
          reason: `returned by \`${describe(node.callee)}()\`${result.reason ? `: ${result.reason}` : ''}`,
        }
      : result;
  }

  /** What calling `callee` gives: a local function's declared return type (`Promise<T>` read as `T`) or arrow body. */
  private callResult(callee: PoolValue): PoolValue {
    switch (callee.kind) {
      case 'foreign':
        return callee;
      case 'external':
        return { kind: 'external', specifier: callee.specifier, path: [...callee.path, CALL] };
      case 'function': {
        const fn = callee.node;
        if (this.callsInProgress.has(fn)) return { kind: 'unknown', reason: 'a recursive function' };
        this.callsInProgress.add(fn);
        try {
          const returnType = fn.returnType?.typeAnnotation;
          if (returnType) return this.ofType(unwrapPromise(returnType));
          if (fn.type === 'ArrowFunctionExpression' && fn.body.type !== 'BlockStatement')
            return this.ofExpression(fn.body);
          // No declared return type: what every `return` in its own body gives (`return new Pool(…)`, `return pool`).
          const returned = fn.body ? returnedExpressions(fn.body) : [];
          if (returned.length === 0)
            return { kind: 'unknown', reason: 'the function declares no return type and returns nothing visible' };
          const value = this.join(
            returned.map((expression) => this.ofExpression(expression)),
            'the values it returns',
          );
          return value.kind === 'pool'
            ? { kind: 'pool', evidence: `returned by a function: ${value.evidence}` }
            : value;
        } finally {
          this.callsInProgress.delete(fn);
        }
      }
      default:
        return { kind: 'unknown', reason: '' };
    }
  }

  ofBinding(binding: Binding): PoolValue {
    const memo = this.bindingValues.get(binding);
    if (memo === 'pending') return { kind: 'unknown', reason: `\`${binding.name}\` depends on itself` };
    if (memo) return memo;
    this.bindingValues.set(binding, 'pending');
    const value = this.computeBinding(binding);
    this.bindingValues.set(binding, value);
    return value;
  }

  private computeBinding(binding: Binding): PoolValue {
    switch (binding.kind) {
      case 'import':
        return this.moduleImport(binding.importFrom ?? '', binding.importedName ?? '*');
      case 'class':
        return binding.declaration.type === 'ClassDeclaration' || binding.declaration.type === 'ClassExpression'
          ? { kind: 'class', node: binding.declaration }
          : { kind: 'not-pool', reason: 'a class' };
      case 'function': {
        const declaration = binding.declaration;
        return declaration.type === 'FunctionDeclaration' ||
          declaration.type === 'TSDeclareFunction' ||
          declaration.type === 'FunctionExpression'
          ? { kind: 'function', node: declaration }
          : { kind: 'not-pool', reason: `\`${binding.name}\` is a function` };
      }
      case 'type':
        return { kind: 'unknown', reason: `\`${binding.name}\` is a type` };
      case 'other':
        return { kind: 'not-pool', reason: `\`${binding.name}\` is not a variable` };
      case 'parameter': {
        if (binding.typeAnnotation) return this.ofType(binding.typeAnnotation);
        if (binding.patternType) return this.path(this.ofType(binding.patternType), binding.path ?? []);
        if (binding.owner) {
          const documented = this.ofJsdoc(this.leadingJsdoc(binding.owner.range[0]), 'param', binding.name, binding.id);
          // In a file nothing checks, a comment saying pg's Client does not stop a caller passing a Pool (same query()).
          if (!this.typeChecked && documented.kind === 'not-pool' && documented.reason === pgMemberReason('Client'))
            return {
              ...documented,
              lead: `parameter \`${binding.name}\` is documented as pg's Client, which no compiler checks in this file: a caller may pass a Pool`,
            };
          if (documented.kind !== 'unknown') return documented;
        }
        return { kind: 'unknown', reason: `parameter \`${binding.name}\` has no type annotation` };
      }
      case 'variable': {
        const declared = binding.typeAnnotation
          ? this.ofType(binding.typeAnnotation)
          : binding.patternType
            ? this.path(this.ofType(binding.patternType), binding.path ?? [])
            : undefined;
        if (declared && declared.kind !== 'unknown') return declared;
        const documented = this.ofJsdoc(this.leadingJsdoc(binding.declaration.range[0]), 'type', undefined, binding.id);
        if (documented.kind !== 'unknown') return documented;
        const sources: PoolValue[] = [];
        if (binding.init) {
          if (binding.path === undefined)
            sources.push({ kind: 'unknown', reason: `\`${binding.name}\` is taken out of a rest or array pattern` });
          else sources.push(this.path(this.ofExpression(binding.init), binding.path));
        }
        for (const assigned of binding.assignments) sources.push(this.ofExpression(assigned));
        if (sources.length === 0) return { kind: 'unknown', reason: `\`${binding.name}\` is declared without a value` };
        return this.join(sources, `the values assigned to \`${binding.name}\``);
      }
    }
  }

  /** What `import … from module` / `require(module)` gives for `importedName` ('*' = the module object). */
  private moduleImport(module: string, importedName: string): PoolValue {
    if (PG_MODULES.has(module)) {
      if (importedName === '*' || importedName === 'default') return { kind: 'pg-module' };
      return this.member({ kind: 'pg-module' }, importedName);
    }
    if (PG_POOL_MODULES.has(module)) {
      if (importedName === '*' || importedName === 'default') return { kind: 'pool-class', module };
      return { kind: 'not-pool', reason: `${importedName} from '${module}'` };
    }
    if (
      isRelativeSpecifier(module) ||
      (isAliasSpecifier(module) && this.resolveImport) ||
      this.resolveImport?.follows?.(module) === true
    ) {
      return { kind: 'external', specifier: module, path: importedName === '*' ? [] : [importedName] };
    }
    // The plugin's own type for its decorator (a type only: nothing else is imported under that name).
    if (FASTIFY_POSTGRES.includes(module) && importedName === 'PostgresDb')
      return { kind: 'fastify-pg', evidence: `typed PostgresDb of '${module}'` };
    return { kind: 'foreign', module };
  }

  member(value: PoolValue, name: string): PoolValue {
    switch (value.kind) {
      case 'pg-module':
        if (name === 'Pool') return { kind: 'pool-class', module: 'pg' };
        if (name === 'native' || name === 'default') return value;
        return { kind: 'not-pool', reason: pgMemberReason(name) };
      case 'pool':
        return { kind: 'not-pool', reason: `\`.${name}\` of a pool` };
      case 'pool-class':
        return { kind: 'not-pool', reason: `Pool.${name}` };
      case 'instance':
        return this.classMember(value.node, name, false);
      case 'class':
        return this.classMember(value.node, name, true);
      case 'object':
        return this.objectProperty(value.node, name);
      case 'type-members':
        return this.typeMember(value.members, name, value.name);
      case 'external':
        return { kind: 'external', specifier: value.specifier, path: [...value.path, name] };
      case 'foreign':
      case 'not-pool':
      case 'unknown':
        return value;
      case 'nullish':
        return { kind: 'not-pool', reason: 'a property of null' };
      case 'function':
        return { kind: 'not-pool', reason: `\`.${name}\` of a function` };
      case 'drizzle':
        return this.drizzleMember(value, name);
      case 'fastify-pg':
        if (name === 'pool') return { kind: 'pool', evidence: `the \`.pool\` of ${value.evidence}` };
        if (FASTIFY_PG_MEMBERS.has(name)) return { kind: 'not-pool', reason: `@fastify/postgres's \`pg.${name}\`` };
        // `fastify.pg.<name>`: a pool registered under a name, shaped like `fastify.pg` itself.
        return value;
    }
  }

  /**
   * \`<x>.pg\` is @fastify/postgres's decorator when the package depends on it and \`<x>\` is not something the
   * evaluation knows to be anything else (a local object, a class, pg itself): an untyped plugin parameter, an
   * instance made by \`fastify()\`.
   */
  private fastifyDecorator(node: TSESTree.MemberExpression, object: PoolValue): PoolValue | undefined {
    const plugin = this.packageFacts?.fastifyPostgres;
    if (!plugin) return undefined;
    const opaque = object.kind === 'unknown' || (object.kind === 'foreign' && /fastify/.test(object.module));
    if (!opaque) return undefined;
    const where =
      this.packageFacts?.name === plugin
        ? 'this package itself'
        : `a dependency in ${this.packageFacts?.name ?? 'package.json'}`;
    return { kind: 'fastify-pg', evidence: `\`${describe(node)}\`, decorated by ${plugin} (${where})` };
  }

  /**
   * `Object.assign(new pg.Pool(…), { db: 'stats' })` returns its first argument, with more properties: still that pool
   * (typed `Pool & { … }`, which the helpers take). Anything else it returns is left to the usual reasons.
   */
  private objectAssign(node: TSESTree.CallExpression): PoolValue | undefined {
    const callee = node.callee;
    if (
      callee.type !== 'MemberExpression' ||
      memberName(callee) !== 'assign' ||
      callee.object.type !== 'Identifier' ||
      callee.object.name !== 'Object' ||
      this.index.resolve(callee.object) !== undefined
    )
      return undefined;
    const [target] = node.arguments;
    if (!target || target.type === 'SpreadElement') return undefined;
    const verdict = this.verdict(this.ofExpression(target));
    return verdict.kind === 'pool'
      ? { kind: 'pool', evidence: `Object.assign() returns its first argument, ${verdict.evidence}` }
      : undefined;
  }

  /** `pool.connect()` / `pool.query()` on a pool: a client or a result, never a pool (the checker says so too). */
  private handedOutByPool(node: TSESTree.CallExpression): PoolValue | undefined {
    const callee = node.callee;
    if (callee.type !== 'MemberExpression') return undefined;
    const name = memberName(callee);
    if (name !== 'connect' && name !== 'query') return undefined;
    if (this.verdict(this.ofExpression(callee.object)).kind !== 'pool') return undefined;
    return { kind: 'not-pool', reason: `what \`${describe(callee)}()\` hands out (a client or a result), not a pool` };
  }

  /**
   * `drizzle(pool)` / `drizzle({ client: pool })` of 'drizzle-orm/node-postgres': the database keeps what it was
   * given as its `$client` and its session's `client`. A connection string or config makes a pool inside drizzle.
   */
  private drizzle(node: TSESTree.CallExpression): PoolValue {
    const [first] = node.arguments;
    let client: PoolValue;
    if (!first || first.type === 'SpreadElement') client = { kind: 'unknown', reason: 'drizzle() given no client' };
    else if (first.type === 'ObjectExpression') client = this.objectProperty(first, 'client');
    else client = this.ofExpression(first);
    if (client.kind === 'not-pool' && first?.type === 'ObjectExpression')
      client = { kind: 'unknown', reason: 'drizzle() made its own pool from a configuration' };
    return { kind: 'drizzle', client, at: 'db' };
  }

  private drizzleMember(value: Extract<PoolValue, { kind: 'drizzle' }>, name: string): PoolValue {
    if (value.at === 'db' && name === '$client') return this.drizzleClient(value.client, '$client', true);
    if (value.at === 'db' && name === '_') return { ...value, at: '_' };
    if (value.at === '_' && name === 'session') return { ...value, at: 'session' };
    // The session keeps the client in a private field drizzle types as a Pool, PoolClient or Client: only JavaScript reaches it as is.
    if (value.at === 'session' && name === 'client')
      return this.drizzleClient(value.client, '_.session.client', !this.typeChecked);
    return { kind: 'not-pool', reason: `drizzle's \`${name}\`` };
  }

  private drizzleClient(client: PoolValue, where: string, typedAsGiven: boolean): PoolValue {
    const verdict = this.verdict(client);
    if (verdict.kind !== 'pool') return client;
    if (!typedAsGiven) {
      return {
        kind: 'unknown',
        reason: `drizzle's \`${where}\` holds the pool it was given (${verdict.evidence}), but drizzle types it as a Pool, PoolClient or Client: the rewrite would not type-check`,
        refused: true,
      };
    }
    return { kind: 'pool', evidence: `drizzle's \`${where}\`, the pool it was given: ${verdict.evidence}` };
  }

  /** `FastifyInstance['pg']` (FastifyInstance of 'fastify'), in a package with @fastify/postgres: its decorator. */
  private fastifyInstancePg(node: TSESTree.TSIndexedAccessType): PoolValue | undefined {
    const plugin = this.packageFacts?.fastifyPostgres;
    const { objectType, indexType } = node;
    if (
      !plugin ||
      indexType.type !== 'TSLiteralType' ||
      indexType.literal.type !== 'Literal' ||
      indexType.literal.value !== 'pg'
    )
      return undefined;
    if (objectType.type !== 'TSTypeReference' || objectType.typeName.type !== 'Identifier') return undefined;
    const instance = this.ofTypeName(objectType.typeName);
    if (instance.kind !== 'foreign' || instance.module !== 'fastify') return undefined;
    return { kind: 'fastify-pg', evidence: `typed \`${objectType.typeName.name}['pg']\`, decorated by ${plugin}` };
  }

  private construct(callee: PoolValue): PoolValue {
    switch (callee.kind) {
      case 'pool-class':
        return { kind: 'pool', evidence: `new Pool() of '${callee.module}'` };
      case 'class':
        return { kind: 'instance', node: callee.node };
      case 'external':
        return { kind: 'external', specifier: callee.specifier, path: [...callee.path, INSTANCE] };
      case 'foreign':
      case 'unknown':
      case 'not-pool':
        return callee;
      default:
        return { kind: 'not-pool', reason: 'constructed from something that is not pg.Pool' };
    }
  }

  /** `X` in a type position stands for an instance of the class `X`. */
  private instanceOf(value: PoolValue): PoolValue {
    switch (value.kind) {
      case 'pool-class':
        return { kind: 'pool', evidence: `declared as ${value.through ?? `the Pool of '${value.module}'`}` };
      case 'class':
      case 'external':
        return this.construct(value);
      case 'pg-module':
        return { kind: 'not-pool', reason: "typed as the 'pg' module" };
      default:
        return value;
    }
  }

  path(value: PoolValue, path: readonly string[]): PoolValue {
    let current = value;
    for (const segment of path) {
      current =
        segment === INSTANCE
          ? this.instanceOf(current)
          : segment === CALL
            ? this.callResult(current)
            : this.member(current, segment);
    }
    return current;
  }

  ofType(node: TSESTree.TypeNode): PoolValue {
    switch (node.type) {
      case 'TSTypeReference':
        return this.partOfType(node) ?? this.instanceOf(this.ofTypeName(node.typeName));
      case 'TSImportType': {
        const module = node.source.value;
        const names = node.qualifier ? entityNames(node.qualifier) : [];
        const [first, ...rest] = names;
        const base = this.moduleImport(module, first ?? '*');
        return this.instanceOf(this.path(base, rest));
      }
      case 'TSUnionType': {
        const parts = node.types.filter(
          (part) =>
            part.type !== 'TSNullKeyword' && part.type !== 'TSUndefinedKeyword' && part.type !== 'TSVoidKeyword',
        );
        return this.join(
          parts.map((part) => this.ofType(part)),
          'the union members',
        );
      }
      case 'TSIntersectionType': {
        const parts = node.types.map((part) => this.ofType(part));
        return (
          parts.find((part) => part.kind === 'pool') ??
          parts.find((part) => part.kind === 'unknown') ??
          parts[0] ?? { kind: 'unknown', reason: 'empty type' }
        );
      }
      case 'TSTypeLiteral':
        return { kind: 'type-members', members: node.members, name: 'an object type' };
      case 'TSIndexedAccessType':
        return this.fastifyInstancePg(node) ?? { kind: 'not-pool', reason: 'its declared type is not pg.Pool' };
      case 'TSAnyKeyword':
      case 'TSUnknownKeyword':
        return { kind: 'unknown', reason: `typed \`${node.type === 'TSAnyKeyword' ? 'any' : 'unknown'}\`` };
      case 'TSTypeQuery':
        return node.exprName.type === 'TSImportType'
          ? { kind: 'unknown', reason: 'typeof import()' }
          : this.ofTypeName(node.exprName);
      default:
        return { kind: 'not-pool', reason: 'its declared type is not pg.Pool' };
    }
  }

  /**
   * `Pick<Pool, 'query'>`, `Omit<…>`, `Partial<…>` of a pool type (TypeScript's own, not a local type of that name):
   * only part of a Pool, which the helpers do not take, though the value may well be a pool at run time.
   */
  private partOfType(node: TSESTree.TSTypeReference): PoolValue | undefined {
    const { typeName } = node;
    const base = node.typeArguments?.params[0];
    if (typeName.type !== 'Identifier' || !PART_OF_TYPE.has(typeName.name) || !base) return undefined;
    if (this.index.resolve(typeName)) return undefined;
    const verdict = this.verdict(this.ofType(base));
    if (verdict.kind !== 'pool' && !(verdict.kind === 'unknown' && verdict.lead)) return undefined;
    const text = this.textOf(node);
    return {
      kind: 'not-pool',
      reason: `\`${text}\` is only part of a Pool`,
      lead: `typed \`${text}\`, part of a pool type`,
    };
  }

  private ofTypeName(name: TSESTree.EntityName): PoolValue {
    switch (name.type) {
      case 'Identifier': {
        const binding = this.index.resolve(name);
        if (!binding)
          return {
            kind: 'unknown',
            reason: `the type \`${name.name}\` is not declared in this file`,
            ...namedLikePoolLead(name.name),
          };
        if (binding.kind === 'type') return this.typeDeclaration(binding);
        return this.ofBinding(binding);
      }
      case 'TSQualifiedName':
        return this.member(this.ofTypeName(name.left), name.right.name);
      default:
        return { kind: 'unknown', reason: 'a type name' };
    }
  }

  /** Interfaces and type aliases: their members (as an instance), or the aliased type. */
  private typeDeclaration(binding: Binding): PoolValue {
    const declaration = binding.declaration;
    if (declaration.type === 'TSTypeAliasDeclaration') {
      const aliased = this.ofType(declaration.typeAnnotation);
      // ofTypeName results go through instanceOf; an alias already denotes an instance, so mark it as such.
      return aliased.kind === 'pool' ? { kind: 'pool-class', module: 'pg' } : aliased;
    }
    if (declaration.type === 'TSInterfaceDeclaration') {
      // `interface PgPoolStats extends pg.Pool { db: 'stats' }`: a pg Pool with more members, which the helpers take.
      for (const heritage of declaration.extends) {
        const base = this.ofExpression(heritage.expression);
        if (base.kind === 'pool-class')
          return {
            kind: 'pool-class',
            module: base.module,
            through: `${binding.name}, an interface extending pg's Pool`,
          };
      }
      return { kind: 'type-members', members: declaration.body.body, name: `the interface ${binding.name}` };
    }
    return { kind: 'unknown', reason: `the type ${binding.name}` };
  }

  private typeMember(members: readonly TSESTree.TypeElement[], name: string, owner: string): PoolValue {
    for (const member of members) {
      if (member.type !== 'TSPropertySignature' || member.computed) continue;
      const key =
        member.key.type === 'Identifier'
          ? member.key.name
          : member.key.type === 'Literal'
            ? String(member.key.value)
            : undefined;
      if (key !== name) continue;
      return member.typeAnnotation
        ? this.ofType(member.typeAnnotation.typeAnnotation)
        : { kind: 'unknown', reason: `${owner}.${name} has no type` };
    }
    return { kind: 'unknown', reason: `${owner} has no visible member \`${name}\`` };
  }

  private objectProperty(object: TSESTree.ObjectExpression, name: string): PoolValue {
    let found: PoolValue | undefined;
    for (const property of object.properties) {
      if (property.type === 'SpreadElement') {
        found = { kind: 'unknown', reason: 'an object with a spread' };
        continue;
      }
      if (propertyKeyName(property) !== name) continue;
      if (property.kind !== 'init' || property.method)
        return { kind: 'not-pool', reason: `\`${name}\` is a method or accessor` };
      found = this.ofExpression(property.value);
    }
    return found ?? { kind: 'not-pool', reason: `the object has no \`${name}\`` };
  }

  private classMember(classNode: ClassNode, name: string, isStatic: boolean): PoolValue {
    let members = this.memberValues.get(classNode);
    if (!members) this.memberValues.set(classNode, (members = new Map()));
    const key = `${isStatic ? 'static ' : ''}${name}`;
    const memo = members.get(key);
    if (memo === 'pending') return { kind: 'unknown', reason: `\`${name}\` depends on itself` };
    if (memo) return memo;
    members.set(key, 'pending');
    const value = this.computeClassMember(classNode, name, isStatic);
    members.set(key, value);
    return value;
  }

  /** `this.<name>` (or `Class.<name>` when `isStatic`): declared field type, else every value the class assigns. */
  private computeClassMember(classNode: ClassNode, name: string, isStatic: boolean): PoolValue {
    const className = classNode.id?.name ?? 'the class';
    const sources: PoolValue[] = [];
    for (const element of classNode.body.body) {
      if (
        (element.type === 'PropertyDefinition' || element.type === 'TSAbstractPropertyDefinition') &&
        element.static === isStatic &&
        propertyKeyName(element) === name
      ) {
        if (element.typeAnnotation) {
          const typed = this.ofType(element.typeAnnotation.typeAnnotation);
          if (typed.kind !== 'unknown') return typed;
        }
        if (element.value) sources.push(this.ofExpression(element.value));
      } else if (
        element.type === 'MethodDefinition' &&
        element.static === isStatic &&
        propertyKeyName(element) === name
      ) {
        if (element.kind === 'get') return { kind: 'unknown', reason: `\`${name}\` is a getter of ${className}` };
        // A method: calling it gives what its declared return type or its `return`s give (`repo.connect().query()`).
        return element.value.type === 'FunctionExpression'
          ? { kind: 'function', node: element.value }
          : { kind: 'not-pool', reason: `\`${name}\` is a method of ${className}` };
      } else if (element.type === 'MethodDefinition' && element.kind === 'constructor' && !isStatic) {
        for (const param of element.value.params) {
          if (param.type !== 'TSParameterProperty') continue;
          const inner = param.parameter.type === 'AssignmentPattern' ? param.parameter.left : param.parameter;
          if (inner.type !== 'Identifier' || inner.name !== name) continue;
          if (inner.typeAnnotation) return this.ofType(inner.typeAnnotation.typeAnnotation);
          return {
            kind: 'unknown',
            reason: `constructor parameter \`${name}\` of ${className} has no type annotation`,
          };
        }
      }
    }
    if (!isStatic) {
      for (const assignment of this.index.thisAssignments(classNode, name)) {
        // JS classes type their fields where they assign them: `/** @type {import('pg').Pool} */ this.pool = pool;`
        const documented = this.ofJsdoc(this.leadingJsdoc(assignment.range[0]), 'type', undefined, assignment);
        sources.push(documented.kind === 'unknown' ? this.ofExpression(assignment.right) : documented);
      }
    }
    if (sources.length > 0) return this.join(sources, `what ${className} assigns to \`this.${name}\``);
    if (classNode.superClass) {
      return {
        kind: 'unknown',
        reason: `\`${name}\` is not declared in ${className}; it may come from its base class`,
      };
    }
    return { kind: 'unknown', reason: `${className} never declares or assigns \`${name}\`` };
  }

  /**
   * The JSDoc block right before `start` (`/** … *\/` with only modifiers, names and `=` between it and
   * `start`, no statement boundary), as JavaScript files type their parameters, variables and fields.
   */
  private leadingJsdoc(start: number): string | undefined {
    const comment = lastCommentEndingBy(this.program.comments ?? [], start);
    if (!comment || comment.type !== 'Block' || !comment.value.startsWith('*')) return undefined;
    // Linear time: the text between is read only when it is short enough to hold at most 8 pieces of a declaration.
    if (start - comment.range[1] > MAX_JSDOC_GAP) return undefined;
    // Words and punctuators between the two, comments left out: any string or template there splits into many
    // pieces or holds a boundary, which only ever drops the JSDoc (never adopts one that belongs to other code).
    const between =
      this.source
        .slice(comment.range[1], start)
        .replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ')
        .match(/[\w$]+|\S/g) ?? [];
    const boundary = between.some((piece) => ['{', '}', ';', '(', ')', '"', "'", '`'].includes(piece));
    return boundary || between.length > 8 ? undefined : comment.value;
  }

  /** `@param {T} name` / `@type {T}` of a JSDoc block, with T read like a TypeScript annotation: `Pool`, `pg.Pool`, `import('pg').Pool`. */
  private ofJsdoc(
    jsdoc: string | undefined,
    tag: 'param' | 'type',
    name: string | undefined,
    anchor: TSESTree.Node,
  ): PoolValue {
    const typeText = jsdoc === undefined ? undefined : jsdocTypeText(jsdoc, tag, name);
    if (typeText === undefined) return { kind: 'unknown', reason: 'no JSDoc type' };
    return this.ofJsdocType(typeText, anchor);
  }

  /** A JSDoc type (`PgPools`, `pg.Pool | null`, `import('pg').Pool`) as an instance of it. */
  private ofJsdocType(typeText: string, anchor: TSESTree.Node): PoolValue {
    const parts = typeText
      .split('|')
      .map((part) =>
        part
          .trim()
          .replace(/^[?!]|=$/g, '')
          .replace(/^\(|\)$/g, ''),
      )
      .filter((part) => part !== 'null' && part !== 'undefined');
    return this.join(
      parts.map((part) => this.ofJsdocTypeName(part, anchor)),
      'the JSDoc type',
    );
  }

  private ofJsdocTypeName(text: string, anchor: TSESTree.Node): PoolValue {
    const imported = /^import\(\s*['"]([^'"]+)['"]\s*\)((?:\.[\w$]+)*)$/.exec(text);
    if (imported) {
      const [first, ...rest] = (imported[2] ?? '').split('.').filter(Boolean);
      return this.instanceOf(this.path(this.moduleImport(imported[1] ?? '', first ?? '*'), rest));
    }
    if (!/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/.test(text))
      return { kind: 'unknown', reason: `the JSDoc type {${text}}` };
    const [first = '', ...rest] = text.split('.');
    const binding = this.index.resolveNameAt(first, anchor);
    if (!binding) {
      const typedef = this.typedefs().get(first);
      if (typedef !== undefined && !this.typedefsInProgress.has(first)) {
        this.typedefsInProgress.add(first);
        try {
          return this.path(this.ofJsdocType(typedef, anchor), rest);
        } finally {
          this.typedefsInProgress.delete(first);
        }
      }
      return {
        kind: 'unknown',
        reason: `the JSDoc type {${text}} is not declared in this file`,
        ...namedLikePoolLead(text),
      };
    }
    const base = binding.kind === 'type' ? this.typeDeclaration(binding) : this.ofBinding(binding);
    return this.instanceOf(this.path(base, rest));
  }

  private typedefMemo: Map<string, string> | undefined;
  private readonly typedefsInProgress = new Set<string>();

  /**
   * The file's JSDoc `@typedef {T} Name` blocks, by name (a JavaScript module exports every one of them):
   * `/** @typedef {import('@acme/db').PgPools} PgPools *\/`.
   */
  private typedefs(): Map<string, string> {
    if (this.typedefMemo) return this.typedefMemo;
    const found = new Map<string, string>();
    for (const comment of this.program.comments ?? []) {
      if (comment.type !== 'Block' || !comment.value.startsWith('*') || !comment.value.includes('@typedef')) continue;
      for (const match of comment.value.matchAll(/@typedef\s+\{([^{}]+)\}\s+([A-Za-z_$][\w$]*)/g)) {
        if (!found.has(match[2] as string)) found.set(match[2] as string, (match[1] as string).trim());
      }
    }
    this.typedefMemo = found;
    return found;
  }

  /** Several possible values: a pool only when every one of them is (nullish placeholders aside). */
  join(values: readonly PoolValue[], what: string): PoolValue {
    const meaningful = values.filter((value) => value.kind !== 'nullish');
    if (meaningful.length === 0) return { kind: 'nullish' };
    if (meaningful.length === 1) return meaningful[0] as PoolValue;
    const verdicts = meaningful.map((value) => this.verdict(value));
    const pools = verdicts.filter((verdict) => verdict.kind === 'pool');
    if (pools.length === verdicts.length) return pools[0] as PoolValue;
    const unknown =
      verdicts.find((verdict) => verdict.kind === 'unknown' && verdict.lead !== undefined) ??
      verdicts.find((verdict) => verdict.kind === 'unknown');
    // A pool among them: whatever the others turn out to be, the value may be a pool at run time.
    const lead = pools[0] && `some of ${what} are pg pools (${pools[0].evidence})`;
    if (unknown) return lead && unknown.kind === 'unknown' ? { ...unknown, lead: unknown.lead ?? lead } : unknown;
    if (lead) return { kind: 'unknown', reason: `only some of ${what} are pg pools`, lead };
    return (
      verdicts.find((verdict) => verdict.kind === 'not-pool' && verdict.lead !== undefined) ??
      (verdicts[0] as PoolValue)
    );
  }

  /**
   * What a module exports under `name` (`default`, a named export, or a CommonJS `exports.name` /
   * `module.exports = { name }`), for `resolveImport` on the importing side.
   */
  exported(name: string): PoolValue {
    let whole: TSESTree.Expression | undefined;
    let reexportAll: string[] = [];
    for (const statement of this.program.body) {
      switch (statement.type) {
        case 'ExportNamedDeclaration': {
          const declaration = statement.declaration;
          if (
            declaration?.type === 'VariableDeclaration' ||
            declaration?.type === 'ClassDeclaration' ||
            declaration?.type === 'FunctionDeclaration' ||
            declaration?.type === 'TSDeclareFunction'
          ) {
            const binding = this.index.moduleBinding(name);
            if (binding && declaresName(declaration, name)) return this.ofBinding(binding);
          }
          if (
            (declaration?.type === 'TSInterfaceDeclaration' || declaration?.type === 'TSTypeAliasDeclaration') &&
            declaration.id.name === name
          ) {
            const binding = this.index.moduleBinding(name);
            if (binding) return this.typeDeclaration(binding);
          }
          for (const specifier of statement.specifiers) {
            const exportedName = moduleExportName(specifier.exported);
            if (exportedName !== name) continue;
            const localName = moduleExportName(specifier.local);
            if (statement.source) return this.moduleImport(statement.source.value, localName);
            const binding = this.index.moduleBinding(localName);
            return binding ? this.ofBinding(binding) : { kind: 'unknown', reason: `\`${localName}\` is not declared` };
          }
          break;
        }
        case 'ExportDefaultDeclaration':
          if (name === 'default') {
            const declaration = statement.declaration;
            if (declaration.type === 'ClassDeclaration') return { kind: 'class', node: declaration };
            if (declaration.type === 'FunctionDeclaration' || declaration.type === 'TSDeclareFunction')
              return { kind: 'function', node: declaration };
            if (declaration.type === 'TSInterfaceDeclaration') return { kind: 'unknown', reason: 'an interface' };
            return this.ofExpression(declaration);
          }
          break;
        case 'ExportAllDeclaration':
          if (statement.exported === null) reexportAll.push(statement.source.value);
          else if (moduleExportName(statement.exported) === name) return this.moduleImport(statement.source.value, '*');
          break;
        case 'TSExportAssignment':
          whole = statement.expression;
          break;
        case 'ExpressionStatement': {
          const expression = statement.expression;
          if (expression.type !== 'AssignmentExpression' || expression.operator !== '=') break;
          const target = commonJsExportTarget(expression.left);
          if (target === '') whole = expression.right;
          else if (target === name) return this.ofExpression(expression.right);
          break;
        }
        default:
          break;
      }
    }
    if (whole) {
      const wholeValue = this.ofExpression(whole);
      return name === 'default' || name === '*' ? wholeValue : this.member(wholeValue, name);
    }
    reexportAll = reexportAll.filter((specifier) => specifier.startsWith('.'));
    if (reexportAll.length === 1 && reexportAll[0])
      return { kind: 'external', specifier: reexportAll[0], path: [name] };
    if (name === '*') return { kind: 'not-pool', reason: 'a module namespace' };
    // A JavaScript module's `@typedef` is exported with it (`import('./db.js').PgPools` in another file's JSDoc).
    const typedef = this.typedefs().get(name);
    if (typedef !== undefined) return this.ofJsdocType(typedef, this.program);
    return { kind: 'unknown', reason: `no export \`${name}\` found` };
  }
}

/**
 * The verdict for `path` (export name, then members) of the module `program`, looking further into
 * relative modules with `resolveImport`. Used by pool-exports.ts to answer another module's import.
 */
export function exportedPoolVerdict(
  program: TSESTree.Program,
  source: string,
  path: readonly string[],
  resolveImport: ImportResolver | undefined,
  packageFacts?: PackageFacts,
): PoolVerdict {
  const { index } = buildBindingIndex(program, () => undefined);
  const values = new PoolValues(index, program, source, resolveImport, packageFacts);
  const [first, ...rest] = path;
  return values.verdict(values.path(values.exported(first ?? '*'), rest));
}

/** `Promise<T>` → `T`: `(await getPool()).query()` and `getPool().query()` both reach the pool. */
function unwrapPromise(type: TSESTree.TypeNode): TSESTree.TypeNode {
  if (
    type.type === 'TSTypeReference' &&
    type.typeName.type === 'Identifier' &&
    type.typeName.name === 'Promise' &&
    type.typeArguments?.params.length === 1
  ) {
    return type.typeArguments.params[0] ?? type;
  }
  return type;
}

function declaresName(declaration: TSESTree.Node, name: string): boolean {
  if (declaration.type === 'VariableDeclaration') {
    return declaration.declarations.some((declarator) => patternNames(declarator.id).includes(name));
  }
  return (
    (declaration.type === 'ClassDeclaration' ||
      declaration.type === 'FunctionDeclaration' ||
      declaration.type === 'TSDeclareFunction') &&
    declaration.id?.name === name
  );
}

function patternNames(pattern: TSESTree.Node): string[] {
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name];
    case 'ObjectPattern':
      return pattern.properties.flatMap((property) =>
        patternNames(property.type === 'Property' ? property.value : property.argument),
      );
    case 'ArrayPattern':
      return pattern.elements.flatMap((element) => (element ? patternNames(element) : []));
    case 'AssignmentPattern':
      return patternNames(pattern.left);
    case 'RestElement':
      return patternNames(pattern.argument);
    default:
      return [];
  }
}

function moduleExportName(node: TSESTree.Identifier | TSESTree.StringLiteral): string {
  return node.type === 'Identifier' ? node.name : node.value;
}

/** `module.exports` → '' ; `module.exports.x` / `exports.x` → 'x'; anything else → undefined. */
function commonJsExportTarget(node: TSESTree.Node): string | undefined {
  if (node.type !== 'MemberExpression') return undefined;
  const name = memberName(node);
  if (node.object.type === 'Identifier' && node.object.name === 'module' && name === 'exports') return '';
  if (node.object.type === 'Identifier' && node.object.name === 'exports') return name;
  if (node.object.type === 'MemberExpression' && commonJsExportTarget(node.object) === '') return name;
  return undefined;
}

function memberName(node: TSESTree.MemberExpression): string | undefined {
  if (!node.computed)
    return node.property.type === 'Identifier' || node.property.type === 'PrivateIdentifier'
      ? memberKey(node.property)
      : undefined;
  return node.property.type === 'Literal' && typeof node.property.value === 'string' ? node.property.value : undefined;
}

function entityNames(name: TSESTree.EntityName): string[] {
  if (name.type === 'Identifier') return [name.name];
  if (name.type === 'TSQualifiedName') return [...entityNames(name.left), name.right.name];
  return [];
}

/** The arguments of the `return` statements of a function body, not counting nested functions'. */
function returnedExpressions(body: TSESTree.Node): TSESTree.Expression[] {
  const found: TSESTree.Expression[] = [];
  const walk = (node: TSESTree.Node): void => {
    if (node.type === 'ReturnStatement') {
      if (node.argument) found.push(node.argument);
      return;
    }
    if (
      node.type === 'FunctionDeclaration' ||
      node.type === 'FunctionExpression' ||
      node.type === 'ArrowFunctionExpression' ||
      node.type.startsWith('Class')
    )
      return;
    forEachChild(node, walk);
  };
  forEachChild(body, walk);
  return found;
}

/**
 * Linear-time support for `leadingJsdoc` (a separate change for the runner's per-file budget): the file's comments
 * are in source order, so the last one ending by `offset` is found by binary search instead of a scan per lookup,
 * and a gap longer than this many characters between a JSDoc block and a declaration is never read (eight words and
 * punctuators of a declaration do not take 2,000 characters).
 */
const MAX_JSDOC_GAP = 2_000;

function lastCommentEndingBy(comments: readonly TSESTree.Comment[], offset: number): TSESTree.Comment | undefined {
  return comments[
    partitionPoint(comments.length, (index) => (comments[index] as TSESTree.Comment).range[1] <= offset) - 1
  ];
}

export interface DeclaredType {
  /** The annotation as written (`PoolLike`, `pg.Pool`). */
  readonly text: string;
  readonly value: PoolValue;
}

function pgMemberReason(name: string): string {
  return `pg's ${name}, not its Pool`;
}

/** TypeScript's utility types that keep only part of their argument's members. */
const PART_OF_TYPE = new Set(['Pick', 'Omit', 'Partial']);

/** A type (or type text) named like a pool: `PgPools`, `PoolLike`; not proof, but a reason to report. */
function namedLikePoolLead(typeText: string): { readonly lead?: string } {
  return /pool/i.test(typeText) ? { lead: `its type \`${typeText}\` is named like a pool` } : {};
}

/** The type of a JSDoc `@param {T} name` (or `[name]`) or `@type {T}` tag in a block's text. */
function jsdocTypeText(jsdoc: string, tag: 'param' | 'type', name: string | undefined): string | undefined {
  const pattern =
    tag === 'param'
      ? new RegExp(`@param\\s+\\{([^{}]+)\\}\\s+\\[?${(name ?? '').replaceAll('$', '\\$')}\\b`)
      : /@type\s+\{([^{}]+)\}/;
  return pattern.exec(jsdoc)?.[1]?.trim();
}

function unwrapNonNull(node: TSESTree.Node): TSESTree.Node {
  return node.type === 'TSNonNullExpression' ? unwrapNonNull(node.expression) : node;
}

/** `{ pool: PoolLike }` and the path ['pool'] → the node `PoolLike`; undefined when the type is not written out as literals. */
function literalMemberType(type: TSESTree.TypeNode, path: readonly string[]): TSESTree.TypeNode | undefined {
  let current: TSESTree.TypeNode | undefined = type;
  for (const key of path) {
    if (current?.type !== 'TSTypeLiteral') return undefined;
    const member: TSESTree.TypeElement | undefined = current.members.find(
      (element) =>
        element.type === 'TSPropertySignature' &&
        !element.computed &&
        element.key.type === 'Identifier' &&
        element.key.name === key,
    );
    current = member?.type === 'TSPropertySignature' ? member.typeAnnotation?.typeAnnotation : undefined;
  }
  return current;
}

/** The annotation of a class's field `name`, or of the constructor parameter property of that name. */
function declaredFieldType(classNode: ClassNode, name: string): TSESTree.TypeNode | undefined {
  for (const element of classNode.body.body) {
    if (
      (element.type === 'PropertyDefinition' || element.type === 'TSAbstractPropertyDefinition') &&
      !element.static &&
      propertyKeyName(element) === name
    ) {
      return element.typeAnnotation?.typeAnnotation;
    }
    if (element.type === 'MethodDefinition' && element.kind === 'constructor') {
      for (const param of element.value.params) {
        if (param.type !== 'TSParameterProperty') continue;
        const inner = param.parameter.type === 'AssignmentPattern' ? param.parameter.left : param.parameter;
        if (inner.type === 'Identifier' && inner.name === name) return inner.typeAnnotation?.typeAnnotation;
      }
    }
  }
  return undefined;
}

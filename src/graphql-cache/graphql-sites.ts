/**
 * The graphql-cache detector, shared by the `graphql-cache` codemod and the `graphql-cache` ESLint rule. One walk
 * (the binding index's) finds:
 *
 *   graphql(args) / graphql(schema, source, ...)       → cachedGraphql({ ... })           (kind 'graphql')
 *   parse(<request input>) whose document is executed  → cachedParse(...)                  (kind 'parse')
 *   validate(schema, <that document>[, rules])         → cachedValidate(...)               (kind 'validate')
 *   documentStore: null, persistedQueries: false (Apollo), parserAndValidationCache: false (Yoga),
 *   cache: false (Mercurius)                           → the property removed              (kind 'disabling-option')
 *   a response cache without a session (Apollo responseCachePlugin without sessionId, envelop/Yoga useResponseCache
 *   without session)                                   → reported, never rewritten          (kind 'response-cache')
 *
 * Cache options are judged in graphql-options.ts: an option that cannot be removed safely (a conditional spread, a value
 * chosen at run time, a shared options object, an owner that cannot be told to be the server, a package configuring
 * itself) is `left` with its reason; Apollo/Yoga options handed to any other function (an app's own server factory)
 * are left too. A package loading its own root (`require('..')` in Mercurius's tests) is that package
 * (graphql-symbols.ts `specifierReaderFor`, from the nearest package.json).
 *
 * Only graphql-js's own symbols count (see graphql-symbols.ts). Every call of graphql's `graphql`, `graphqlSync`,
 * `parse` and `validate` the walk meets ends as a site or as `left` with its reason: a `parse` of a constant or of
 * SDL, a document nobody executes here, parse options, a spread argument list.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { buildBindingIndex, propertyKeyName, type Binding, type BindingIndex } from '../core/bindings.js';
import { traverse } from '../core/traverse.js';
import type { TypeServices } from '../core/parse.js';
import { browserEvidence } from './browser-code.js';
import { resolveExport, specifierReaderFor, type ResolvedExport, type SpecifierReader } from './graphql-symbols.js';
import {
  APOLLO_CACHE_OPTIONS,
  findOption,
  isLiteral,
  judgeCacheOptions,
  MERCURIUS_CACHE_OPTIONS,
  optionText,
  YOGA_CACHE_OPTIONS,
  type CacheOption,
  type OptionsOwner,
} from './graphql-options.js';
import { requiredModule } from '../core/ast-helpers.js';
import type { CodeStyle } from '../core/code-style.js';
import { planNamedImports, planUnusedImportRemovals } from '../core/imports.js';
import type { ModuleStyle } from '../core/module-style.js';
import { foldInsertionsIntoRemovals, removeListItems, type Ranged, type TextEdit } from '../core/text-edit.js';

export const CACHED_GRAPHQL = 'cachedGraphql';
export const CACHED_PARSE = 'cachedParse';
export const CACHED_VALIDATE = 'cachedValidate';
export const DEFAULT_IMPORT_FROM = '@quickwins/runtime/graphql';

export type GraphqlSite =
  | {
      readonly kind: 'graphql';
      readonly call: TSESTree.CallExpression;
      readonly form: 'object' | 'positional';
      readonly evidence: string;
    }
  | { readonly kind: 'parse'; readonly call: TSESTree.CallExpression; readonly evidence: string }
  | { readonly kind: 'validate'; readonly call: TSESTree.CallExpression; readonly evidence: string }
  | {
      readonly kind: 'disabling-option';
      readonly property: TSESTree.Property;
      readonly object: TSESTree.ObjectExpression;
      /** `documentStore: null`, ... as written. */
      readonly option: string;
      readonly owner: string;
      readonly evidence: string;
    };

export interface ResponseCacheSite {
  readonly kind: 'response-cache';
  readonly call: TSESTree.CallExpression;
  readonly plugin: string;
  /** The option that keys cached answers by user (`sessionId` / `session`). */
  readonly sessionOption: string;
}

export interface LeftGraphqlSite {
  readonly node: TSESTree.Node;
  readonly reason: string;
  /** For a cache-disabling option left in place: the option as written, and the server it configures. */
  readonly option?: string;
  readonly owner?: string;
  /** Why the option stays, without the option and owner (the ESLint message frames it). */
  readonly why?: string;
  /** The ESLint rule reports it too: a known server's cache may be off in production (see graphql-options.ts). */
  readonly flag?: boolean;
}

export interface GraphqlScan {
  readonly sites: readonly GraphqlSite[];
  readonly responseCaches: readonly ResponseCacheSite[];
  readonly left: readonly LeftGraphqlSite[];
  /**
   * Without types: a call or `new` named like a site (`graphql`, `parse`, `ApolloServer`, ...) whose name comes from a
   * module of the project (a re-export the checker could follow) was not placed. False with types.
   */
  readonly waitsForTypes: boolean;
}

/** graphql-js exports whose document argument marks a parse result as executed. */
const EXECUTORS = new Set([
  'execute',
  'executeSync',
  'subscribe',
  'validate',
  'experimentalExecuteIncrementally',
  'createSourceEventStream',
]);
/** graphql-js exports that take SDL documents. */
const SDL_CONSUMERS = new Set(['buildASTSchema', 'extendSchema', 'concatAST', 'buildSchema']);
const SDL_NAME = /typedefs|sdl|schema|definitions/i;
const APOLLO_SERVER = /^(?:@apollo\/server|apollo-server(?:-[a-z-]+)?|@nestjs\/apollo|@nestjs\/graphql)$/;
const RESPONSE_CACHE_APOLLO = /^(?:@apollo\/server-plugin-response-cache|apollo-server-plugin-response-cache)$/;
const RESPONSE_CACHE_ENVELOP = /^(?:@envelop\/response-cache|@graphql-yoga\/plugin-response-cache)$/;
const POSITIONAL_KEYS = [
  'schema',
  'source',
  'rootValue',
  'contextValue',
  'variableValues',
  'operationName',
  'fieldResolver',
  'typeResolver',
];

/**
 * A cheap text test: without one of these words a file has no site. A cache option's key counts on its own: a
 * library's own tests load it by a relative path (`require('..')`) and may never name it.
 */
export function mayHaveGraphqlSites(source: string): boolean {
  return /\bgraphql\b|mercurius|['"]graphql['"]|response-cache|@apollo\/server|apollo-server|\b(?:cache|documentStore|persistedQueries|parserAndValidationCache)\s*:/.test(
    source,
  );
}

interface Collected {
  readonly calls: TSESTree.CallExpression[];
  readonly news: TSESTree.NewExpression[];
  readonly identifiers: TSESTree.Identifier[];
}

function isGraphql(resolved: ResolvedExport | undefined): resolved is ResolvedExport {
  return resolved?.module === 'graphql';
}

function calleeOf(call: TSESTree.CallExpression): TSESTree.Node {
  return call.callee.type === 'ChainExpression' ? call.callee.expression : call.callee;
}

/** The string-ish constant an argument is, when it is one (a literal or a template without expressions). */
function isConstantText(node: TSESTree.Node): boolean {
  return (
    (node.type === 'Literal' && typeof node.value === 'string') ||
    (node.type === 'TemplateLiteral' && node.expressions.length === 0)
  );
}

function nameOf(node: TSESTree.Node): string | undefined {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier')
    return node.property.name;
  return undefined;
}

export interface GraphqlScanOptions {
  readonly types?: TypeServices;
  /** The file's path: a package loading its own root (`require('..')`) is read as that package. */
  readonly filePath?: string;
}

export function findGraphqlSites(program: TSESTree.Program, options: GraphqlScanOptions = {}): GraphqlScan {
  const collected: Collected = { calls: [], news: [], identifiers: [] };
  const { index } = buildBindingIndex<true>(program, (node) => {
    if (node.type === 'CallExpression') collected.calls.push(node);
    else if (node.type === 'NewExpression') collected.news.push(node);
    else if (node.type === 'Identifier') collected.identifiers.push(node);
    return undefined;
  });
  // Parsers without `parent` links (oxc): the detector follows values upward through its own map.
  const parents = new Map<TSESTree.Node, TSESTree.Node | undefined>();
  traverse(program, (node, parent) => parents.set(node, parent));
  const types = options.types;
  const read = specifierReaderFor(options.filePath);
  const resolve = (node: TSESTree.Node): ResolvedExport | undefined => resolveExport(node, index, types, read);
  const references = referencesByBinding(index, collected.identifiers);
  const exportOfCall = new Map<TSESTree.CallExpression, ResolvedExport | undefined>();
  const callExport = (call: TSESTree.CallExpression): ResolvedExport | undefined => {
    if (!exportOfCall.has(call)) exportOfCall.set(call, resolve(calleeOf(call)));
    return exportOfCall.get(call);
  };

  const sites: GraphqlSite[] = [];
  const left: LeftGraphqlSite[] = [];
  const responseCaches: ResponseCacheSite[] = [];
  const rewrittenParses = new Set<TSESTree.CallExpression>();
  const parsedBindings = new Set<Binding>();

  // Pass 1: parse sites (validate sites depend on them).
  for (const call of collected.calls) {
    const resolved = callExport(call);
    if (!isGraphql(resolved) || resolved.name !== 'parse') continue;
    const verdict = judgeParse(call, resolved, { resolve: callExport, index, references, parents });
    if (verdict.kind === 'left') {
      left.push({ node: call, reason: verdict.reason });
      continue;
    }
    sites.push({ kind: 'parse', call, evidence: `${resolved.evidence}; ${verdict.evidence}` });
    rewrittenParses.add(call);
    if (verdict.binding) parsedBindings.add(verdict.binding);
  }

  for (const call of collected.calls) {
    const resolved = callExport(call);
    if (resolved === undefined) {
      const chosen = runtimeChoice(call, index, parents, resolve);
      if (chosen !== undefined) left.push({ node: call, reason: chosen });
      continue;
    }
    if (isGraphql(resolved)) {
      if (resolved.name === 'graphql') judgeGraphqlCall(call, resolved, sites, left);
      else if (resolved.name === 'graphqlSync') {
        left.push({
          node: call,
          reason:
            'graphqlSync() answers synchronously; cachedGraphql() returns a promise: rewrite by hand where the caller can await',
        });
      } else if (resolved.name === 'validate')
        judgeValidate(call, resolved, index, rewrittenParses, parsedBindings, sites, left);
      continue;
    }
    judgeResponseCache(call, resolved, responseCaches, left);
  }
  for (const node of [...collected.calls, ...collected.news]) {
    const candidate = configCandidate(node, resolve, read);
    const onPurpose = candidate ? deliberatelyUncached(node, parents) : undefined;
    if (candidate)
      judgeConfig(
        onPurpose ? { ...candidate, owner: { ...candidate.owner, onPurpose } } : candidate,
        index,
        sites,
        left,
      );
    else left.push(...forwardedCacheOptions(node, index));
  }
  // Code that runs in a browser keeps graphql-js: the runtime's graphql module needs Node (crypto, prom-client, pino).
  const browser = sites.some((site) => site.kind !== 'disabling-option')
    ? browserEvidence(options.filePath, program)
    : undefined;
  if (browser !== undefined) {
    for (const site of sites.filter(
      (entry): entry is Exclude<GraphqlSite, { kind: 'disabling-option' }> => entry.kind !== 'disabling-option',
    )) {
      sites.splice(sites.indexOf(site), 1);
      left.push({
        node: site.call,
        reason: `${site.kind}() left: this module runs in the browser (${browser}); the runtime's graphql module needs Node (crypto, prom-client, pino)`,
      });
    }
  }
  sites.sort((a, b) => startOf(a) - startOf(b));
  // An options object shared by two servers is one finding, reported once.
  const reported = new Set<string>();
  const distinct = left.filter((site) => {
    const key = `${site.node.range[0]}:${site.option ?? site.reason}`;
    if (reported.has(key)) return false;
    reported.add(key);
    return true;
  });
  distinct.sort((a, b) => a.node.range[0] - b.node.range[0]);
  const waitsForTypes =
    types === undefined && [...collected.calls, ...collected.news].some((node) => unplacedLocalName(node, index));
  return { sites, responseCaches, left: distinct, waitsForTypes };
}

/** Names a site is called by: what the checker could place where the import could not. */
const SITE_NAMES = new Set(['graphql', 'graphqlSync', 'parse', 'validate', 'ApolloServer', 'createYoga']);

/** A specifier of the project's own modules: relative, or a path alias (`@/lib/graphql`, `~/graphql`, `#graphql`). */
function isProjectModule(specifier: string): boolean {
  return /^(?:\.|@\/|~\/|#)/.test(specifier);
}

/** `graphql(…)` / `new ApolloServer(…)` whose name (or namespace) comes from a module of the project: only the checker follows it. */
function unplacedLocalName(node: TSESTree.CallExpression | TSESTree.NewExpression, index: BindingIndex): boolean {
  const callee = node.type === 'CallExpression' ? calleeOf(node) : node.callee;
  const name = nameOf(callee);
  if (name === undefined || !SITE_NAMES.has(name)) return false;
  const root = callee.type === 'MemberExpression' ? callee.object : callee;
  if (root.type !== 'Identifier') return false;
  const binding = index.resolve(root);
  if (binding === undefined) return false;
  // `G.graphql(…)` counts for a whole module only: `schema.parse(data)` on a value of the project is zod's or another library's.
  const member = callee.type === 'MemberExpression';
  if (binding.kind === 'import')
    return (
      (!member || binding.importedName === '*') &&
      binding.importFrom !== undefined &&
      isProjectModule(binding.importFrom)
    );
  const required = binding.init?.type === 'CallExpression' ? requiredModule(binding.init) : undefined;
  const wholeModule = (binding.path?.length ?? 0) === 0;
  return required !== undefined && isProjectModule(required) && (member ? wholeModule : !wholeModule);
}

/** Words of a name or a route: `uncachedYoga` → uncached, yoga; `/graphql-no-parse-validate-cache` → graphql, no, …, cache. */
function wordsOf(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/** Whether a name or route says "without cache": `uncached…`, `noCache`, `…-no-parse-validate-cache`, `withoutDocumentCache`. */
function saysUncached(text: string): boolean {
  const words = wordsOf(text);
  if (words.some((word) => ['uncached', 'nocache', 'cacheless'].includes(word))) return true;
  const negation = words.findIndex((word) => ['no', 'without', 'disable', 'disabled'].includes(word));
  return negation >= 0 && words.slice(negation + 1).some((word) => ['cache', 'caching', 'cached'].includes(word));
}

const ROUTE_KEYS = new Set(['url', 'path', 'route']);

/**
 * What says a server's cache is switched off on purpose: the variable or key it is held in, or the route it serves
 * (`app.use('/graphql-no-cache', …)`, `app.route({ url, handler: createYoga(…) })`), read up to the enclosing statement.
 */
function deliberatelyUncached(
  node: TSESTree.Node,
  parents: ReadonlyMap<TSESTree.Node, TSESTree.Node | undefined>,
): string | undefined {
  let child: TSESTree.Node = node;
  for (let parent = parents.get(node); parent !== undefined; child = parent, parent = parents.get(parent)) {
    if (parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') {
      return saysUncached(parent.id.name) ? `the name \`${parent.id.name}\`` : undefined;
    }
    if (parent.type === 'Property' && parent.value === child) {
      const key = propertyKeyName(parent);
      if (key !== undefined && saysUncached(key)) return `the name \`${key}\``;
    }
    if (parent.type === 'ObjectExpression') {
      for (const property of parent.properties) {
        if (property.type !== 'Property' || !ROUTE_KEYS.has(propertyKeyName(property) ?? '')) continue;
        if (
          property.value.type === 'Literal' &&
          typeof property.value.value === 'string' &&
          saysUncached(property.value.value)
        )
          return `the route '${property.value.value}'`;
      }
    }
    if (parent.type === 'CallExpression' && parent.arguments.includes(child as TSESTree.CallExpressionArgument)) {
      const route = parent.arguments[0];
      if (route?.type === 'Literal' && typeof route.value === 'string' && saysUncached(route.value))
        return `the route '${route.value}'`;
    }
    if (
      parent.type.endsWith('Statement') ||
      parent.type.endsWith('Declaration') ||
      parent.type.startsWith('Function') ||
      parent.type === 'ArrowFunctionExpression'
    )
      return undefined;
  }
  return undefined;
}

const CACHEABLE = new Set(['graphql', 'parse', 'validate']);

/**
 * A call of a function chosen at run time whose default is graphql's (`const parseFn = custom ?? parse`,
 * `{ parse = defaultParse } = options`, `(parse: typeof defaultParse) => parse(q)`): the reason it is left, or
 * undefined. The cache belongs where the default is chosen, which the codemod cannot rewrite for the caller.
 */
function runtimeChoice(
  call: TSESTree.CallExpression,
  index: BindingIndex,
  parents: ReadonlyMap<TSESTree.Node, TSESTree.Node | undefined>,
  resolve: (node: TSESTree.Node) => ResolvedExport | undefined,
): string | undefined {
  const callee = calleeOf(call);
  if (callee.type !== 'Identifier') return undefined;
  const binding = index.resolve(callee);
  if (binding === undefined || (binding.kind !== 'variable' && binding.kind !== 'parameter')) return undefined;
  const candidates: TSESTree.Node[] = [];
  if (binding.init?.type === 'LogicalExpression' && binding.path?.length === 0)
    candidates.push(binding.init.right, binding.init.left);
  const holder = parents.get(binding.id);
  if (holder?.type === 'AssignmentPattern' && holder.left === binding.id) candidates.push(holder.right);
  const annotation = binding.typeAnnotation;
  if (annotation?.type === 'TSTypeQuery' && annotation.exprName.type === 'Identifier')
    candidates.push(annotation.exprName);
  for (const candidate of candidates) {
    const found = resolve(candidate);
    if (isGraphql(found) && CACHEABLE.has(found.name)) {
      return `${callee.name}() is chosen at run time (graphql's ${found.name} by default, ${found.evidence}): put the cache where the default is chosen`;
    }
  }
  return undefined;
}

function startOf(site: GraphqlSite): number {
  return site.kind === 'disabling-option' ? site.property.range[0] : site.call.range[0];
}

function referencesByBinding(
  index: BindingIndex,
  identifiers: readonly TSESTree.Identifier[],
): Map<Binding, TSESTree.Identifier[]> {
  const byBinding = new Map<Binding, TSESTree.Identifier[]>();
  for (const identifier of identifiers) {
    const binding = index.resolve(identifier);
    if (binding === undefined || binding.id === identifier) continue;
    let list = byBinding.get(binding);
    if (list === undefined) byBinding.set(binding, (list = []));
    list.push(identifier);
  }
  return byBinding;
}

type ParseVerdict =
  | { readonly kind: 'site'; readonly evidence: string; readonly binding: Binding | undefined }
  | { readonly kind: 'left'; readonly reason: string };

interface ParseContext {
  readonly resolve: (call: TSESTree.CallExpression) => ResolvedExport | undefined;
  readonly index: BindingIndex;
  readonly references: Map<Binding, TSESTree.Identifier[]>;
  readonly parents: ReadonlyMap<TSESTree.Node, TSESTree.Node | undefined>;
}

/** Where an expression's value goes: the graphql-js call it is a document argument of, if any. */
function documentConsumer(node: TSESTree.Node, context: ParseContext): ResolvedExport | undefined {
  const parentOf = (child: TSESTree.Node): TSESTree.Node | undefined => context.parents.get(child);
  let value: TSESTree.Node = node;
  let parent = parentOf(value);
  while (
    parent &&
    (parent.type === 'TSAsExpression' ||
      parent.type === 'TSNonNullExpression' ||
      parent.type === 'TSSatisfiesExpression' ||
      parent.type === 'AwaitExpression')
  ) {
    value = parent;
    parent = parentOf(parent);
  }
  if (!parent) return undefined;
  // execute({ document: parse(q) }), validate(schema, parse(q))
  if (parent.type === 'Property' && parent.value === value && propertyKeyName(parent) === 'document') {
    const object = parentOf(parent);
    const call = object ? parentOf(object) : undefined;
    if (call?.type === 'CallExpression' && call.arguments[0] === object) return context.resolve(call);
    return undefined;
  }
  if (parent.type === 'CallExpression' && parent.arguments.includes(value as TSESTree.CallExpressionArgument))
    return context.resolve(parent);
  return undefined;
}

/** `x` in `x = …` (also `x += …`): a write, not a read of the value. */
function isAssignedTo(
  identifier: TSESTree.Identifier,
  parents: ReadonlyMap<TSESTree.Node, TSESTree.Node | undefined>,
): boolean {
  const parent = parents.get(identifier);
  return parent?.type === 'AssignmentExpression' && parent.left === identifier;
}

function judgeParse(call: TSESTree.CallExpression, resolved: ResolvedExport, context: ParseContext): ParseVerdict {
  const source = call.arguments[0];
  if (call.arguments.length !== 1 || source === undefined || source.type === 'SpreadElement') {
    return {
      kind: 'left',
      reason:
        'parse() with options or a spread argument: cachedParse(source) takes the source alone (options change the document)',
    };
  }
  const sourceName = nameOf(source);
  if (source.type === 'CallExpression' && nameOf(calleeOf(source)) === 'readFileSync') {
    return {
      kind: 'left',
      reason: 'parse() of a file read from disk: SDL or a fixed document, parsed once, not request input',
    };
  }
  // Where does the document go? Directly into an executor, or through a variable.
  const direct = documentConsumer(call, context);
  let binding: Binding | undefined;
  let consumers: ResolvedExport[] = direct ? [direct] : [];
  const parent = context.parents.get(call);
  const target =
    parent?.type === 'VariableDeclarator' && parent.init === call && parent.id.type === 'Identifier'
      ? parent.id
      : parent?.type === 'AssignmentExpression' && parent.right === call && parent.left.type === 'Identifier'
        ? parent.left
        : undefined;
  // Reads of the document besides graphql-js calls (returned, stored, handed to another function).
  let otherReads = 0;
  if (!direct && target !== undefined) {
    binding = context.index.resolve(target);
    const reads = (binding ? (context.references.get(binding) ?? []) : []).filter(
      (identifier) => !isAssignedTo(identifier, context.parents),
    );
    consumers = reads.map((identifier) => documentConsumer(identifier, context)).filter((found) => found !== undefined);
    otherReads = reads.length - consumers.length;
  }
  const graphqlConsumers = consumers.filter(isGraphql);
  if (graphqlConsumers.some((consumer) => SDL_CONSUMERS.has(consumer.name))) {
    return { kind: 'left', reason: 'parse() of SDL (its document builds a schema): not an operation' };
  }
  const executor = graphqlConsumers.find((consumer) => EXECUTORS.has(consumer.name));
  if (executor === undefined) {
    if (sourceName !== undefined && SDL_NAME.test(sourceName))
      return { kind: 'left', reason: `parse(${sourceName}): SDL by its name, and its document is not executed here` };
    return {
      kind: 'left',
      reason: 'parse() whose document is not executed or validated in this file (client-side document, SDL or tooling)',
    };
  }
  if (isConstantText(source)) {
    return { kind: 'left', reason: 'parse() of a constant: not request input, nothing to cache per request' };
  }
  if (otherReads === 0 && graphqlConsumers.every((consumer) => consumer.name === 'validate')) {
    return {
      kind: 'left',
      reason:
        'parse() whose document is only validated here, never executed: a one-time check of a query (at startup or in tooling), not per-request work',
    };
  }
  if (sourceName !== undefined && SDL_NAME.test(sourceName)) {
    return { kind: 'left', reason: `parse(${sourceName}) is executed but named like SDL: left for a reviewer` };
  }
  if (source.type === 'NewExpression') {
    return {
      kind: 'left',
      reason:
        'parse(new Source(...)) of request input: cachedParse keys by the query string; pass the string (a Source name only shows in error.source)',
    };
  }
  return { kind: 'site', evidence: `its document goes to ${executor.name}()`, binding };
}

function judgeGraphqlCall(
  call: TSESTree.CallExpression,
  resolved: ResolvedExport,
  sites: GraphqlSite[],
  left: LeftGraphqlSite[],
): void {
  const args = call.arguments;
  if (args.some((argument) => argument.type === 'SpreadElement')) {
    left.push({ node: call, reason: 'graphql(...) with a spread argument list: which form it is cannot be told' });
    return;
  }
  if (args.length === 1) {
    sites.push({ kind: 'graphql', call, form: 'object', evidence: resolved.evidence });
    return;
  }
  if (args.length >= 2 && args.length <= POSITIONAL_KEYS.length) {
    sites.push({ kind: 'graphql', call, form: 'positional', evidence: resolved.evidence });
    return;
  }
  left.push({
    node: call,
    reason: `graphql() with ${args.length} arguments matches neither the object nor the positional form`,
  });
}

function judgeValidate(
  call: TSESTree.CallExpression,
  resolved: ResolvedExport,
  index: BindingIndex,
  rewrittenParses: ReadonlySet<TSESTree.CallExpression>,
  parsedBindings: ReadonlySet<Binding>,
  sites: GraphqlSite[],
  left: LeftGraphqlSite[],
): void {
  const document = call.arguments[1];
  const binding = document?.type === 'Identifier' ? index.resolve(document) : undefined;
  const fromCachedParse =
    document !== undefined &&
    ((document.type === 'CallExpression' && (rewrittenParses.has(document) || isCachedParseCall(document, index))) ||
      (binding !== undefined &&
        (parsedBindings.has(binding) ||
          (binding.init?.type === 'CallExpression' && isCachedParseCall(binding.init, index)))));
  if (!fromCachedParse) {
    left.push({
      node: call,
      reason:
        'validate() of a document that does not come from a rewritten parse(): results are remembered per document object',
    });
    return;
  }
  if (call.arguments.length > 3 || call.arguments.some((argument) => argument.type === 'SpreadElement')) {
    left.push({
      node: call,
      reason: 'validate() with options or a TypeInfo: cachedValidate(schema, document, rules) takes neither',
    });
    return;
  }
  sites.push({ kind: 'validate', call, evidence: resolved.evidence });
}

/** A call of an imported `cachedParse` (already migrated, or fixed by an earlier ESLint pass). */
function isCachedParseCall(call: TSESTree.CallExpression, index: BindingIndex): boolean {
  const callee = calleeOf(call);
  if (callee.type !== 'Identifier') return false;
  const binding = index.resolve(callee);
  return binding?.kind === 'import' && binding.importedName === CACHED_PARSE;
}

/** The candidate a call or `new` hands a server configuration to, with the options that switch its cache off. */
interface ConfigCandidate {
  readonly config: TSESTree.Node | undefined;
  readonly owner: OptionsOwner;
  readonly options: readonly CacheOption[];
}

/**
 * What a call or `new` might configure: `new ApolloServer(config)`, `createYoga(config)`, `GraphQLModule.forRoot(config)`,
 * `app.register(mercurius, config)`. Known when the name resolves to the server's package (or the package's own root);
 * a candidate with an unknown owner when only the name says so (`new ApolloServer()` from a local module,
 * `register(plugin, ...)` with a plugin that cannot be placed). Undefined when it is something else.
 */
function configCandidate(
  node: TSESTree.CallExpression | TSESTree.NewExpression,
  resolve: (node: TSESTree.Node) => ResolvedExport | undefined,
  read: SpecifierReader,
): ConfigCandidate | undefined {
  const callee = node.type === 'CallExpression' ? calleeOf(node) : node.callee;
  const config = node.arguments[0];
  const name = nameOf(callee);
  if (node.type === 'NewExpression') {
    if (name !== 'ApolloServer') return undefined;
    const resolved = resolve(callee);
    const known =
      resolved && APOLLO_SERVER.test(resolved.module) && resolved.name === 'ApolloServer' ? resolved : undefined;
    return {
      config,
      owner: {
        name: known && !known.self ? `new ApolloServer() (${known.evidence})` : 'new ApolloServer()',
        resolved: known,
      },
      options: APOLLO_CACHE_OPTIONS,
    };
  }
  if (name === 'createYoga') {
    const resolved = resolve(callee);
    const known = resolved?.module === 'graphql-yoga' && resolved.name === 'createYoga' ? resolved : undefined;
    return { config, owner: { name: 'createYoga()', resolved: known }, options: YOGA_CACHE_OPTIONS };
  }
  // GraphQLModule.forRoot({ ... }), and forRootAsync({ useFactory: () => ({ ... }) }) whose factory returns the options.
  if ((name === 'forRoot' || name === 'forRootAsync') && callee.type === 'MemberExpression') {
    const resolved = resolve(callee) ?? (callee.object.type === 'Identifier' ? resolve(callee.object) : undefined);
    const known = resolved?.module === '@nestjs/graphql' ? resolved : undefined;
    if (!known && nameOf(callee.object) !== 'GraphQLModule') return undefined;
    const label = name === 'forRoot' ? 'GraphQLModule.forRoot()' : 'GraphQLModule.forRootAsync() useFactory';
    const options = name === 'forRoot' ? config : factoryResult(config);
    return {
      config: options,
      owner: { name: known && !known.self ? `${label} (${known.evidence})` : label, resolved: known },
      options: APOLLO_CACHE_OPTIONS,
    };
  }
  // app.register(mercurius, { cache: false }): the plugin value is the first argument of a `register` call.
  if (name === 'register' && callee.type === 'MemberExpression') {
    const plugin = node.arguments[0];
    if (!plugin || plugin.type === 'SpreadElement') return undefined;
    const required = plugin.type === 'CallExpression' ? requiredModule(plugin) : undefined;
    const resolved = required !== undefined ? requiredExport(required, read) : resolve(plugin);
    if (resolved?.module === 'mercurius')
      return { config: node.arguments[1], owner: { name: 'mercurius', resolved }, options: MERCURIUS_CACHE_OPTIONS };
    // A plugin from another package is not Mercurius; one that cannot be placed might be.
    if (resolved !== undefined && !resolved.module.startsWith('.')) return undefined;
    return {
      config: node.arguments[1],
      owner: { name: `register()'s plugin`, resolved: undefined },
      options: MERCURIUS_CACHE_OPTIONS,
    };
  }
  return undefined;
}

/** Options only Apollo Server and Yoga take: in an object handed to any other function, they are on their way to one. */
const SERVER_ONLY_OPTIONS: readonly CacheOption[] = [...APOLLO_CACHE_OPTIONS, ...YOGA_CACHE_OPTIONS];

/**
 * `apolloServer(db, { persistedQueries: false })`, a project's own factory that spreads its options into
 * `new ApolloServer({ ...opts })`: the option is on its way to a server the codemod cannot follow there (another
 * file, a parameter). Left, named, with where the function comes from.
 */
function forwardedCacheOptions(
  node: TSESTree.CallExpression | TSESTree.NewExpression,
  index: BindingIndex,
): LeftGraphqlSite[] {
  const found: LeftGraphqlSite[] = [];
  const callee = node.type === 'CallExpression' ? calleeOf(node) : node.callee;
  for (const argument of node.arguments) {
    if (argument.type !== 'ObjectExpression') continue;
    for (const option of SERVER_ONLY_OPTIONS) {
      const property = findOption(argument, option.key);
      if (property === undefined || !isLiteral(property.value, option.off)) continue;
      const name = nameOf(callee) ?? 'a function';
      const binding = callee.type === 'Identifier' ? index.resolve(callee) : undefined;
      const from =
        binding?.kind === 'import'
          ? `imported from '${binding.importFrom}'`
          : binding !== undefined
            ? 'defined in this file'
            : undefined;
      const text = optionText(option);
      found.push({
        node: property,
        option: text,
        owner: `${name}()`,
        reason: `\`${text}\` passed to ${name}()${from ? ` (${from})` : ''}: not Apollo Server or Yoga itself, so the option is on its way to one the codemod cannot follow; remove it where it reaches the server if production should keep the cache`,
      });
    }
  }
  return found;
}

/** The object `{ useFactory: () => ({ ... }) }` (or a factory whose body ends in `return { ... }`) yields, if any. */
function factoryResult(config: TSESTree.Node | undefined): TSESTree.Node | undefined {
  if (config?.type !== 'ObjectExpression') return undefined;
  const factory = findOption(config, 'useFactory')?.value;
  if (factory?.type !== 'ArrowFunctionExpression' && factory?.type !== 'FunctionExpression') return undefined;
  if (factory.body.type !== 'BlockStatement') return factory.body;
  const last = factory.body.body.at(-1);
  return last?.type === 'ReturnStatement' && last.argument ? last.argument : undefined;
}

function requiredExport(specifier: string, read: SpecifierReader): ResolvedExport {
  const { module, note, self } = read(specifier);
  return { module, name: 'default', evidence: `required from '${specifier}'${note}`, ...(self ? { self } : {}) };
}

function judgeConfig(
  candidate: ConfigCandidate,
  index: BindingIndex,
  sites: GraphqlSite[],
  left: LeftGraphqlSite[],
): void {
  const verdict = judgeCacheOptions(candidate.config, candidate.owner, candidate.options, index);
  for (const found of verdict.removable) {
    sites.push({
      kind: 'disabling-option',
      property: found.property,
      object: found.object,
      option: found.option,
      owner: candidate.owner.name,
      evidence: candidate.owner.resolved?.evidence ?? '',
    });
  }
  for (const found of verdict.left)
    left.push({
      node: found.node,
      reason: found.reason,
      option: found.option,
      owner: candidate.owner.name,
      why: found.why,
      flag: found.flag,
    });
}

function judgeResponseCache(
  call: TSESTree.CallExpression,
  resolved: ResolvedExport,
  found: ResponseCacheSite[],
  left: LeftGraphqlSite[],
): void {
  const apollo = RESPONSE_CACHE_APOLLO.test(resolved.module) && resolved.name === 'default';
  const envelop = RESPONSE_CACHE_ENVELOP.test(resolved.module) && resolved.name === 'useResponseCache';
  if (!apollo && !envelop) return;
  const sessionOption = apollo ? 'sessionId' : 'session';
  const config = call.arguments[0];
  if (
    config === undefined ||
    (config.type === 'ObjectExpression' &&
      !findOption(config, sessionOption) &&
      !config.properties.some((property) => property.type === 'SpreadElement'))
  ) {
    found.push({
      kind: 'response-cache',
      call,
      plugin: apollo ? 'responseCachePlugin()' : 'useResponseCache()',
      sessionOption,
    });
    return;
  }
  if (config.type !== 'ObjectExpression')
    left.push({
      node: call,
      reason: `response cache configured from a value: cannot tell whether it sets \`${sessionOption}\``,
    });
}

export interface GraphqlRewriteOptions {
  readonly importFrom: string;
  readonly moduleStyle: ModuleStyle;
  readonly style: CodeStyle;
}

/** The helper a site is rewritten to, or undefined for a removed option. */
export function helperOf(site: GraphqlSite): string | undefined {
  return site.kind === 'graphql'
    ? CACHED_GRAPHQL
    : site.kind === 'parse'
      ? CACHED_PARSE
      : site.kind === 'validate'
        ? CACHED_VALIDATE
        : undefined;
}

/**
 * Minimal edits for `sites`: callee names swapped, positional arguments folded into one object, options removed, the
 * helpers imported once, and the imports the swap leaves unread (`graphql`, `parse`, `validate`, a namespace) removed.
 */
export function planGraphqlRewrites(
  program: TSESTree.Program,
  source: string,
  sites: readonly GraphqlSite[],
  options: GraphqlRewriteOptions,
): TextEdit[] {
  const names = [...new Set(sites.map(helperOf).filter((name) => name !== undefined))];
  const plan =
    names.length > 0
      ? planNamedImports(program, source, {
          from: options.importFrom,
          names,
          moduleStyle: options.moduleStyle,
          style: options.style,
        })
      : undefined;
  const edits: TextEdit[] = plan ? [...plan.edits] : [];
  const removedOptions = new Map<TSESTree.ObjectExpression, Set<Ranged>>();
  const replacedCallees: (readonly [number, number])[] = [];
  for (const site of sites) {
    if (site.kind === 'disabling-option') {
      let going = removedOptions.get(site.object);
      if (going === undefined) removedOptions.set(site.object, (going = new Set()));
      going.add(site.property);
      continue;
    }
    const reference = plan!.references.get(helperOf(site)!)!;
    const callee = calleeOf(site.call);
    edits.push({ start: callee.range[0], end: callee.range[1], text: reference });
    replacedCallees.push(callee.range);
    if (site.kind === 'graphql' && site.form === 'positional') {
      // Insertions only, so comments between the arguments stay: `{ ` before the first, `key: ` before each, ` }` after.
      const args = site.call.arguments;
      args.forEach((argument, position) => {
        const key = POSITIONAL_KEYS[position]!;
        const shorthand = source.slice(argument.range[0], argument.range[1]) === key;
        const text = `${position === 0 ? '{ ' : ''}${shorthand ? '' : `${key}: `}`;
        if (text !== '') edits.push({ start: argument.range[0], end: argument.range[0], text });
      });
      edits.push({ start: args.at(-1)!.range[1], end: args.at(-1)!.range[1], text: ' }' });
    }
  }
  // Two options of one object go in one pass over its properties, so neighbours never give overlapping edits.
  for (const [object, going] of removedOptions) edits.push(...removeListItems(source, object.properties, going));
  edits.push(...planUnusedImportRemovals(program, source, replacedCallees));
  return foldInsertionsIntoRemovals(source, edits);
}

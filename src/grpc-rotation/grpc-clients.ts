/**
 * grpc-js clients and servers in a file: `new XClient(address, credentials, options?)` whose constructor is a
 * generated gRPC client (grpc-tools `*_grpc_pb`, `grpc.loadPackageDefinition(...)`, ts-proto and other
 * `makeGenericClientConstructor` output), and `new grpc.Server(options?)`. Shared by the `grpc-rotation` codemod and
 * the `grpc-connection-rotation` rule.
 *
 * Evidence names a generated grpc-js client, never the call's shape: the checker (the constructed type extends
 * grpc-js's `Client`); how the constructor was made (imported from a grpc-tools module, taken from
 * `loadPackageDefinition`, made by `makeGenericClientConstructor` / `makeClientConstructor`, imported from a module of
 * the project that calls it); a `ServiceClientConstructor` annotation from grpc-js. A class called with grpc-js
 * credentials but from another package (`Client` of grpc-reflection-js, whose rotation would throw) is left with that
 * reason. Every `new …Client(`, and every `new X(address, credentials)`, in a file that uses gRPC is either a site or
 * left with its reason.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { planNamedImports, type ImportRequest } from '../core/imports.js';
import type { TypeServices } from '../core/parse.js';
import type { TextEdit } from '../core/text-edit.js';
import { isRequireCall } from '../core/module-style.js';
import { traverse } from '../core/traverse.js';
import { importedNameOf, withoutTypeAssertions as unwrap } from '../core/ast-helpers.js';

export const GRPC_MODULE = '@grpc/grpc-js';
const GENERATED_MODULE = /(?:_grpc_pb|_grpc|\.grpc-client|\.client)(?:\.[cm]?[jt]s)?$/;

export interface GrpcClientSite {
  readonly kind: 'client';
  readonly node: TSESTree.NewExpression;
  /** Which evidence decided. */
  readonly evidence: string;
  /** Inside a function (made per call: per request, when the function is a handler). */
  readonly perCall: boolean;
}

export interface GrpcServerSite {
  readonly kind: 'server';
  readonly node: TSESTree.NewExpression;
  readonly evidence: string;
}

export interface GrpcLeftSite {
  readonly node: TSESTree.Node;
  readonly reason: string;
  /** A one-shot client made inside a function: nothing to rotate, but still a client per call (the rule says so). */
  readonly perCall?: true;
}

export interface GrpcScan {
  readonly clients: GrpcClientSite[];
  readonly servers: GrpcServerSite[];
  readonly left: GrpcLeftSite[];
}

export interface GrpcScanOptions {
  readonly types?: TypeServices;
  /** Reads a relative module's text (to see whether it makes client constructors); undefined when unknown. */
  readonly readModule?: (specifier: string) => string | undefined;
  /** Names of the helper already in use (a site inside `rotatingClient(...)` is done). */
  readonly helperModule?: string;
}

/** Cheap text test: a file without any of these has no site. */
export function mayHaveGrpcSites(source: string): boolean {
  return /grpc/i.test(source) && /\bnew\s/.test(source);
}

interface Bindings {
  grpcNamespaces: Set<string>;
  serverNames: Set<string>;
  credentialsNames: Set<string>;
  /** name → how it became a client constructor (or a namespace of them). */
  constructors: Map<string, string>;
  loadPackageNames: Set<string>;
  makeConstructorNames: Set<string>;
  /** Locals bound to the deprecated C-core `grpc` package: its clients and servers are left, with the reason. */
  legacyNames: Set<string>;
  /** Constructors made by the deprecated `grpc` package (`grpc.load(...)`, a grpc-tools module generated for it). */
  legacyConstructors: Set<string>;
  /** grpc-js's `ServiceClientConstructor` type, by its local names (type-only imports too). */
  constructorTypeNames: Set<string>;
  /** Every other import: local → module, so a left reason can say where a class comes from. */
  importSources: Map<string, string>;
  /** A relative module imported whole that makes client constructors: its text, to judge `new local.Name(...)`. */
  projectModules: Map<string, { source: string; text: string }>;
  /** Classes or functions of such a module that are not client constructors (a wrapper holding a client). */
  wrappers: Set<string>;
}

function rootName(node: TSESTree.Node): string | undefined {
  let current = unwrap(node);
  while (current.type === 'MemberExpression') current = unwrap(current.object);
  return current.type === 'Identifier' ? current.name : undefined;
}

function lastName(node: TSESTree.Node): string | undefined {
  const current = unwrap(node);
  if (current.type === 'Identifier') return current.name;
  if (current.type === 'MemberExpression' && !current.computed && current.property.type === 'Identifier')
    return current.property.name;
  return undefined;
}

const MAKES_CLIENTS = /make(?:Generic)?ClientConstructor|extends\s+(?:grpc\.)?Client\b|grpc\.Client\b/;
const MAKE_CONSTRUCTOR = new Set(['makeGenericClientConstructor', 'makeClientConstructor']);

function makesClients(text: string | undefined): boolean {
  return text !== undefined && MAKES_CLIENTS.test(text);
}

/** A module that loads the deprecated `grpc` package and not grpc-js (grpc-tools output generated without grpc_js). */
function loadsLegacyGrpc(text: string | undefined): boolean {
  return text !== undefined && /(?:require\(\s*|from\s+)['"]grpc['"]/.test(text) && !text.includes(GRPC_MODULE);
}

function bindModule(
  bindings: Bindings,
  source: string,
  locals: { imported?: string; local: string; typeOnly?: boolean }[],
  options: GrpcScanOptions,
): void {
  if (source === GRPC_MODULE) {
    for (const { imported, local } of locals)
      if (imported === 'ServiceClientConstructor') bindings.constructorTypeNames.add(local);
  }
  const valueLocals = locals.filter((entry) => entry.typeOnly !== true);
  bindValueModule(bindings, source, valueLocals, options);
}

function bindValueModule(
  bindings: Bindings,
  source: string,
  locals: { imported?: string; local: string }[],
  options: GrpcScanOptions,
): void {
  if (source === 'grpc') {
    for (const { local } of locals) bindings.legacyNames.add(local);
    return;
  }
  if (source === GRPC_MODULE) {
    for (const { imported, local } of locals) {
      if (imported === undefined) bindings.grpcNamespaces.add(local);
      else if (imported === 'Server') bindings.serverNames.add(local);
      else if (imported === 'credentials') bindings.credentialsNames.add(local);
      else if (imported === 'loadPackageDefinition') bindings.loadPackageNames.add(local);
      else if (MAKE_CONSTRUCTOR.has(imported)) bindings.makeConstructorNames.add(local);
    }
    return;
  }
  for (const { local } of locals) bindings.importSources.set(local, source);
  const text = source.startsWith('.') ? options.readModule?.(source) : undefined;
  if (loadsLegacyGrpc(text)) {
    for (const { local } of locals) bindings.legacyConstructors.add(local);
    return;
  }
  if (GENERATED_MODULE.test(source) && /grpc/i.test(source)) {
    for (const { local } of locals)
      bindings.constructors.set(local, `imported from the generated gRPC module '${source}'`);
    return;
  }
  if (!makesClients(text)) return;
  const evidence = `imported from '${source}', which makes grpc-js client constructors`;
  for (const { imported, local } of locals) {
    // A whole module (`import * as m`, `require('./m')`) is judged at `new m.Name(...)`, by the member's name.
    if (imported === undefined || imported === 'default') bindings.projectModules.set(local, { source, text: text! });
    if (imported === undefined || constructorDeclaredIn(text!, imported) !== false)
      bindings.constructors.set(local, evidence);
    else bindings.wrappers.add(local);
  }
}

/**
 * Whether a module makes `name` a grpc-js client constructor: true for `class Name extends Client`,
 * `Name = makeGenericClientConstructor(...)` or a `ServiceClientConstructor` annotation; false when it declares
 * `Name` as some other class or function (a wrapper that holds a client is not one); undefined when it does not
 * declare the name (a re-export), so the module's own evidence stands.
 */
function constructorDeclaredIn(text: string, name: string): boolean | undefined {
  const id = name.replace(/\$/g, '\\$');
  const made = new RegExp(
    `\\b(?:class|interface)\\s+${id}\\b[^{]*\\bextends\\s+(?:[\\w$]+\\.)?Client\\b|\\b${id}\\s*(?::\\s*(?:[\\w$]+\\.)?ServiceClientConstructor\\b|=\\s*(?:[\\w$.]+\\s*=\\s*)*(?:[\\w$]+\\.)?make(?:Generic)?ClientConstructor\\s*\\()`,
  );
  if (made.test(text)) return true;
  return new RegExp(`\\b(?:class|function)\\s+${id}\\b`).test(text) ? false : undefined;
}

function collectBindings(program: TSESTree.Program, options: GrpcScanOptions): Bindings {
  const bindings: Bindings = {
    grpcNamespaces: new Set(),
    serverNames: new Set(),
    credentialsNames: new Set(),
    constructors: new Map(),
    loadPackageNames: new Set(),
    makeConstructorNames: new Set(),
    legacyNames: new Set(),
    legacyConstructors: new Set(),
    constructorTypeNames: new Set(),
    importSources: new Map(),
    projectModules: new Map(),
    wrappers: new Set(),
  };
  for (const statement of program.body) {
    if (statement.type !== 'ImportDeclaration') continue;
    const typeOnlyDeclaration = statement.importKind === 'type';
    const locals = statement.specifiers.map((specifier) =>
      specifier.type === 'ImportSpecifier'
        ? {
            imported: importedNameOf(specifier),
            local: specifier.local.name,
            typeOnly: typeOnlyDeclaration || specifier.importKind === 'type',
          }
        : { local: specifier.local.name, typeOnly: typeOnlyDeclaration },
    );
    bindModule(bindings, statement.source.value, locals, options);
  }
  const annotated: { name: string; annotation: TSESTree.TypeNode }[] = [];
  traverse(program, (node) => {
    // `Ctor: ServiceClientConstructor` on a parameter, a variable or a field: read once the imports are all known.
    const named = annotatedName(node);
    if (named !== undefined) annotated.push(named);
    // `static readonly Client = grpc.makeGenericClientConstructor(...)` (or an instance field): `new this.Client(...)`
    if (node.type === 'PropertyDefinition' && node.value !== null && !node.computed && node.key.type === 'Identifier') {
      const made = madeBy(node.value, bindings);
      if (made !== undefined) bindings.constructors.set(`this.${node.key.name}`, made);
      return;
    }
    if (node.type !== 'VariableDeclarator' || node.init === null) return;
    const init = unwrap(node.init);
    // require('@grpc/grpc-js') / require('./x_grpc_pb'), whole or destructured
    // isRequireCall also takes `require('x').y`, which has no arguments of its own.
    if (
      init.type === 'CallExpression' &&
      isRequireCall(init) &&
      init.arguments[0]?.type === 'Literal' &&
      typeof init.arguments[0].value === 'string'
    ) {
      const source = init.arguments[0].value;
      if (node.id.type === 'Identifier') bindModule(bindings, source, [{ local: node.id.name }], options);
      else if (node.id.type === 'ObjectPattern') {
        const locals = node.id.properties.flatMap((property) =>
          property.type === 'Property' && property.key.type === 'Identifier' && property.value.type === 'Identifier'
            ? [{ imported: property.key.name, local: property.value.name }]
            : [],
        );
        bindModule(bindings, source, locals, options);
      }
      return;
    }
    if (node.id.type !== 'Identifier') return;
    const made = madeBy(init, bindings);
    if (made !== undefined) bindings.constructors.set(node.id.name, made);
    else if (madeByLegacy(init, bindings)) bindings.legacyConstructors.add(node.id.name);
  });
  for (const { name, annotation } of annotated) {
    if (!bindings.constructors.has(name) && namesConstructorType(annotation, bindings))
      bindings.constructors.set(name, 'typed as grpc-js ServiceClientConstructor');
  }
  return bindings;
}

/** A parameter, variable or class field with a type annotation: its name (`this.x` for fields) and the type. */
function annotatedName(node: TSESTree.Node): { name: string; annotation: TSESTree.TypeNode } | undefined {
  if (node.type === 'TSParameterProperty' && node.parameter.type === 'Identifier' && node.parameter.typeAnnotation) {
    return { name: `this.${node.parameter.name}`, annotation: node.parameter.typeAnnotation.typeAnnotation };
  }
  if (
    (node.type === 'PropertyDefinition' || node.type === 'TSAbstractPropertyDefinition') &&
    !node.computed &&
    node.key.type === 'Identifier' &&
    node.typeAnnotation
  ) {
    return { name: `this.${node.key.name}`, annotation: node.typeAnnotation.typeAnnotation };
  }
  if (node.type === 'Identifier' && node.typeAnnotation && node.parent?.type !== 'TSParameterProperty') {
    return { name: node.name, annotation: node.typeAnnotation.typeAnnotation };
  }
  return undefined;
}

/** `ServiceClientConstructor` / `grpc.ServiceClientConstructor` from grpc-js, alone, in an array, a record or a map. */
function namesConstructorType(annotation: TSESTree.TypeNode, bindings: Bindings): boolean {
  if (annotation.type === 'TSArrayType') return namesConstructorType(annotation.elementType, bindings);
  if (annotation.type !== 'TSTypeReference') return false;
  const name = annotation.typeName;
  if (name.type === 'Identifier' && bindings.constructorTypeNames.has(name.name)) return true;
  if (
    name.type === 'TSQualifiedName' &&
    name.right.name === 'ServiceClientConstructor' &&
    name.left.type === 'Identifier' &&
    bindings.grpcNamespaces.has(name.left.name)
  )
    return true;
  // `Record<string, ServiceClientConstructor>`, `Map<…, ServiceClientConstructor>`: `new pool[name](...)`
  const last = annotation.typeArguments?.params.at(-1);
  return (
    name.type === 'Identifier' &&
    (name.name === 'Record' || name.name === 'Array' || name.name === 'ReadonlyArray') &&
    last !== undefined &&
    namesConstructorType(last, bindings)
  );
}

/** `grpc.load(...)`, `grpc.loadPackageDefinition(...)`, `grpc.makeGenericClientConstructor(...)` of the deprecated package, or a member of one. */
function madeByLegacy(init: TSESTree.Node, bindings: Bindings): boolean {
  let current = unwrap(init);
  while (current.type === 'MemberExpression') current = unwrap(current.object);
  if (current.type === 'Identifier') return bindings.legacyConstructors.has(current.name);
  return current.type === 'CallExpression' && bindings.legacyNames.has(rootName(current.callee) ?? '');
}

/** `grpc.loadPackageDefinition(def).pkg`, `grpc.makeGenericClientConstructor(...)`, or a member of a known root. */
function madeBy(init: TSESTree.Node, bindings: Bindings): string | undefined {
  let current = unwrap(init);
  while (current.type === 'MemberExpression') current = unwrap(current.object);
  if (current.type === 'Identifier') return bindings.constructors.get(current.name);
  if (current.type !== 'CallExpression') return undefined;
  const callee = unwrap(current.callee);
  const name = lastName(callee);
  const fromGrpc =
    (callee.type === 'Identifier' &&
      (bindings.loadPackageNames.has(callee.name) || bindings.makeConstructorNames.has(callee.name))) ||
    (callee.type === 'MemberExpression' && bindings.grpcNamespaces.has(rootName(callee) ?? ''));
  if (!fromGrpc) return undefined;
  if (name === 'loadPackageDefinition' || bindings.loadPackageNames.has(name ?? ''))
    return 'from grpc.loadPackageDefinition()';
  if (MAKE_CONSTRUCTOR.has(name ?? '') || bindings.makeConstructorNames.has(name ?? ''))
    return `made by grpc.${name === 'makeClientConstructor' ? name : 'makeGenericClientConstructor'}()`;
  return undefined;
}

function isCredentials(node: TSESTree.Node | undefined, bindings: Bindings): boolean {
  if (node === undefined) return false;
  const value = unwrap(node);
  if (value.type !== 'CallExpression') return false;
  const callee = unwrap(value.callee);
  if (callee.type !== 'MemberExpression') return false;
  const owner = unwrap(callee.object);
  if (owner.type === 'Identifier') return bindings.credentialsNames.has(owner.name);
  return (
    owner.type === 'MemberExpression' &&
    lastName(owner) === 'credentials' &&
    bindings.grpcNamespaces.has(rootName(owner) ?? '')
  );
}

/** The checker's word: the constructed type has grpc-js's `Client` among its base classes. */
function typeSaysGrpcClient(node: TSESTree.NewExpression, types: TypeServices | undefined): boolean | undefined {
  if (types === undefined) return undefined;
  const tsNode = types.esTreeNodeToTSNodeMap.get(node);
  if (tsNode === undefined) return undefined;
  const checker = types.program.getTypeChecker();
  const seen = new Set<unknown>();
  const visit = (type: import('typescript').Type): boolean => {
    if (seen.has(type)) return false;
    seen.add(type);
    const symbol = type.getSymbol();
    const declaration = symbol?.declarations?.[0];
    if (
      symbol?.getName() === 'Client' &&
      declaration !== undefined &&
      /[\\/]@grpc[\\/]grpc-js[\\/]/.test(declaration.getSourceFile().fileName)
    )
      return true;
    if (!type.isClassOrInterface()) return false;
    return checker.getBaseTypes(type).some(visit);
  };
  const constructed = checker.getTypeAtLocation(tsNode);
  if (constructed.flags & 1 /* Any */) return undefined;
  return visit(constructed);
}

/** A callee without a plain name (`new (pick())(...)`): its text, short. */
function sourceName(callee: TSESTree.Node): string {
  const current = unwrap(callee);
  if (
    current.type === 'MemberExpression' &&
    current.object.type === 'ThisExpression' &&
    current.property.type === 'Identifier'
  )
    return current.property.name;
  return 'client';
}

function insideFunction(ancestors: readonly TSESTree.Node[]): boolean {
  return ancestors.some(
    (node) =>
      node.type === 'FunctionDeclaration' ||
      node.type === 'FunctionExpression' ||
      node.type === 'ArrowFunctionExpression',
  );
}

function insideHelper(ancestors: readonly TSESTree.Node[], node: TSESTree.Node): boolean {
  const parent = ancestors.at(-1);
  return (
    parent?.type === 'CallExpression' && lastName(parent.callee) === 'rotatingClient' && parent.arguments[0] === node
  );
}

function clientEvidence(
  node: TSESTree.NewExpression,
  bindings: Bindings,
  types: TypeServices | undefined,
): string | undefined {
  const typed = typeSaysGrpcClient(node, types);
  if (typed === true) return 'the checker: the constructed type extends grpc-js Client';
  if (typed === false) return undefined;
  const callee = unwrap(node.callee);
  if (
    callee.type === 'MemberExpression' &&
    callee.object.type === 'ThisExpression' &&
    !callee.computed &&
    callee.property.type === 'Identifier'
  ) {
    const field = bindings.constructors.get(`this.${callee.property.name}`);
    if (field !== undefined) return `${field}, in a class field`;
  }
  const root = rootName(node.callee);
  if (root === undefined || !bindings.constructors.has(root)) return undefined;
  const module = bindings.projectModules.get(root);
  // `new m.Name(...)` on a whole project module: Name itself must be a client constructor there.
  const member =
    callee.type === 'MemberExpression' && unwrap(callee.object).type === 'Identifier' ? lastName(callee) : undefined;
  if (module !== undefined && member !== undefined && constructorDeclaredIn(module.text, member) === false)
    return undefined;
  return bindings.constructors.get(root);
}

/** Why a construction with no evidence is not taken: where its class comes from, when the file says. */
function notShownReason(node: TSESTree.NewExpression, name: string, bindings: Bindings): string {
  const root = rootName(node.callee);
  const module = root === undefined ? undefined : bindings.importSources.get(root);
  const shown =
    'only a generated gRPC module, loadPackageDefinition, makeGenericClientConstructor or a ServiceClientConstructor type shows one';
  const project = root === undefined ? undefined : bindings.projectModules.get(root);
  const wrapper =
    bindings.wrappers.has(root ?? '') || project !== undefined
      ? ' (a class of the project that holds a client is not one: its own `new` of the generated client is the site)'
      : '';
  if (module !== undefined)
    return `new ${name}(): ${name} from ${module} is not a generated grpc-js client${wrapper} (${shown})`;
  return `new ${name}(): not shown to be a generated grpc-js client (${shown})`;
}

/** `new Stub(…)` / `new m.Stub(…)` of a project module's class that is not a client constructor (a wrapper of one). */
function heldByWrapper(node: TSESTree.NewExpression, bindings: Bindings): boolean {
  const root = rootName(node.callee) ?? '';
  return bindings.wrappers.has(root) || bindings.projectModules.has(root);
}

function isServerConstructor(callee: TSESTree.Node, bindings: Bindings): boolean {
  const value = unwrap(callee);
  if (value.type === 'Identifier') return bindings.serverNames.has(value.name);
  return (
    value.type === 'MemberExpression' &&
    lastName(value) === 'Server' &&
    bindings.grpcNamespaces.has(rootName(value) ?? '')
  );
}

/** Every grpc-js client construction and server in the file, and every `new …Client(` left with its reason. */
export function findGrpcSites(program: TSESTree.Program, options: GrpcScanOptions = {}): GrpcScan {
  const bindings = collectBindings(program, options);
  const scan: GrpcScan = { clients: [], servers: [], left: [] };
  const usesGrpc =
    bindings.grpcNamespaces.size +
      bindings.serverNames.size +
      bindings.credentialsNames.size +
      bindings.constructors.size +
      bindings.legacyNames.size +
      bindings.legacyConstructors.size +
      bindings.constructorTypeNames.size >
    0;
  if (!usesGrpc) return scan;
  const ancestors: TSESTree.Node[] = [];
  const walk = (node: TSESTree.Node): void => {
    if (node.type === 'NewExpression') visitNew(node);
    ancestors.push(node);
    for (const key of Object.keys(node) as (keyof typeof node)[]) {
      if (key === 'parent') continue;
      const value = node[key] as unknown;
      if (Array.isArray(value))
        for (const item of value) if (item && typeof item === 'object' && 'type' in item) walk(item as TSESTree.Node);
      if (value && typeof value === 'object' && 'type' in value && !Array.isArray(value)) walk(value as TSESTree.Node);
    }
    ancestors.pop();
  };
  const visitNew = (node: TSESTree.NewExpression): void => {
    if (usesLegacyGrpc(node, bindings)) {
      scan.left.push({
        node,
        reason:
          "a client or server of the deprecated C-core 'grpc' package: migrate it to @grpc/grpc-js first (rotatingClient and serverConnectionAge are for grpc-js)",
      });
      return;
    }
    if (isServerConstructor(node.callee, bindings)) {
      scan.servers.push({ kind: 'server', node, evidence: 'grpc-js Server' });
      return;
    }
    const name = lastName(node.callee) ?? sourceName(node.callee);
    const evidence = clientEvidence(node, bindings, options.types);
    if (evidence === undefined) {
      // A client-like name, or grpc-js credentials handed to it: worth a word, never a rewrite on that shape alone.
      if (/Client$/.test(name) || isCredentials(node.arguments[1], bindings) || heldByWrapper(node, bindings))
        scan.left.push({ node, reason: notShownReason(node, name, bindings) });
      return;
    }
    if (insideHelper(ancestors, node)) return;
    if (node.arguments.length < 2 || node.arguments.some((argument) => argument.type === 'SpreadElement')) {
      scan.left.push({
        node,
        reason: `new ${name || 'client'}(): a gRPC client (${evidence}) without (address, credentials) arguments to pass on`,
      });
      return;
    }
    const balanced = balancedBy(node, program);
    if (balanced !== undefined) {
      scan.left.push({
        node,
        reason: `new ${name || 'client'}(): already balanced per call (${balanced}): each call already picks a backend, rotation adds nothing`,
      });
      return;
    }
    const oneShot = oneShotUse(node, ancestors, program);
    if (oneShot !== undefined) {
      scan.left.push({
        node,
        reason: `new ${name || 'client'}(): a one-shot client (${oneShot}): its connection never lives long enough to rotate`,
        ...(insideFunction(ancestors) ? { perCall: true as const } : {}),
      });
      return;
    }
    scan.clients.push({ kind: 'client', node, evidence, perCall: insideFunction(ancestors) });
  };
  walk(program);
  return scan;
}

/**
 * Where the server's options already set a max connection age (or spread the helper's): `''` for the object literal
 * itself, the constant's name for a same-file `const` it is or spreads (`new grpc.Server(SERVER_OPTIONS)`);
 * undefined when they do not.
 */
export function connectionAgeSetBy(server: TSESTree.NewExpression, program?: TSESTree.Program): string | undefined {
  const options = server.arguments[0];
  if (options === undefined) return undefined;
  return ageIn(options, program, 0);
}

/** True when the server's options already set a max connection age (or spread the helper's). */
export function setsConnectionAge(server: TSESTree.NewExpression, program?: TSESTree.Program): boolean {
  return connectionAgeSetBy(server, program) !== undefined;
}

function setsAgeKey(property: TSESTree.Property): boolean {
  return (
    (property.key.type === 'Literal' && property.key.value === 'grpc.max_connection_age_ms') ||
    (property.key.type === 'Identifier' && property.key.name === 'grpc.max_connection_age_ms')
  );
}

function ageIn(node: TSESTree.Node, program: TSESTree.Program | undefined, depth: number): string | undefined {
  const value = unwrap(node);
  if (value.type === 'Identifier') {
    const constant = program && depth < 3 ? sameFileConstant(program, value.name) : undefined;
    return constant !== undefined && ageIn(constant, program, depth + 1) !== undefined ? value.name : undefined;
  }
  if (value.type !== 'ObjectExpression') return undefined;
  for (const property of value.properties) {
    if (property.type === 'Property' && setsAgeKey(property)) return '';
    if (property.type !== 'SpreadElement') continue;
    if (property.argument.type === 'CallExpression' && lastName(property.argument.callee) === 'serverConnectionAge')
      return '';
    const spread = ageIn(property.argument, program, depth + 1);
    if (spread !== undefined) return spread;
  }
  return undefined;
}

/** The initializer of a top-level `const NAME = …` of the file (what a reader follows from `new grpc.Server(NAME)`). */
function sameFileConstant(program: TSESTree.Program, name: string): TSESTree.Expression | undefined {
  for (const statement of program.body) {
    const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
    if (declaration?.type !== 'VariableDeclaration' || declaration.kind !== 'const') continue;
    for (const declarator of declaration.declarations) {
      if (declarator.id.type === 'Identifier' && declarator.id.name === name && declarator.init) return declarator.init;
    }
  }
  return undefined;
}

/**
 * Why a client already spreads its calls over the backends: an xDS target, or round_robin in its options (written
 * there, in a same-file constant, or `roundRobinOptions()`). Undefined when nothing says so.
 */
function balancedBy(node: TSESTree.NewExpression, program: TSESTree.Program): string | undefined {
  const address = node.arguments[0] === undefined ? undefined : unwrap(node.arguments[0]);
  const text =
    address?.type === 'Literal'
      ? String(address.value)
      : address?.type === 'TemplateLiteral'
        ? (address.quasis[0]?.value.cooked ?? '')
        : '';
  if (text.startsWith('xds:')) return "an xDS target, 'xds:'";
  const options = node.arguments[2] === undefined ? undefined : unwrap(node.arguments[2]);
  if (options === undefined) return undefined;
  const constant = options.type === 'Identifier' ? sameFileConstant(program, options.name) : undefined;
  const written = constant ?? options;
  let roundRobin = false;
  traverse(written, (child) => {
    if (child.type === 'Identifier' && (child.name === 'round_robin' || child.name === 'roundRobinOptions'))
      roundRobin = true;
    if (child.type === 'Literal' && typeof child.value === 'string' && /\bround_robin\b/.test(child.value))
      roundRobin = true;
    if (child.type === 'TemplateElement' && /\bround_robin\b/.test(child.value.raw)) roundRobin = true;
  });
  if (!roundRobin) return undefined;
  return constant === undefined
    ? 'round_robin in its options'
    : `round_robin in its options, ${(options as TSESTree.Identifier).name}`;
}

/** The method called on `name` when every reference to it in `scope` is one call (`x.m()`, `(x as any)[m]()`) or `close()`. */
interface SingleUse {
  /** `one sayHello() call`, or `one call` for a computed method. */
  readonly call: string;
  readonly closed: boolean;
}

function singleUse(scope: TSESTree.Node, name: string, declaration: TSESTree.Node): SingleUse | undefined {
  const parents = new Map<TSESTree.Node, TSESTree.Node | undefined>();
  const references: TSESTree.Identifier[] = [];
  traverse(scope, (child, parent) => {
    parents.set(child, parent);
    if (child.type !== 'Identifier' || child.name !== name || child === declaration) return;
    if (parent?.type === 'MemberExpression' && parent.property === child && !parent.computed) return;
    if (parent?.type === 'Property' && parent.key === child && !parent.computed && !parent.shorthand) return;
    references.push(child);
  });
  const methods: string[] = [];
  for (const reference of references) {
    // Climb `(x as any)`, `x!` to the member it is read through, then to the call.
    let value: TSESTree.Node = reference;
    let member = parents.get(value);
    while (member !== undefined && member !== unwrap(member) && unwrap(member) === reference) {
      value = member;
      member = parents.get(member);
    }
    const call = member?.type === 'MemberExpression' && member.object === value ? parents.get(member) : undefined;
    if (member?.type !== 'MemberExpression' || call?.type !== 'CallExpression' || call.callee !== member)
      return undefined;
    methods.push(!member.computed && member.property.type === 'Identifier' ? `${member.property.name}()` : '');
  }
  const used = methods.filter((method) => method !== 'close()');
  if (used.length !== 1) return undefined;
  return { call: used[0] === '' ? 'one call' : `one ${used[0]} call`, closed: methods.includes('close()') };
}

/**
 * A client made for one call and then dropped: `const c = new X(…)` in a function whose every use of `c` is one
 * method call (and perhaps `c.close()`), or `new X(…)` handed straight to a function of this file that makes one call
 * on that parameter and keeps it nowhere. Its connection never lives long enough to rotate. Returns how it is used.
 */
function oneShotUse(
  node: TSESTree.NewExpression,
  ancestors: readonly TSESTree.Node[],
  program: TSESTree.Program,
): string | undefined {
  const holder = ancestors.at(-1);
  if (holder?.type === 'VariableDeclarator' && holder.id.type === 'Identifier' && holder.init === node) {
    const scope = [...ancestors].reverse().find(isFunction);
    const use = scope === undefined ? undefined : singleUse(scope, holder.id.name, holder.id);
    if (use === undefined) return undefined;
    return `${use.call}, ${use.closed ? 'then close()' : 'never kept'}`;
  }
  if (holder?.type !== 'CallExpression' || holder.callee.type !== 'Identifier') return undefined;
  const position = holder.arguments.indexOf(node);
  const callee = holder.callee.name;
  const target = functionNamed(program, callee);
  const parameter = target?.params[position];
  if (target === undefined || parameter?.type !== 'Identifier') return undefined;
  const use = singleUse(target.body, parameter.name, parameter);
  return use === undefined ? undefined : `handed to ${callee}(), which makes ${use.call} on it and keeps it nowhere`;
}

function isFunction(node: TSESTree.Node): boolean {
  return (
    node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression'
  );
}

/** A function declared in this file under `name` (a declaration, or a `const` holding a function). */
function functionNamed(
  program: TSESTree.Program,
  name: string,
): TSESTree.FunctionDeclaration | TSESTree.FunctionExpression | TSESTree.ArrowFunctionExpression | undefined {
  let found: TSESTree.FunctionDeclaration | TSESTree.FunctionExpression | TSESTree.ArrowFunctionExpression | undefined;
  traverse(program, (child) => {
    if (found !== undefined) return;
    if (child.type === 'FunctionDeclaration' && child.id?.name === name) found = child;
    else if (
      child.type === 'VariableDeclarator' &&
      child.id.type === 'Identifier' &&
      child.id.name === name &&
      (child.init?.type === 'ArrowFunctionExpression' || child.init?.type === 'FunctionExpression')
    )
      found = child.init;
  });
  return found;
}

export const ROTATING_CLIENT = 'rotatingClient';
export const SERVER_CONNECTION_AGE = 'serverConnectionAge';

export interface GrpcRewritePlan {
  readonly edits: TextEdit[];
  /** Servers whose options already set an age (the helper's spread, or the option by hand): migrated already. */
  readonly done: GrpcLeftSite[];
  readonly rewrittenServers: GrpcServerSite[];
}

/**
 * Minimal edits: `new X(a, b, c)` → `rotatingClient(X, a, b, c)`; `new grpc.Server()` → `new grpc.Server({
 * ...serverConnectionAge() })`, an options object gets the spread first (its own keys win), an options variable is
 * spread after it. The import of the helpers is added once, in the file's module style.
 */
export function planGrpcRewrites(
  program: TSESTree.Program,
  source: string,
  sites: { clients: readonly GrpcClientSite[]; servers: readonly GrpcServerSite[] },
  request: Omit<ImportRequest, 'names'>,
): GrpcRewritePlan {
  const done: GrpcLeftSite[] = [];
  const servers = sites.servers.filter((server) => {
    const setBy = connectionAgeSetBy(server.node, program);
    if (setBy === undefined) return true;
    done.push({
      node: server.node,
      reason: spreadsHelper(server.node)
        ? `grpc.Server: its options already spread ${SERVER_CONNECTION_AGE}()`
        : `grpc.Server: its options already set grpc.max_connection_age_ms${setBy ? ` (${setBy})` : ''}`,
    });
    return false;
  });
  const names = [
    ...(sites.clients.length > 0 ? [ROTATING_CLIENT] : []),
    ...(servers.length > 0 ? [SERVER_CONNECTION_AGE] : []),
  ];
  if (names.length === 0) return { edits: [], done, rewrittenServers: [] };
  const imports = planNamedImports(program, source, { ...request, names });
  const edits: TextEdit[] = [...imports.edits];
  const rotating = imports.references.get(ROTATING_CLIENT) ?? ROTATING_CLIENT;
  const age = imports.references.get(SERVER_CONNECTION_AGE) ?? SERVER_CONNECTION_AGE;
  for (const { node } of sites.clients) {
    // `new X(` → `rotatingClient(X,`; whatever stood between `(` and the first argument (a line break) stays.
    const callee = source.slice(node.callee.range[0], (node.typeArguments ?? node.callee).range[1]);
    const openParen = source.indexOf('(', (node.typeArguments ?? node.callee).range[1]);
    const spaced = /\s/.test(source[openParen + 1] ?? '');
    edits.push({ start: node.range[0], end: openParen + 1, text: `${rotating}(${callee},${spaced ? '' : ' '}` });
  }
  for (const { node } of servers) {
    const options = node.arguments[0];
    if (options === undefined) {
      edits.push({ start: node.callee.range[1], end: node.range[1], text: `({ ...${age}() })` });
    } else if (options.type === 'ObjectExpression') {
      const empty = options.properties.length === 0;
      // `{}` → `{ ...age() }`; `{ a: 1 }` → `{ ...age(), a: 1 }`, `{a: 1}` → `{ ...age(), a: 1}` (a multi-line object
      // keeps its own line breaks).
      const spaced = /\s/.test(source[options.range[0] + 1] ?? '');
      edits.push({
        start: options.range[0],
        end: options.range[0] + 1,
        text: empty ? `{ ...${age}() ` : `{ ...${age}(),${spaced ? '' : ' '}`,
      });
    } else {
      edits.push({
        start: options.range[0],
        end: options.range[1],
        text: `{ ...${age}(), ...${source.slice(options.range[0], options.range[1])} }`,
      });
    }
  }
  return { edits, done, rewrittenServers: servers };
}

function spreadsHelper(server: TSESTree.NewExpression): boolean {
  const options = server.arguments[0];
  return (
    options?.type === 'ObjectExpression' &&
    options.properties.some(
      (property) =>
        property.type === 'SpreadElement' &&
        property.argument.type === 'CallExpression' &&
        lastName(property.argument.callee) === 'serverConnectionAge',
    )
  );
}

/** `new grpc.Server()`, `new proto.Service(address, grpc.credentials.createInsecure())` with `grpc` from the
 *  deprecated `grpc` package, or a client whose constructor that package made. */
function usesLegacyGrpc(node: TSESTree.NewExpression, bindings: Bindings): boolean {
  const callee = unwrap(node.callee);
  if (bindings.legacyConstructors.has(rootName(callee) ?? '')) return true;
  if (bindings.legacyNames.size === 0) return false;
  if (bindings.legacyNames.has(rootName(callee) ?? '') && lastName(callee) === 'Server') return true;
  const credentials = node.arguments[1] === undefined ? undefined : unwrap(node.arguments[1]);
  return credentials?.type === 'CallExpression' && bindings.legacyNames.has(rootName(credentials.callee) ?? '');
}

/**
 * A light, single-pass binding index over one ESTree module: which declaration an identifier refers
 * to (lexical scopes, `var` hoisting, imports, destructuring, parameters), what each binding is later
 * assigned, which class a `this` belongs to and what `this.x = ...` assigns inside that class.
 *
 * It is deliberately smaller than eslint-scope: no `with`/`eval`, no global-object semantics, one
 * namespace for values and types. Enough to follow a pool from `new Pool()` to `pool.connect()`, cheap
 * enough to run on every file that passes the codemod's text pre-filter, and it only relies on node
 * shapes that oxc, typescript-estree and espree share (TS-only nodes are handled when present).
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { forEachChild } from './traverse.js';
import { declarationOf, importedNameOf, withoutTypeAssertions } from './ast-helpers.js';

export type ClassNode = TSESTree.ClassDeclaration | TSESTree.ClassExpression;

export type BindingKind = 'import' | 'variable' | 'parameter' | 'function' | 'class' | 'type' | 'other';

export interface Binding {
  readonly name: string;
  readonly kind: BindingKind;
  readonly id: TSESTree.Identifier;
  /** The node that declares it: import specifier, declarator, function, class, interface, type alias, parameter. */
  readonly declaration: TSESTree.Node;
  /** `import`: the module specifier, and the imported name (`default`, `*` for a namespace or `import x = require()`). */
  readonly importFrom?: string;
  readonly importedName?: string;
  /** Variables: the initializer, and the property path inside it for destructuring (`const { Pool } = pg` → ['Pool']). */
  readonly init?: TSESTree.Expression;
  /** `undefined` when the path cannot be followed (rest elements, array patterns). */
  readonly path?: readonly string[];
  /** Type annotation written on the binding itself (`pool: Pool`, `(db: pg.Pool) =>`). */
  readonly typeAnnotation?: TSESTree.TypeNode;
  /** Destructured bindings: the annotation on the enclosing pattern (`{ pool }: { pool: PoolLike }`); `path` leads into it. */
  readonly patternType?: TSESTree.TypeNode;
  /** Parameters: the function they belong to (its JSDoc may type them). */
  readonly owner?: TSESTree.Node;
  /** Values later assigned with `name = value` anywhere in the module. */
  readonly assignments: TSESTree.Expression[];
}

interface Scope {
  readonly parent: Scope | undefined;
  readonly bindings: Map<string, Binding>;
}

export interface BindingIndex {
  /** The declaration `identifier` refers to where it stands, or undefined for a global / undeclared name. */
  resolve(identifier: TSESTree.Identifier): Binding | undefined;
  /** What `name` would refer to at a node the walk collected (a call the caller picked up), or undefined. */
  resolveNameAt(name: string, node: TSESTree.Node): Binding | undefined;
  /** A module-level binding by name (exports are looked up this way). */
  moduleBinding(name: string): Binding | undefined;
  /** The class whose instance `this` is at that point (instance methods, field initializers, arrows inside them). */
  thisClass(node: TSESTree.ThisExpression): ClassNode | undefined;
  /** The `this.<name> = value` assignments inside the class's own code. */
  thisAssignments(classNode: ClassNode, name: string): readonly TSESTree.AssignmentExpression[];
}

export interface IndexResult<T> {
  readonly index: BindingIndex;
  /** Nodes the caller's `collect` picked up during the same walk, in source order. */
  readonly collected: T[];
}

/** What one walk over a module records, besides the scopes it hangs on the nodes. */
interface IndexWalk<T> {
  readonly collect: (node: TSESTree.Node) => T | undefined;
  /** Nodes `collect` picked up, in source order. */
  readonly collected: T[];
  /** The scope each identifier (and each collected node, for `resolveNameAt`) stands in. */
  readonly scopeOf: Map<TSESTree.Node, Scope>;
  readonly thisClassOf: Map<TSESTree.ThisExpression, ClassNode | undefined>;
  /** `this.<name> = value` inside each class's own code, by member name. */
  readonly thisAssignmentsByClass: Map<ClassNode, Map<string, TSESTree.AssignmentExpression[]>>;
  /** `name = value` assignments, resolved once every scope is known (a `var` may be declared below its use). */
  readonly identifierAssignments: { target: TSESTree.Identifier; value: TSESTree.Expression }[];
}

/** Where the walk stands: the block scope, the scope `var` hoists into, and the class `this` belongs to. */
interface WalkContext {
  readonly scope: Scope;
  readonly functionScope: Scope;
  readonly thisClass: ClassNode | undefined;
}

/** What the bindings of one pattern share: their kind, the node that declares them, its initializer and owner. */
interface PatternDeclaration {
  readonly kind: BindingKind;
  readonly declaration: TSESTree.Node;
  readonly init: TSESTree.Expression | undefined;
  readonly owner?: TSESTree.Node;
}

type FunctionNode =
  | TSESTree.FunctionDeclaration
  | TSESTree.FunctionExpression
  | TSESTree.ArrowFunctionExpression
  | TSESTree.TSDeclareFunction
  | TSESTree.TSEmptyBodyFunctionExpression;

/** Walks `program` once, building the index and collecting the nodes `collect` returns a value for. */
export function buildBindingIndex<T>(
  program: TSESTree.Program,
  collect: (node: TSESTree.Node) => T | undefined,
): IndexResult<T> {
  const walk: IndexWalk<T> = {
    collect,
    collected: [],
    scopeOf: new Map(),
    thisClassOf: new Map(),
    thisAssignmentsByClass: new Map(),
    identifierAssignments: [],
  };
  const moduleScope = childScope(undefined);
  hoist(program.body, moduleScope, moduleScope);
  const moduleContext: WalkContext = { scope: moduleScope, functionScope: moduleScope, thisClass: undefined };
  for (const statement of program.body) visit(walk, statement, moduleContext);
  for (const { target, value } of walk.identifierAssignments)
    lookupBinding(walk.scopeOf, target.name, target)?.assignments.push(value);
  return { collected: walk.collected, index: indexOver(walk, moduleScope) };
}

function indexOver<T>(walk: IndexWalk<T>, moduleScope: Scope): BindingIndex {
  const { scopeOf, thisClassOf, thisAssignmentsByClass } = walk;
  return {
    resolve: (identifier) => lookupBinding(scopeOf, identifier.name, identifier),
    resolveNameAt: (name, node) => lookupBinding(scopeOf, name, node),
    moduleBinding: (name) => moduleScope.bindings.get(name),
    thisClass: (node) => thisClassOf.get(node),
    thisAssignments: (classNode, name) => thisAssignmentsByClass.get(classNode)?.get(name) ?? [],
  };
}

/** The binding `name` refers to from the scope `node` stands in, outwards. */
function lookupBinding(
  scopeOf: ReadonlyMap<TSESTree.Node, Scope>,
  name: string,
  node: TSESTree.Node,
): Binding | undefined {
  for (let scope = scopeOf.get(node); scope; scope = scope.parent) {
    const binding = scope.bindings.get(name);
    if (binding) return binding;
  }
  return undefined;
}

function childScope(parent: Scope | undefined): Scope {
  return { parent, bindings: new Map() };
}

function declare(scope: Scope, binding: Omit<Binding, 'name' | 'assignments'>): void {
  // A value binding wins over a type of the same name (`class Pool` + `interface Pool` merge anyway).
  const name = binding.id.name;
  const existing = scope.bindings.get(name);
  if (existing && existing.kind !== 'type' && binding.kind === 'type') return;
  // Every field written out, in one order: one object shape for all bindings (a spread here was a tenth of the
  // index's cost on the lint bench).
  scope.bindings.set(name, {
    name,
    kind: binding.kind,
    id: binding.id,
    declaration: binding.declaration,
    importFrom: binding.importFrom,
    importedName: binding.importedName,
    init: binding.init,
    path: binding.path,
    typeAnnotation: binding.typeAnnotation,
    patternType: binding.patternType,
    owner: binding.owner,
    assignments: [],
  });
}

/**
 * Declares every name `pattern` binds. `path` is the property path from the initializer (undefined once it cannot
 * be followed); `patternType` the annotation of the enclosing object pattern that `path` leads into.
 */
function declarePattern(
  scope: Scope,
  pattern: TSESTree.Node,
  site: PatternDeclaration,
  path: readonly string[] | undefined,
  patternType?: TSESTree.TypeNode,
): void {
  switch (pattern.type) {
    case 'Identifier':
      declare(scope, {
        kind: site.kind,
        id: pattern,
        declaration: site.declaration,
        init: site.init,
        path,
        owner: site.owner,
        typeAnnotation: pattern.typeAnnotation?.typeAnnotation,
        patternType,
      });
      break;
    case 'ObjectPattern':
      declareObjectPattern(scope, pattern, site, path, patternType);
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element) declarePattern(scope, element, site, undefined);
      break;
    case 'AssignmentPattern':
      declarePattern(scope, pattern.left, site, path, patternType);
      break;
    case 'RestElement':
      declarePattern(scope, pattern.argument, site, undefined);
      break;
    case 'TSParameterProperty':
      declarePattern(scope, pattern.parameter, site, path, patternType);
      break;
    default:
      break;
  }
}

function declareObjectPattern(
  scope: Scope,
  pattern: TSESTree.ObjectPattern,
  site: PatternDeclaration,
  path: readonly string[] | undefined,
  patternType: TSESTree.TypeNode | undefined,
): void {
  // The outermost annotation counts: `path` is relative to the pattern that carries it.
  const outerType = patternType ?? (path?.length === 0 ? pattern.typeAnnotation?.typeAnnotation : undefined);
  for (const property of pattern.properties) {
    if (property.type === 'RestElement') {
      // No owner for an object rest (array elements and a plain rest keep theirs).
      declarePattern(scope, property.argument, { ...site, owner: undefined }, undefined);
      continue;
    }
    const key = propertyKeyName(property);
    const propertyPath = key === undefined || path === undefined ? undefined : [...path, key];
    declarePattern(scope, property.value, site, propertyPath, outerType);
  }
}

function declareVariables(declaration: TSESTree.VariableDeclaration, scope: Scope): void {
  for (const declarator of declaration.declarations) {
    const site = { kind: 'variable' as const, declaration: declarator, init: declarator.init ?? undefined };
    declarePattern(scope, declarator.id, site, []);
  }
}

/** Declares what a statement list hoists into `scope` (lexical) and `functionScope` (`var`, functions). */
function hoist(statements: readonly TSESTree.Node[], scope: Scope, functionScope: Scope): void {
  for (const statement of statements) hoistStatement(declarationOf(statement), scope, functionScope);
}

function hoistStatement(statement: TSESTree.Node, scope: Scope, functionScope: Scope): void {
  switch (statement.type) {
    case 'ImportDeclaration':
      declareImports(statement, scope);
      break;
    case 'TSImportEqualsDeclaration':
      declareImportEquals(statement, scope);
      break;
    case 'VariableDeclaration':
      declareVariables(statement, statement.kind === 'var' ? functionScope : scope);
      break;
    case 'FunctionDeclaration':
    case 'TSDeclareFunction':
      if (statement.id) declare(scope, { kind: 'function', id: statement.id, declaration: statement });
      break;
    case 'ClassDeclaration':
      if (statement.id) declare(scope, { kind: 'class', id: statement.id, declaration: statement });
      break;
    case 'TSInterfaceDeclaration':
    case 'TSTypeAliasDeclaration':
      declare(scope, { kind: 'type', id: statement.id, declaration: statement });
      break;
    case 'TSEnumDeclaration':
      declare(scope, { kind: 'other', id: statement.id, declaration: statement });
      break;
    case 'TSModuleDeclaration':
      if (statement.id.type === 'Identifier')
        declare(scope, { kind: 'other', id: statement.id, declaration: statement });
      break;
    default:
      hoistNestedVars(statement, functionScope);
      break;
  }
}

function declareImports(statement: TSESTree.ImportDeclaration, scope: Scope): void {
  for (const specifier of statement.specifiers) {
    declare(scope, {
      kind: 'import',
      id: specifier.local,
      declaration: specifier,
      importFrom: statement.source.value,
      importedName: importedNameOf(specifier),
    });
  }
}

/** `import x = require('m')` imports the module whole; `import x = A.B` only aliases a name. */
function declareImportEquals(statement: TSESTree.TSImportEqualsDeclaration, scope: Scope): void {
  const reference = statement.moduleReference;
  if (reference.type !== 'TSExternalModuleReference' || reference.expression.type !== 'Literal') {
    declare(scope, { kind: 'other', id: statement.id, declaration: statement });
    return;
  }
  const from = reference.expression.value;
  if (typeof from === 'string')
    declare(scope, { kind: 'import', id: statement.id, declaration: statement, importFrom: from, importedName: '*' });
}

/** `var` inside nested blocks and loops belongs to the enclosing function. */
function hoistNestedVars(statement: TSESTree.Node, functionScope: Scope): void {
  switch (statement.type) {
    case 'VariableDeclaration':
      if (statement.kind === 'var') declareVariables(statement, functionScope);
      break;
    case 'BlockStatement':
      for (const inner of statement.body) hoistNestedVars(inner, functionScope);
      break;
    case 'IfStatement':
      hoistNestedVars(statement.consequent, functionScope);
      if (statement.alternate) hoistNestedVars(statement.alternate, functionScope);
      break;
    case 'ForStatement':
      if (statement.init) hoistNestedVars(statement.init, functionScope);
      hoistNestedVars(statement.body, functionScope);
      break;
    case 'ForInStatement':
    case 'ForOfStatement':
      hoistNestedVars(statement.left, functionScope);
      hoistNestedVars(statement.body, functionScope);
      break;
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'LabeledStatement':
      hoistNestedVars(statement.body, functionScope);
      break;
    case 'TryStatement':
      hoistNestedVars(statement.block, functionScope);
      if (statement.handler) hoistNestedVars(statement.handler.body, functionScope);
      if (statement.finalizer) hoistNestedVars(statement.finalizer, functionScope);
      break;
    case 'SwitchStatement':
      for (const switchCase of statement.cases)
        for (const inner of switchCase.consequent) hoistNestedVars(inner, functionScope);
      break;
    default:
      break;
  }
}

function visit<T>(walk: IndexWalk<T>, node: TSESTree.Node, context: WalkContext): void {
  const picked = walk.collect(node);
  if (picked !== undefined) {
    walk.collected.push(picked);
    walk.scopeOf.set(node, context.scope);
  }
  switch (node.type) {
    case 'Identifier':
      walk.scopeOf.set(node, context.scope);
      if (node.typeAnnotation) visit(walk, node.typeAnnotation, context);
      return;
    case 'ThisExpression':
      walk.thisClassOf.set(node, context.thisClass);
      return;
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'TSDeclareFunction':
    case 'TSEmptyBodyFunctionExpression':
      visitFunction(walk, node, context, undefined);
      return;
    case 'ArrowFunctionExpression':
      visitFunction(walk, node, context, context.thisClass);
      return;
    case 'ClassDeclaration':
    case 'ClassExpression':
      visitClass(walk, node, context);
      return;
    case 'BlockStatement':
      visitBlock(walk, node.body, context);
      return;
    case 'StaticBlock':
      visitBlock(walk, node.body, { ...context, thisClass: undefined });
      return;
    case 'SwitchStatement':
      visitSwitch(walk, node, context);
      return;
    case 'ForStatement':
    case 'ForInStatement':
    case 'ForOfStatement':
      visitLoop(walk, node, context);
      return;
    case 'CatchClause': {
      const scope = childScope(context.scope);
      if (node.param)
        declarePattern(scope, node.param, { kind: 'other', declaration: node, init: undefined }, undefined);
      visitChildren(walk, node, { ...context, scope });
      return;
    }
    case 'TSModuleBlock':
      visitBlock(walk, node.body, { ...context, functionScope: context.scope });
      return;
    case 'MemberExpression':
      visit(walk, node.object, context);
      if (node.computed) visit(walk, node.property, context);
      return;
    case 'Property':
      if (node.computed) visit(walk, node.key, context);
      visit(walk, node.value, context);
      return;
    case 'AssignmentExpression':
      if (node.operator === '=') recordAssignment(walk, node, context);
      visitChildren(walk, node, context);
      return;
    default:
      visitChildren(walk, node, context);
  }
}

function visitChildren<T>(walk: IndexWalk<T>, node: TSESTree.Node, context: WalkContext): void {
  forEachChild(node, (child) => visit(walk, child, context));
}

function visitFunction<T>(
  walk: IndexWalk<T>,
  node: FunctionNode,
  context: WalkContext,
  thisClass: ClassNode | undefined,
): void {
  const scope = childScope(context.scope);
  if (node.type === 'FunctionExpression' && node.id)
    declare(scope, { kind: 'function', id: node.id, declaration: node });
  for (const param of node.params)
    declarePattern(scope, param, { kind: 'parameter', declaration: param, init: undefined, owner: node }, []);
  const inner: WalkContext = { scope, functionScope: scope, thisClass };
  for (const param of node.params) visit(walk, param, inner);
  if (node.returnType) visit(walk, node.returnType, inner);
  if (node.typeParameters) visit(walk, node.typeParameters, inner);
  const body = node.body;
  if (!body) return;
  if (body.type === 'BlockStatement') {
    hoist(body.body, scope, scope);
    for (const statement of body.body) visit(walk, statement, inner);
  } else {
    visit(walk, body, inner);
  }
}

function visitClass<T>(walk: IndexWalk<T>, node: ClassNode, context: WalkContext): void {
  const scope = childScope(context.scope);
  if (node.type === 'ClassExpression' && node.id) declare(scope, { kind: 'class', id: node.id, declaration: node });
  const outer: WalkContext = { ...context, scope };
  // espree (ESLint's default parser) leaves out the TS-only arrays: `decorators`, `implements`.
  for (const decorator of node.decorators ?? []) visit(walk, decorator, outer);
  if (node.superClass) visit(walk, node.superClass, outer);
  for (const clause of node.implements ?? []) visit(walk, clause, outer);
  for (const element of node.body.body) visitClassElement(walk, element, node, outer);
}

/** One member of `classNode`'s body; `this` in an instance member's code is an instance of `classNode`. */
function visitClassElement<T>(
  walk: IndexWalk<T>,
  element: TSESTree.ClassElement,
  classNode: ClassNode,
  outer: WalkContext,
): void {
  const isStatic = 'static' in element && element.static;
  const elementThis = isStatic ? undefined : classNode;
  switch (element.type) {
    case 'MethodDefinition':
    case 'TSAbstractMethodDefinition':
      for (const decorator of element.decorators ?? []) visit(walk, decorator, outer);
      if (element.computed) visit(walk, element.key, outer);
      visitFunction(walk, element.value, outer, elementThis);
      break;
    case 'PropertyDefinition':
    case 'TSAbstractPropertyDefinition':
    case 'AccessorProperty':
    case 'TSAbstractAccessorProperty':
      for (const decorator of element.decorators ?? []) visit(walk, decorator, outer);
      if (element.computed) visit(walk, element.key, outer);
      if (element.typeAnnotation) visit(walk, element.typeAnnotation, outer);
      if (element.value) visit(walk, element.value, { ...outer, thisClass: elementThis });
      break;
    case 'StaticBlock': {
      const blockScope = childScope(outer.scope);
      hoist(element.body, blockScope, blockScope);
      for (const statement of element.body)
        visit(walk, statement, { scope: blockScope, functionScope: blockScope, thisClass: undefined });
      break;
    }
    default:
      visit(walk, element, outer);
      break;
  }
}

function visitBlock<T>(walk: IndexWalk<T>, statements: readonly TSESTree.Node[], context: WalkContext): void {
  const scope = childScope(context.scope);
  hoist(statements, scope, context.functionScope);
  const inner: WalkContext = { ...context, scope };
  for (const statement of statements) visit(walk, statement, inner);
}

/** The cases of a switch share one block scope. */
function visitSwitch<T>(walk: IndexWalk<T>, node: TSESTree.SwitchStatement, context: WalkContext): void {
  visit(walk, node.discriminant, context);
  const scope = childScope(context.scope);
  const statements = node.cases.flatMap((switchCase) => switchCase.consequent);
  hoist(statements, scope, context.functionScope);
  for (const switchCase of node.cases) visitChildren(walk, switchCase, { ...context, scope });
}

/** A `let`/`const` in a loop's head is scoped to the loop. */
function visitLoop<T>(
  walk: IndexWalk<T>,
  node: TSESTree.ForStatement | TSESTree.ForInStatement | TSESTree.ForOfStatement,
  context: WalkContext,
): void {
  const head = node.type === 'ForStatement' ? node.init : node.left;
  const scope = childScope(context.scope);
  if (head?.type === 'VariableDeclaration' && head.kind !== 'var') declareVariables(head, scope);
  visitChildren(walk, node, { ...context, scope });
}

function recordAssignment<T>(walk: IndexWalk<T>, node: TSESTree.AssignmentExpression, context: WalkContext): void {
  const target = withoutTypeAssertions(node.left);
  if (target.type === 'Identifier') {
    walk.identifierAssignments.push({ target, value: node.right });
  } else if (
    target.type === 'MemberExpression' &&
    target.object.type === 'ThisExpression' &&
    !target.computed &&
    (target.property.type === 'Identifier' || target.property.type === 'PrivateIdentifier') &&
    context.thisClass
  ) {
    let byName = walk.thisAssignmentsByClass.get(context.thisClass);
    if (!byName) walk.thisAssignmentsByClass.set(context.thisClass, (byName = new Map()));
    const name = memberKey(target.property);
    const list = byName.get(name) ?? [];
    list.push(node);
    walk.scopeOf.set(node, context.scope);
    byName.set(name, list);
  }
}

export function propertyKeyName(
  property:
    TSESTree.Property | TSESTree.PropertyDefinition | TSESTree.TSAbstractPropertyDefinition | TSESTree.MethodDefinition,
): string | undefined {
  if (property.computed)
    return property.key.type === 'Literal' && typeof property.key.value === 'string' ? property.key.value : undefined;
  if (property.key.type === 'Identifier' || property.key.type === 'PrivateIdentifier') return memberKey(property.key);
  if (property.key.type === 'Literal') return String(property.key.value);
  return undefined;
}

/** A member's name as a key: `#pool` for a private name, which no public `pool` can reach. */
export function memberKey(name: TSESTree.Identifier | TSESTree.PrivateIdentifier): string {
  return name.type === 'PrivateIdentifier' ? `#${name.name}` : name.name;
}

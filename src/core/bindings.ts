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

/** Walks `program` once, building the index and collecting the nodes `collect` returns a value for. */
export function buildBindingIndex<T>(
  program: TSESTree.Program,
  collect: (node: TSESTree.Node) => T | undefined,
): IndexResult<T> {
  /** The scope each identifier (and each call, for `resolveNameAt`) stands in. */
  const scopeOf = new Map<TSESTree.Node, Scope>();
  const thisOf = new Map<TSESTree.ThisExpression, ClassNode | undefined>();
  const classAssignments = new Map<ClassNode, Map<string, TSESTree.AssignmentExpression[]>>();
  const pendingAssignments: { target: TSESTree.Identifier; value: TSESTree.Expression }[] = [];
  const collected: T[] = [];
  const moduleScope: Scope = { parent: undefined, bindings: new Map() };

  const declare = (scope: Scope, binding: Omit<Binding, 'name' | 'assignments'>): void => {
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
  };

  const declarePattern = (
    scope: Scope,
    pattern: TSESTree.Node,
    kind: BindingKind,
    declaration: TSESTree.Node,
    init: TSESTree.Expression | undefined,
    path: readonly string[] | undefined,
    owner?: TSESTree.Node,
    patternType?: TSESTree.TypeNode,
  ): void => {
    switch (pattern.type) {
      case 'Identifier':
        declare(scope, {
          kind,
          id: pattern,
          declaration,
          init,
          path,
          owner,
          typeAnnotation: pattern.typeAnnotation?.typeAnnotation,
          patternType,
        });
        break;
      case 'ObjectPattern': {
        // The outermost annotation counts: `path` is relative to the pattern that carries it.
        const outerType = patternType ?? (path?.length === 0 ? pattern.typeAnnotation?.typeAnnotation : undefined);
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') {
            declarePattern(scope, property.argument, kind, declaration, init, undefined);
            continue;
          }
          const key = propertyKeyName(property);
          declarePattern(
            scope,
            property.value,
            kind,
            declaration,
            init,
            key === undefined || path === undefined ? undefined : [...path, key],
            owner,
            outerType,
          );
        }
        break;
      }
      case 'ArrayPattern':
        for (const element of pattern.elements)
          if (element) declarePattern(scope, element, kind, declaration, init, undefined, owner);
        break;
      case 'AssignmentPattern':
        declarePattern(scope, pattern.left, kind, declaration, init, path, owner, patternType);
        break;
      case 'RestElement':
        declarePattern(scope, pattern.argument, kind, declaration, init, undefined, owner);
        break;
      case 'TSParameterProperty':
        declarePattern(scope, pattern.parameter, kind, declaration, init, path, owner, patternType);
        break;
      default:
        break;
    }
  };

  /** Declares what a statement list hoists into `scope` (lexical) and `functionScope` (`var`, functions). */
  const hoist = (statements: readonly TSESTree.Node[], scope: Scope, functionScope: Scope): void => {
    for (const raw of statements) {
      const statement = declarationOf(raw);
      switch (statement.type) {
        case 'ImportDeclaration':
          for (const specifier of statement.specifiers) {
            const importedName = importedNameOf(specifier);
            declare(scope, {
              kind: 'import',
              id: specifier.local,
              declaration: specifier,
              importFrom: statement.source.value,
              importedName,
            });
          }
          break;
        case 'TSImportEqualsDeclaration':
          if (
            statement.moduleReference.type === 'TSExternalModuleReference' &&
            statement.moduleReference.expression.type === 'Literal'
          ) {
            const from = statement.moduleReference.expression.value;
            if (typeof from === 'string')
              declare(scope, {
                kind: 'import',
                id: statement.id,
                declaration: statement,
                importFrom: from,
                importedName: '*',
              });
          } else {
            declare(scope, { kind: 'other', id: statement.id, declaration: statement });
          }
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
  };

  const declareVariables = (declaration: TSESTree.VariableDeclaration, scope: Scope): void => {
    for (const declarator of declaration.declarations) {
      declarePattern(scope, declarator.id, 'variable', declarator, declarator.init ?? undefined, []);
    }
  };

  /** `var` inside nested blocks and loops belongs to the enclosing function. */
  const hoistNestedVars = (statement: TSESTree.Node, functionScope: Scope): void => {
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
  };

  interface Context {
    readonly scope: Scope;
    readonly functionScope: Scope;
    readonly thisClass: ClassNode | undefined;
  }

  const visitFunction = (
    node:
      | TSESTree.FunctionDeclaration
      | TSESTree.FunctionExpression
      | TSESTree.ArrowFunctionExpression
      | TSESTree.TSDeclareFunction
      | TSESTree.TSEmptyBodyFunctionExpression,
    context: Context,
    thisClass: ClassNode | undefined,
  ): void => {
    const scope: Scope = { parent: context.scope, bindings: new Map() };
    if (node.type === 'FunctionExpression' && node.id)
      declare(scope, { kind: 'function', id: node.id, declaration: node });
    for (const param of node.params) declarePattern(scope, param, 'parameter', param, undefined, [], node);
    const inner: Context = { scope, functionScope: scope, thisClass };
    for (const param of node.params) visit(param, inner);
    if (node.returnType) visit(node.returnType, inner);
    if (node.typeParameters) visit(node.typeParameters, inner);
    const body = node.body;
    if (!body) return;
    if (body.type === 'BlockStatement') {
      hoist(body.body, scope, scope);
      for (const statement of body.body) visit(statement, inner);
    } else {
      visit(body, inner);
    }
  };

  const visitClass = (node: ClassNode, context: Context): void => {
    const scope: Scope = { parent: context.scope, bindings: new Map() };
    if (node.type === 'ClassExpression' && node.id) declare(scope, { kind: 'class', id: node.id, declaration: node });
    const outer: Context = { ...context, scope };
    // espree (ESLint's default parser) leaves out the TS-only arrays: `decorators`, `implements`.
    for (const decorator of node.decorators ?? []) visit(decorator, outer);
    if (node.superClass) visit(node.superClass, outer);
    for (const clause of node.implements ?? []) visit(clause, outer);
    for (const element of node.body.body) {
      const isStatic = 'static' in element && element.static;
      const elementThis = isStatic ? undefined : node;
      switch (element.type) {
        case 'MethodDefinition':
        case 'TSAbstractMethodDefinition':
          for (const decorator of element.decorators ?? []) visit(decorator, outer);
          if (element.computed) visit(element.key, outer);
          visitFunction(element.value, outer, elementThis);
          break;
        case 'PropertyDefinition':
        case 'TSAbstractPropertyDefinition':
        case 'AccessorProperty':
        case 'TSAbstractAccessorProperty':
          for (const decorator of element.decorators ?? []) visit(decorator, outer);
          if (element.computed) visit(element.key, outer);
          if (element.typeAnnotation) visit(element.typeAnnotation, outer);
          if (element.value) visit(element.value, { ...outer, thisClass: elementThis });
          break;
        case 'StaticBlock': {
          const blockScope: Scope = { parent: scope, bindings: new Map() };
          hoist(element.body, blockScope, blockScope);
          for (const statement of element.body)
            visit(statement, { scope: blockScope, functionScope: blockScope, thisClass: undefined });
          break;
        }
        default:
          visit(element, outer);
          break;
      }
    }
  };

  const visitBlock = (statements: readonly TSESTree.Node[], context: Context): void => {
    const scope: Scope = { parent: context.scope, bindings: new Map() };
    hoist(statements, scope, context.functionScope);
    const inner: Context = { ...context, scope };
    for (const statement of statements) visit(statement, inner);
  };

  const visit = (node: TSESTree.Node, context: Context): void => {
    const picked = collect(node);
    if (picked !== undefined) {
      collected.push(picked);
      scopeOf.set(node, context.scope);
    }
    switch (node.type) {
      case 'Identifier':
        scopeOf.set(node, context.scope);
        if (node.typeAnnotation) visit(node.typeAnnotation, context);
        return;
      case 'ThisExpression':
        thisOf.set(node, context.thisClass);
        return;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'TSDeclareFunction':
      case 'TSEmptyBodyFunctionExpression':
        visitFunction(node, context, undefined);
        return;
      case 'ArrowFunctionExpression':
        visitFunction(node, context, context.thisClass);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        visitClass(node, context);
        return;
      case 'BlockStatement':
        visitBlock(node.body, context);
        return;
      case 'StaticBlock':
        visitBlock(node.body, { ...context, thisClass: undefined });
        return;
      case 'SwitchStatement': {
        visit(node.discriminant, context);
        const scope: Scope = { parent: context.scope, bindings: new Map() };
        const statements = node.cases.flatMap((switchCase) => switchCase.consequent);
        hoist(statements, scope, context.functionScope);
        for (const switchCase of node.cases) visitChildren(switchCase, { ...context, scope });
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const head = node.type === 'ForStatement' ? node.init : node.left;
        const scope: Scope = { parent: context.scope, bindings: new Map() };
        if (head?.type === 'VariableDeclaration' && head.kind !== 'var') declareVariables(head, scope);
        visitChildren(node, { ...context, scope });
        return;
      }
      case 'CatchClause': {
        const scope: Scope = { parent: context.scope, bindings: new Map() };
        if (node.param) declarePattern(scope, node.param, 'other', node, undefined, undefined);
        visitChildren(node, { ...context, scope });
        return;
      }
      case 'TSModuleBlock':
        visitBlock(node.body, { ...context, functionScope: context.scope });
        return;
      case 'MemberExpression':
        visit(node.object, context);
        if (node.computed) visit(node.property, context);
        return;
      case 'Property':
        if (node.computed) visit(node.key, context);
        visit(node.value, context);
        return;
      case 'AssignmentExpression':
        if (node.operator === '=') recordAssignment(node, context);
        visitChildren(node, context);
        return;
      default:
        visitChildren(node, context);
    }
  };

  const recordAssignment = (node: TSESTree.AssignmentExpression, context: Context): void => {
    const target = withoutTypeAssertions(node.left);
    if (target.type === 'Identifier') {
      pendingAssignments.push({ target, value: node.right });
    } else if (
      target.type === 'MemberExpression' &&
      target.object.type === 'ThisExpression' &&
      !target.computed &&
      (target.property.type === 'Identifier' || target.property.type === 'PrivateIdentifier') &&
      context.thisClass
    ) {
      let byName = classAssignments.get(context.thisClass);
      if (!byName) classAssignments.set(context.thisClass, (byName = new Map()));
      const name = memberKey(target.property);
      const list = byName.get(name) ?? [];
      list.push(node);
      scopeOf.set(node, context.scope);
      byName.set(name, list);
    }
  };

  const visitChildren = (node: TSESTree.Node, context: Context): void => {
    forEachChild(node, (child) => visit(child, context));
  };

  hoist(program.body, moduleScope, moduleScope);
  const moduleContext: Context = { scope: moduleScope, functionScope: moduleScope, thisClass: undefined };
  for (const statement of program.body) visit(statement, moduleContext);

  const lookup = (name: string, node: TSESTree.Node): Binding | undefined => {
    for (let scope = scopeOf.get(node); scope; scope = scope.parent) {
      const binding = scope.bindings.get(name);
      if (binding) return binding;
    }
    return undefined;
  };
  const resolve = (identifier: TSESTree.Identifier): Binding | undefined => lookup(identifier.name, identifier);
  for (const { target, value } of pendingAssignments) resolve(target)?.assignments.push(value);

  return {
    collected,
    index: {
      resolve,
      resolveNameAt: lookup,
      moduleBinding: (name) => moduleScope.bindings.get(name),
      thisClass: (node) => thisOf.get(node),
      thisAssignments: (classNode, name) => classAssignments.get(classNode)?.get(name) ?? [],
    },
  };
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

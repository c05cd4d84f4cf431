/**
 * Small ESTree helpers the detectors share: the module a `require()` loads, a literal's string value, a callee's
 * name, object properties, parameter names, and where a name is read. Pure functions over nodes; no state.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { traverse } from './traverse.js';

/** Factories whose product is an HTTP client, not a server: `axios.create()`, `got.extend()`. */
export const CLIENT_FACTORIES = /^(axios|got|ky|supertest|request|fetch|superagent|needle|create)$/;

/** The module a top-level import binds `localName` from: `import { Controller } from '@nestjs/common'` → '@nestjs/common'. */
export function importSourceOf(program: TSESTree.Program, localName: string): string | undefined {
  for (const statement of program.body) {
    if (statement.type !== 'ImportDeclaration') continue;
    if (statement.specifiers.some((specifier) => specifier.local.name === localName)) return statement.source.value;
  }
  return undefined;
}

/** What an import specifier takes from its module: `default`, `*` (a namespace), else the exported name (`'a-b'` too). */
export function importedNameOf(specifier: TSESTree.ImportClause): string {
  if (specifier.type === 'ImportDefaultSpecifier') return 'default';
  if (specifier.type === 'ImportNamespaceSpecifier') return '*';
  return specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value;
}

export function isFunctionNode(
  node: TSESTree.Node,
): node is TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression {
  return node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression';
}

export function isStringNode(node: TSESTree.Node | undefined): boolean {
  return stringOf(node) !== undefined;
}

export function stringOf(node: TSESTree.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral') {
    // `/${prefix}/login`: the expressions become parameters, the static words still count.
    // A named expression keeps its name as the parameter's (`${provider}` → `:provider`), for the words it carries.
    return node.quasis
      .map((quasi, index) => {
        const expression = node.expressions[index - 1];
        const parameter = index === 0 ? '' : `:${expression?.type === 'Identifier' ? expression.name : 'x'}`;
        return parameter + (quasi.value.cooked ?? quasi.value.raw);
      })
      .join('');
  }
  return undefined;
}

/** The literal paths (or methods) a node holds: a string, a template, or an array of them. */
export function pathStrings(node: TSESTree.Node): string[] | undefined {
  const single = stringOf(node);
  if (single !== undefined) return [single];
  if (node.type === 'ArrayExpression') {
    const values = node.elements.map((element) => stringOf(element ?? undefined));
    return values.every((value): value is string => value !== undefined) ? values : undefined;
  }
  return undefined;
}

export function findProperty(object: TSESTree.ObjectExpression, name: string): TSESTree.Property | undefined {
  return object.properties.find(
    (property): property is TSESTree.Property =>
      property.type === 'Property' &&
      !property.computed &&
      ((property.key.type === 'Identifier' && property.key.name === name) ||
        (property.key.type === 'Literal' && property.key.value === name)),
  );
}

export function propertyValue(object: TSESTree.ObjectExpression, name: string): TSESTree.Node | undefined {
  return findProperty(object, name)?.value;
}

/** `module.exports`, written plainly (not `module['exports']`). */
export function isModuleExports(node: TSESTree.Node): boolean {
  return (
    node.type === 'MemberExpression' &&
    !node.computed &&
    node.object.type === 'Identifier' &&
    node.object.name === 'module' &&
    node.property.type === 'Identifier' &&
    node.property.name === 'exports'
  );
}

/** The name a call is made by, as written: `f(…)` → 'f', `a.b.f(…)` → 'f'; '' for anything else. */
export function calledName(callee: TSESTree.Node): string {
  if (callee.type === 'Identifier') return callee.name;
  return callee.type === 'MemberExpression' && callee.property.type === 'Identifier' ? callee.property.name : '';
}

export function calleeName(callee: TSESTree.Node): string | undefined {
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && callee.property.type === 'Identifier') {
    // `axios.create()` is a client, `express.Router()` a router.
    const objectName = callee.object.type === 'Identifier' ? callee.object.name : undefined;
    if (objectName && CLIENT_FACTORIES.test(objectName)) return objectName;
    return callee.property.name;
  }
  if (callee.type === 'CallExpression') return calleeName(callee.callee);
  return undefined;
}

/** `require('x')` → 'x': exactly one string literal argument, nothing around the call. */
export function requireSpecifier(node: TSESTree.CallExpression): string | undefined {
  if (node.callee.type !== 'Identifier' || node.callee.name !== 'require' || node.arguments.length !== 1)
    return undefined;
  const argument = node.arguments[0];
  return argument?.type === 'Literal' && typeof argument.value === 'string' ? argument.value : undefined;
}

export function requiredModule(init: TSESTree.Node | null | undefined): string | undefined {
  let current = init;
  while (current && (current.type === 'MemberExpression' || current.type === 'AwaitExpression')) {
    current = current.type === 'MemberExpression' ? current.object : current.argument;
  }
  if (current?.type !== 'CallExpression' || current.callee.type !== 'Identifier' || current.callee.name !== 'require')
    return undefined;
  return stringOf(current.arguments[0]);
}

export function expressionText(node: TSESTree.Node): string {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression')
    return `${expressionText(node.object)} ${node.property.type === 'Identifier' ? node.property.name : ''}`;
  if (node.type === 'CallExpression') return expressionText(node.callee);
  return '';
}

export function shortText(node: TSESTree.Node): string {
  if (node.type === 'CallExpression') return `${expressionText(node.callee).trim().replace(/ /g, '.')}(...)`;
  if (node.type === 'Identifier' || node.type === 'MemberExpression')
    return expressionText(node).trim().replace(/ /g, '.');
  if (isFunctionNode(node)) return 'an inline function';
  return node.type;
}

export function isPlainObject(node: TSESTree.Node): boolean {
  return node.type === 'ObjectExpression';
}

export function decoratorName(decorator: TSESTree.Decorator): string | undefined {
  const expression = decorator.expression;
  const callee = expression.type === 'CallExpression' ? expression.callee : expression;
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && callee.property.type === 'Identifier') return callee.property.name;
  return undefined;
}

export function paramName(param: TSESTree.Parameter | undefined): string | undefined {
  if (!param) return undefined;
  if (param.type === 'Identifier') return param.name;
  if (param.type === 'AssignmentPattern' && param.left.type === 'Identifier') return param.left.name;
  if (param.type === 'TSParameterProperty') return undefined;
  return undefined;
}

export function isBindCall(call: TSESTree.CallExpression): boolean {
  return (
    call.callee.type === 'MemberExpression' &&
    call.callee.property.type === 'Identifier' &&
    call.callee.property.name === 'bind'
  );
}

/** Whether `name` appears as a reference anywhere outside `inside` (declarations' own names excluded). */
export function referencedOutside(program: TSESTree.Program, name: string, inside: TSESTree.Node): boolean {
  let found = false;
  traverse(program, (node, parent) => {
    if (found || node.type !== 'Identifier' || node.name !== name) return;
    if (node.range[0] >= inside.range[0] && node.range[1] <= inside.range[1]) return;
    if (parent?.type === 'MemberExpression' && parent.property === node && !parent.computed) return;
    if (
      (parent?.type === 'Property' || parent?.type === 'MethodDefinition') &&
      parent.key === node &&
      !parent.computed &&
      !(parent.type === 'Property' && parent.shorthand)
    )
      return;
    found = true;
  });
  return found;
}

/**
 * Whether `name` is read while the module loads (outside any function body) before `offset`: the one case where
 * a hoisted function declaration works and a const does not. Property keys and member names are not reads.
 */
export function referencedAtLoadBefore(program: TSESTree.Program, name: string, offset: number): boolean {
  let found = false;
  const functionRanges: (readonly [number, number])[] = [];
  traverse(program, (node, parent) => {
    if (found || node.range[0] >= offset) return;
    if (isFunctionNode(node) || node.type === 'FunctionDeclaration') {
      functionRanges.push(node.range);
      return;
    }
    if (node.type !== 'Identifier' || node.name !== name) return;
    if (functionRanges.some(([start, end]) => node.range[0] >= start && node.range[1] <= end)) return;
    if (parent?.type === 'MemberExpression' && parent.property === node && !parent.computed) return;
    if (
      (parent?.type === 'Property' || parent?.type === 'MethodDefinition' || parent?.type === 'PropertyDefinition') &&
      parent.key === node &&
      !parent.computed
    ) {
      if (parent.type !== 'Property' || !parent.shorthand) return;
    }
    if (
      parent?.type === 'ExportSpecifier' ||
      parent?.type === 'ImportSpecifier' ||
      parent?.type === 'ImportDefaultSpecifier'
    )
      return;
    if (parent?.type === 'TSTypeReference' || parent?.type === 'TSQualifiedName') return;
    found = true;
  });
  return found;
}

/** `x as T`, `x!`, `x satisfies T`, `<T>x`: the expression under TypeScript's type-only wrappers. */
export function withoutTypeAssertions(node: TSESTree.Node): TSESTree.Node {
  let current = node;
  while (
    current.type === 'TSAsExpression' ||
    current.type === 'TSNonNullExpression' ||
    current.type === 'TSSatisfiesExpression' ||
    current.type === 'TSTypeAssertion'
  ) {
    current = current.expression;
  }
  return current;
}

/** `export const x = …`, `export default function …`: the declaration itself; any other statement as it is. */
export function declarationOf(statement: TSESTree.Node): TSESTree.Node {
  return (statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration') &&
    statement.declaration
    ? statement.declaration
    : statement;
}

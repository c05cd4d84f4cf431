/**
 * The function behind a route's imported handler (`router.get('/sso-success', authController.ssoSuccess)`), read in
 * the module that declares it, so that a route can be judged by what its handler does. Only a plain function of that
 * module's top level is found (`const ssoSuccess = async (req, res) => ...`, `function login(req, res)`,
 * `exports.login = function ...`), and a method of an imported class the route's file instantiates
 * (`const users = new UserController()` then `users.create`); a computed export is not.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { importedNameOf, isFunctionNode } from '../core/ast-helpers.js';
import { loadModule } from '../core/modules.js';
import { exportLocator, importedHandler, registeredReference } from './handler-identity.js';
import type { AuthScan } from './scan.js';
import type { HandlerRef } from './types.js';

type FunctionNode = TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression | TSESTree.FunctionDeclaration;

function asFunction(node: TSESTree.Node | null | undefined): FunctionNode | undefined {
  if (!node) return undefined;
  return isFunctionNode(node) || node.type === 'FunctionDeclaration' ? node : undefined;
}

function declaredFunction(statement: TSESTree.Node, name: string): FunctionNode | undefined {
  if (statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration')
    return statement.declaration ? declaredFunction(statement.declaration, name) : undefined;
  if (statement.type === 'FunctionDeclaration') return statement.id?.name === name ? statement : undefined;
  if (statement.type === 'VariableDeclaration') {
    const declarator = statement.declarations.find((item) => item.id.type === 'Identifier' && item.id.name === name);
    return asFunction(declarator?.init);
  }
  // `exports.login = function (req, res) {...}`, `module.exports.login = ...`.
  if (statement.type === 'ExpressionStatement' && statement.expression.type === 'AssignmentExpression') {
    const target = statement.expression.left;
    if (target.type === 'MemberExpression' && !target.computed && target.property.type === 'Identifier')
      return target.property.name === name ? asFunction(statement.expression.right) : undefined;
  }
  return undefined;
}

/** A top-level function of `program` by the name it is exported under; undefined when there is none. */
export function topLevelFunction(program: TSESTree.Program, name: string): FunctionNode | undefined {
  for (const statement of program.body) {
    const found = declaredFunction(statement, name);
    if (found) return found;
  }
  return undefined;
}

/** A method of a top-level class of `program` (`export class UserController { async create(req, res) {...} }`). */
function classMethod(program: TSESTree.Program, className: string, method: string): FunctionNode | undefined {
  for (const statement of program.body) {
    const declaration =
      statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration'
        ? statement.declaration
        : statement;
    if (declaration?.type !== 'ClassDeclaration' || declaration.id?.name !== className) continue;
    const member = declaration.body.body.find(
      (item) =>
        (item.type === 'MethodDefinition' || item.type === 'PropertyDefinition') &&
        !item.computed &&
        item.key.type === 'Identifier' &&
        item.key.name === method,
    );
    return member && 'value' in member ? asFunction(member.value) : undefined;
  }
  return undefined;
}

/** `users.create` where this file has `const users = new UserController()` and imports `UserController`. */
function instanceMethod(scan: AuthScan, handler: HandlerRef): FunctionNode | undefined {
  const reference = registeredReference(handler);
  if (reference?.type !== 'MemberExpression' || reference.computed || reference.property.type !== 'Identifier')
    return undefined;
  if (reference.object.type !== 'Identifier') return undefined;
  const made = (scan.bindings.get(reference.object.name) ?? [])
    .map((binding) => (binding.node.type === 'VariableDeclarator' ? binding.node.init : undefined))
    .find((init) => init?.type === 'NewExpression');
  if (made?.type !== 'NewExpression' || made.callee.type !== 'Identifier') return undefined;
  const className = made.callee.name;
  for (const statement of scan.program.body) {
    if (statement.type !== 'ImportDeclaration') continue;
    const specifier = statement.specifiers.find((item) => item.local.name === className);
    if (!specifier) continue;
    const imported = importedNameOf(specifier);
    if (imported === '*') return undefined;
    const found = exportLocator(scan.options.filePath)({ specifier: statement.source.value, path: [imported] });
    const loaded = found ? loadModule(found.file) : undefined;
    const name = found?.exportName === 'default' ? className : (found?.exportName ?? className);
    return loaded ? classMethod(loaded.program, name, reference.property.name) : undefined;
  }
  return undefined;
}

/** The function a route's handler reference names in another module of the project, when it can be read there. */
export function importedHandlerFunction(scan: AuthScan, handler: HandlerRef): FunctionNode | undefined {
  const found = importedHandler(scan.bindingIndex(), handler, exportLocator(scan.options.filePath));
  const loaded = found ? loadModule(found.file) : undefined;
  return (
    (found && loaded ? topLevelFunction(loaded.program, found.exportName) : undefined) ?? instanceMethod(scan, handler)
  );
}

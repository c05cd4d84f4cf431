/**
 * `router.post('/signup', require('./controllers/auth/signup'))`: the route's final handler is a project module whose
 * whole export is one request handler (`module.exports = async (ctx) => ...`). Wrapping the `require(...)` wraps that
 * function, exactly as a reference to it would; any other module (a router, a factory, an object) is not a handler.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { dirname } from 'node:path';
import { isFunctionNode, isModuleExports, paramName } from '../core/ast-helpers.js';
import { loadModule, resolveModuleFile } from '../core/modules.js';

/** The first parameter of a request handler: Koa's `ctx`, Express's `req`. */
const REQUEST_PARAM = /^_?(ctx|context|req|request)$/;

/** `module.exports = X` of a module: the exported expression, or undefined. */
function moduleExportsValue(program: TSESTree.Program): TSESTree.Expression | undefined {
  for (const statement of program.body) {
    if (statement.type !== 'ExpressionStatement' || statement.expression.type !== 'AssignmentExpression') continue;
    const { left, right } = statement.expression;
    if (isModuleExports(left)) return right;
  }
  return undefined;
}

/** The function a module exports whole, through a name declared in the module. */
function exportedFunction(program: TSESTree.Program): TSESTree.FunctionLike | undefined {
  const value = moduleExportsValue(program);
  if (!value) return undefined;
  if (isFunctionNode(value)) return value;
  if (value.type !== 'Identifier') return undefined;
  for (const statement of program.body) {
    if (statement.type === 'FunctionDeclaration' && statement.id?.name === value.name) return statement;
    if (statement.type !== 'VariableDeclaration') continue;
    const declarator = statement.declarations.find(
      (item) => item.id.type === 'Identifier' && item.id.name === value.name,
    );
    if (declarator?.init && isFunctionNode(declarator.init)) return declarator.init;
  }
  return undefined;
}

/** True when `expression` is `require('./relative')` of a module whose whole export is a `(ctx)` / `(req, res)` function. */
export function requiresRequestHandler(filePath: string, expression: TSESTree.CallExpression): boolean {
  if (expression.callee.type !== 'Identifier' || expression.callee.name !== 'require') return false;
  const argument = expression.arguments[0];
  const specifier = argument?.type === 'Literal' && typeof argument.value === 'string' ? argument.value : undefined;
  if (specifier === undefined || !specifier.startsWith('.')) return false;
  const file = resolveModuleFile(dirname(filePath), specifier);
  const loaded = file ? loadModule(file) : undefined;
  const fn = loaded ? exportedFunction(loaded.program) : undefined;
  const first = fn ? paramName(fn.params[0]) : undefined;
  return first !== undefined && REQUEST_PARAM.test(first);
}

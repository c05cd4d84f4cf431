/**
 * Exported plain functions named for an action that take one input (`export async function login(input)`), ESM and
 * CommonJS; helpers taking `(email, password)` or one credential are reported, not wrapped, and `(req, res)`-style
 * controllers are wrapped where a route registers them.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { isFunctionNode, isModuleExports, paramName, requiredModule } from '../core/ast-helpers.js';
import { looksLikeResolver } from './graphql.js';
import { ownExport } from './identity.js';
import { propertyHandler } from './handler-refs.js';
import { SIDE_REASONS, type AuthScan, type AuthBinding } from './scan.js';
import type { AuthAction, AuthFramework, AuthHandlerSite, ExportedFunction, WrapTarget } from './types.js';
import { actionOfWords, authWords, classifyHandlerName, looseAction } from './vocabulary.js';

/** Why an auth-named export outside server code is left, by the module's side. */

/** `export function login(input) {}`: a placeholder. */
function isEmptyStub(fn: TSESTree.FunctionLike): boolean {
  return fn.body?.type === 'BlockStatement' && fn.body.body.length === 0;
}

/** Parameter names of framework handlers: such functions are wrapped where they are registered, not declared. */
const HANDLER_FIRST_PARAMS = /^(req|request|ctx|context|_req|_request|_ctx)$/;
const HANDLER_SECOND_PARAMS = /^(res|response|reply|rep|next|_res|_reply|_next|h|_h)$/;

type FunctionBehind =
  | { readonly kind: 'plain'; readonly fn: TSESTree.FunctionLike }
  | { readonly kind: 'route-handler' }
  | { readonly kind: 'not-a-function' }
  | { readonly kind: 'elsewhere' }
  | { readonly kind: 'unknown' };

/** Last words of a single parameter that is one credential or value, not an input object: `logout(sessionId)`,
 *  `verifyEmail(verifyEmailToken)`, `login(username)`. */
const SCALAR_PARAM_WORDS = new Set([
  'token',
  'password',
  'passwd',
  'pwd',
  'email',
  'mail',
  'username',
  'name',
  'login',
  'id',
  'code',
  'otp',
  'secret',
  'hash',
  'key',
  'value',
  'phone',
  'sid',
  'jti',
  'str',
  's',
]);

export function exportedFunctions(statement: TSESTree.ExportNamedDeclaration): ExportedFunction[] {
  const declaration = statement.declaration;
  if (!declaration) return [];
  if (declaration.type === 'FunctionDeclaration' && declaration.id) {
    return [
      {
        name: declaration.id.name,
        fn: declaration,
        target: { kind: 'function-declaration', declaration, statement },
        node: declaration,
      },
    ];
  }
  if (declaration.type !== 'VariableDeclaration') return [];
  const found: ExportedFunction[] = [];
  for (const declarator of declaration.declarations) {
    if (declarator.id.type !== 'Identifier' || !declarator.init) continue;
    const init = declarator.init;
    if (
      isFunctionNode(init) ||
      init.type === 'CallExpression' ||
      init.type === 'Identifier' ||
      init.type === 'MemberExpression'
    ) {
      found.push({
        name: declarator.id.name,
        fn: isFunctionNode(init) ? init : undefined,
        target: { kind: 'expression', expression: init },
        node: declarator,
      });
    }
  }
  return found;
}

/** `exports.login = ...`, `module.exports.login = ...`, `module.exports = { login, register: fn, async logout() {} }`. */
export function commonJsExports(statement: TSESTree.ExpressionStatement): ExportedFunction[] {
  const expression = statement.expression;
  if (expression.type !== 'AssignmentExpression' || expression.operator !== '=') return [];
  const left = expression.left;
  const right = expression.right;
  if (left.type !== 'MemberExpression' || left.computed || left.property.type !== 'Identifier') return [];
  const onExports =
    (left.object.type === 'Identifier' && left.object.name === 'exports') || isModuleExports(left.object);
  if (onExports) {
    // The same forms as an ESM export: `exports.login = catchAsync(async (req, res) => ...)` (a call, already wrapped
    // or a route handler inside a helper) and `exports.login = service.login` are exports too.
    if (
      isFunctionNode(right) ||
      right.type === 'Identifier' ||
      right.type === 'CallExpression' ||
      right.type === 'MemberExpression'
    ) {
      return [
        {
          name: left.property.name,
          fn: isFunctionNode(right) ? right : undefined,
          target: { kind: 'expression', expression: right },
          node: left,
        },
      ];
    }
    return [];
  }
  if (!isModuleExports(left) || right.type !== 'ObjectExpression') return [];
  const found: ExportedFunction[] = [];
  for (const property of right.properties) {
    if (property.type !== 'Property' || property.computed || property.key.type !== 'Identifier') continue;
    const handler = propertyHandler(property);
    if (!handler) continue;
    const value = property.value;
    found.push({
      name: property.key.name,
      fn: isFunctionNode(value) ? value : undefined,
      target: handler,
      node: property,
    });
  }
  return found;
}

/** `(req, res)`, `(request, reply)`, `(ctx, next)`, `(ctx)`: a framework route handler, not a plain function. */
export function looksLikeRouteHandler(fn: TSESTree.FunctionLike): boolean {
  const first = paramName(fn.params[0]);
  const second = paramName(fn.params[1]);
  if (!first || !HANDLER_FIRST_PARAMS.test(first)) return false;
  if (fn.params.length >= 2) return second !== undefined && HANDLER_SECOND_PARAMS.test(second);
  return /^_?(ctx|context)$/.test(first);
}

export function classifyFunction(fn: TSESTree.FunctionLike): FunctionBehind {
  return looksLikeRouteHandler(fn) ? { kind: 'route-handler' } : { kind: 'plain', fn };
}

/**
 * The parameters of a service helper, described (`(email, password)`), or undefined for an entry point. The runtime's
 * plain form is `login(input)`: one input object it reads the identifier from. Helpers taking several values or one
 * credential are what handlers call, and wrapping them as well would log a second line for the same request.
 */
export function helperParameters(fn: TSESTree.FunctionLike): string | undefined {
  const names = fn.params.map((param) => paramName(param) ?? (param.type === 'ObjectPattern' ? '{...}' : '...'));
  const described = `(${names.join(', ')})`;
  if (fn.params.length >= 2) return described;
  const only = fn.params[0];
  if (!only) return undefined;
  const name = paramName(only);
  if (name !== undefined && SCALAR_PARAM_WORDS.has(authWords(name).at(-1) ?? '')) return described;
  const annotation = only.type === 'Identifier' ? only.typeAnnotation?.typeAnnotation : undefined;
  if (annotation && (annotation.type === 'TSStringKeyword' || annotation.type === 'TSNumberKeyword')) return described;
  return undefined;
}

/** `export function register(app)`: a plugin registering routes (Fastify, Hapi), not a user sign-up. */
export function firstParamIsPluginHost(fn: TSESTree.FunctionLike): boolean {
  const first = paramName(fn.params[0]);
  return (
    first !== undefined &&
    /^(app|fastify|server|instance|router|container|registry|program|plugin|api|hooks|di)$/i.test(first)
  );
}

export function detectExportedFunctions(scan: AuthScan): void {
  for (const statement of scan.program.body) {
    if (statement.type === 'ExportNamedDeclaration') {
      for (const exported of exportedFunctions(statement)) visitExportedFunction(scan, exported, statement);
      if (!statement.declaration && !statement.source)
        for (const specifier of statement.specifiers) visitWrappedSpecifier(scan, specifier);
    } else if (statement.type === 'ExpressionStatement') {
      for (const exported of commonJsExports(statement)) visitExportedFunction(scan, exported, statement);
    }
  }
}

/**
 * `export { loginWithAuthLogging as login }` where the local name holds the wrapper's result (the form this codemod
 * writes for `export function login`): already wrapped, so a route in another file that registers it is not wrapped again.
 */
function visitWrappedSpecifier(scan: AuthScan, specifier: TSESTree.ExportSpecifier): void {
  if (specifier.local.type !== 'Identifier' || !scan.goesThroughWrapper(specifier.local)) return;
  const name = specifier.exported.type === 'Identifier' ? specifier.exported.name : specifier.exported.value;
  const action = classifyHandlerName(name) ?? looseAction(name);
  if (!action) return;
  scan.wrapped.push({
    framework: 'function',
    action,
    description: `${name}()`,
    target: { kind: 'expression', expression: specifier.local },
    node: specifier,
    middlewaresBefore: [],
    identity: ownExport(scan.options.filePath, name),
  });
}

export function visitExportedFunction(scan: AuthScan, exported: ExportedFunction, statement: TSESTree.Node): void {
  const match = scan.options.match;
  if (match && match.test(exported.name) && !looseAction(exported.name)) {
    scan.skipped.push({
      framework: 'function',
      description: `${exported.name}()`,
      node: exported.node,
      reason: 'it matches --match, but no word in its name says which auth action it is (login, register, token, ...)',
    });
    return;
  }
  // `authenticate(email, password)` is, far more often than not, the credential check a login handler calls:
  // wrapping it too would write a second line for the same request. Routes named so are still found.
  const serviceCheck = /^authenticat/i.test(exported.name);
  const action = match
    ? match.test(exported.name)
      ? looseAction(exported.name)
      : undefined
    : serviceCheck
      ? undefined
      : classifyHandlerName(exported.name);
  if (!action) return;
  const target = exported.target;
  if (target.kind === 'expression' && scan.goesThroughWrapper(target.expression)) {
    exportedSite(scan, 'function', action, `${exported.name}()`, exported, statement);
    return;
  }
  const description = `${exported.name}()`;
  const identity = ownExport(scan.options.filePath, exported.name);
  const skip = (reason: string): void => {
    scan.skipped.push({ framework: 'function', description, node: exported.node, reason, identity });
  };
  if (scan.side.kind !== 'server') {
    skip(`${SIDE_REASONS[scan.side.kind]} (${scan.side.evidence})`);
    return;
  }
  const behind = functionBehind(scan, exported);
  // A schema object or constant named `login` (validation modules), or a function imported and re-exported
  // (wrapped where it is declared): not a site here.
  if (behind.kind === 'not-a-function' || behind.kind === 'elsewhere') return;
  if (behind.kind === 'route-handler') {
    // Controllers (`exports.login = async (req, res) => ...`, `const login = catchAsync(async (req, res) => ...)`)
    // are wrapped where the route registers them; wrapping here too would write two lines per request.
    if (!scan.registeredNames.has(exported.name)) {
      skip(
        'it takes (req, res)-style parameters, so it is a route handler: it is wrapped where a route registers it (run the codemod on that file too)',
      );
    }
    return;
  }
  if (scan.registeredNames.has(exported.name)) return;
  if (behind.kind === 'unknown') {
    skip(
      'its function is not visible here (a call result or an unresolved name), so whether it is an entry point or a helper is unknown',
    );
    return;
  }
  if (exported.name === 'register' && firstParamIsPluginHost(behind.fn)) return;
  if (firstParamIsPluginHost(behind.fn) && behind.fn.params.length <= 2) {
    skip(
      `its parameter \`${paramName(behind.fn.params[0])}\` is the app it registers routes on (a plugin): the routes inside are the handlers`,
    );
    return;
  }
  if (looksLikeResolver(behind.fn)) {
    // `login(parent, args, context, info)` exported into a resolver map: the runtime's resolver adapter reads it.
    exportedSite(scan, 'graphql', action, description, exported, statement);
    return;
  }
  if (isEmptyStub(behind.fn)) {
    skip('its body is empty (a stub): there is no outcome to log yet');
    return;
  }
  // `reset()`, `refresh()`, `activate()` with no input: a cache, a feed, a search engine; a sign-in always has an input.
  if (behind.fn.params.length === 0 && actionOfWords(authWords(exported.name))?.weak === true) {
    skip(
      `it takes no input, and \`${exported.name}\` also names things that are not authentication (a cache reset, a feed refresh)`,
    );
    return;
  }
  const helper = helperParameters(behind.fn);
  if (helper) {
    skip(
      `it takes ${helper}: a helper that a handler calls rather than an entry point; wrapping it would log a second line for the same request (the plain form is \`${exported.name}(input)\`)`,
    );
    return;
  }
  // A name is not evidence: only a server action module (`'use server'`, whose exports the framework serves) or the
  // user's opt-in makes an action-named export an entry point.
  if (!scan.options.plainFunctions && !isServerActionModule(scan.program) && !startsWithUseServer(behind.fn)) {
    skip(
      `only its name says ${action}: nothing in this file registers it as a request entry point (a route, a resolver map, a 'use server' module); wrap it at its registration, or pass --plain-functions to wrap such functions where they are declared`,
    );
    return;
  }
  exportedSite(scan, 'function', action, description, exported, statement);
}

/** `async function login(formData) { 'use server'; ... }`: an inline server action. */
function startsWithUseServer(fn: TSESTree.FunctionLike): boolean {
  const first = fn.body?.type === 'BlockStatement' ? fn.body.body[0] : undefined;
  return (
    first?.type === 'ExpressionStatement' &&
    first.expression.type === 'Literal' &&
    first.expression.value === 'use server'
  );
}

/** A module starting with the `'use server'` directive: each export is a server action the framework serves. */
function isServerActionModule(program: TSESTree.Program): boolean {
  for (const statement of program.body) {
    if (statement.type !== 'ExpressionStatement' || statement.expression.type !== 'Literal') return false;
    if (statement.expression.value === 'use server') return true;
  }
  return false;
}

/** The function an export stands for, looking through names declared in this file and wrapper calls. */
export function functionBehind(scan: AuthScan, exported: ExportedFunction): FunctionBehind {
  if (exported.fn) return classifyFunction(exported.fn);
  const target = exported.target;
  const expression =
    target.kind === 'expression'
      ? target.expression
      : target.kind === 'shorthand-property'
        ? (target.property.value as TSESTree.Expression)
        : undefined;
  if (!expression) return { kind: 'unknown' };
  return behindExpression(scan, expression, 0);
}

export function behindExpression(scan: AuthScan, expression: TSESTree.Node, depth: number): FunctionBehind {
  if (isFunctionNode(expression) || expression.type === 'FunctionDeclaration') return classifyFunction(expression);
  // `exports.Token = require('./token.model')`: a re-export, declared (and wrapped, if at all) in that module.
  if (requiredModule(expression) !== undefined) return { kind: 'elsewhere' };
  if (expression.type === 'CallExpression') {
    // `catchAsync(async (req, res) => ...)`, `memoize(async (input) => ...)`: the function passed in decides.
    const inner = expression.arguments.find((argument) => isFunctionNode(argument));
    if (inner) return classifyFunction(inner as TSESTree.FunctionLike);
    const reference = expression.arguments.find((argument) => argument.type === 'Identifier');
    return reference && depth < 3 ? behindExpression(scan, reference, depth + 1) : { kind: 'unknown' };
  }
  if (expression.type !== 'Identifier' || depth >= 3) return { kind: 'unknown' };
  const bindings = scan.bindings.get(expression.name) ?? [];
  if (bindings.length === 0) return { kind: 'elsewhere' };
  const binding = bindings[0] as AuthBinding;
  switch (binding.kind) {
    case 'import':
      return { kind: 'elsewhere' };
    case 'value':
      return { kind: 'not-a-function' };
    case 'function':
      return binding.node.type === 'VariableDeclarator' && binding.node.init
        ? behindExpression(scan, binding.node.init, depth + 1)
        : behindExpression(scan, binding.node, depth + 1);
    case 'call':
      return binding.node.type === 'VariableDeclarator' && binding.node.init
        ? behindExpression(scan, binding.node.init, depth + 1)
        : { kind: 'unknown' };
    default:
      return { kind: 'unknown' };
  }
}

export function exportedSite(
  scan: AuthScan,
  framework: AuthFramework,
  action: AuthAction,
  description: string,
  exported: ExportedFunction,
  statement: TSESTree.Node,
): void {
  const identity = ownExport(scan.options.filePath, exported.name);
  const site = (target: WrapTarget): AuthHandlerSite => ({
    framework,
    action,
    description,
    target,
    node: exported.node,
    middlewaresBefore: [],
    identity,
  });
  const target = exported.target;
  if (target.kind === 'expression' && scan.goesThroughWrapper(target.expression)) {
    scan.wrapped.push(site(target));
    return;
  }
  if (target.kind === 'function-declaration') {
    const reason = declarationProblem(scan, target.declaration, statement);
    if (reason) {
      scan.skipped.push({ framework, description, node: exported.node, reason });
      return;
    }
  }
  if (
    target.kind === 'expression' &&
    !isFunctionNode(target.expression) &&
    target.expression.type !== 'Identifier' &&
    target.expression.type !== 'MemberExpression'
  ) {
    const problem = scan.unwrappableReason(target.expression);
    if (problem) {
      scan.skipped.push({ framework, description, node: exported.node, reason: problem });
      return;
    }
  }
  scan.handlers.push(site(target));
}

/** Why `export function f` cannot become `export const f = withAuthLogging(...)`. */
export function declarationProblem(
  scan: AuthScan,
  declaration: TSESTree.FunctionDeclaration,
  statement: TSESTree.Node,
): string | undefined {
  const name = declaration.id?.name;
  if (!name) return 'it has no name';
  const overloads = scan.program.body.some(
    (other) =>
      other !== statement &&
      (other.type === 'TSDeclareFunction' ||
        (other.type === 'ExportNamedDeclaration' && other.declaration?.type === 'TSDeclareFunction')) &&
      (other.type === 'TSDeclareFunction' ? other : (other.declaration as TSESTree.TSDeclareFunction)).id?.name ===
        name,
  );
  if (overloads) return 'it has overload signatures, which must keep their `export` together with it; wrap it by hand';
  return undefined;
}

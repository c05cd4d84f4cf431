/**
 * Koa (`@koa/router`, `koa-router`): the shorthands share Express's form (express.ts); what is Koa's own is the named
 * route, `router.post('login', '/login', handler)`, whose path is the second argument.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { expressionText, isStringNode, pathStrings, stringOf } from '../core/ast-helpers.js';
import { finalHandler, referenceName } from './handler-refs.js';
import { visibleFunction } from './evidence.js';
import type { AuthScan } from './scan.js';
import { actionForRoute, authWords } from './vocabulary.js';

export interface RouteArguments {
  readonly pathNode: TSESTree.Node | undefined;
  readonly handlerArgs: readonly TSESTree.CallExpressionArgument[];
}

/** The path and the handlers of a shorthand registration, looking past a `@koa/router` route name. */
export function koaRouteArguments(args: readonly TSESTree.CallExpressionArgument[]): RouteArguments {
  const [first, second] = args;
  const named = isStringNode(first) && isStringNode(second) && stringOf(second)?.startsWith('/') === true;
  return { pathNode: named ? second : first, handlerArgs: args.slice(named ? 2 : 1) };
}

/** A koa-router RPC-style route name: `auth.login`, `users.signin`, `${provider}.callback` (read as `:x.callback`). */
export function isRpcName(path: string): boolean {
  return /^[\w:-]+(\.[\w-]+)+$/.test(path);
}

/** `router.register('/login', ['post'], handler)`: @koa/router's own registration, under the shorthands. */
export function detectKoaRegister(scan: AuthScan, call: TSESTree.CallExpression): void {
  const [pathNode, methodsNode, middleware] = call.arguments;
  const callee = call.callee as TSESTree.MemberExpression;
  if (!pathNode || !methodsNode || !middleware || !scan.isRouterLike(callee.object)) return;
  const paths = pathStrings(pathNode);
  const methods = pathStrings(methodsNode);
  const handler = finalHandler(middleware);
  const handlerName = handler ? referenceName(handler) : undefined;
  const context = [...scan.fileWords, ...authWords(expressionText(callee.object))];
  const named = scan.routeAction(paths, handlerName, context);
  if (!named) return;
  const description = `register ${methods?.join(',').toUpperCase() ?? '?'} ${paths?.[0] ?? '(computed path)'}`;
  if (scan.reportUnclassified(named, 'koa', description, call)) return;
  if (!methods) {
    scan.skipped.push({
      framework: 'koa',
      description,
      node: call,
      reason: 'its methods are not a literal list, so whether it performs the action is unknown',
    });
    return;
  }
  const action = methods
    .map((method) => actionForRoute(method, named, paths?.[0]))
    .find((found) => found !== undefined);
  if (!action) {
    scan.reportMethodMismatch('koa', description, call, methods.join(','), named);
    return;
  }
  const handlerFunction = handler?.kind === 'expression' ? visibleFunction(scan, handler.expression) : undefined;
  const refusal = scan.routeRefusal(paths, handlerName, context, action, [], handlerFunction);
  if (scan.refuseRoute('koa', description, call, refusal)) return;
  if (!handler) {
    scan.skipped.push({
      framework: 'koa',
      description,
      node: call,
      reason: 'its final middleware is not a function expression or reference',
    });
    return;
  }
  scan.registerSite('koa', action, description, handler, call, []);
}

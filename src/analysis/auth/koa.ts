/**
 * Koa (`@koa/router`, `koa-router`): the shorthands share Express's form (express.ts); what is Koa's own is the named
 * route, `router.post('login', '/login', handler)`, whose path is the second argument.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { isStringNode, stringOf } from '../ast-helpers.js';

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

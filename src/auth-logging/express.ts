/**
 * Express-style route registrations: `app.post('/login', ...middlewares, handler)`, `router.route('/login').post(h)`,
 * chained `.post().get()`. Koa's `@koa/router` and Fastify's shorthands share this form; the framework recorded is
 * the one the file imports.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import {
  expressionText,
  isFunctionNode,
  isPlainObject,
  isStringNode,
  pathStrings,
  shortText,
} from '../core/ast-helpers.js';
import { traverse } from '../core/traverse.js';
import { finalHandler, referenceName } from './handler-refs.js';
import { detectKoaRegister, isRpcName, koaRouteArguments } from './koa.js';
import { ROUTE_METHODS, type AuthScan } from './scan.js';
import { actionForRoute, authWords } from './vocabulary.js';
import { isRouteObject, restUserCreation } from './rest.js';
import { detectFastifyRouteObject } from './fastify.js';

/** The `.route('/path')` call at the bottom of an Express route chain, if the chain has one. */
export function expressRouteCall(node: TSESTree.Node): TSESTree.CallExpression | undefined {
  let current = node;
  while (
    current.type === 'CallExpression' &&
    current.callee.type === 'MemberExpression' &&
    current.callee.property.type === 'Identifier'
  ) {
    const name = current.callee.property.name;
    if (name === 'route')
      return current.arguments.length === 1 && isStringNode(current.arguments[0]) ? current : undefined;
    if (!ROUTE_METHODS.has(name)) return undefined;
    // `app.post('/a', h).post(...)` is a chain of full registrations, not of a `.route()`.
    if (isStringNode(current.arguments[0])) return undefined;
    current = current.callee.object;
  }
  return undefined;
}

export function detectRouteCall(scan: AuthScan, call: TSESTree.CallExpression): void {
  const callee = call.callee;
  if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return;
  const method = callee.property.name;
  if (method === 'route' && call.arguments.length === 1 && call.arguments[0]?.type === 'ObjectExpression') {
    const route = call.arguments[0];
    // `this.route({ method: 'post', path: '/login', handler: this.login })`: a controller helper registering a route.
    if (scan.isRouterLike(callee.object) || (callee.object.type === 'ThisExpression' && isRouteObject(route))) {
      detectFastifyRouteObject(scan, call, route);
    }
    return;
  }
  if (method === 'register' && scan.framework === 'koa') {
    detectKoaRegister(scan, call);
    return;
  }
  if (!ROUTE_METHODS.has(method)) return;

  // `router.route('/login').get(page).post(handler)`: the path is on the `.route()` call down the chain.
  const routeCall = expressRouteCall(callee.object);
  let pathNode: TSESTree.Node | undefined;
  let handlerArgs: readonly TSESTree.CallExpressionArgument[];
  let receiver: TSESTree.Node;
  if (routeCall) {
    pathNode = routeCall.arguments[0];
    handlerArgs = call.arguments;
    receiver = (routeCall.callee as TSESTree.MemberExpression).object;
  } else {
    ({ pathNode, handlerArgs } = koaRouteArguments(call.arguments));
    receiver = callee.object;
  }
  if (handlerArgs.length === 0 || !pathNode || !scan.isRouterLike(receiver)) return;
  const paths = pathStrings(pathNode);
  // `app.get('env')`-like names are no routes; a koa-router RPC name (`auth.login`, `${provider}.callback`) is.
  const rpc = scan.framework === 'koa' && paths?.every(isRpcName) === true;
  if (paths && !rpc && paths.every((path) => !path.startsWith('/') && path !== '' && path !== '*')) return;

  const last = handlerArgs.at(-1) as TSESTree.CallExpressionArgument;
  const handler = finalHandler(last);
  const handlerName = handler ? referenceName(handler) : undefined;
  const context = [...scan.fileWords, ...authWords(expressionText(receiver))];
  const passportInside =
    handler?.kind === 'expression' && isFunctionNode(handler.expression)
      ? passportCallIn(handler.expression)
      : undefined;
  const passportBefore = handlerArgs.slice(0, -1).some((argument) => isPassportAuthenticate(argument));
  // Evidence beyond the words: passport runs on the route, before the handler or from inside it.
  const named =
    scan.routeAction(paths, handlerName, context) ??
    restUserCreation(method, paths, handlerName, handlerArgs, context) ??
    (passportInside || passportBefore ? 'login' : undefined);
  if (!named) return;
  const description = `${method.toUpperCase()} ${paths?.[0] ?? handlerName ?? '(computed path)'}`;
  const framework = scan.framework;
  if (passportInside && named === 'login') {
    scan.skipped.push({
      framework,
      description,
      node: call,
      reason: `its handler hands the request to \`${shortText(passportInside)}\`, which answers with a redirect on success and on failure alike: the wrapper would log one outcome for both; log in passport's verify callback instead`,
    });
    return;
  }
  if (scan.reportUnclassified(named, framework, description, call)) return;
  const action = actionForRoute(method, named, paths?.[0]);
  if (!action) {
    scan.reportMethodMismatch(framework, description, call, method, named);
    return;
  }
  if (scan.refuseRoute(framework, description, call, scan.routeRefusal(paths, handlerName, context, action))) return;

  if (!handler) {
    const reason =
      last.type === 'SpreadElement'
        ? 'its handlers are spread (`...handlers`), so the final one is not visible here'
        : 'its final handler is not a function expression or reference';
    scan.skipped.push({ framework, description, node: call, reason });
    return;
  }
  const middlewaresBefore = handlerArgs
    .slice(0, -1)
    .filter((argument) => !isPlainObject(argument))
    .map((argument) => shortText(argument));
  scan.registerSite(framework, action, description, handler, call, middlewaresBefore);
}

/** `passport.authenticate(...)` (or any `<x>.authenticate(...)` on passport). */
function isPassportAuthenticate(node: TSESTree.Node): node is TSESTree.CallExpression {
  return (
    node.type === 'CallExpression' &&
    node.callee.type === 'MemberExpression' &&
    !node.callee.computed &&
    node.callee.object.type === 'Identifier' &&
    /passport/i.test(node.callee.object.name) &&
    node.callee.property.type === 'Identifier' &&
    node.callee.property.name === 'authenticate'
  );
}

/** `passport.authenticate('github')(req, res, next)` called inside a handler's body. */
function passportCallIn(fn: TSESTree.FunctionLike): TSESTree.CallExpression | undefined {
  let found: TSESTree.CallExpression | undefined;
  if (!fn.body) return undefined;
  traverse(fn.body, (node) => {
    if (found === undefined && node.type === 'CallExpression' && isPassportAuthenticate(node.callee))
      found = node.callee;
  });
  return found;
}

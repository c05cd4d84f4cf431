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
  stringOf,
} from '../core/ast-helpers.js';
import { traverse } from '../core/traverse.js';
import { finalHandler, referenceName } from './handler-refs.js';
import { detectKoaRegister, isRpcName, koaRouteArguments } from './koa.js';
import { ROUTE_METHODS, type AuthScan } from './scan.js';
import {
  actionForRoute,
  AUTH_CONTEXT,
  authWords,
  has,
  NEUTRAL,
  reportOnlyAction,
  SESSION,
  staticPath,
} from './vocabulary.js';
import { creationWithoutSignUp, isRouteObject, restUserCreation } from './rest.js';
import { detectFastifyRouteObject } from './fastify.js';
import { unnamedRouteVerdict } from './unnamed-routes.js';
import { routePathStrings } from './constant-paths.js';
import { importedHandlerFunction } from './imported-functions.js';
import type { AuthAction, HandlerRef } from './types.js';
import {
  administratorMiddleware,
  handlerChecksAdministrator,
  resetWithoutProof,
  routerAdministration,
} from './administration.js';
import {
  CALLBACK_WITHOUT_SIGN_IN,
  computedPathReason,
  pathText,
  isCallbackRoute,
  passportCallOf,
  signedInMiddleware,
  signedInRefusal,
  signsInInside,
  visibleFunction,
} from './evidence.js';

const ACCOUNT_LINKING =
  ' links a provider account to the user already signed in (authorization, not authentication): nobody signs in through it';
const PASSPORT_ONLY =
  ' is the whole route: it redirects to the identity provider to start a sign-in, so there is no handler of the app to wrap; the sign-in is logged where the provider redirects back';

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
  if (method === 'route' && call.arguments.length >= 3 && httpMethodOf(call.arguments[0]) !== undefined) {
    if (callee.object.type === 'ThisExpression' || scan.isRouterLike(callee.object))
      reportMethodPathRoute(scan, call, httpMethodOf(call.arguments[0]) ?? 'post');
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
  const paths = pathStrings(pathNode) ?? routePathStrings(scan, pathNode);
  // `app.get('env')`-like names are no routes; a koa-router RPC name (`auth.login`, `${provider}.callback`) is.
  const rpc = scan.framework === 'koa' && paths?.every(isRpcName) === true;
  // `${routes.verification}/password`: the prefix is not visible here, so its tail alone cannot name the action.
  if (pathNode.type === 'TemplateLiteral' && pathNode.quasis[0]?.value.raw === '' && !rpc) {
    const reason = computedPathReason(pathNode);
    if (reason) {
      const description = `${method.toUpperCase()} ${pathText(pathNode)}`;
      scan.skipped.push({ framework: scan.framework, description, node: call, reason });
    }
    return;
  }
  if (paths && !rpc && paths.every((path) => !path.startsWith('/') && path !== '' && path !== '*')) return;

  const last = handlerArgs.at(-1) as TSESTree.CallExpressionArgument;
  const handler = finalHandler(last);
  const handlerName = handler ? referenceName(handler) : undefined;
  const context = [...scan.fileWords, ...authWords(expressionText(receiver))];
  const before = handlerArgs.slice(0, -1);
  const description = `${method.toUpperCase()} ${paths?.[0] ?? handlerName ?? `(computed path ${pathText(pathNode)})`}`;
  const framework = scan.framework;
  // `passport.authorize(...)` links a provider account to the user already signed in: authorization, no sign-in.
  const linking = handlerArgs.find((argument) => passportCallOf(scan, argument) === 'authorize');
  if (linking) {
    scan.skipped.push({ framework, description, node: call, reason: `${shortText(linking)}${ACCOUNT_LINKING}` });
    return;
  }
  const passportInside =
    handler?.kind === 'expression' && isFunctionNode(handler.expression)
      ? passportCallIn(handler.expression)
      : undefined;
  const passportBefore = before.some((argument) => passportCallOf(scan, argument) === 'authenticate');
  // Evidence beyond the words: passport runs on the route, before the handler or from inside it.
  const byWords = scan.routeAction(paths, handlerName, context);
  const byCreation = byWords ? undefined : restUserCreation(method, paths, handlerName, handlerArgs, context);
  const namedByCreation = byCreation !== undefined;
  const named = byWords ?? byCreation ?? (passportInside || passportBefore ? 'login' : undefined);
  if (!named) {
    // `app.get('/auth/github', passport.authenticate('github'))`: a provider's sign-in starts here.
    if (before.length === 0 && passportCallOf(scan, last) === 'authenticate')
      scan.skipped.push({ framework, description, node: call, reason: `${shortText(last)}${PASSPORT_ONLY}` });
    else if (method === 'get' && paths?.some(isSignInStartPath))
      scan.skipped.push({ framework, description, node: call, reason: SIGN_IN_START });
    else if (!judgeUnnamedRoute(scan, call, method, paths, handler, handlerName, before, description)) {
      const reason =
        paths === undefined || pathNode.type === 'TemplateLiteral' ? computedPathReason(pathNode) : undefined;
      if (reason) scan.skipped.push({ framework, description, node: call, reason });
    }
    return;
  }
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
  // A GET after `passport.authenticate(...)` with a handler of its own is the provider's redirect back.
  const action =
    actionForRoute(method, named, paths?.[0]) ?? (passportBefore && named === 'login' ? 'login' : undefined);
  if (!action) {
    scan.reportMethodMismatch(framework, description, call, method, named);
    return;
  }
  const handlerFunction = handler?.kind === 'expression' ? visibleFunction(scan, handler.expression) : undefined;
  const administratorGuards = [
    administratorMiddleware(before),
    routerAdministration(scan.program, receiver, call),
    handlerChecksAdministrator(handlerFunction),
    resetWithoutProof(action, paths, handlerFunction),
  ];
  const refusal = scan.routeRefusal(paths, handlerName, context, action, administratorGuards, handlerFunction);
  if (scan.refuseRoute(framework, description, call, refusal)) return;
  const guard = signedInMiddleware(scan, before);
  if (scan.refuseRoute(framework, description, call, signedInRefusal(action, paths, handlerName, guard))) return;
  if (scan.refuseRoute(framework, description, call, bareSessionRefusal(method, paths, handlerName, context))) return;
  if (isCallbackRoute(paths) && !passportBefore && !passportInside && handler?.kind === 'expression') {
    const body = visibleFunction(scan, handler.expression);
    if (body && !signsInInside(body)) {
      scan.skipped.push({ framework, description, node: call, reason: CALLBACK_WITHOUT_SIGN_IN });
      return;
    }
  }
  // `POST /` on a users router named only `create`: judged by the handler it registers, when another module declares it.
  if (namedByCreation && !handlerFunction && handler?.kind === 'expression') {
    const reason = creationWithoutSignUp(importedHandlerFunction(scan, handler));
    if (scan.refuseRoute(framework, description, call, reason)) return;
  }
  if (getSignsNoOneIn(scan, method, action, paths, handler, passportBefore)) {
    scan.skipped.push({ framework, description, node: call, reason: GET_WITHOUT_SIGN_IN });
    return;
  }

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

const GET_WITHOUT_SIGN_IN =
  'a GET whose path reads as a sign-in, but it is no callback, nothing on the route signs anyone in (no passport before it) and its handler, read where it is declared, sets no session or cookie and issues no token: it reads, it signs no one in';

/**
 * A GET sign-in that is no provider callback (`GET /sso-success`) whose handler, here or in the module that declares it,
 * signs no one in: a read of a sign-in that happened elsewhere.
 */
function getSignsNoOneIn(
  scan: AuthScan,
  method: string,
  action: AuthAction,
  paths: readonly string[] | undefined,
  handler: HandlerRef | undefined,
  passportBefore: boolean,
): boolean {
  if (action !== 'login' || !['get', 'head'].includes(method) || passportBefore || isCallbackRoute(paths)) return false;
  if (handler?.kind !== 'expression') return false;
  const body = visibleFunction(scan, handler.expression) ?? importedHandlerFunction(scan, handler);
  return body !== undefined && isFunctionNode(body) && !signsInInside(body);
}

/**
 * A route its words do not name, judged by its handler's effect (unnamed-routes.ts): wrapped when the handler signs
 * someone in, reported when the verdict says why not. False when there is no verdict (no auth route).
 */
function judgeUnnamedRoute(
  scan: AuthScan,
  call: TSESTree.CallExpression,
  method: string,
  paths: readonly string[] | undefined,
  handler: HandlerRef | undefined,
  handlerName: string | undefined,
  before: readonly TSESTree.CallExpressionArgument[],
  description: string,
): boolean {
  // Routes in a test file or a job module answer no user's request (and a test's `api.post(...)` is a client call).
  if (scan.side.kind !== 'server') return false;
  const fn = handler?.kind === 'expression' ? visibleFunction(scan, handler.expression) : undefined;
  const verdict = unnamedRouteVerdict(method, paths, handlerName, fn, signedInMiddleware(scan, before));
  if (!verdict) return false;
  if (verdict.kind === 'leave' || !handler) {
    const reason = verdict.kind === 'leave' ? verdict.reason : 'its final handler is not visible here';
    scan.skipped.push({ framework: scan.framework, description, node: call, reason });
    return true;
  }
  const middlewaresBefore = before
    .filter((argument) => !isPlainObject(argument))
    .map((argument) => shortText(argument));
  const evidence = `${description} (its handler signs in: ${verdict.evidence})`;
  scan.registerSite(scan.framework, verdict.action, evidence, handler, call, middlewaresBefore);
  return true;
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

export const SIGN_IN_START =
  'a GET under an auth path that names no action (`/auth/openid`, `/oauth/google`) is a provider sign-in start or a page: the outcome is decided where the provider redirects back, so it is not wrapped';
/** Path heads under which a GET naming a provider starts a sign-in. */
const SIGN_IN_HEADS = new Set(['auth', 'oauth', 'oauth2', 'sso', 'openid', 'oidc', 'saml']);

/** `/auth/openid`, `/oauth/google`: an auth head and one more word (no action word, or it would have been named). */
export function isSignInStartPath(path: string): boolean {
  const words = authWords(staticPath(path)).filter((word) => !NEUTRAL.has(word) && !/^v\d+$/.test(word));
  return words.length === 2 && SIGN_IN_HEADS.has(words[0] ?? '');
}

const SIGN_OUT_VERBS = new Set(['revoke', 'logout', 'signout', 'terminate', 'invalidate', 'kill']);

/**
 * `DELETE /sessions/:id` with no word about accounts around it: a playback, chat or analytics session as often as a
 * sign-in session, so it is reported, not wrapped as a logout.
 */
function bareSessionRefusal(
  method: string,
  paths: readonly string[] | undefined,
  handlerName: string | undefined,
  context: readonly string[],
): string | undefined {
  // `revoke`, `signOut`: the handler's name says the session is a sign-in.
  if (authWords(handlerName ?? '').some((word) => SIGN_OUT_VERBS.has(word))) return undefined;
  if (!['delete', 'del'].includes(method.toLowerCase()) || !paths || paths.length === 0) return undefined;
  const words = paths.flatMap((path) => authWords(staticPath(path)));
  const bare = words.every((word) => SESSION.has(word) || NEUTRAL.has(word) || /^v\d+$/.test(word));
  if (!bare || !has(words, SESSION) || has(context, AUTH_CONTEXT)) return undefined;
  return 'nothing in its path or around it says which session it deletes (a sign-in session, or a playback, chat or analytics one): wrap it by hand if it signs a session out';
}

/** `'POST'`, `'get'`: an HTTP method given as a string, lower-cased. */
function httpMethodOf(node: TSESTree.Node | undefined): string | undefined {
  const value = node ? stringOf(node)?.toLowerCase() : undefined;
  return value !== undefined && ROUTE_METHODS.has(value) ? value : undefined;
}

/**
 * `this.route('POST', '/login', req => this.handleLogIn(req))`: a router of the app's own (parse-server's
 * PromiseRouter), whose handlers take and return the app's own objects. Auth routes are reported, never wrapped.
 */
function reportMethodPathRoute(scan: AuthScan, call: TSESTree.CallExpression, method: string): void {
  const [, pathNode, ...handlerArgs] = call.arguments;
  if (!pathNode || handlerArgs.length === 0) return;
  const paths = pathStrings(pathNode);
  const last = handlerArgs.at(-1) as TSESTree.CallExpressionArgument;
  const handler = finalHandler(last);
  const handlerName = handler ? referenceName(handler) : undefined;
  const context = [...scan.fileWords];
  // Never wrapped, so any auth word is enough to report it: `/upgradeToRevocableSession`, `POST /users`.
  const named =
    scan.routeAction(paths, handlerName, context) ??
    restUserCreation(method, paths, handlerName, handlerArgs, context) ??
    (scan.options.match ? undefined : looseRouteAction(method, paths));
  if (!named || named === 'unclassified') return;
  scan.skipped.push({
    framework: scan.framework,
    description: `${method.toUpperCase()} ${paths?.[0] ?? '(computed path)'}`,
    node: call,
    reason: `it is registered through \`route(method, path, handler)\`, a router of the app's own whose handlers take and answer with the app's own objects, a convention the runtime cannot read (it reads Express, Fastify, Koa, Next.js and GraphQL resolvers); log its ${named} outcome by hand`,
  });
}

/** Any action a path's words name, or `register` for a POST on a users collection; for routes that are only reported. */
function looseRouteAction(method: string, paths: readonly string[] | undefined): AuthAction | undefined {
  const path = paths?.[0] ?? '';
  const words = authWords(staticPath(path));
  if (method === 'post' && ['user', 'users'].includes(words.at(-1) ?? '') && !/\/[:[{]/.test(path)) return 'register';
  return reportOnlyAction(path);
}

/**
 * Evidence from the code around a route that its words alone cannot give: who runs before the handler (a guard that
 * needs a signed-in user, passport linking an account, a provider's guard), and what the handler does (signs someone
 * in, sets a session or a cookie, issues a token). Framework detectors ask; nothing here reads a path's words.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { decoratorName, expressionText, isFunctionNode, shortText, stringOf } from '../core/ast-helpers.js';
import { traverse } from '../core/traverse.js';
import type { AuthScan } from './scan.js';
import type { AuthAction } from './types.js';
import { authWords, has, LOGIN, staticPath } from './vocabulary.js';

/** `passport.authenticate(...)` or `passport.authorize(...)`: which of the two, or undefined. */
function passportMethodOf(node: TSESTree.Node): 'authenticate' | 'authorize' | undefined {
  if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.computed)
    return undefined;
  const { object, property } = node.callee;
  if (object.type !== 'Identifier' || !/passport/i.test(object.name) || property.type !== 'Identifier')
    return undefined;
  return property.name === 'authenticate' || property.name === 'authorize' ? property.name : undefined;
}

/** What a local helper returns when its body is one expression: `(type) => passport.authenticate(type, opts)`. */
function returnedExpression(fn: TSESTree.Node): TSESTree.Node | undefined {
  if (!isFunctionNode(fn) || !fn.body) return undefined;
  if (fn.body.type !== 'BlockStatement') return fn.body;
  const statements = fn.body.body;
  const last = statements.length === 1 ? statements[0] : undefined;
  return last?.type === 'ReturnStatement' ? (last.argument ?? undefined) : undefined;
}

/**
 * The passport call a route argument is: `passport.authenticate('github')`, `passport.authorize('tumblr')`, or a
 * call of a helper of this file that only returns one (`const authenticate = (type) => passport.authenticate(type)`).
 */
export function passportCallOf(scan: AuthScan, node: TSESTree.Node): 'authenticate' | 'authorize' | undefined {
  const direct = passportMethodOf(node);
  if (direct || node.type !== 'CallExpression' || node.callee.type !== 'Identifier') return direct;
  for (const binding of scan.bindings.get(node.callee.name) ?? []) {
    const fn = binding.node.type === 'VariableDeclarator' ? binding.node.init : binding.node;
    const returned = fn ? returnedExpression(fn) : undefined;
    const method = returned ? passportMethodOf(returned) : undefined;
    if (method) return method;
  }
  return undefined;
}

/** Middleware names that let only a signed-in user through (`isAuthenticated`, `ensureLoggedIn()`, `requireAuth`). */
const SIGNED_IN_MIDDLEWARE =
  /^(?:(?:is|ensure|require|requires|must|check|verify)_?(?:authenticated|authed|auth|logged_?in|signed_?in|login|user|session|jwt|token)|authenticated|authed|auth|logged_?in|signed_?in|auth_?required|login_?required|jwt_?auth|authenticate_?(?:jwt|token|user))$/i;
/** Passport strategies that check an existing credential on every request rather than sign anyone in. */
const PER_REQUEST_STRATEGIES = /^(?:jwt|bearer|session|api-?key|headerapikey|cookie)$/i;

/** The last name of a middleware expression: `passportConfig.isAuthenticated` → isAuthenticated, `auth()` → auth. */
function lastName(node: TSESTree.Node): string | undefined {
  const target = node.type === 'CallExpression' ? node.callee : node;
  if (target.type === 'Identifier') return target.name;
  if (target.type === 'MemberExpression' && !target.computed && target.property.type === 'Identifier')
    return target.property.name;
  return undefined;
}

function firstStringArgument(node: TSESTree.Node): string[] {
  if (node.type !== 'CallExpression') return [];
  const argument = node.arguments[0];
  if (argument?.type === 'ArrayExpression')
    return argument.elements.flatMap((element) => {
      const value = element ? stringOf(element) : undefined;
      return value === undefined ? [] : [value];
    });
  const value = argument ? stringOf(argument) : undefined;
  return value === undefined ? [] : [value];
}

/** The middleware before a handler that needs a signed-in user, as written (`passportConfig.isAuthenticated`). */
export function signedInMiddleware(scan: AuthScan, middlewares: readonly TSESTree.Node[]): string | undefined {
  for (const middleware of middlewares) {
    const strategies = passportCallOf(scan, middleware) === 'authenticate' ? firstStringArgument(middleware) : [];
    if (strategies.length > 0 && strategies.every((strategy) => PER_REQUEST_STRATEGIES.test(strategy)))
      return shortText(middleware);
    const name = lastName(middleware);
    if (name !== undefined && SIGNED_IN_MIDDLEWARE.test(name)) return shortText(middleware);
  }
  return undefined;
}

/** Nest guards that need a signed-in user (`JwtAuthGuard`, `AuthGuard('jwt')`) and decorators that need a permission. */
const SIGNED_IN_GUARD =
  /^(?:Jwt|Session|Authenticated|LoggedIn|SignedIn|GqlAuth|UserAuth|ApiKey|Bearer|AccessToken)\w*Guard$/;
const PERMISSION_DECORATORS =
  /^(?:HasPermission|RequirePermissions?|Permissions|Roles|Authorized|RequireAuthentication|RequireAuth)$/;
/** Nest guards that run a provider's sign-in (`AuthGuard('google')`, `GitHubAuthGuard`, `OAuthCallbackGuard('oidc')`). */
const PROVIDER_GUARD =
  /(?:Google|Git[Hh]ub|Gitlab|GitLab|OAuth|Oauth|Oidc|OIDC|OpenId|Saml|SAML|Sso|SSO|Social|Provider)\w*Guard$/;
const NON_PROVIDER_STRATEGIES = /^(?:jwt|bearer|session|api-?key|headerapikey|cookie|local|anonymous)$/i;

/** The guard arguments of `@UseGuards(...)` decorators. */
function guardsOf(decorators: readonly TSESTree.Decorator[]): TSESTree.Node[] {
  return decorators.flatMap((decorator) =>
    decoratorName(decorator) === 'UseGuards' && decorator.expression.type === 'CallExpression'
      ? decorator.expression.arguments
      : [],
  );
}

function isAuthGuardCall(guard: TSESTree.Node): boolean {
  return guard.type === 'CallExpression' && lastName(guard) === 'AuthGuard';
}

/** On a Nest method or its class: the guard or permission decorator that needs a signed-in user, as written. */
export function nestSignedInGuard(decorators: readonly TSESTree.Decorator[]): string | undefined {
  for (const guard of guardsOf(decorators)) {
    const strategies = isAuthGuardCall(guard) ? firstStringArgument(guard) : [];
    if (strategies.length > 0 && strategies.every((strategy) => PER_REQUEST_STRATEGIES.test(strategy)))
      return shortText(guard);
    const name = lastName(guard);
    if (!isAuthGuardCall(guard) && name !== undefined && SIGNED_IN_GUARD.test(name)) return shortText(guard);
  }
  const permission = decorators.find((decorator) => PERMISSION_DECORATORS.test(decoratorName(decorator) ?? ''));
  return permission ? `@${decoratorName(permission)}` : undefined;
}

/** On a Nest method: the guard that runs an identity provider's sign-in (`AuthGuard('google')`), as written. */
export function nestProviderGuard(decorators: readonly TSESTree.Decorator[]): string | undefined {
  for (const guard of guardsOf(decorators)) {
    const strategies = isAuthGuardCall(guard) ? firstStringArgument(guard) : [];
    if (strategies.length > 0 && !strategies.every((strategy) => NON_PROVIDER_STRATEGIES.test(strategy)))
      return `${shortText(guard).replace('(...)', '')}('${strategies.join("', '")}')`;
    const name = lastName(guard);
    if (name !== undefined && PROVIDER_GUARD.test(name)) return shortText(guard);
  }
  return undefined;
}

/** Words that say a created record is a person who can sign in. */
const PERSON_WORDS = new Set([
  'user',
  'users',
  'member',
  'members',
  'admin',
  'administrator',
  'customer',
  'signup',
  'register',
]);

/** Factor words: setting one up on an account is an account setting, not a sign-in. */
const FACTOR_WORDS = new Set(['webauthn', 'passkey', 'passkeys', 'fido', 'fido2', 'authenticator', 'attestation']);

/**
 * Why a route behind a signed-in guard authenticates no one, or undefined: the user is already signed in, so adding
 * or removing a second factor or a passkey, or creating a record named "account", is an account setting.
 * A password change or a logout behind the same guard is still the action.
 */
export function signedInRefusal(
  action: AuthAction,
  paths: readonly string[] | undefined,
  handlerName: string | undefined,
  guard: string | undefined,
): string | undefined {
  if (guard === undefined) return undefined;
  const words = (paths ?? []).flatMap((path) => authWords(staticPath(path)));
  // `/login/2fa` behind a half-signed-in guard is the sign-in's second step.
  if (has(words, LOGIN)) return undefined;
  if (action === 'mfa' || has(words, FACTOR_WORDS))
    return `\`${guard}\` lets only a signed-in user through: setting up or removing a factor of one's own account is an account setting, not a sign-in`;
  // A user record created behind a signed-in guard may be a registration (administration.ts leaves one whose guard
  // names an administrator); an "account" record (a bank or billing account) a signed-in user creates is not.
  if (action === 'register' && !has([...words, ...authWords(handlerName ?? '')], PERSON_WORDS))
    return `\`${guard}\` lets only a signed-in user through, and nothing says that what it creates is a user: no one signs up through it`;
  return undefined;
}

/** `/auth/github/callback`, `${provider}.callback`: a provider's redirect back, which may or may not sign anyone in. */
export function isCallbackRoute(paths: readonly string[] | undefined): boolean {
  return (paths ?? []).some((path) => authWords(staticPath(path)).includes('callback'));
}

/** Sign-in words of a call (`req.logIn`, `handleAuthentication`); `sso` alone names a thing (`deleteSSOTokenCache`). */
const SIGN_IN_CALLS = new Set([...LOGIN].filter((word) => word !== 'sso'));
/** Call names that establish a sign-in: `req.logIn`, `users.login`, `signToken`, `createSession`, `res.cookie`. */
const ISSUE_VERBS = new Set(['sign', 'generate', 'create', 'issue', 'mint', 'set', 'save', 'regenerate', 'encode']);
const ISSUED = new Set(['token', 'tokens', 'jwt', 'session', 'cookie', 'cookies', 'credentials']);

function isEmptyValue(node: TSESTree.Node | undefined): boolean {
  return node === undefined || stringOf(node) === '' || (node.type === 'Identifier' && node.name === 'undefined');
}

function callSignsIn(call: TSESTree.CallExpression): boolean {
  const name = lastName(call);
  if (name === undefined) return false;
  const words = authWords(name);
  const receiver = call.callee.type === 'MemberExpression' ? authWords(expressionText(call.callee.object)) : [];
  if (has(words, SIGN_IN_CALLS) && !['is', 'check', 'get', 'validate', 'has'].includes(words[0] ?? '')) return true;
  if (name === 'regenerate') return true;
  const cookie = name === 'cookie' || name === 'setCookie' || (name === 'set' && receiver.includes('cookies'));
  // `ctx.cookies.set(name, '', { expires: new Date(0) })` clears a cookie: no one is signed in by it.
  if (cookie) return !isEmptyValue(call.arguments[1]);
  if (ISSUE_VERBS.has(words[0] ?? '') && (has(words, ISSUED) || has(receiver, ISSUED))) return true;
  // `response.oidc.callback(...)`, `passport.authenticate(...)(req, res)`: the provider library signs the user in.
  return (
    (name === 'callback' || name === 'authenticate') &&
    receiver.some((word) => ['oidc', 'oauth', 'oauth2', 'saml', 'openid', 'passport'].includes(word))
  );
}

/** True when a handler's body signs someone in: a login call, a session or cookie written, a token issued. */
export function signsInInside(fn: TSESTree.Node | undefined): boolean {
  if (!fn || !isFunctionNode(fn) || !fn.body) return false;
  let found = false;
  traverse(fn.body, (node) => {
    if (found) return;
    if (node.type === 'CallExpression' && (callSignsIn(node) || passportMethodOf(node.callee) === 'authenticate'))
      found = true;
    else if (node.type === 'AssignmentExpression' && node.left.type === 'MemberExpression') {
      const written = authWords(expressionText(node.left));
      if (written.includes('session') || written.includes('cookies')) found = true;
    }
  });
  return found;
}

/** The function a handler reference names in this file (`login`, a function expression), when visible. */
export function visibleFunction(scan: AuthScan, expression: TSESTree.Node): TSESTree.Node | undefined {
  if (isFunctionNode(expression)) return expression;
  if (expression.type !== 'Identifier') return undefined;
  for (const binding of scan.bindings.get(expression.name) ?? []) {
    if (binding.node.type === 'FunctionDeclaration') return binding.node;
    if (binding.node.type === 'VariableDeclarator' && binding.node.init && isFunctionNode(binding.node.init))
      return binding.node.init;
  }
  return undefined;
}

export const CALLBACK_WITHOUT_SIGN_IN =
  'it is a callback, but nothing on the route signs anyone in (no passport or provider guard before it) and its handler sets no session or cookie and issues no token: a payment or integration callback, not a sign-in';
export const CALLBACK_NOT_VISIBLE =
  'it is a callback, but nothing on the route signs anyone in (no passport or provider guard before it) and its handler is not visible here to show that it does';

/** A computed path as written, for a description: `process.env.GITHUB_CALLBACK_URL`, `${routes.verification}/password`. */
export function pathText(node: TSESTree.Node): string {
  if (node.type === 'TemplateLiteral')
    return `\`${node.quasis.map((quasi, index) => `${quasi.value.raw}${index < node.expressions.length ? `\${${shortText(node.expressions[index] as TSESTree.Node)}}` : ''}`).join('')}\``;
  return shortText(node);
}

/** Words that, in a computed path's text, say the route may be an authentication entry point. */
const COMPUTED_AUTH_WORDS = new Set([
  'login',
  'signin',
  'signup',
  'logout',
  'signout',
  'register',
  'registration',
  'token',
  'oauth',
  'oauth2',
  'oidc',
  'sso',
  'saml',
  'callback',
  'session',
  'password',
  'reset',
  'forgot',
  'mfa',
  '2fa',
  'otp',
  'totp',
  'verify',
  'verification',
  'identification',
  // node-oidc-provider's name for a sign-in prompt (`/interaction/:uid`, `${interactionPrefix}/submit`).
  'interaction',
  'passkey',
  'webauthn',
  'auth',
]);

/** Why a route whose path is computed (a constant, an environment variable, a template) with auth words is left. */
export function computedPathReason(pathNode: TSESTree.Node): string | undefined {
  const words = authWords(pathText(pathNode));
  if (!words.some((word) => COMPUTED_AUTH_WORDS.has(word))) return undefined;
  const text = pathNode.type === 'TemplateLiteral' ? pathText(pathNode) : `\`${pathText(pathNode)}\``;
  return `its path is computed (${text}) and its words say authentication, but which route and action it is cannot be read here; wrap it by hand or pass --match`;
}

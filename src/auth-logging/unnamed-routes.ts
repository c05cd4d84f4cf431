/**
 * Registered routes whose path and handler name say nothing about authentication (`POST /interaction/:uid`,
 * `@Post('invites/accept')`, `pages/api/auth/mobile/google.ts`), judged by what their handler does: one that signs
 * someone in (a session created, a sign-in cookie set, an OpenID provider's login finished) is an authentication entry
 * point by its effect; one that issues an API key is reported, not wrapped. Anything else is no auth route.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { expressionText, isFunctionNode, shortText, stringOf } from '../core/ast-helpers.js';
import { traverse } from '../core/traverse.js';
import type { AuthAction } from './types.js';
import { authWords, SESSION, staticPath } from './vocabulary.js';

export type UnnamedRouteVerdict =
  | { readonly kind: 'wrap'; readonly action: AuthAction; readonly evidence: string }
  | { readonly kind: 'leave'; readonly reason: string };

/** Receivers of `logIn(user)` that are the request: `req.logIn`, `ctx.login` (passport's session sign-in). */
const REQUEST_NAMES = new Set(['req', 'request', 'ctx', 'context']);
/** Cookie names that hold a sign-in: `authToken`, `sid`, `session`, `jwt`, `access_token`. */
const SIGN_IN_COOKIE_WORDS = new Set(['auth', 'token', 'session', 'sid', 'jwt', 'access', 'login']);
/** Verbs that make a session: `createSession`, `sessions.create(...)`, `issueSession`. */
const SESSION_VERBS = new Set(['create', 'issue', 'start', 'new']);
/** Words that may stand between the verb and `session` of a sign-in session: `createUserSession`, `createAuthSession`. */
const SESSION_OWNERS = new Set(['user', 'auth', 'login', 'new', 'session', 'sessions']);

/**
 * `createSession(user)`, `createUserSession(...)`, `sessions.create(...)`: a sign-in session made. Not a session of
 * something else (`createIdpInitiatedSamlSsoSession`, `CreateSessionCommand.create`: the session is not the callee).
 */
function createsSession(words: readonly string[], receiver: readonly string[]): boolean {
  if (!SESSION_VERBS.has(words[0] ?? '')) return false;
  const rest = words.slice(1);
  if (rest.length > 0) return SESSION.has(rest.at(-1) ?? '') && rest.every((word) => SESSION_OWNERS.has(word));
  return SESSION.has(receiver.at(-1) ?? '');
}

function calledName(call: TSESTree.CallExpression): string | undefined {
  const callee = call.callee;
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier')
    return callee.property.name;
  return undefined;
}

function receiverWords(call: TSESTree.CallExpression): string[] {
  return call.callee.type === 'MemberExpression' ? authWords(expressionText(call.callee.object)) : [];
}

/** `interactionFinished(req, res, { login: { accountId } })`: an OpenID provider's login prompt completed. */
function finishesProviderLogin(call: TSESTree.CallExpression, name: string): boolean {
  if (name !== 'interactionFinished' && name !== 'interactionResult') return false;
  return call.arguments.some(
    (argument) =>
      argument.type === 'ObjectExpression' &&
      argument.properties.some(
        (property) =>
          property.type === 'Property' && property.key.type === 'Identifier' && property.key.name === 'login',
      ),
  );
}

/** `res.setCookie('authToken', token)`, `ctx.cookies.set('sid', id)`: a cookie whose name says it holds a sign-in. */
function setsSignInCookie(call: TSESTree.CallExpression, name: string): boolean {
  const cookieCall =
    name === 'cookie' || name === 'setCookie' || (name === 'set' && receiverWords(call).includes('cookies'));
  if (!cookieCall) return false;
  const cookieName = stringOf(call.arguments[0]);
  const value = call.arguments[1];
  const cleared = value === undefined || stringOf(value) === '';
  const words = authWords(cookieName ?? '');
  // `csrfToken`, `XSRF-TOKEN`: a request-forgery token, handed to anyone who loads a page.
  if (words.includes('csrf') || words.includes('xsrf')) return false;
  return cookieName !== undefined && !cleared && words.some((word) => SIGN_IN_COOKIE_WORDS.has(word));
}

/** The call in a handler's body that signs someone in, as written; undefined when there is none. */
export function signInEffect(fn: TSESTree.Node | undefined): string | undefined {
  if (!fn || (!isFunctionNode(fn) && fn.type !== 'FunctionDeclaration') || !fn.body) return undefined;
  let found: string | undefined;
  traverse(fn.body, (node) => {
    if (found !== undefined || node.type !== 'CallExpression') return;
    const name = calledName(node);
    if (name === undefined) return;
    const words = authWords(name);
    const receiver = receiverWords(node);
    const signsIn =
      finishesProviderLogin(node, name) ||
      setsSignInCookie(node, name) ||
      ((name === 'logIn' || name === 'login') && receiver.length === 1 && REQUEST_NAMES.has(receiver[0] ?? '')) ||
      (name === 'regenerate' && receiver.some((word) => SESSION.has(word))) ||
      createsSession(words, receiver);
    if (signsIn) found = shortText(node);
  });
  return found;
}

/** Names of a record that can sign in: `User.create(...)`, `users.insert(...)`, `createUser(...)`. */
const PERSON_WORDS = new Set(['user', 'users', 'member', 'members', 'account', 'accounts', 'customer', 'customers']);
const CREATE_VERBS = new Set(['create', 'insert', 'add', 'save', 'new']);

/** `bcrypt.hash(password)`, `hashSync(data.password)`, `hashPassword(...)`: a password hashed to be stored. */
function hashesPassword(name: string, receiver: readonly string[]): boolean {
  const words = authWords(name);
  return words[0] === 'hash' || (words.includes('hash') && words.includes('password')) || receiver.includes('argon2')
    ? !['compare', 'verify', 'check'].includes(words[0] ?? '')
    : false;
}

/** The password hashed and the user created in a handler's body (`hashSync(...)`, `User.create(...)`), or undefined. */
export function userCreationEffect(fn: TSESTree.Node | undefined): string | undefined {
  if (!fn || (!isFunctionNode(fn) && fn.type !== 'FunctionDeclaration') || !fn.body) return undefined;
  let hash: string | undefined;
  let creation: string | undefined;
  traverse(fn.body, (node) => {
    if (node.type !== 'CallExpression') return;
    const name = calledName(node);
    if (name === undefined) return;
    const words = authWords(name);
    const receiver = receiverWords(node);
    if (hash === undefined && hashesPassword(name, receiver)) hash = shortText(node);
    const creates =
      CREATE_VERBS.has(words[0] ?? '') && [...words.slice(1), ...receiver].some((word) => PERSON_WORDS.has(word));
    if (creation === undefined && creates) creation = shortText(node);
  });
  return hash !== undefined && creation !== undefined ? `${hash}, ${creation}` : undefined;
}

const KEY_WORDS = new Set(['key', 'keys', 'apikey', 'apikeys']);
const KEY_VERBS = new Set(['create', 'generate', 'regenerate', 'issue', 'rotate', 'new']);

/** `api-keys`, `apiKey`, `createApiKey`: the words name an API key. */
function namesApiKey(words: readonly string[]): boolean {
  return (
    words.includes('apikey') ||
    words.includes('apikeys') ||
    words.some((word, index) => word === 'api' && ['key', 'keys'].includes(words[index + 1] ?? ''))
  );
}

/**
 * `POST /api-keys`, `POST /api-keys/regenerate`, `createApiKey`: an API key made for scripts. Not an update of one
 * key (`/api-keys/:id`) or its settings (`/api-keys/:id/sales-channels`).
 */
function issuesApiKey(method: string, paths: readonly string[], handlerName: string | undefined): boolean {
  const nameWords = authWords(handlerName ?? '');
  if (namesApiKey(nameWords) && KEY_VERBS.has(nameWords[0] ?? '')) return true;
  if (method !== 'post' && method !== 'put') return false;
  return paths.some((path) => {
    const last =
      path
        .split('/')
        .filter((segment) => segment !== '')
        .at(-1) ?? '';
    const lastWord = authWords(last).at(-1) ?? '';
    const keyCollection = namesApiKey(authWords(staticPath(path))) && !/^[:[{$]/.test(last);
    return keyCollection && (KEY_WORDS.has(lastWord) || KEY_VERBS.has(lastWord));
  });
}

const API_KEY_REASON =
  "it issues an API key: a credential for scripts and integrations, which signs no person in; wrap it by hand with `withAuthLogging('token', ...)` if key issuance should be logged";

/**
 * The verdict on a route that its words do not name: `method` is the HTTP method (`all` for a handler of every
 * method), `fn` its handler when visible here, `signedInGuard` the guard before it that needs a signed-in user.
 */
export function unnamedRouteVerdict(
  method: string,
  paths: readonly string[] | undefined,
  handlerName: string | undefined,
  fn: TSESTree.Node | undefined,
  signedInGuard: string | undefined,
): UnnamedRouteVerdict | undefined {
  const lower = method.toLowerCase();
  if (issuesApiKey(lower, paths ?? [], handlerName)) return { kind: 'leave', reason: API_KEY_REASON };
  const effect = signInEffect(fn);
  const creation = effect === undefined ? userCreationEffect(fn) : undefined;
  if (creation !== undefined)
    return {
      kind: 'leave',
      reason: `its handler hashes a password and creates a user (\`${creation}\`), but nothing in its path or name says people sign up through it (an administrator's user creation, an import): wrap it by hand if it is a sign-up`,
    };
  if (effect === undefined) return undefined;
  const where = paths?.[0] === undefined ? 'its path' : `its path \`${paths[0]}\``;
  if (signedInGuard !== undefined)
    return {
      kind: 'leave',
      reason: `its handler signs someone in (\`${effect}\`), but \`${signedInGuard}\` lets only a signed-in user through and ${where} names no auth action (a workspace switch, a re-issue): wrap it by hand if it is a sign-in`,
    };
  if (!['post', 'put', 'all'].includes(lower))
    return {
      kind: 'leave',
      reason: `its handler signs someone in (\`${effect}\`), but it answers a ${lower.toUpperCase()} and ${where} names no auth action: wrap it by hand if it is a sign-in link or callback`,
    };
  return { kind: 'wrap', action: 'login', evidence: effect };
}

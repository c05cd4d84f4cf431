/**
 * The auth vocabulary and classifier: which words name an authentication action in a route path, a handler name or
 * a function name, and which HTTP methods perform it. Shared by every framework detector; knows nothing of ASTs.
 */
import type { AuthAction } from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// Words and actions
// ---------------------------------------------------------------------------------------------------------------

/** Word pairs that spell one auth word when a path or name splits them (`sign-in`, `logIn`, `two_factor`). */
const JOINED_WORDS: ReadonlyMap<string, string> = new Map([
  ['log in', 'login'],
  ['log on', 'login'],
  ['sign in', 'signin'],
  ['sign on', 'signin'],
  ['log out', 'logout'],
  ['log off', 'logout'],
  ['sign out', 'signout'],
  ['sign off', 'signout'],
  ['sign up', 'signup'],
  ['pass word', 'password'],
  ['two factor', '2fa'],
  ['multi factor', 'mfa'],
  ['one time', 'onetime'],
  ['magic link', 'magiclink'],
  ['pass key', 'passkey'],
  ['single sign', 'sso'],
  ['pass code', 'passcode'],
]);

/** Splits a path, identifier or file name into lower-case words: `/auth/signIn` → auth, signin. */
export function authWords(text: string): string[] {
  const split = text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
  const words: string[] = [];
  for (let index = 0; index < split.length; index++) {
    const word = split[index] ?? '';
    const joined = JOINED_WORDS.get(`${word} ${split[index + 1] ?? ''}`);
    if (joined) {
      words.push(joined);
      index++;
    } else {
      words.push(word);
    }
  }
  // `one-time password` / `one-time code` is an OTP; a bare `one-time token` (a magic link) is not MFA.
  for (let index = 0; index < words.length - 1; index++) {
    if (words[index] === 'onetime' && ['password', 'code', 'passcode', 'pin'].includes(words[index + 1] ?? '')) {
      words.splice(index, 2, 'otp');
    }
  }
  return words;
}

/** Words that make `setup` the first-user setup. */
const FIRST_WORDS = new Set(['init', 'initial', 'first', 'bootstrap', 'owner', 'admin']);

export const LOGIN = new Set(['login', 'logon', 'signin', 'authenticate', 'authentication', 'sso', 'magiclink']);
export const LOGOUT = new Set(['logout', 'logoff', 'signout']);
export const REGISTER = new Set(['register', 'registration', 'signup']);
export const PASSWORD = new Set(['password', 'passwords', 'passwd', 'pwd']);
export const RESET = new Set(['reset', 'forgot', 'forgotten', 'recover', 'recovery', 'lost']);
export const MFA = new Set(['mfa', 'otp', '2fa', 'totp', 'tfa', 'twofactor', 'passcode']);
export const VERIFY = new Set(['verify', 'verification', 'confirm', 'confirmation', 'activate', 'activation']);
export const REFRESH = new Set(['refresh']);
export const TOKEN = new Set(['token', 'tokens']);
export const SESSION = new Set(['session', 'sessions']);

/** Words that make a weak action word (`token`, `verify`, `session`, ...) about authentication. */
export const AUTH_CONTEXT = new Set([
  'provider',
  'auth',
  'authn',
  'oauth',
  'oauth2',
  'openid',
  'oidc',
  'sso',
  'account',
  'accounts',
  'user',
  'users',
  'identity',
  'iam',
  'me',
  'jwt',
  'email',
  'phone',
  'credentials',
  'access',
  'webauthn',
  'passkey',
  'passkeys',
  'saml',
  'ldap',
]);
/** Words for an authenticator (passkey, security key): registering one enrols a factor, it creates no user. */
const AUTHENTICATOR = new Set(['webauthn', 'passkey', 'passkeys', 'fido', 'fido2', 'authenticator', 'authenticators']);
/** Path words that say nothing either way (`/api/v1/token`). */
export const NEUTRAL = new Set([
  'api',
  'public',
  'private',
  'internal',
  'rest',
  'web',
  'app',
  'new',
  'request',
  'requests',
  'send',
  'resend',
  'initialize',
]);
/** Path words that turn an auth word into something else: a help page, a history list, a policy. */
export const DECOYS = new Set([
  'help',
  'docs',
  'doc',
  'documentation',
  'faq',
  'page',
  'pages',
  'form',
  'history',
  'audit',
  'attempts',
  'stats',
  'statistics',
  'metrics',
  'health',
  'settings',
  'config',
  'policy',
  'policies',
  'requirements',
  'strength',
  'rules',
  'preview',
  'template',
  'templates',
  'image',
  'logo',
  'assets',
  'static',
  'banner',
  'experience',
  'exp',
  'branding',
  'theme',
  'customization',
  'expiration',
  'expiry',
  'analytics',
  'count',
  'export',
  'visitor',
  'visitors',
  'tracking',
  'track',
  'pageview',
  'pageviews',
  'heartbeat',
  'telemetry',
  'connector',
  'connectors',
  'providers',
  'signing',
  'keys',
  'identities',
  'collab',
  'collaboration',
  'upload',
  'csrf',
  'personal',
]);

/**
 * Actions a `confirm` / `verify` step may belong to: `/confirm-user-delete` confirms a deletion, `/users/:id/confirm-ban`
 * a ban; neither verifies an address or an account.
 */
const OTHER_ACTIONS = new Set([
  'delete',
  'deletion',
  'remove',
  'removal',
  'destroy',
  'ban',
  'unban',
  'block',
  'unblock',
  'suspend',
  'suspension',
  'kick',
  'deactivate',
  'deactivation',
  'archive',
  'cancel',
  'cancellation',
  'close',
  'closure',
  'transfer',
  'purchase',
  'payment',
  'order',
  'checkout',
  'booking',
  'reservation',
  'appointment',
  'subscription',
  'subscribe',
  'unsubscribe',
  'publish',
  'unpublish',
  'merge',
  'deploy',
  'refund',
  'withdraw',
  'withdrawal',
]);

/** The other action a verification word is a step of (`/confirm-user-delete` → `delete`), or undefined. */
export function otherActionOf(words: readonly string[]): string | undefined {
  return has(words, VERIFY) ? words.find((word) => OTHER_ACTIONS.has(word)) : undefined;
}

/**
 * What a route confirms when only its handler's name says `confirm` and its path names something that is no account
 * (`POST /orders/:id/confirm` → `confirm`, `/orders` → `orders`); undefined when the path is about an account or says
 * nothing.
 */
export function confirmedSubject(pathWords: readonly string[]): string | undefined {
  const subjects = pathWords.filter((word) => !VERIFY.has(word) && !NEUTRAL.has(word) && !/^v\d+$/.test(word));
  if (has(subjects, AUTH_CONTEXT) || has(subjects, ACTION_WORDS)) return undefined;
  return subjects[0];
}

export interface AuthClassification {
  readonly action: AuthAction;
  /** True when only weak words (`token`, `verify`, `session`, `refresh`, `register`, `reset`) made it auth. */
  readonly weak: boolean;
}

/** Identity providers and the words of a provider's sign-in: `/auth/github` starts one, `/auth/profile` is a page. */
export const IDENTITY_PROVIDERS = new Set([
  'github',
  'gitlab',
  'bitbucket',
  'google',
  'facebook',
  'microsoft',
  'azure',
  'apple',
  'twitter',
  'discord',
  'linkedin',
  'slack',
  'okta',
  'auth0',
  'keycloak',
  'oidc',
  'saml',
  'sso',
]);

export const has = (words: readonly string[], set: ReadonlySet<string>): boolean => words.some((word) => set.has(word));

/** The action the words name, by precedence (the most specific first); undefined when none. */
export function actionOfWords(words: readonly string[]): AuthClassification | undefined {
  // First-user / first-realm setup creates the first account: `/init-setup`, `/setup/first-user`, `/onboarding/admin`.
  if (words.includes('setup') && has(words, FIRST_WORDS)) return { action: 'register', weak: false };
  // An OAuth / SSO provider redirecting back signs the user in: `/auth/google/callback`, `/oauth2/callback`.
  if (words.includes('callback') && (has(words, AUTH_CONTEXT) || has(words, LOGIN)))
    return { action: 'login', weak: false };
  if (has(words, PASSWORD) && has(words, RESET)) return { action: 'password_reset', weak: false };
  if (words.includes('forgot')) return { action: 'password_reset', weak: false };
  // Checking the current password (`/password/verify`) re-authenticates; it changes nothing.
  if (has(words, PASSWORD) && (has(words, VERIFY) || words.includes('check'))) return { action: 'verify', weak: false };
  if (has(words, PASSWORD)) return { action: 'password_change', weak: false };
  if (has(words, MFA)) return { action: 'mfa', weak: false };
  if (has(words, REFRESH)) return { action: 'refresh', weak: true };
  if (has(words, VERIFY)) return { action: 'verify', weak: true };
  if (has(words, LOGOUT)) return { action: 'logout', weak: false };
  if (has(words, REGISTER) && has(words, AUTHENTICATOR)) return { action: 'mfa', weak: false };
  if (words.includes('signup') || words.includes('registration')) return { action: 'register', weak: false };
  if (has(words, REGISTER)) return { action: 'register', weak: true };
  if (has(words, LOGIN)) return { action: 'login', weak: false };
  if (has(words, TOKEN)) return { action: 'token', weak: true };
  if (has(words, SESSION)) return { action: 'session', weak: true };
  if (has(words, RESET)) return { action: 'password_reset', weak: true };
  return undefined;
}

/** Words that name authentication on their own, wherever they stand in a path. */
export const STRONG = new Set([...LOGIN, ...LOGOUT, 'signup', 'registration', ...PASSWORD, ...MFA]);

export const ACTION_WORDS = new Set([
  ...LOGIN,
  ...LOGOUT,
  ...REGISTER,
  ...PASSWORD,
  ...RESET,
  ...MFA,
  ...VERIFY,
  ...REFRESH,
  ...TOKEN,
  ...SESSION,
]);

/**
 * Classifies a route path (`/auth/login`, `/users/:id/sessions`). `context` holds words from around the route
 * (router variable, controller prefix, file path) that can make a weak word about authentication.
 * Undefined when the path is not an auth route, including decoys such as `/login-help` or `/feed/refresh`.
 */
export function classifyRoutePath(path: string, context: readonly string[] = []): AuthAction | undefined {
  // `/auth/github/callback/:noteId/:action`: parameters after `callback` other than the provider's are some other
  // resource's callback (a note action, a connector's form post), not a provider signing the user in.
  const foreignCallback = /\/callback\/(.*\/)?(:(?!(provider|strategy|idp|connection)\b)|\[|\{|\$\{)/i.test(path);
  const words = authWords(staticPath(path)).filter((word) => !(foreignCallback && word === 'callback'));
  // Ending sessions (`/sessions/revoke-all`) signs them out.
  if (has(words, SESSION) && words.some((word) => ['revoke', 'end', 'destroy', 'terminate'].includes(word)))
    return 'logout';
  // Setting up the first account under an auth prefix (`/auth/setup`).
  if (words.includes('setup') && words.includes('auth') && !has(words, MFA)) return 'register';
  if (has(words, DECOYS)) return undefined;
  const found = actionOfWords(words);
  if (!found) {
    // `POST /auth`, `POST /api/v1/authenticate`: the bare resource is the sign-in.
    const last = words.at(-1);
    // `${provider}.callback` on an auth router: the provider's redirect back signs the user in.
    if (words.includes('callback') && (has(context, AUTH_CONTEXT) || has(context, LOGIN))) return 'login';
    const rest = words.slice(0, -1).every((word) => NEUTRAL.has(word) || /^v\d+$/.test(word));
    return (last === 'auth' || last === 'authn') && rest ? 'login' : undefined;
  }
  if (!found.weak) return found.action;
  const others = words.filter((word) => !ACTION_WORDS.has(word) && !NEUTRAL.has(word) && !/^v\d+$/.test(word));
  // A strong word in the same path (`/login/webauthn-verify`) makes the weak one about authentication.
  if (has(words, STRONG)) return found.action;
  const supported =
    words.filter((word) => ACTION_WORDS.has(word)).length > 1 ||
    has(words, AUTH_CONTEXT) ||
    others.length === 0 ||
    has(context, AUTH_CONTEXT) ||
    has(context, LOGIN);
  // A weak word next to other words about something else (`/feed/refresh`, `/chat/sessions`) is not auth,
  // unless the words around it say auth.
  return supported && (others.length === 0 || has(words, AUTH_CONTEXT)) ? found.action : undefined;
}

/** Leaves the static parts of a route path: drops `:id`, `[id]`, `{id}`, `*`, regex bits and route groups. */
/** Path words with which a GET request signs the user in (a redirect back from a provider, a link from an email). */
const GET_SIGN_IN = new Set([
  'callback',
  'with',
  'magiclink',
  'magic',
  'sso',
  'oauth',
  'oauth2',
  'oidc',
  'saml',
  'openid',
  'provider',
  'link',
]);

/**
 * `actionForMethod` with the path's words: GET also performs a sign-in whose path says it is one that a browser
 * follows (`GET /auth/github/callback`, `GET /login-with/:provider`, `GET /magic-link/verify`), and a token refresh.
 */
export function actionForRoute(method: string, action: AuthAction, path: string | undefined): AuthAction | undefined {
  const found = actionForMethod(method, action);
  if (found || path === undefined || !['get', 'head'].includes(method.toLowerCase())) return found;
  const words = authWords(staticPath(path));
  if (action === 'login' && has(words, GET_SIGN_IN)) return 'login';
  if (action === 'refresh' && (has(words, TOKEN) || has(words, SESSION) || has(words, AUTH_CONTEXT))) return 'refresh';
  return undefined;
}

export function staticPath(path: string): string {
  return (
    path
      .split('/')
      // A parameter naming an identity provider (`:provider`, `${strategy}`) says what the route is about: kept as a word.
      .map((segment) => segment.replace(/^:(provider|strategy|idp|connection)\b/i, '$1'))
      // A computed RPC name (`${name}.callback`, read as `:name.callback`) keeps its static tail.
      .map((segment) => (/^:[^/.]*\.\w/.test(segment) ? segment.replace(/^:[^.]*\./, '') : segment))
      .filter((segment) => !/^(:|\[|\{|\*|\(|@)/.test(segment))
      .map((segment) => segment.replace(/[?*+()]/g, ''))
      .join('/')
  );
}

/** Verbs and objects a handler or function name may add around its action word (`handleLogin`, `resetPassword`). */
const NAME_PREFIXES = new Set([
  'handle',
  'do',
  'perform',
  'process',
  'post',
  'put',
  'patch',
  'api',
  'on',
  'attempt',
  'submit',
  'user',
  'local',
  'auth',
  'try',
  'execute',
  'run',
  'request',
  'create',
  'issue',
  'exchange',
  'revoke',
  'destroy',
  'delete',
  'end',
  'change',
  'update',
  'set',
  'reset',
  'forgot',
  'verify',
  'confirm',
  'refresh',
  'enroll',
  'setup',
  'enable',
  'disable',
  'challenge',
  'complete',
  'finish',
  'start',
  'begin',
  'rotate',
  'new',
  'password',
  'send',
  'resend',
  'initialize',
]);
const NAME_OBJECTS = new Set([
  'user',
  'customer',
  'member',
  'account',
  'email',
  'phone',
  'token',
  'tokens',
  'session',
  'sessions',
  'password',
  'passwd',
  'mfa',
  'otp',
  '2fa',
  'totp',
  'code',
  'reset',
  'request',
  'access',
  'credentials',
]);
const NAME_SUFFIXES = new Set(['handler', 'controller', 'route', 'action', 'endpoint', 'api', 'fn', 'impl']);
/** Name words after which the rest is how, not what (`loginWithPassword`, `signInByEmail`). */
const NAME_TAILS = new Set(['with', 'via', 'by', 'using', 'from', 'for']);

/**
 * Classifies a handler or function name: it must be an action phrase (`login`, `handleSignIn`, `resetPassword`,
 * `refreshToken`, `verifyEmail`), not a helper that mentions one (`hashPassword`, `requireLogin`, `verifyToken`,
 * `generateOtp`, `isLoggedIn`, `loginPage`).
 */
export function classifyHandlerName(name: string): AuthAction | undefined {
  let words = authWords(name);
  const tail = words.findIndex((word, index) => index > 0 && NAME_TAILS.has(word));
  if (tail > 0) words = words.slice(0, tail);
  // `registerRoute(config)`, `registerHandler()`: registering a route or a handler, not a user.
  if (words.length === 2 && words[0] === 'register' && NAME_SUFFIXES.has(words[1] ?? '')) return undefined;
  while (words.length > 1 && NAME_SUFFIXES.has(words.at(-1) ?? '')) words = words.slice(0, -1);
  const allowed = words.every((word) => ACTION_WORDS.has(word) || NAME_PREFIXES.has(word) || NAME_OBJECTS.has(word));
  if (!allowed) return undefined;
  const found = actionOfWords(words);
  if (!found) return undefined;
  switch (found.action) {
    case 'verify':
      // `verifyToken` / `verifyPassword` are checks used by middleware; verifying an address or account is the action;
      // `confirmUserDelete` confirms a deletion.
      if (otherActionOf(words) !== undefined) return undefined;
      return words.some((word) => ['email', 'account', 'user', 'phone'].includes(word)) ||
        (words.length === 1 && VERIFY.has(words[0] ?? ''))
        ? 'verify'
        : undefined;
    case 'token':
      return words.length === 1 ||
        words.some((word) => ['create', 'issue', 'exchange', 'revoke', 'rotate'].includes(word))
        ? 'token'
        : undefined;
    case 'session':
      return words.some((word) => ['create', 'initialize', 'destroy', 'delete', 'revoke', 'end'].includes(word))
        ? 'session'
        : undefined;
    case 'refresh':
      // `refreshCustomerVerification`: a new verification token sent, the verify request again.
      if (has(words, VERIFY)) return 'verify';
      return words.some((word) => TOKEN.has(word) || SESSION.has(word) || word === 'access') || words.length === 1
        ? 'refresh'
        : undefined;
    case 'password_change':
      // `changePassword`, `updatePassword`; `verifyPassword` / `confirmPassword` check one (`hashPassword` never got here).
      return words.some((word) => VERIFY.has(word)) ? undefined : 'password_change';
    default:
      return found.action;
  }
}

/** The loose test used under `--match`: the first action any word names, weak or not. */
export function looseAction(text: string): AuthAction | undefined {
  const words = authWords(text);
  return actionOfWords(words)?.action ?? (words.includes('auth') ? 'login' : undefined);
}

/**
 * For sites that are only ever reported (an app's own router, a Relay mutation): `looseAction`, and an auth
 * challenge (`/challenge`, `Challenge`: a second factor or passkey asked for) as mfa.
 */
export function reportOnlyAction(text: string): AuthAction | undefined {
  return looseAction(text) ?? (authWords(text).includes('challenge') ? 'mfa' : undefined);
}

/**
 * The action a route performs given its HTTP method, or undefined when that method does not perform it:
 * GET only for what a link does (logout, verify); DELETE only ends sessions (`DELETE /sessions/:id` is a logout);
 * PATCH / DELETE on tokens and sessions edit or list them rather than issue them.
 */
export function actionForMethod(method: string, action: AuthAction): AuthAction | undefined {
  switch (method.toLowerCase()) {
    case 'get':
    case 'head':
      return action === 'logout' || action === 'verify' ? action : undefined;
    // (`actionForRoute` lets a GET sign in when its path says it does: callbacks, magic links, `login-with`.)
    case 'delete':
    case 'del':
      return action === 'logout' || action === 'session' ? 'logout' : undefined;
    case 'patch':
      return action === 'token' || action === 'session' ? undefined : action;
    case 'post':
    case 'put':
    case 'all':
      return action;
    default:
      return undefined;
  }
}

/**
 * Finds authentication handlers in one file and says which auth action each performs, so that the
 * `auth-logging` codemod can wrap them and a future ESLint rule can report the ones left bare.
 *
 * Forms recognised (see docs/codemods/auth-logging.md for the decisions):
 * - Express / Koa (`@koa/router`) / Fastify shorthands: `app.post('/login', ...middlewares, handler)`,
 *   `router.route('/login').post(handler)`, `fastify.post('/login', opts?, handler)`, chained calls;
 * - Fastify `fastify.route({ method, url, handler })`;
 * - NestJS `@Post('login')` methods of `@Controller('auth')` classes;
 * - Next.js `app/**\/route.ts` exports `POST`, `PUT`, ... whose folder path names the action, and the default
 *   export of `pages/api/**`;
 * - exported plain functions named for an action that take one input (`export async function login(input)`),
 *   ESM and CommonJS; helpers taking `(email, password)` or one credential are reported, not wrapped.
 *
 * Only the final handler of a route is a site: the middlewares before it (`passport.authenticate(...)`,
 * `validate(schema)`) are not wrapped, because the runtime writes one outcome line per request and the
 * final handler is the one that decides the response in the normal case. Sites are described, not edited:
 * the caller turns them into text edits.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { traverse } from './traverse.js';

// The actions are the runtime's own (the codemod writes them as `withAuthLogging('<action>', ...)`): one list, a type-only import.
import type { AuthAction } from '../../runtime/src/auth/types.js';

export type { AuthAction };

export type AuthFramework = 'express' | 'koa' | 'fastify' | 'nestjs' | 'next' | 'function';

/** How a handler is wrapped; every form keeps the handler's own text untouched. */
export type WrapTarget =
  /** `expr` → `withAuthLogging('a', expr)`. */
  | { readonly kind: 'expression'; readonly expression: TSESTree.Expression }
  /** `{ handler }` → `{ handler: withAuthLogging('a', handler) }`. */
  | { readonly kind: 'shorthand-property'; readonly property: TSESTree.Property }
  /** `{ async handler(req) {} }` → `{ handler: withAuthLogging('a', async function handler(req) {}) }`. */
  | { readonly kind: 'method-property'; readonly property: TSESTree.Property }
  /** `export async function login() {}` → `export const login = withAuthLogging('a', async function login() {});`. */
  | { readonly kind: 'function-declaration'; readonly declaration: TSESTree.FunctionDeclaration }
  /** `export default async function handler() {}` → `export default withAuthLogging('a', async function handler() {});`. */
  | { readonly kind: 'default-function'; readonly declaration: TSESTree.FunctionDeclaration }
  /** A NestJS controller method: gets `@AuthLogged('a')` right above it, below its other decorators. */
  | { readonly kind: 'decorator'; readonly method: TSESTree.MethodDefinition };

export interface AuthHandlerSite {
  readonly framework: AuthFramework;
  readonly action: AuthAction;
  /** What was recognised, for messages: `POST /auth/login`, `login()`. */
  readonly description: string;
  readonly target: WrapTarget;
  /** Where to report the site (the registration call, the method, the function). */
  readonly node: TSESTree.Node;
  /** Middlewares that run before the wrapped handler and may answer the request on their own. */
  readonly middlewaresBefore: readonly string[];
}

/** An auth handler that is recognised but not wrapped, with the reason (one sentence). */
export interface SkippedAuthHandler {
  readonly framework: AuthFramework;
  readonly description: string;
  readonly node: TSESTree.Node;
  readonly reason: string;
}

export interface AuthHandlerScan {
  /** Handlers to wrap. */
  readonly handlers: readonly AuthHandlerSite[];
  /** Handlers that already go through the wrapper (or carry the decorator): nothing to do. */
  readonly wrapped: readonly AuthHandlerSite[];
  /** Handlers that cannot be wrapped safely, with why. */
  readonly skipped: readonly SkippedAuthHandler[];
}

export interface FindAuthHandlersOptions {
  /** The file's path; Next.js route handlers are recognised by it (`app/**\/route.ts`). */
  readonly filePath: string;
  /**
   * Replaces the built-in name test: a route path, handler name, Nest path or function name that this
   * regex matches is an auth handler (its action still comes from its words). Widens or narrows.
   */
  readonly match?: RegExp;
  /** Modules the wrappers are imported from, to recognise already-wrapped handlers. Default `['@quickwins/runtime', 'quickwins']` (the toolkit's root exported the runtime before 0.2). */
  readonly wrapperModules?: readonly string[];
}

export const WRAPPER_NAME = 'withAuthLogging';
export const DECORATOR_NAME = 'AuthLogged';

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

const LOGIN = new Set(['login', 'logon', 'signin', 'authenticate', 'authentication']);
const LOGOUT = new Set(['logout', 'logoff', 'signout']);
const REGISTER = new Set(['register', 'registration', 'signup']);
const PASSWORD = new Set(['password', 'passwords', 'passwd', 'pwd']);
const RESET = new Set(['reset', 'forgot', 'forgotten', 'recover', 'recovery', 'lost']);
const MFA = new Set(['mfa', 'otp', '2fa', 'totp', 'tfa', 'twofactor', 'passcode']);
const VERIFY = new Set(['verify', 'verification', 'confirm', 'confirmation']);
const REFRESH = new Set(['refresh']);
const TOKEN = new Set(['token', 'tokens']);
const SESSION = new Set(['session', 'sessions']);

/** Words that make a weak action word (`token`, `verify`, `session`, ...) about authentication. */
const AUTH_CONTEXT = new Set([
  'auth', 'authn', 'oauth', 'oauth2', 'openid', 'oidc', 'sso', 'account', 'accounts', 'user', 'users', 'identity',
  'iam', 'me', 'jwt', 'email', 'phone', 'credentials', 'access', 'webauthn', 'passkey', 'passkeys', 'saml', 'ldap',
]);
/** Words for an authenticator (passkey, security key): registering one enrols a factor, it creates no user. */
const AUTHENTICATOR = new Set(['webauthn', 'passkey', 'passkeys', 'fido', 'fido2', 'authenticator', 'authenticators']);
/** Path words that say nothing either way (`/api/v1/token`). */
const NEUTRAL = new Set(['api', 'public', 'private', 'internal', 'rest', 'web', 'app', 'new', 'request', 'requests']);
/** Path words that turn an auth word into something else: a help page, a history list, a policy. */
const DECOYS = new Set([
  'help', 'docs', 'doc', 'documentation', 'faq', 'page', 'pages', 'form', 'history', 'audit', 'attempts', 'stats',
  'statistics', 'metrics', 'health', 'settings', 'config', 'policy', 'policies', 'requirements', 'strength', 'rules',
  'preview', 'template', 'templates', 'image', 'logo', 'assets', 'static', 'banner', 'experience', 'exp', 'branding',
  'theme', 'customization', 'expiration', 'expiry', 'analytics', 'count', 'export',
]);

export interface AuthClassification {
  readonly action: AuthAction;
  /** True when only weak words (`token`, `verify`, `session`, `refresh`, `register`, `reset`) made it auth. */
  readonly weak: boolean;
}

const has = (words: readonly string[], set: ReadonlySet<string>): boolean => words.some((word) => set.has(word));

/** The action the words name, by precedence (the most specific first); undefined when none. */
export function actionOfWords(words: readonly string[]): AuthClassification | undefined {
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
const STRONG = new Set([...LOGIN, ...LOGOUT, 'signup', 'registration', ...PASSWORD, ...MFA]);

const ACTION_WORDS = new Set([
  ...LOGIN, ...LOGOUT, ...REGISTER, ...PASSWORD, ...RESET, ...MFA, ...VERIFY, ...REFRESH, ...TOKEN, ...SESSION,
]);

/**
 * Classifies a route path (`/auth/login`, `/users/:id/sessions`). `context` holds words from around the route
 * (router variable, controller prefix, file path) that can make a weak word about authentication.
 * Undefined when the path is not an auth route, including decoys such as `/login-help` or `/feed/refresh`.
 */
export function classifyRoutePath(path: string, context: readonly string[] = []): AuthAction | undefined {
  const words = authWords(staticPath(path));
  if (has(words, DECOYS)) return undefined;
  const found = actionOfWords(words);
  if (!found) {
    // `POST /auth`, `POST /api/v1/authenticate`: the bare resource is the sign-in.
    const last = words.at(-1);
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
export function staticPath(path: string): string {
  return path
    .split('/')
    .filter((segment) => !/^(:|\[|\{|\*|\(|@)/.test(segment))
    .map((segment) => segment.replace(/[?*+()]/g, ''))
    .join('/');
}

/** Verbs and objects a handler or function name may add around its action word (`handleLogin`, `resetPassword`). */
const NAME_PREFIXES = new Set([
  'handle', 'do', 'perform', 'process', 'post', 'put', 'patch', 'api', 'on', 'attempt', 'submit', 'user', 'local',
  'auth', 'try', 'execute', 'run', 'request', 'create', 'issue', 'exchange', 'revoke', 'destroy', 'delete', 'end',
  'change', 'update', 'set', 'reset', 'forgot', 'verify', 'confirm', 'refresh', 'enroll', 'setup', 'enable',
  'disable', 'challenge', 'complete', 'finish', 'start', 'begin', 'rotate', 'new', 'password',
]);
const NAME_OBJECTS = new Set([
  'user', 'account', 'email', 'phone', 'token', 'tokens', 'session', 'sessions', 'password', 'passwd', 'mfa',
  'otp', '2fa', 'totp', 'code', 'reset', 'request', 'access', 'credentials',
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
  while (words.length > 1 && NAME_SUFFIXES.has(words.at(-1) ?? '')) words = words.slice(0, -1);
  const allowed = words.every((word) => ACTION_WORDS.has(word) || NAME_PREFIXES.has(word) || NAME_OBJECTS.has(word));
  if (!allowed) return undefined;
  const found = actionOfWords(words);
  if (!found) return undefined;
  switch (found.action) {
    case 'verify':
      // `verifyToken` / `verifyPassword` are checks used by middleware; verifying an address or account is the action.
      return words.some((word) => ['email', 'account', 'user', 'phone'].includes(word)) ||
        (words.length === 1 && VERIFY.has(words[0] ?? ''))
        ? 'verify'
        : undefined;
    case 'token':
      return words.length === 1 || words.some((word) => ['create', 'issue', 'exchange', 'revoke', 'rotate'].includes(word))
        ? 'token'
        : undefined;
    case 'session':
      return words.some((word) => ['create', 'destroy', 'delete', 'revoke', 'end'].includes(word)) ? 'session' : undefined;
    case 'refresh':
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
function looseAction(text: string): AuthAction | undefined {
  const words = authWords(text);
  return actionOfWords(words)?.action ?? (words.includes('auth') ? 'login' : undefined);
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

// ---------------------------------------------------------------------------------------------------------------
// The scan
// ---------------------------------------------------------------------------------------------------------------

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all']);
const ROUTER_NAME = /^(app|application|router|routes?|server|fastify|instance|api|srv|koa|[a-z][\w$]*(Router|Routes|App|Server|Api|Instance))$/;
const ROUTER_FACTORIES = /^(express|Router|fastify|Fastify|KoaRouter|createRouter|createApp|createServer|polka|restify)$/;
const CLIENT_FACTORIES = /^(axios|got|ky|supertest|request|fetch|superagent|needle|create)$/;
const NEXT_EXPORTS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const NEST_METHODS: ReadonlyMap<string, string> = new Map([
  ['Get', 'get'], ['Post', 'post'], ['Put', 'put'], ['Patch', 'patch'], ['Delete', 'delete'], ['All', 'all'],
]);

/** Parameter names of framework handlers: such functions are wrapped where they are registered, not declared. */
const HANDLER_FIRST_PARAMS = /^(req|request|ctx|context|_req|_request|_ctx)$/;
const HANDLER_SECOND_PARAMS = /^(res|response|reply|rep|next|_res|_reply|_next|h|_h)$/;

interface Binding {
  readonly kind: 'function' | 'import' | 'value' | 'wrapped' | 'call' | 'parameter';
  readonly node: TSESTree.Node;
}

class Scanner {
  readonly handlers: AuthHandlerSite[] = [];
  readonly wrapped: AuthHandlerSite[] = [];
  readonly skipped: SkippedAuthHandler[] = [];
  private readonly bindings = new Map<string, Binding[]>();
  private readonly wrapperNames = new Set([WRAPPER_NAME]);
  private readonly wrapperNamespaces = new Set<string>();
  private readonly decoratorNames = new Set([DECORATOR_NAME]);
  private readonly registeredNames = new Set<string>();
  private readonly fileWords: string[];
  private readonly framework: AuthFramework;
  /** A routing framework whose handlers the runtime cannot read (Hapi, Hono): its routes are reported, not wrapped. */
  private readonly unsupported: string | undefined;

  constructor(
    private readonly program: TSESTree.Program,
    private readonly options: FindAuthHandlersOptions,
  ) {
    this.fileWords = authWords(options.filePath.replace(/\.[cm]?[jt]sx?$/, ''));
    this.framework = this.sniffFramework();
    this.unsupported = this.sniffUnsupported();
  }

  scan(): void {
    this.collectBindings();
    const routeCalls: TSESTree.CallExpression[] = [];
    const classes: TSESTree.ClassDeclaration[] = [];
    traverse(this.program, (node) => {
      if (node.type === 'CallExpression') routeCalls.push(node);
      else if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') classes.push(node as TSESTree.ClassDeclaration);
    });
    for (const call of routeCalls) this.visitCall(call);
    for (const declaration of classes) this.visitNestController(declaration);
    if (isNextRouteFile(this.options.filePath)) this.visitNextRoute();
    else this.visitExportedFunctions();
    if (nextPagesApiRoute(this.options.filePath) !== undefined) this.visitNextPagesApi();
    this.dropAliasesOfWrappedSites();
  }

  /**
   * `export const POST = GET` where GET itself is wrapped here: wrapping the alias too would write two lines
   * per request, so a reference to a declaration that this scan wraps counts as already wrapped.
   */
  private dropAliasesOfWrappedSites(): void {
    const wrappedNames = new Set<string>();
    for (const site of this.handlers) {
      if (site.target.kind === 'function-declaration' && site.target.declaration.id) wrappedNames.add(site.target.declaration.id.name);
      if (site.target.kind === 'expression' && site.node.type === 'VariableDeclarator' && site.node.id.type === 'Identifier') {
        wrappedNames.add(site.node.id.name);
      }
    }
    for (let index = this.handlers.length - 1; index >= 0; index--) {
      const site = this.handlers[index] as AuthHandlerSite;
      if (site.target.kind === 'expression' && site.target.expression.type === 'Identifier' && wrappedNames.has(site.target.expression.name)) {
        this.handlers.splice(index, 1);
        this.wrapped.push(site);
      }
    }
  }

  // --- bindings and wrapper names ---------------------------------------------------------------------------

  private collectBindings(): void {
    const modules = new Set(this.options.wrapperModules ?? ['@quickwins/runtime', 'quickwins']);
    const add = (name: string, binding: Binding): void => {
      const list = this.bindings.get(name) ?? [];
      list.push(binding);
      this.bindings.set(name, list);
    };
    traverse(this.program, (node) => {
      switch (node.type) {
        case 'ImportDeclaration':
          for (const specifier of node.specifiers) {
            add(specifier.local.name, { kind: 'import', node: specifier });
            if (!modules.has(node.source.value)) continue;
            if (specifier.type === 'ImportNamespaceSpecifier' || specifier.type === 'ImportDefaultSpecifier') {
              this.wrapperNamespaces.add(specifier.local.name);
            } else {
              const imported = specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value;
              if (imported === WRAPPER_NAME) this.wrapperNames.add(specifier.local.name);
              if (imported === DECORATOR_NAME) this.decoratorNames.add(specifier.local.name);
            }
          }
          break;
        case 'FunctionDeclaration':
          if (node.id) add(node.id.name, { kind: 'function', node });
          break;
        case 'VariableDeclarator':
          this.collectDeclarator(node, modules, add);
          break;
        default:
          break;
      }
    });
  }

  private collectDeclarator(
    node: TSESTree.VariableDeclarator,
    modules: ReadonlySet<string>,
    add: (name: string, binding: Binding) => void,
  ): void {
    const init = node.init;
    const required = requiredModule(init);
    if (node.id.type === 'Identifier') {
      if (required !== undefined) {
        add(node.id.name, { kind: 'import', node });
        if (modules.has(required)) this.wrapperNamespaces.add(node.id.name);
        return;
      }
      const kind: Binding['kind'] = !init
        ? 'value'
        : isFunctionNode(init)
          ? 'function'
          : init.type === 'CallExpression'
            ? this.isWrapperCall(init)
              ? 'wrapped'
              : 'call'
            : init.type === 'Identifier' || init.type === 'MemberExpression'
              ? 'call'
              : 'value';
      add(node.id.name, { kind, node });
      return;
    }
    if (node.id.type === 'ObjectPattern') {
      for (const property of node.id.properties) {
        if (property.type !== 'Property' || property.value.type !== 'Identifier') continue;
        add(property.value.name, { kind: required !== undefined ? 'import' : 'call', node: property });
        if (required !== undefined && modules.has(required) && property.key.type === 'Identifier') {
          if (property.key.name === WRAPPER_NAME) this.wrapperNames.add(property.value.name);
          if (property.key.name === DECORATOR_NAME) this.decoratorNames.add(property.value.name);
        }
      }
    }
  }

  isWrapperCall(node: TSESTree.Node): boolean {
    if (node.type !== 'CallExpression') return false;
    const callee = node.callee;
    if (callee.type === 'Identifier') return this.wrapperNames.has(callee.name);
    if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
      return callee.property.name === WRAPPER_NAME;
    }
    return false;
  }

  /** True when the expression is, or contains in its call arguments, a call to the wrapper. */
  private goesThroughWrapper(node: TSESTree.Node): boolean {
    if (this.isWrapperCall(node)) return true;
    if (node.type === 'CallExpression') return node.arguments.some((argument) => this.goesThroughWrapper(argument));
    if (node.type === 'Identifier') return (this.bindings.get(node.name) ?? []).some((binding) => binding.kind === 'wrapped');
    return false;
  }

  private isAuthLoggedDecorator(decorator: TSESTree.Decorator): boolean {
    const expression = decorator.expression;
    const callee = expression.type === 'CallExpression' ? expression.callee : expression;
    if (callee.type === 'Identifier') return this.decoratorNames.has(callee.name);
    return callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.property.name === DECORATOR_NAME;
  }

  private sniffFramework(): AuthFramework {
    for (const source of this.importedModules()) {
      if (source === 'fastify' || source.startsWith('fastify-') || source.startsWith('@fastify/')) return 'fastify';
      if (source === 'koa' || source === '@koa/router' || source === 'koa-router') return 'koa';
    }
    return 'express';
  }

  private sniffUnsupported(): string | undefined {
    for (const source of this.importedModules()) {
      if (source === '@hapi/hapi' || source === 'hapi') return 'Hapi';
      if (source === 'hono' || source.startsWith('hono/')) return 'Hono';
    }
    return undefined;
  }

  private importedModules(): string[] {
    return this.program.body.flatMap((statement) =>
      statement.type === 'ImportDeclaration'
        ? [statement.source.value]
        : statement.type === 'VariableDeclaration'
          ? statement.declarations.map((declarator) => requiredModule(declarator.init)).filter((value): value is string => value !== undefined)
          : [],
    );
  }

  // --- Express, Koa and Fastify registrations --------------------------------------------------------------

  private visitCall(call: TSESTree.CallExpression): void {
    const callee = call.callee;
    if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return;
    const method = callee.property.name;
    if (method === 'route' && call.arguments.length === 1 && call.arguments[0]?.type === 'ObjectExpression') {
      if (this.isRouterLike(callee.object)) this.visitFastifyRoute(call, call.arguments[0]);
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
      const [first, second] = call.arguments;
      // @koa/router named routes: `router.post('login', '/login', handler)`.
      const named = isStringNode(first) && isStringNode(second) && stringOf(second)?.startsWith('/') === true;
      pathNode = named ? second : first;
      handlerArgs = call.arguments.slice(named ? 2 : 1);
      receiver = callee.object;
    }
    if (handlerArgs.length === 0 || !pathNode || !this.isRouterLike(receiver)) return;
    const paths = pathStrings(pathNode);
    if (paths && paths.every((path) => !path.startsWith('/') && path !== '' && path !== '*')) return;

    const last = handlerArgs.at(-1) as TSESTree.CallExpressionArgument;
    const handler = finalHandler(last);
    const handlerName = handler ? referenceName(handler) : undefined;
    const context = [...this.fileWords, ...authWords(expressionText(receiver))];
    const named = this.routeAction(paths, handlerName, context);
    if (!named) return;
    const description = `${method.toUpperCase()} ${paths?.[0] ?? handlerName ?? '(computed path)'}`;
    const framework = this.framework;
    if (this.reportUnclassified(named, framework, description, call)) return;
    const action = actionForMethod(method, named);
    if (!action) return;

    if (!handler) {
      const reason =
        last.type === 'SpreadElement'
          ? 'its handlers are spread (`...handlers`), so the final one is not visible here'
          : 'its final handler is not a function expression or reference';
      this.skipped.push({ framework, description, node: call, reason });
      return;
    }
    const middlewaresBefore = handlerArgs
      .slice(0, -1)
      .filter((argument) => !isPlainObject(argument))
      .map((argument) => shortText(argument));
    this.registerSite(framework, action, description, handler, call, middlewaresBefore);
  }

  private registerSite(
    framework: AuthFramework,
    action: AuthAction,
    description: string,
    handler: HandlerRef,
    node: TSESTree.Node,
    middlewaresBefore: readonly string[],
  ): void {
    if (this.unsupported && framework !== 'nestjs' && framework !== 'next' && framework !== 'function') {
      this.skipped.push({
        framework,
        description,
        node,
        reason: `${this.unsupported} handlers answer through their return value, which the runtime cannot read yet (it would log every request as a success)`,
      });
      return;
    }
    if (handler.kind === 'expression') {
      const expression = handler.expression;
      if (expression.type === 'Identifier') this.registeredNames.add(expression.name);
      if (this.goesThroughWrapper(expression)) {
        this.wrapped.push({ framework, action, description, target: handler, node, middlewaresBefore });
        return;
      }
      const problem = this.unwrappableReason(expression);
      if (problem) {
        this.skipped.push({ framework, description, node, reason: problem });
        return;
      }
    }
    this.handlers.push({ framework, action, description, target: handler, node, middlewaresBefore });
  }

  /** Why a final handler expression cannot be wrapped safely; undefined when it can. */
  private unwrappableReason(expression: TSESTree.Expression): string | undefined {
    if (expression.type === 'CallExpression') {
      const callee = referenceName({ kind: 'expression', expression: expression.callee as TSESTree.Expression });
      if (isBindCall(expression)) return undefined;
      // `asyncHandler(fn)`, `catchAsync(fn)`, `wrap(fn)` return the handler itself and are safe to wrap from outside.
      if (callee && /async|catch|wrap|safe|handler|controller|errors?$/i.test(callee) && expression.arguments.length > 0) {
        return undefined;
      }
      return `its final handler is the result of \`${shortText(expression)}\`, which may answer the request itself (a redirect, a 401) in a way the wrapper cannot read; wrap the real handler by hand`;
    }
    if (expression.type === 'Identifier') {
      const bindings = this.bindings.get(expression.name) ?? [];
      if (bindings.length > 0 && bindings.every((binding) => binding.kind === 'value')) {
        return `\`${expression.name}\` is not a function declared in this file`;
      }
    }
    return undefined;
  }

  /**
   * The action of a route from its paths, else its handler's name. Under `--match`, a path or name the regex
   * matches but whose words name no action comes back as `unclassified`, for the caller to report.
   */
  private routeAction(
    paths: readonly string[] | undefined,
    handlerName: string | undefined,
    context: readonly string[],
  ): AuthAction | 'unclassified' | undefined {
    const match = this.options.match;
    if (match) {
      const hit = [...(paths ?? []), ...(handlerName ? [handlerName] : [])].find((text) => match.test(text));
      if (hit === undefined) return undefined;
      return looseAction(hit) ?? looseAction(handlerName ?? '') ?? looseAction(context.join(' ')) ?? 'unclassified';
    }
    for (const path of paths ?? []) {
      const words = authWords(staticPath(path));
      if (has(words, DECOYS)) return undefined;
      const action = classifyRoutePath(path, context);
      if (action) return action;
    }
    return handlerName ? classifyHandlerName(handlerName) : undefined;
  }

  /** Reports a `--match` hit whose words name no action; true when it did (the caller stops). */
  private reportUnclassified(action: AuthAction | 'unclassified', framework: AuthFramework, description: string, node: TSESTree.Node): action is 'unclassified' {
    if (action !== 'unclassified') return false;
    this.skipped.push({
      framework,
      description,
      node,
      reason: 'it matches --match, but no word in its path or name says which auth action it is (login, register, token, ...)',
    });
    return true;
  }

  private isRouterLike(node: TSESTree.Node): boolean {
    if (node.type === 'Identifier') {
      const bindings = this.bindings.get(node.name) ?? [];
      for (const binding of bindings) {
        if (binding.node.type !== 'VariableDeclarator' || binding.node.init?.type !== 'CallExpression' && binding.node.init?.type !== 'NewExpression') continue;
        const factory = calleeName(binding.node.init.callee);
        if (factory && CLIENT_FACTORIES.test(factory)) return false;
        if (factory && ROUTER_FACTORIES.test(factory)) return true;
      }
      return ROUTER_NAME.test(node.name);
    }
    if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') {
      return ROUTER_NAME.test(node.property.name);
    }
    if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && !node.callee.computed) {
      const property = node.callee.property;
      // `app.post(...).get(...)` chains, and `express.Router()` / `new Router()` used directly.
      if (property.type === 'Identifier' && ROUTE_METHODS.has(property.name)) return this.isRouterLike(node.callee.object);
    }
    return false;
  }

  private visitFastifyRoute(call: TSESTree.CallExpression, route: TSESTree.ObjectExpression): void {
    const url = propertyValue(route, 'url') ?? propertyValue(route, 'path');
    const methodNode = propertyValue(route, 'method');
    const handlerProperty = findProperty(route, 'handler');
    const paths = url ? pathStrings(url) : undefined;
    const handler = handlerProperty ? propertyHandler(handlerProperty) : undefined;
    const handlerName = handler ? referenceName(handler) : undefined;
    const named = this.routeAction(paths, handlerName, this.fileWords);
    if (!named) return;
    const methods = methodNode ? pathStrings(methodNode) : undefined;
    const description = `${methods?.join(',') ?? '?'} ${paths?.[0] ?? '(computed url)'}`;
    if (this.reportUnclassified(named, 'fastify', description, call)) return;
    if (!methods) {
      this.skipped.push({ framework: 'fastify', description, node: call, reason: 'its `method` is not a literal, so whether it performs the action is unknown' });
      return;
    }
    const action = methods.map((method) => actionForMethod(method, named)).find((found) => found !== undefined);
    if (!action) return;
    if (!handler) {
      this.skipped.push({ framework: 'fastify', description, node: call, reason: 'its `handler` is missing, computed or spread' });
      return;
    }
    this.registerSite('fastify', action, description, handler, call, []);
  }

  // --- NestJS -------------------------------------------------------------------------------------------------

  private visitNestController(declaration: TSESTree.ClassDeclaration): void {
    const controller = (declaration.decorators ?? []).find((decorator) => decoratorName(decorator) === 'Controller');
    if (!controller) return;
    const prefixes = decoratorPaths(controller) ?? [''];
    const context = [...this.fileWords, ...authWords(declaration.id?.name ?? ''), ...prefixes.flatMap((prefix) => authWords(prefix))];
    for (const member of declaration.body.body) {
      if (member.type !== 'MethodDefinition' || member.static || member.kind !== 'method') continue;
      const httpDecorator = (member.decorators ?? []).find((decorator) => NEST_METHODS.has(decoratorName(decorator) ?? ''));
      if (!httpDecorator) continue;
      const method = NEST_METHODS.get(decoratorName(httpDecorator) ?? '') ?? 'post';
      const methodName = member.key.type === 'Identifier' ? member.key.name : undefined;
      const paths = (decoratorPaths(httpDecorator) ?? ['']).flatMap((path) =>
        prefixes.map((prefix) => `/${[prefix, path].filter((part) => part !== '').join('/')}`.replace(/\/+/g, '/')),
      );
      const named = this.routeAction(paths, methodName, context);
      if (!named) continue;
      const description = `@${decoratorName(httpDecorator)} ${paths[0]} (${methodName ?? 'method'})`;
      if (this.reportUnclassified(named, 'nestjs', description, member)) continue;
      const action = actionForMethod(method, named);
      if (!action) continue;
      const site: AuthHandlerSite = {
        framework: 'nestjs',
        action,
        description,
        target: { kind: 'decorator', method: member },
        node: member,
        middlewaresBefore: [],
      };
      if ((member.decorators ?? []).some((decorator) => this.isAuthLoggedDecorator(decorator))) this.wrapped.push(site);
      else this.handlers.push(site);
    }
  }

  // --- Next.js route handlers -----------------------------------------------------------------------------

  private visitNextRoute(): void {
    const folder = nextRouteFolder(this.options.filePath) ?? '';
    const groups = folder.split('/').filter((segment) => segment.startsWith('(')).flatMap((segment) => authWords(segment));
    for (const statement of this.program.body) {
      if (statement.type !== 'ExportNamedDeclaration') continue;
      for (const exported of exportedFunctions(statement)) {
        if (!NEXT_EXPORTS.has(exported.name)) continue;
        const named = this.routeAction([`/${folder}`], undefined, groups);
        if (!named || this.reportUnclassified(named, 'next', `${exported.name} /${folder}`, exported.node)) continue;
        const action = actionForMethod(exported.name, named);
        if (!action) continue;
        this.exportedSite('next', action, `${exported.name} /${folder}`, exported, statement);
      }
      if (!statement.declaration && statement.source === null) {
        for (const specifier of statement.specifiers) {
          const name = specifier.exported.type === 'Identifier' ? specifier.exported.name : specifier.exported.value;
          if (!NEXT_EXPORTS.has(name)) continue;
          const named = this.routeAction([`/${folder}`], undefined, groups);
          if (!named || named === 'unclassified' || !actionForMethod(name, named)) continue;
          this.skipped.push({
            framework: 'next',
            description: `${name} /${folder}`,
            node: specifier,
            reason: `it is exported through \`export { ... as ${name} }\`; wrap the function where it is declared`,
          });
        }
      }
    }
  }

  // --- Next.js pages router API routes ---------------------------------------------------------------------

  /**
   * `pages/api/auth/login.ts`: the default export is the handler for every method. A session or token route there
   * mostly answers GET (who am I, a CSRF token), so those are reported rather than wrapped.
   */
  private visitNextPagesApi(): void {
    const route = nextPagesApiRoute(this.options.filePath) ?? '';
    const statement = this.program.body.find((node): node is TSESTree.ExportDefaultDeclaration => node.type === 'ExportDefaultDeclaration');
    if (!statement) return;
    const named = this.routeAction([route], undefined, []);
    const description = `default export ${route}`;
    if (!named || this.reportUnclassified(named, 'next', description, statement)) return;
    if (named === 'session' || named === 'token') {
      this.skipped.push({
        framework: 'next',
        description,
        node: statement,
        reason: 'an API route for every method: a GET reads the session or token and is no auth event; wrap the creating branch by hand',
      });
      return;
    }
    const declaration = statement.declaration;
    if (declaration.type === 'FunctionDeclaration') {
      const name = declaration.id?.name;
      if (name && referencedOutside(this.program, name, declaration)) {
        this.skipped.push({
          framework: 'next',
          description,
          node: statement,
          reason: `\`${name}\` is also used elsewhere in the file, and wrapping the default export would unbind it`,
        });
        return;
      }
      this.handlers.push({ framework: 'next', action: named, description, target: { kind: 'default-function', declaration }, node: statement, middlewaresBefore: [] });
      return;
    }
    if (declaration.type === 'ClassDeclaration' || declaration.type === 'TSInterfaceDeclaration' || declaration.type === 'TSDeclareFunction') return;
    const handler = finalHandler(declaration as TSESTree.Expression);
    if (!handler) return;
    this.registerSite('next', named, description, handler, statement, []);
  }

  // --- exported plain functions ---------------------------------------------------------------------------

  private visitExportedFunctions(): void {
    for (const statement of this.program.body) {
      if (statement.type === 'ExportNamedDeclaration') {
        for (const exported of exportedFunctions(statement)) this.visitExportedFunction(exported, statement);
      } else if (statement.type === 'ExpressionStatement') {
        for (const exported of commonJsExports(statement)) this.visitExportedFunction(exported, statement);
      }
    }
  }

  private visitExportedFunction(exported: ExportedFunction, statement: TSESTree.Node): void {
    const match = this.options.match;
    if (match && match.test(exported.name) && !looseAction(exported.name)) {
      this.skipped.push({
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
    if (target.kind === 'expression' && this.goesThroughWrapper(target.expression)) {
      this.exportedSite('function', action, `${exported.name}()`, exported, statement);
      return;
    }
    const description = `${exported.name}()`;
    const skip = (reason: string): void => {
      this.skipped.push({ framework: 'function', description, node: exported.node, reason });
    };
    const behind = this.functionBehind(exported);
    // A schema object or constant named `login` (validation modules), or a function imported and re-exported
    // (wrapped where it is declared): not a site here.
    if (behind.kind === 'not-a-function' || behind.kind === 'elsewhere') return;
    if (behind.kind === 'route-handler') {
      // Controllers (`exports.login = async (req, res) => ...`, `const login = catchAsync(async (req, res) => ...)`)
      // are wrapped where the route registers them; wrapping here too would write two lines per request.
      if (!this.registeredNames.has(exported.name)) {
        skip('it takes (req, res)-style parameters, so it is a route handler: it is wrapped where a route registers it (run the codemod on that file too)');
      }
      return;
    }
    if (this.registeredNames.has(exported.name)) return;
    if (behind.kind === 'unknown') {
      skip('its function is not visible here (a call result or an unresolved name), so whether it is an entry point or a helper is unknown');
      return;
    }
    if (exported.name === 'register' && firstParamIsPluginHost(behind.fn)) return;
    const helper = helperParameters(behind.fn);
    if (helper) {
      skip(
        `it takes ${helper}: a helper that a handler calls rather than an entry point; wrapping it would log a second line for the same request (the plain form is \`${exported.name}(input)\`)`,
      );
      return;
    }
    this.exportedSite('function', action, description, exported, statement);
  }

  /** The function an export stands for, looking through names declared in this file and wrapper calls. */
  private functionBehind(exported: ExportedFunction): FunctionBehind {
    if (exported.fn) return classifyFunction(exported.fn);
    const target = exported.target;
    const expression =
      target.kind === 'expression'
        ? target.expression
        : target.kind === 'shorthand-property'
          ? (target.property.value as TSESTree.Expression)
          : undefined;
    if (!expression) return { kind: 'unknown' };
    return this.behindExpression(expression, 0);
  }

  private behindExpression(expression: TSESTree.Node, depth: number): FunctionBehind {
    if (isFunctionNode(expression) || expression.type === 'FunctionDeclaration') return classifyFunction(expression);
    if (expression.type === 'CallExpression') {
      // `catchAsync(async (req, res) => ...)`, `memoize(async (input) => ...)`: the function passed in decides.
      const inner = expression.arguments.find((argument) => isFunctionNode(argument));
      if (inner) return classifyFunction(inner as TSESTree.FunctionLike);
      const reference = expression.arguments.find((argument) => argument.type === 'Identifier');
      return reference && depth < 3 ? this.behindExpression(reference, depth + 1) : { kind: 'unknown' };
    }
    if (expression.type !== 'Identifier' || depth >= 3) return { kind: 'unknown' };
    const bindings = this.bindings.get(expression.name) ?? [];
    if (bindings.length === 0) return { kind: 'elsewhere' };
    const binding = bindings[0] as Binding;
    switch (binding.kind) {
      case 'import':
        return { kind: 'elsewhere' };
      case 'value':
        return { kind: 'not-a-function' };
      case 'function':
        return binding.node.type === 'VariableDeclarator' && binding.node.init
          ? this.behindExpression(binding.node.init, depth + 1)
          : this.behindExpression(binding.node, depth + 1);
      case 'call':
        return binding.node.type === 'VariableDeclarator' && binding.node.init
          ? this.behindExpression(binding.node.init, depth + 1)
          : { kind: 'unknown' };
      default:
        return { kind: 'unknown' };
    }
  }

  private exportedSite(
    framework: AuthFramework,
    action: AuthAction,
    description: string,
    exported: ExportedFunction,
    statement: TSESTree.Node,
  ): void {
    const site = (target: WrapTarget): AuthHandlerSite => ({ framework, action, description, target, node: exported.node, middlewaresBefore: [] });
    const target = exported.target;
    if (target.kind === 'expression' && this.goesThroughWrapper(target.expression)) {
      this.wrapped.push(site(target));
      return;
    }
    if (target.kind === 'function-declaration') {
      const reason = this.declarationProblem(target.declaration, statement);
      if (reason) {
        this.skipped.push({ framework, description, node: exported.node, reason });
        return;
      }
    }
    if (target.kind === 'expression' && !isFunctionNode(target.expression) && target.expression.type !== 'Identifier' && target.expression.type !== 'MemberExpression') {
      const problem = this.unwrappableReason(target.expression);
      if (problem) {
        this.skipped.push({ framework, description, node: exported.node, reason: problem });
        return;
      }
    }
    this.handlers.push(site(target));
  }

  /** Why `export function f` cannot become `export const f = withAuthLogging(...)`. */
  private declarationProblem(declaration: TSESTree.FunctionDeclaration, statement: TSESTree.Node): string | undefined {
    const name = declaration.id?.name;
    if (!name) return 'it has no name';
    const overloads = this.program.body.some(
      (other) =>
        other !== statement &&
        (other.type === 'TSDeclareFunction' ||
          (other.type === 'ExportNamedDeclaration' && other.declaration?.type === 'TSDeclareFunction')) &&
        ((other.type === 'TSDeclareFunction' ? other : (other.declaration as TSESTree.TSDeclareFunction)).id?.name === name),
    );
    if (overloads) return 'it has overload signatures, which a wrapped const cannot keep';
    const usedBefore = referencedAtLoadBefore(this.program, name, statement.range[0]);
    if (usedBefore) return `\`${name}\` is used above its declaration, which a const (unlike a hoisted function) would break`;
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/**
 * Whether `name` is read while the module loads (outside any function body) before `offset`: the one case where
 * a hoisted function declaration works and a const does not. Property keys and member names are not reads.
 */
function referencedAtLoadBefore(program: TSESTree.Program, name: string, offset: number): boolean {
  let found = false;
  const functionRanges: (readonly [number, number])[] = [];
  traverse(program, (node, parent) => {
    if (found || node.range[0] >= offset) return;
    if (isFunctionNode(node) || node.type === 'FunctionDeclaration') {
      functionRanges.push(node.range);
      return;
    }
    if (node.type !== 'Identifier' || node.name !== name) return;
    if (functionRanges.some(([start, end]) => node.range[0] >= start && node.range[1] <= end)) return;
    if (parent?.type === 'MemberExpression' && parent.property === node && !parent.computed) return;
    if ((parent?.type === 'Property' || parent?.type === 'MethodDefinition' || parent?.type === 'PropertyDefinition') && parent.key === node && !parent.computed) {
      if (parent.type !== 'Property' || !parent.shorthand) return;
    }
    if (parent?.type === 'ExportSpecifier' || parent?.type === 'ImportSpecifier' || parent?.type === 'ImportDefaultSpecifier') return;
    if (parent?.type === 'TSTypeReference' || parent?.type === 'TSQualifiedName') return;
    found = true;
  });
  return found;
}

type HandlerRef = Extract<WrapTarget, { kind: 'expression' | 'shorthand-property' | 'method-property' }>;

interface ExportedFunction {
  readonly name: string;
  /** The function, when visible (declaration or function/arrow initialiser). */
  readonly fn: TSESTree.FunctionLike | undefined;
  readonly target: WrapTarget;
  readonly node: TSESTree.Node;
}

function isFunctionNode(node: TSESTree.Node): node is TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression {
  return node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression';
}

function isStringNode(node: TSESTree.Node | undefined): boolean {
  return stringOf(node) !== undefined;
}

function stringOf(node: TSESTree.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral') {
    // `/${prefix}/login`: the expressions become parameters, the static words still count.
    return node.quasis.map((quasi) => quasi.value.cooked ?? quasi.value.raw).join(':x');
  }
  return undefined;
}

/** The literal paths (or methods) a node holds: a string, a template, or an array of them. */
function pathStrings(node: TSESTree.Node): string[] | undefined {
  const single = stringOf(node);
  if (single !== undefined) return [single];
  if (node.type === 'ArrayExpression') {
    const values = node.elements.map((element) => stringOf(element ?? undefined));
    return values.every((value): value is string => value !== undefined) ? values : undefined;
  }
  return undefined;
}

/** The `.route('/path')` call at the bottom of an Express route chain, if the chain has one. */
function expressRouteCall(node: TSESTree.Node): TSESTree.CallExpression | undefined {
  let current = node;
  while (current.type === 'CallExpression' && current.callee.type === 'MemberExpression' && current.callee.property.type === 'Identifier') {
    const name = current.callee.property.name;
    if (name === 'route') return current.arguments.length === 1 && isStringNode(current.arguments[0]) ? current : undefined;
    if (!ROUTE_METHODS.has(name)) return undefined;
    // `app.post('/a', h).post(...)` is a chain of full registrations, not of a `.route()`.
    if (isStringNode(current.arguments[0])) return undefined;
    current = current.callee.object;
  }
  return undefined;
}

/** The final handler among a route's arguments: the last one, inside an array, or a Fastify options `handler`. */
function finalHandler(argument: TSESTree.CallExpressionArgument): HandlerRef | undefined {
  if (argument.type === 'SpreadElement') return undefined;
  if (argument.type === 'ArrayExpression') {
    const last = argument.elements.at(-1);
    return last && last.type !== 'SpreadElement' ? finalHandler(last) : undefined;
  }
  if (argument.type === 'ObjectExpression') {
    const property = findProperty(argument, 'handler');
    return property ? propertyHandler(property) : undefined;
  }
  if (
    isFunctionNode(argument) ||
    argument.type === 'Identifier' ||
    argument.type === 'MemberExpression' ||
    argument.type === 'CallExpression' ||
    argument.type === 'TSAsExpression' ||
    argument.type === 'TSSatisfiesExpression'
  ) {
    return { kind: 'expression', expression: argument };
  }
  return undefined;
}

function findProperty(object: TSESTree.ObjectExpression, name: string): TSESTree.Property | undefined {
  return object.properties.find(
    (property): property is TSESTree.Property =>
      property.type === 'Property' &&
      !property.computed &&
      ((property.key.type === 'Identifier' && property.key.name === name) ||
        (property.key.type === 'Literal' && property.key.value === name)),
  );
}

function propertyValue(object: TSESTree.ObjectExpression, name: string): TSESTree.Node | undefined {
  return findProperty(object, name)?.value;
}

function propertyHandler(property: TSESTree.Property): HandlerRef | undefined {
  if (property.kind !== 'init') return undefined;
  if (property.method) return { kind: 'method-property', property };
  if (property.shorthand) return { kind: 'shorthand-property', property };
  const value = property.value;
  if (value.type === 'AssignmentPattern' || value.type === 'ObjectPattern' || value.type === 'ArrayPattern' || value.type === 'TSEmptyBodyFunctionExpression') {
    return undefined;
  }
  return finalHandler(value as TSESTree.Expression);
}

/** The name a handler is known by: `login`, `authController.login` → `login`, a named function expression. */
function referenceName(handler: HandlerRef): string | undefined {
  if (handler.kind !== 'expression') {
    const key = handler.property.key;
    return key.type === 'Identifier' ? key.name : undefined;
  }
  let expression: TSESTree.Node = handler.expression;
  if (expression.type === 'CallExpression' && isBindCall(expression)) expression = (expression.callee as TSESTree.MemberExpression).object;
  if (expression.type === 'Identifier') return expression.name;
  if (expression.type === 'MemberExpression' && !expression.computed && expression.property.type === 'Identifier') {
    return expression.property.name;
  }
  if (expression.type === 'FunctionExpression' && expression.id) return expression.id.name;
  return undefined;
}

function isBindCall(call: TSESTree.CallExpression): boolean {
  return call.callee.type === 'MemberExpression' && call.callee.property.type === 'Identifier' && call.callee.property.name === 'bind';
}

function calleeName(callee: TSESTree.Node): string | undefined {
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && callee.property.type === 'Identifier') {
    // `axios.create()` is a client, `express.Router()` a router.
    const objectName = callee.object.type === 'Identifier' ? callee.object.name : undefined;
    if (objectName && CLIENT_FACTORIES.test(objectName)) return objectName;
    return callee.property.name;
  }
  if (callee.type === 'CallExpression') return calleeName(callee.callee);
  return undefined;
}

function requiredModule(init: TSESTree.Node | null | undefined): string | undefined {
  let current = init;
  while (current && (current.type === 'MemberExpression' || current.type === 'AwaitExpression')) {
    current = current.type === 'MemberExpression' ? current.object : current.argument;
  }
  if (current?.type !== 'CallExpression' || current.callee.type !== 'Identifier' || current.callee.name !== 'require') return undefined;
  return stringOf(current.arguments[0]);
}

function expressionText(node: TSESTree.Node): string {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression') return `${expressionText(node.object)} ${node.property.type === 'Identifier' ? node.property.name : ''}`;
  if (node.type === 'CallExpression') return expressionText(node.callee);
  return '';
}

function shortText(node: TSESTree.Node): string {
  if (node.type === 'CallExpression') return `${expressionText(node.callee).trim().replace(/ /g, '.')}(...)`;
  if (node.type === 'Identifier' || node.type === 'MemberExpression') return expressionText(node).trim().replace(/ /g, '.');
  if (isFunctionNode(node)) return 'an inline function';
  return node.type;
}

function isPlainObject(node: TSESTree.Node): boolean {
  return node.type === 'ObjectExpression';
}

function decoratorName(decorator: TSESTree.Decorator): string | undefined {
  const expression = decorator.expression;
  const callee = expression.type === 'CallExpression' ? expression.callee : expression;
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && callee.property.type === 'Identifier') return callee.property.name;
  return undefined;
}

/** `@Post('login')`, `@Post(['a', 'b'])`, `@Post()`, `@Controller({ path: 'auth' })` → their paths. */
function decoratorPaths(decorator: TSESTree.Decorator): string[] | undefined {
  const expression = decorator.expression;
  if (expression.type !== 'CallExpression') return undefined;
  const argument = expression.arguments[0];
  if (!argument) return [''];
  if (argument.type === 'ObjectExpression') {
    const path = propertyValue(argument, 'path');
    return path ? pathStrings(path) : [''];
  }
  return pathStrings(argument);
}

/** `pages/api/auth/login.ts` → `/api/auth/login`; `src/pages/api/auth/index.js` → `/api/auth`. */
export function nextPagesApiRoute(filePath: string): string | undefined {
  const normalized = filePath.replace(/\\/g, '/');
  const match = /(?:^|\/)pages\/(api\/.*)\.[cm]?[jt]sx?$/.exec(normalized);
  return match ? `/${(match[1] ?? '').replace(/\/index$/, '')}` : undefined;
}

/** Whether `name` appears as a reference anywhere outside `inside` (declarations' own names excluded). */
function referencedOutside(program: TSESTree.Program, name: string, inside: TSESTree.Node): boolean {
  let found = false;
  traverse(program, (node, parent) => {
    if (found || node.type !== 'Identifier' || node.name !== name) return;
    if (node.range[0] >= inside.range[0] && node.range[1] <= inside.range[1]) return;
    if (parent?.type === 'MemberExpression' && parent.property === node && !parent.computed) return;
    if ((parent?.type === 'Property' || parent?.type === 'MethodDefinition') && parent.key === node && !parent.computed && !(parent.type === 'Property' && parent.shorthand)) return;
    found = true;
  });
  return found;
}

export function isNextRouteFile(filePath: string): boolean {
  return nextRouteFolder(filePath) !== undefined;
}

/** `src/app/(auth)/api/login/route.ts` → `(auth)/api/login`. */
function nextRouteFolder(filePath: string): string | undefined {
  const normalized = filePath.replace(/\\/g, '/');
  const match = /(?:^|\/)app\/(.*?)\/?route\.(?:[cm]?[jt]sx?)$/.exec(normalized);
  return match ? (match[1] ?? '').replace(/\/$/, '') : undefined;
}

function exportedFunctions(statement: TSESTree.ExportNamedDeclaration): ExportedFunction[] {
  const declaration = statement.declaration;
  if (!declaration) return [];
  if (declaration.type === 'FunctionDeclaration' && declaration.id) {
    return [{ name: declaration.id.name, fn: declaration, target: { kind: 'function-declaration', declaration }, node: declaration }];
  }
  if (declaration.type !== 'VariableDeclaration') return [];
  const found: ExportedFunction[] = [];
  for (const declarator of declaration.declarations) {
    if (declarator.id.type !== 'Identifier' || !declarator.init) continue;
    const init = declarator.init;
    if (isFunctionNode(init) || init.type === 'CallExpression' || init.type === 'Identifier' || init.type === 'MemberExpression') {
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
function commonJsExports(statement: TSESTree.ExpressionStatement): ExportedFunction[] {
  const expression = statement.expression;
  if (expression.type !== 'AssignmentExpression' || expression.operator !== '=') return [];
  const left = expression.left;
  const right = expression.right;
  if (left.type !== 'MemberExpression' || left.computed || left.property.type !== 'Identifier') return [];
  const isModuleExports = (node: TSESTree.Node): boolean =>
    node.type === 'MemberExpression' &&
    node.object.type === 'Identifier' &&
    node.object.name === 'module' &&
    node.property.type === 'Identifier' &&
    node.property.name === 'exports';
  const onExports = (left.object.type === 'Identifier' && left.object.name === 'exports') || isModuleExports(left.object);
  if (onExports) {
    if (isFunctionNode(right) || right.type === 'Identifier') {
      return [{ name: left.property.name, fn: isFunctionNode(right) ? right : undefined, target: { kind: 'expression', expression: right }, node: left }];
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

function paramName(param: TSESTree.Parameter | undefined): string | undefined {
  if (!param) return undefined;
  if (param.type === 'Identifier') return param.name;
  if (param.type === 'AssignmentPattern' && param.left.type === 'Identifier') return param.left.name;
  if (param.type === 'TSParameterProperty') return undefined;
  return undefined;
}

/** `(req, res)`, `(request, reply)`, `(ctx, next)`, `(ctx)`: a framework route handler, not a plain function. */
function looksLikeRouteHandler(fn: TSESTree.FunctionLike): boolean {
  const first = paramName(fn.params[0]);
  const second = paramName(fn.params[1]);
  if (!first || !HANDLER_FIRST_PARAMS.test(first)) return false;
  if (fn.params.length >= 2) return second !== undefined && HANDLER_SECOND_PARAMS.test(second);
  return /^_?(ctx|context)$/.test(first);
}

type FunctionBehind =
  | { readonly kind: 'plain'; readonly fn: TSESTree.FunctionLike }
  | { readonly kind: 'route-handler' }
  | { readonly kind: 'not-a-function' }
  | { readonly kind: 'elsewhere' }
  | { readonly kind: 'unknown' };

function classifyFunction(fn: TSESTree.FunctionLike): FunctionBehind {
  return looksLikeRouteHandler(fn) ? { kind: 'route-handler' } : { kind: 'plain', fn };
}

/** Last words of a single parameter that is one credential or value, not an input object: `logout(sessionId)`,
 *  `verifyEmail(verifyEmailToken)`, `login(username)`. */
const SCALAR_PARAM_WORDS = new Set([
  'token', 'password', 'passwd', 'pwd', 'email', 'mail', 'username', 'name', 'login', 'id', 'code', 'otp', 'secret',
  'hash', 'key', 'value', 'phone', 'sid', 'jti', 'str', 's',
]);

/**
 * The parameters of a service helper, described (`(email, password)`), or undefined for an entry point. The runtime's
 * plain form is `login(input)`: one input object it reads the identifier from. Helpers taking several values or one
 * credential are what handlers call, and wrapping them as well would log a second line for the same request.
 */
function helperParameters(fn: TSESTree.FunctionLike): string | undefined {
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
function firstParamIsPluginHost(fn: TSESTree.FunctionLike): boolean {
  const first = paramName(fn.params[0]);
  return first !== undefined && /^(app|fastify|server|instance|router|container|registry|program|plugin|api|hooks|di)$/i.test(first);
}

/** Finds the auth handlers of one file. Pure: reads the tree, edits nothing. */
export function findAuthHandlers(program: TSESTree.Program, options: FindAuthHandlersOptions): AuthHandlerScan {
  const scanner = new Scanner(program, options);
  scanner.scan();
  return { handlers: scanner.handlers, wrapped: scanner.wrapped, skipped: scanner.skipped };
}

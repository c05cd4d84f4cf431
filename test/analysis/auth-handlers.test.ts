import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  authWords,
  classifyHandlerName,
  classifyRoutePath,
  findAuthHandlers,
  isNextRouteFile,
  type AuthHandlerScan,
} from '../../src/auth-logging/index.js';
import { parseSource, positionAt } from '../../src/core/parse.js';

function scan(source: string, filePath = 'src/routes.ts', match?: RegExp): AuthHandlerScan {
  return findAuthHandlers(parseSource(filePath, source), { filePath, match });
}

/** The same with `--plain-functions`: exported functions that only their name says are auth actions get wrapped. */
function scanPlain(source: string, filePath = 'src/routes.ts', match?: RegExp): AuthHandlerScan {
  return findAuthHandlers(parseSource(filePath, source), { filePath, match, plainFunctions: true });
}

function actions(result: AuthHandlerScan): string[] {
  return result.handlers.map((site) => `${site.framework}:${site.action}:${site.description}`);
}

describe('authWords', () => {
  it('splits paths, camelCase and kebab-case, and joins split auth words', () => {
    expect(authWords('/auth/signIn')).toEqual(['auth', 'signin']);
    expect(authWords('handleLogIn')).toEqual(['handle', 'login']);
    expect(authWords('/sign-up')).toEqual(['signup']);
    expect(authWords('two_factor/verify')).toEqual(['2fa', 'verify']);
    expect(authWords('resetPASSWORDToken')).toEqual(['reset', 'password', 'token']);
  });
});

describe('classifyRoutePath', () => {
  it.each([
    ['/login', 'login'],
    ['/auth/sign-in', 'login'],
    ['/api/v1/signin', 'login'],
    ['/authenticate', 'login'],
    ['/logout', 'logout'],
    ['/auth/sign_out', 'logout'],
    ['/register', 'register'],
    ['/users/register', 'register'],
    ['/signup', 'register'],
    ['/token', 'token'],
    ['/oauth/token', 'token'],
    ['/token/refresh', 'refresh'],
    ['/auth/refresh-token', 'refresh'],
    ['/password/reset', 'password_reset'],
    ['/forgot-password', 'password_reset'],
    ['/auth/reset', 'password_reset'],
    ['/users/:id/password', 'password_change'],
    ['/change-password', 'password_change'],
    ['/verify-email', 'verify'],
    ['/email/confirm', 'verify'],
    ['/mfa/verify', 'mfa'],
    ['/otp', 'mfa'],
    ['/2fa/challenge', 'mfa'],
    ['/one-time-password', 'mfa'],
    ['/password/verify', 'verify'],
    ['/login/webauthn-verify', 'verify'],
    ['/account/webauthn/register', 'mfa'],
    ['/passkeys/register', 'mfa'],
    ['/session', 'session'],
    ['/users/:id/sessions', 'session'],
    ['/auth/login/:provider', 'login'],
    ['/auth', 'login'],
    ['/api/v1/auth', 'login'],
  ])('%s → %s', (path, action) => {
    expect(classifyRoutePath(path)).toBe(action);
  });

  it.each([
    '/login-help',
    '/docs/login',
    '/login/attempts',
    '/users/login-history',
    '/feed/refresh',
    '/chat/sessions',
    '/cache/reset',
    '/devices/register',
    '/webhooks/verify',
    '/password-policy',
    '/one-time-tokens',
    '/sign-in-experience',
    '/users/:id/password/expiration',
    '/orders',
    '/users/:id',
    '/catalog',
    '/auth/google',
    '/settings/auth',
  ])('%s is not an auth route', (path) => {
    expect(classifyRoutePath(path)).toBeUndefined();
  });

  it('lets the words around a route (router, controller, file) make a weak word about auth', () => {
    expect(classifyRoutePath('/refresh', ['auth', 'router'])).toBe('refresh');
    expect(classifyRoutePath('/session/:id/messages')).toBeUndefined();
  });
});

describe('classifyHandlerName', () => {
  it.each([
    ['login', 'login'],
    ['handleLogin', 'login'],
    ['loginHandler', 'login'],
    ['signIn', 'login'],
    ['loginWithPassword', 'login'],
    ['logout', 'logout'],
    ['signOut', 'logout'],
    ['register', 'register'],
    ['registerUser', 'register'],
    ['signUp', 'register'],
    ['refreshToken', 'refresh'],
    ['resetPassword', 'password_reset'],
    ['forgotPassword', 'password_reset'],
    ['requestPasswordReset', 'password_reset'],
    ['changePassword', 'password_change'],
    ['updatePassword', 'password_change'],
    ['verifyEmail', 'verify'],
    ['verifyOtp', 'mfa'],
    ['verifyMfa', 'mfa'],
    ['issueToken', 'token'],
    ['createSession', 'session'],
    ['destroySession', 'session'],
  ])('%s → %s', (name, action) => {
    expect(classifyHandlerName(name)).toBe(action);
  });

  it.each([
    'hashPassword',
    'comparePassword',
    'validatePassword',
    'verifyPassword',
    'verifyToken',
    'signToken',
    'generateToken',
    'generateOtp',
    'isLoggedIn',
    'requireLogin',
    'loginRequired',
    'loginPage',
    'renderLogin',
    'getSession',
    'startSessionTimer',
    'createUser',
    'profile',
  ])('%s is not an auth handler name', (name) => {
    expect(classifyHandlerName(name)).toBeUndefined();
  });
});

describe('findAuthHandlers: registrations', () => {
  it('finds Express app and router routes, and only wraps the final handler', () => {
    const result = scan(`
      import express from 'express';
      const app = express();
      const router = express.Router();
      app.post('/login', passport.authenticate('local'), validate, (req, res) => res.json(req.user));
      router.route('/password/reset').get(page).post(resetHandler);
      app.post('/orders', createOrder);
    `);
    expect(actions(result)).toEqual(['express:login:POST /login', 'express:password_reset:POST /password/reset']);
    const login = result.handlers[0];
    expect(login?.target.kind).toBe('expression');
    expect(login?.target.kind === 'expression' && login.target.expression.type).toBe('ArrowFunctionExpression');
    expect(login?.middlewaresBefore).toEqual(['passport.authenticate(...)', 'validate']);
  });

  it('maps the HTTP method: DELETE on a session is a logout, PATCH and DELETE on tokens are not issuing one', () => {
    const result = scan(`
      router.delete('/sessions/:id', revoke);
      router.delete('/users/:id/password', remove);
      router.patch('/tokens/:id', rename);
      router.delete('/tokens/:id', drop);
      router.patch('/users/:id/password', change);
      router.put('/session', renew);
    `);
    expect(actions(result)).toEqual([
      'express:logout:DELETE /sessions/:id',
      'express:password_change:PATCH /users/:id/password',
      'express:session:PUT /session',
    ]);
  });

  it('finds GET routes only for the actions a link performs (logout, verify)', () => {
    const result = scan(`
      app.get('/login', page);
      app.get('/logout', logout);
      app.get('/verify-email', verify);
      app.get('/session', current);
    `);
    expect(actions(result)).toEqual(['express:logout:GET /logout', 'express:verify:GET /verify-email']);
  });

  it('names a route by its handler when the path says nothing (`/`, a constant)', () => {
    const result = scan(`
      authRouter.post('/', authController.login);
      app.post(ROUTES.SIGNUP, handlers.signUp);
      app.post('/', ordersController.create);
    `);
    expect(actions(result)).toEqual(['express:login:POST /', 'express:register:POST signUp']);
  });

  it('ignores HTTP clients and test agents that share the method names', () => {
    const result = scan(`
      import axios from 'axios';
      const api = axios.create();
      const http = got.extend({});
      api.post('/login', credentials);
      http.post('/login', handler);
      request(app).post('/login').send(body);
      fetcher.post('/login', () => {});
    `);
    expect(result.handlers).toEqual([]);
  });

  it('finds Fastify shorthands with options and route() objects, by method', () => {
    const result = scan(
      `
      import Fastify from 'fastify';
      const fastify = Fastify();
      fastify.post('/login', { schema }, handler);
      fastify.post('/logout', { handler: out });
      fastify.route({ method: ['GET', 'POST'], url: '/token', handler: issue });
      fastify.route({ method: 'GET', url: '/session', handler: show });
      fastify.route({ method: verb, url: '/signup', handler: create });
    `,
      'src/auth.ts',
    );
    expect(actions(result)).toEqual([
      'fastify:login:POST /login',
      'fastify:logout:POST /logout',
      'fastify:token:GET,POST /token',
    ]);
    expect(result.skipped.map((site) => site.reason)).toEqual([
      expect.stringContaining('a GET here does not perform session'),
      expect.stringContaining('`method` is not a literal'),
    ]);
  });

  it('finds @koa/router routes, named routes included', () => {
    const result = scan(`
      import Router from '@koa/router';
      const router = new Router();
      router.post('login', '/login', rateLimit(), login);
      router.post('/register', body(), async (ctx) => {});
    `);
    expect(actions(result)).toEqual(['koa:login:POST /login', 'koa:register:POST /register']);
  });

  it('reports the routes of frameworks the runtime cannot read (Hapi, Hono) instead of wrapping them', () => {
    const hapi = scan(`
      import Hapi from '@hapi/hapi';
      const server = Hapi.server();
      server.route({ method: 'POST', path: '/login', handler: (request, h) => h.response().code(401) });
    `);
    const hono = scan(`
      import { Hono } from 'hono';
      const app = new Hono();
      app.post('/login', (c) => c.json({ ok: true }));
    `);
    for (const result of [hapi, hono]) {
      expect(result.handlers).toEqual([]);
      expect(result.skipped.map((site) => site.reason)).toEqual([expect.stringContaining('cannot read yet')]);
    }
  });

  it('reports final handlers it cannot wrap', () => {
    const source = `
      app.post('/login', passport.authenticate('local', { failureRedirect: '/login' }));
      app.post('/signin', ...chain);
      const settings = { a: 1 };
      app.post('/signup', settings);
    `;
    const result = scan(source);
    expect(result.handlers).toEqual([]);
    expect(result.skipped.map((site) => [positionAt(source, site.node.range[0]).line, site.description])).toEqual([
      [2, 'POST /login'],
      [3, 'POST /signin'],
      [5, 'POST /signup'],
    ]);
  });

  it('wraps async-handler helpers and bound methods from outside', () => {
    const result = scan(`
      router.post('/login', asyncHandler(auth.login));
      router.post('/logout', catchAsync(async (req, res) => {}));
      router.post('/register', controller.register.bind(controller));
    `);
    expect(result.handlers).toHaveLength(3);
    expect(result.skipped).toEqual([]);
  });

  it('counts handlers already going through the wrapper as wrapped, under any local name', () => {
    const result = scan(`
      import { withAuthLogging as logged } from '@quickwins/runtime';
      const qw = require('@quickwins/runtime');
      const out = logged('logout', async (req, res) => {});
      app.post('/login', logged('login', login));
      app.post('/logout', out);
      app.post('/register', asyncHandler(qw.withAuthLogging('register', register)));
    `);
    expect(result.handlers).toEqual([]);
    expect(result.wrapped).toHaveLength(3);
  });
});

describe('findAuthHandlers: NestJS, Next.js, functions', () => {
  it('finds HTTP methods of @Controller classes, by controller prefix and method path', () => {
    const result = scan(`
      @Controller('auth')
      class AuthController {
        @Post('login') login() {}
        @Post() create() {}
        @Get('logout') logout() {}
        @Get('me') me() {}
        static helper() {}
      }
      @Controller({ path: 'password' })
      class PasswordController {
        @Put() change() {}
      }
      class NotAController {
        @Post('login') login() {}
      }
    `);
    expect(actions(result)).toEqual([
      'nestjs:login:@Post /auth/login (login)',
      'nestjs:login:@Post /auth (create)',
      'nestjs:logout:@Get /auth/logout (logout)',
      'nestjs:password_change:@Put /password (change)',
    ]);
    expect(result.handlers.every((site) => site.target.kind === 'decorator')).toBe(true);
  });

  it('recognises Next.js route files by their path', () => {
    expect(isNextRouteFile('app/api/auth/login/route.ts')).toBe(true);
    expect(isNextRouteFile('src/app/(auth)/logout/route.js')).toBe(true);
    expect(isNextRouteFile('app/login/page.tsx')).toBe(false);
    expect(isNextRouteFile('src/routes/login.ts')).toBe(false);
  });

  it('finds Next.js method exports whose folder names the action', () => {
    const source =
      'export async function POST(req: Request) { return new Response(); }\nexport const GET = async () => new Response();\n';
    expect(actions(scan(source, 'app/api/auth/login/route.ts'))).toEqual(['next:login:POST /api/auth/login']);
    expect(actions(scan(source, 'app/api/auth/verify-email/[token]/route.ts'))).toEqual([
      'next:verify:POST /api/auth/verify-email/[token]',
      'next:verify:GET /api/auth/verify-email/[token]',
    ]);
    expect(scan(source, 'app/api/orders/route.ts').handlers).toEqual([]);
  });

  it('finds the default export of Next.js pages/api routes, except session and token reads', () => {
    const handler = 'export default async function handler(req, res) { res.end(); }\n';
    expect(actions(scan(handler, 'pages/api/auth/signup.ts'))).toEqual([
      'next:register:default export /api/auth/signup',
    ]);
    expect(actions(scan('export default (req, res) => res.end();\n', 'src/pages/api/logout/index.js'))).toEqual([
      'next:logout:default export /api/logout',
    ]);
    const session = scan(handler, 'pages/api/auth/session.ts');
    expect(session.handlers).toEqual([]);
    expect(session.skipped.map((site) => site.reason)).toEqual([expect.stringContaining('a GET reads the session')]);
    const reused = scan(`${handler}export const config = { handler };\n`, 'pages/api/login.ts');
    expect(reused.handlers).toEqual([]);
    expect(reused.skipped.map((site) => site.reason)).toEqual([expect.stringContaining('also used elsewhere')]);
    expect(scan(handler, 'pages/api/orders.ts').handlers).toEqual([]);
  });

  it('finds exported plain functions, not route controllers or helpers', () => {
    const result = scanPlain(`
      const login = { body: 'schema' };
      const register = catchAsync(async (req, res) => {});
      async function changePassword(input) { return db.change(input); }
      export async function signIn(input) { return db.signIn(input); }
      export const signUp = async ({ email, password }) => db.create(email, password);
      export async function logout(req, res) {}
      export function hashPassword(p) {}
      export async function authenticate(email, password) {}
      export function register(fastify, options) {}
      exports.refreshToken = async (token) => token;
      exports.resetPassword = async (request) => request;
      module.exports = { login, register, changePassword, async verifyEmail(input) { return db.verify(input); }, verifyOtp: imported };
    `);
    expect(actions(result)).toEqual([
      'function:login:signIn()',
      'function:register:signUp()',
      'function:password_reset:resetPassword()',
      'function:password_change:changePassword()',
      'function:verify:verifyEmail()',
    ]);
    expect(result.skipped.map((site) => [site.description, site.reason.slice(0, 40)])).toEqual([
      ['logout()', 'it takes (req, res)-style parameters, so'],
      ['refreshToken()', 'it takes (token): a helper that a handle'],
      ['register()', 'it takes (req, res)-style parameters, so'],
    ]);
  });

  it('does not wrap an exported function that a route in the same file registers', () => {
    const result = scan(`
      export async function login(req, res) {}
      export function signup(input) {}
      app.post('/login', login);
      app.post('/signup', signup);
    `);
    expect(actions(result)).toEqual(['express:login:POST /login', 'express:register:POST /signup']);
    expect(result.skipped).toEqual([]);
  });

  it('wraps an exported declaration even when it is called above itself (the declaration stays, hoisted)', () => {
    const result = scanPlain(`
      const ready = login({ warmup: true });
      export async function login(input) { return db.login(input); }
      function later() { return logout(); }
      export async function logout() { return db.logout(); }
    `);
    expect(actions(result)).toEqual(['function:login:login()', 'function:logout:logout()']);
    expect(result.skipped).toEqual([]);
  });

  it('leaves empty stubs, client code, test helpers, job modules and route plugins, each with its evidence', () => {
    const stub = scan('export async function login(input) {}');
    expect(stub.handlers).toEqual([]);
    expect(stub.skipped.map((site) => site.reason)).toEqual([expect.stringContaining('empty (a stub)')]);
    const client = scan(
      "import { Text } from 'react-native';\nexport async function signIn(input) { return api.post('/authenticate', input); }\napi.post('/login', body);",
    );
    expect(client.handlers).toEqual([]);
    expect(client.skipped.map((site) => site.reason)).toEqual([expect.stringContaining('(it imports `react-native`)')]);
    const useClient = scan("'use client';\nexport async function login(input) { return fetch('/api/login', input); }");
    expect(useClient.skipped.map((site) => site.reason)).toEqual([expect.stringContaining("'use client' directive")]);
    const clientPackage = findAuthHandlers(
      parseSource('web/src/api/sign-in.ts', 'export async function signIn(input) { return api.post(input); }'),
      {
        filePath: 'web/src/api/sign-in.ts',
        packageFacts: () => ({ manifest: 'web/package.json', dependencies: new Set(['react-dom', 'axios']) }),
      },
    );
    expect(clientPackage.skipped.map((site) => site.reason)).toEqual([
      expect.stringContaining('depends on `react-dom` and on no server framework'),
    ]);
    const serverPackage = findAuthHandlers(
      parseSource('api/src/auth.ts', 'export async function signIn(input) { return db.signIn(input); }'),
      {
        filePath: 'api/src/auth.ts',
        plainFunctions: true,
        packageFacts: () => ({ manifest: 'api/package.json', dependencies: new Set(['react-dom', 'express']) }),
      },
    );
    expect(actions(serverPackage)).toEqual(['function:login:signIn()']);
    const helper = scan(
      'export const login = async (agent) => agent.post("/api/sessions");',
      '__tests__/helpers/login.ts',
    );
    expect(helper.skipped.map((site) => site.reason)).toEqual([expect.stringContaining('test file')]);
    const job = scan(
      'export async function refreshToken(input) { return google.refresh(input); }',
      'src/jobs/google-sync.ts',
    );
    expect(job.skipped.map((site) => site.reason)).toEqual([expect.stringContaining('background-job module')]);
    const plugin = scan('export const registerUser = async (app) => { app.post("/users", { schema }, handler); };');
    expect(plugin.skipped.map((site) => site.reason)).toEqual([expect.stringContaining('a plugin')]);
    const instrumentation = scan(
      'export async function register() { await import("./otel"); }',
      'src/instrumentation.ts',
    );
    expect(instrumentation.handlers).toEqual([]);
    expect(instrumentation.skipped.map((site) => site.reason)).toEqual([
      expect.stringContaining('Next.js instrumentation'),
    ]);
  });
});

describe('findAuthHandlers: --match', () => {
  const source = `
    app.post('/login', a);
    app.post('/partner/verify', b);
    app.post('/connect/bridge', c);
    export function signIn(input) { return input; }
  `;

  it('narrows: only matching paths and names are auth handlers', () => {
    expect(actions(scan(source, 'a.ts', /^\/login$/i))).toEqual(['express:login:POST /login']);
  });

  it('widens: a match names its action from its words, or is reported when none', () => {
    const result = scanPlain(source, 'a.ts', /verify|bridge|signin/i);
    expect(actions(result)).toEqual(['express:verify:POST /partner/verify', 'function:login:signIn()']);
    expect(result.skipped.map((site) => site.description)).toEqual(['POST /connect/bridge']);
  });
});

describe('findAuthHandlers: evidence, not names', () => {
  it('leaves an action-named export that nothing registers as a candidate, and wraps it under --plain-functions', () => {
    const source =
      'export async function login(input) { return db.signIn(input); }\nexports.reset = function () { cache.clear(); };';
    const plain = scan(source, 'src/auth.ts');
    expect(actions(plain)).toEqual([]);
    expect(plain.skipped.map((site) => [site.description, site.reason])).toEqual([
      [
        'login()',
        expect.stringContaining('only its name says login: nothing in this file registers it as a request entry point'),
      ],
      ['reset()', expect.stringContaining('it takes no input')],
    ]);
    expect(plain.skipped[0]?.reason).toContain('--plain-functions');
    const opted = scanPlain(source, 'src/auth.ts');
    expect(actions(opted)).toEqual(['function:login:login()']);
    // Even then, a zero-argument `reset()` is a cache reset, not a password reset.
    expect(opted.skipped.map((site) => site.reason)).toEqual([expect.stringContaining('it takes no input')]);
  });

  it("wraps a server action: a 'use server' module or function is registered by the framework", () => {
    expect(
      actions(
        scan("'use server';\nexport async function login(formData) { return signIn(formData); }", 'app/actions.ts'),
      ),
    ).toEqual(['function:login:login()']);
    expect(
      actions(scan("export async function login(formData) { 'use server'; return signIn(formData); }", 'app/page.ts')),
    ).toEqual(['function:login:login()']);
  });

  it('reports socket.io auth events (the runtime cannot read an acknowledgement) and ignores reads and name decoys', () => {
    const result = scan(`
      io.on('connection', (socket) => {
        socket.on('login', async (data, callback) => { callback({ ok: await check(data) }); });
        socket.on('auth:perform', performAuthentication);
        socket.on(Events.REQUEST_LOGOUT, () => logout(socket));
        socket.on('twoFAStatus', (callback) => callback(status));
        socket.on('sessions:get', sendSessions);
        socket.on('push:register', subscribe);
        socket.on('message', onMessage);
      });
    `);
    expect(actions(result)).toEqual([]);
    expect(result.skipped.map((site) => site.description)).toEqual([
      "socket.on('login')",
      "socket.on('auth:perform')",
      "socket.on('REQUEST_LOGOUT')",
    ]);
    expect(result.skipped[0]?.reason).toContain('acknowledgement callback');
  });

  it('leaves routes registered in a test file or an integration-test package, with the evidence', () => {
    const routes = "const app = express();\napp.post('/login', login);";
    expect(actions(scan(routes, 'src/routes.ts'))).toEqual(['express:login:POST /login']);
    for (const path of ['src/routes/swagger/index.test.ts', 'packages/integration-tests/src/helpers/index.ts']) {
      const result = scan(routes, path);
      expect(actions(result)).toEqual([]);
      expect(result.skipped.map((site) => site.reason)).toEqual([expect.stringContaining('test file')]);
    }
  });

  it('leaves exports of browser code: a public/ or client/ folder, a module that touches window or document', () => {
    const source = 'export async function login(input) { return fetch("/login", input); }';
    for (const [path, evidence] of [
      ['public/src/client/login.js', 'browser code (`public/`)'],
      ['client/js/auth.ts', 'browser code (`client/`)'],
    ] as const) {
      expect(scanPlain(source, path).skipped.map((site) => site.reason)).toEqual([expect.stringContaining(evidence)]);
    }
    const dom = scanPlain(`${source}\nwindow.addEventListener('load', init);`, 'src/auth.ts');
    expect(actions(dom)).toEqual([]);
    expect(dom.skipped[0]?.reason).toContain('it uses `window`');
  });

  it('finds routes on a router made through a module.exports chain', () => {
    const result = scan(
      "const twitterAuth = module.exports = Router();\ntwitterAuth.post('/auth/login', function (req, res) { res.end(); });",
      'lib/auth/index.js',
    );
    expect(actions(result)).toEqual(['express:login:POST /auth/login']);
  });

  it('refuses routes from an administration module on an account its path names, and user creation there', () => {
    const source =
      "const router = new Router();\nrouter.patch('/users/:userId/password', koaGuard(body), async (ctx) => { ctx.body = await setPassword(ctx); });\nrouter.post('/users', createUser);";
    const admin = scan(source, 'packages/core/src/routes/admin-user/basics.ts');
    expect(actions(admin)).toEqual([]);
    expect(admin.skipped.map((site) => site.reason)).toEqual([
      expect.stringContaining(
        'acts on the account its path names (`/users/:userId/password`) from an administration module',
      ),
      expect.stringContaining('creates users from an administration module'),
    ]);
    // The same routes outside an administration module are a user's own.
    expect(actions(scan(source, 'src/routes/users.ts')).map((site) => site.split(':')[1])).toEqual([
      'password_change',
      'register',
    ]);
  });

  it('refuses handlers that read or check: listSessions, validate, a reset-token check', () => {
    const result = scan(`
      const router = express.Router();
      router.post('/sessions', listSessions);
      router.post('/auth/verify-token', verifyResetToken);
      router.post('/auth/validate-password', passwordRules);
      router.post('/auth/login', login);
    `);
    expect(actions(result)).toEqual(['express:login:POST /auth/login']);
    expect(result.skipped.map((site) => site.reason)).toEqual([
      expect.stringContaining('`listSessions` reads'),
      expect.stringContaining('checks a reset token before the reset'),
      expect.stringContaining('its path says it validates'),
    ]);
  });

  it('takes passport on the route as evidence: before a handler it is wrapped, inside the handler it is reported', () => {
    const result = scan(
      `
      const samlAuth = module.exports = Router();
      samlAuth.post('/auth/saml/start', function (req, res, next) { passport.authenticate('saml')(req, res, next); });
      samlAuth.post('/sso/done', passport.authenticate('saml'), function (req, res) { res.redirect('/'); });
    `,
      'lib/auth/saml/index.js',
    );
    expect(actions(result)).toEqual(['express:login:POST /sso/done']);
    expect(result.skipped.map((site) => site.reason)).toEqual([
      expect.stringContaining(
        'hands the request to `passport.authenticate(...)`, which answers with a redirect on success and on failure alike',
      ),
    ]);
  });

  it("treats a callback with some other resource's parameters as no sign-in, and ends sessions as a logout", () => {
    const result = scan(`
      const router = express.Router();
      router.get('/auth/github/callback/:noteId/:action', gistCallback);
      router.get('/auth/github/callback', githubCallback);
      router.post('/sessions/revoke-all', revokeAll);
    `);
    expect(actions(result)).toEqual([
      'express:login:GET /auth/github/callback',
      'express:logout:POST /sessions/revoke-all',
    ]);
  });

  it('reads namespaced mutation types, and refuses namespace resolvers, stubs and mutations on an account by id', () => {
    const result = scan(
      `
      module.exports = {
        Mutation: { async authentication () { return {} } },
        AuthenticationMutation: { async login (obj, args, context) { return WIKI.models.users.login(args, context) } },
        UserMutation: {
          async verify (obj, args) { await WIKI.models.users.query().patch({ isVerified: true }).findById(args.id) },
          async resetPassword (obj, args) { return false },
          async changePassword (obj, args, context) { return WIKI.models.users.changePassword(context.req.user.id, args) },
        },
      }
    `,
      'server/graph/resolvers/authentication.js',
    );
    expect(actions(result)).toEqual([
      'graphql:login:Mutation.login',
      'graphql:password_change:Mutation.changePassword',
    ]);
    expect(result.skipped.map((site) => site.reason)).toEqual([
      expect.stringContaining('only returns `{}`'),
      expect.stringContaining('acts on the account `args.id` names'),
      expect.stringContaining('only returns `false`'),
    ]);
  });
});

describe('findAuthHandlers: what runs around the handler', () => {
  const reasons = (result: AuthHandlerScan): string[] =>
    result.skipped.map((site) => `${site.description}: ${site.reason}`);

  it('leaves a factor set up on an account a guard has already signed in, and wraps the sign-in step and a password change', () => {
    const result = scan(`
      app.post('/account/2fa/totp/setup', passportConfig.isAuthenticated, userController.postTotpSetup);
      app.post('/account/webauthn/register', ensureLoggedIn(), webauthn.postRegisterStart);
      app.post('/account/webauthn/verify', requireAuth, webauthn.postRegisterVerify);
      app.post('/login/2fa/totp', userController.postTotpVerify);
      app.post('/account/password', passportConfig.isAuthenticated, userController.postUpdatePassword);
      app.post('/account/logout-everywhere', passportConfig.isAuthenticated, userController.postLogoutEverywhere);
    `);
    expect(actions(result)).toEqual([
      'express:mfa:POST /login/2fa/totp',
      'express:password_change:POST /account/password',
      'express:logout:POST /account/logout-everywhere',
    ]);
    expect(reasons(result)).toEqual([
      expect.stringMatching(
        /^POST \/account\/2fa\/totp\/setup: `passportConfig.isAuthenticated` lets only a signed-in user/,
      ),
      expect.stringMatching(
        /^POST \/account\/webauthn\/register: `ensureLoggedIn\(\.\.\.\)` lets only a signed-in user/,
      ),
      expect.stringMatching(/^POST \/account\/webauthn\/verify: `requireAuth` lets only a signed-in user/),
    ]);
  });

  it('leaves a Nest passkey enrolment and an account record behind a guard; an admin creating a user stays a registration', () => {
    const result = scan(`
      @Controller('auth')
      export class AuthController {
        @Post('webauthn/verify-attestation')
        @UseGuards(AuthGuard('jwt'), HasPermissionGuard)
        verifyAttestation(@Body() body) { return this.webAuthn.verifyAttestation(body.credential); }
        @Post('webauthn/verify-authentication')
        verifyAuthentication(@Body() body) { return this.webAuthn.verifyAuthentication(body.credential); }
      }
      @Controller('account')
      export class AccountController {
        @HasPermission(permissions.createAccount)
        @Post()
        createAccount(@Body() data) { return this.accounts.create(data); }
      }
      @Controller('users')
      @UseGuards(JwtAuthGuard)
      export class UsersController {
        @Post()
        createUser(@Body() data) { return this.users.create(data); }
      }
    `);
    expect(actions(result)).toEqual([
      'nestjs:verify:@Post /auth/webauthn/verify-authentication (verifyAuthentication)',
      'nestjs:register:@Post /users (createUser)',
    ]);
    expect(reasons(result)).toEqual([
      expect.stringMatching(
        /^@Post \/auth\/webauthn\/verify-attestation .*`AuthGuard\(\.\.\.\)` lets only a signed-in/,
      ),
      expect.stringMatching(
        /^@Post \/account \(createAccount\): `@HasPermission` .* nothing says that what it creates is a user/,
      ),
    ]);
  });

  it('leaves passport.authorize (linking an account) and reports an OAuth start; passport.authenticate before a handler signs in', () => {
    const result = scan(`
      app.get('/auth/tumblr', passport.authorize('tumblr'));
      app.get('/auth/tumblr/callback', passport.authorize('tumblr', { failureRedirect: '/' }), (req, res) => res.redirect('/'));
      app.get('/auth/github', passport.authenticate('github'));
      app.get('/auth/github/callback', passport.authenticate('github', { failureRedirect: '/' }), (req, res) => res.redirect('/'));
    `);
    expect(actions(result)).toEqual(['express:login:GET /auth/github/callback']);
    expect(reasons(result)).toEqual([
      expect.stringContaining(
        'GET /auth/tumblr: passport.authorize(...) links a provider account to the user already signed in',
      ),
      expect.stringContaining('GET /auth/tumblr/callback: passport.authorize(...) links a provider account'),
      expect.stringContaining('GET /auth/github: passport.authenticate(...) is the whole route'),
    ]);
  });

  it('takes a local helper returning passport.authenticate as passport, on a computed callback path too', () => {
    const result = scan(`
      const router = new Router();
      const authenticate = (type) => passport.authenticate(type, { session: false });
      router
        .get('/auth/github', authenticate('github'))
        .get(process.env.GITHUB_CALLBACK_URL, authenticate('github'), loginController.oauth);
    `);
    expect(actions(result)).toEqual(['express:login:GET oauth']);
    expect(reasons(result)).toEqual([
      expect.stringContaining('GET /auth/github: authenticate(...) is the whole route'),
    ]);
  });

  it('leaves a callback whose handler signs no one in (a payment, an integration), and wraps one that does', () => {
    const result = scan(
      `
      @Controller('subscription')
      export class SubscriptionController {
        @Get('stripe/callback')
        async stripeCallback(@Req() request, @Res() response) {
          await this.subscriptions.createViaStripe(request.query.checkoutSessionId);
          response.redirect('/account');
        }
      }
      @Controller('auth')
      export class AuthController {
        @Get('google/callback')
        @UseGuards(OAuthCallbackGuard('google'))
        googleCallback(@Req() request, @Res() response) { response.redirect('/auth/' + request.user.jwt); }
        @Get('oidc/callback')
        async oidcCallback(@Res() response) { await response.oidc.callback(); }
      }
      const router = new Router();
      router.get('/saml-applications/:id/callback', koaGuard(schema), async (ctx, next) => {
        ctx.body = generateAutoSubmitForm(await app.createSamlResponse(ctx.query));
        ctx.cookies.set('saml-session', '', { expires: new Date(0) });
        return next();
      });
      router.get('/login/:strategy/callback', async (ctx) => {
        const { token } = await users.login(ctx.params.strategy);
        ctx.cookies.set('jwt', token);
      });
    `,
      'src/account/billing.controller.ts',
    );
    expect(actions(result)).toEqual([
      'express:login:GET /login/:strategy/callback',
      'nestjs:login:@Get /auth/google/callback (googleCallback)',
      'nestjs:login:@Get /auth/oidc/callback (oidcCallback)',
    ]);
    expect(reasons(result)).toEqual([
      expect.stringMatching(
        /^GET \/saml-applications\/:id\/callback: it is a callback, but nothing on the route signs/,
      ),
      expect.stringMatching(
        /^@Get \/subscription\/stripe\/callback .*: it is a callback, but nothing on the route signs anyone in/,
      ),
    ]);
  });

  it('reports a DELETE of a bare /sessions/:id instead of wrapping it as a logout, unless the words around it say sign-in', () => {
    const result = scan(
      `
      this.router.delete('/sessions/:id', SessionController.middleware.bind(this), SessionController.delete.bind(this));
      this.router.delete('/me/sessions/:id', MeController.deleteSession.bind(this));
      this.router.delete('/sessions/:id', SessionController.revoke.bind(this));
    `,
      'server/routers/ApiRouter.js',
    );
    expect(actions(result)).toEqual(['express:logout:DELETE /me/sessions/:id', 'express:logout:DELETE /sessions/:id']);
    expect(reasons(result)).toEqual([
      expect.stringContaining('DELETE /sessions/:id: nothing in its path or around it says which session'),
    ]);
  });

  it('reads the words of a file below the working directory only, not of the folders the project sits in', () => {
    const project = mkdtempSync(join(tmpdir(), 'auth-service-'));
    const before = process.cwd();
    process.chdir(project);
    try {
      const source = `this.router.delete('/sessions/:id', SessionController.delete.bind(this));`;
      const result = scan(source, join(realpathSync(project), 'server/routers/ApiRouter.js'));
      expect(actions(result)).toEqual([]);
      expect(reasons(result)).toEqual([expect.stringContaining('nothing in its path or around it says which session')]);
    } finally {
      process.chdir(before);
    }
  });
});

describe('findAuthHandlers: entry points it reports instead of dropping', () => {
  const left = (result: AuthHandlerScan): string[] =>
    result.skipped.map((site) => `${site.description}: ${site.reason.split(',')[0]}`);

  it('reports a GET under an auth path that names a provider and no action (a sign-in start), not other GETs', () => {
    const result = scan(`
      router.get('/auth/openid', limiter, (req, res) => res.redirect(oidc.getAuthorizationUrl(req)));
      router.get('/auth/openid/config', (req, res) => res.json(config));
      router.get('/api/books', (req, res) => res.json([]));
    `);
    expect(actions(result)).toEqual([]);
    expect(left(result)).toEqual(['GET /auth/openid: a GET under an auth path that names no action (`/auth/openid`']);
  });

  it("reports routes of an app's own route(method, path, handler) router, whatever the method", () => {
    const result = scan(
      `
      class UsersRouter extends PromiseRouter {
        mountRoutes() {
          this.route('GET', '/login', req => this.handleLogIn(req));
          this.route('POST', '/logout', req => this.handleLogOut(req));
          this.route('GET', '/users/me', req => this.handleMe(req));
        }
      }
    `,
      'src/Routers/UsersRouter.js',
    );
    expect(actions(result)).toEqual([]);
    expect(left(result)).toEqual([
      expect.stringContaining('GET /login: it is registered through `route(method'),
      expect.stringContaining('POST /logout: it is registered through `route(method'),
    ]);
  });

  it('reports a route whose computed path says authentication, and never names its action from a template tail', () => {
    const result = scan(`
      const router = new Router();
      router.post(\`\${experienceRoutes.verification}/password\`, koaGuard(body), async (ctx) => { ctx.body = await verify(ctx); });
      router.post(\`\${experienceRoutes.prefix}/orders\`, async (ctx) => { ctx.body = 1; });
      @Controller()
      export class AuthController {
        @Get(AUTH_LOGIN_PATH)
        async auth0Login(@Res() response) { await response.oidc.login(); }
        @Get(ORDERS_PATH)
        async orders() { return []; }
      }
    `);
    expect(actions(result)).toEqual([]);
    expect(left(result)).toEqual([
      'POST `${experienceRoutes.verification}/password`: its path is computed (`${experienceRoutes.verification}/password`) and its words say authentication',
      expect.stringMatching(/^@Get \/ \(auth0Login\): its path is computed \(`AUTH_LOGIN_PATH`\)/),
    ]);
  });

  it('reports SvelteKit form actions and endpoints and route.ts files outside app/ whose route says authentication', () => {
    const page = scan(
      `export const actions = { default: async ({ request, cookies }) => { cookies.set('userId', '1', { path: '/' }); } };`,
      'src/routes/(public)/sign-in/+page.server.ts',
    );
    const admin = scan(
      `export const actions = { 'reset-password': async () => ({}), 'update-name': async () => ({}) };`,
      'src/routes/(private)/admin/users/+page.server.ts',
    );
    const endpoint = scan(
      `export const GET = ({ cookies }) => { cookies.delete('userId', { path: '/' }); };`,
      'src/routes/(public)/sign-out/+server.ts',
    );
    const medusa = scan(
      `export const POST = async (req, res) => { res.json({ token: await refresh(req) }); };\nexport const GET = async (req, res) => res.json({});`,
      'packages/medusa/src/api/auth/token/refresh/route.ts',
    );
    const orders = scan(`export const POST = async (req, res) => res.json({});`, 'src/api/store/orders/route.ts');
    expect([page, admin, endpoint, medusa, orders].map(actions)).toEqual([[], [], [], [], []]);
    expect(left(page)).toEqual(['form action default of /sign-in: it is a SvelteKit form action or endpoint']);
    expect(left(admin)).toEqual([
      'form action reset-password of /admin/users: it is a SvelteKit form action or endpoint',
    ]);
    expect(left(endpoint)).toEqual(['GET /sign-out: it is a SvelteKit form action or endpoint']);
    expect(left(medusa)).toEqual([
      expect.stringContaining('POST /api/auth/token/refresh: it is a file-routed handler outside Next.js'),
      expect.stringContaining('GET /api/auth/token/refresh: it is a file-routed handler outside Next.js'),
    ]);
    expect(left(orders)).toEqual([]);
  });
});

/**
 * auth-logging recall: entry points whose words do not name an auth action are judged by what the code shows (a
 * handler that signs someone in, a mutation module, a Relay mutation, a controller method), and each is wrapped with
 * evidence or reported with why: none is dropped without a word. Near misses in both directions.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyHandlerName, type AuthHandlerScan } from '../../src/auth-logging/index.js';
import { left, scanAuth, wrapped } from '../support/auth-scan.js';

const scan = (source: string, filePath = 'src/routes.ts'): AuthHandlerScan => scanAuth(source, filePath);

describe('routes their words do not name, judged by their handler', () => {
  it('wraps an Express route whose handler finishes a provider login or sets a sign-in cookie, and nothing else', () => {
    const result = scan(`
      import express from 'express';
      const app = express();
      app.post('/interaction/:uid', async (req, res) => {
        await oidc.interactionFinished(req, res, { login: { accountId: 'a' } });
      });
      app.post('/invites/accept', async (req, res) => { res.cookie('authToken', await accept(req.body)); res.end(); });
      app.post('/preferences', (req, res) => { res.cookie('theme', req.body.theme); res.end(); });
      app.post('/form', (req, res) => { res.cookie('XSRF-TOKEN', req.csrfToken()); res.end(); });
      app.post('/cleanup', (req, res) => { res.cookie('authToken', ''); res.end(); });
      app.post('/playback/sync', async (req, res) => res.json(await CreateSessionCommand.create(req.body)));
      app.post('/saml/acs', async (req, res) => res.json(await sso.createIdpInitiatedSamlSsoSession(req.body)));
    `);
    expect(wrapped(result)).toEqual([
      'login POST /interaction/:uid (its handler signs in: oidc.interactionFinished(...))',
      'login POST /invites/accept (its handler signs in: res.cookie(...))',
    ]);
    expect(left(result)).toEqual([]);
  });

  it('reports, not wraps, a sign-in effect behind a signed-in guard or on a GET, a user creation and an API key', () => {
    const result = scan(`
      import express from 'express';
      const router = express.Router();
      router.post('/workspace/switch', isAuthenticated, async (req, res) => { req.session.regenerate(() => res.end()); });
      router.get('/continue', async (req, res) => { await createSession(req.query.user); res.redirect('/'); });
      router.post('/people', async (req, res) => {
        const passwordHash = await bcrypt.hash(req.body.password, 10);
        res.json(await User.create({ ...req.body, passwordHash }));
      });
      router.post('/api-keys', createKey);
      router.post('/people/search', async (req, res) => res.json(await User.find(req.body)));
      router.post('/api-keys/:id/sales-channels', async (req, res) => res.json(await link(req.params.id)));
    `);
    expect(wrapped(result)).toEqual([]);
    expect(left(result)).toEqual([
      expect.stringContaining(
        'POST /workspace/switch: its handler signs someone in (`req.session.regenerate(...)`), but `isAuthenticated` lets only a signed-in user through',
      ),
      expect.stringContaining(
        'GET /continue: its handler signs someone in (`createSession(...)`), but it answers a GET',
      ),
      expect.stringContaining(
        'POST /people: its handler hashes a password and creates a user (`bcrypt.hash(...), User.create(...)`)',
      ),
      expect.stringContaining('POST /api-keys: it issues an API key'),
    ]);
  });

  it('wraps a Nest method marked @Public() past its class guard, reports the guarded one and a provider start', () => {
    const result = scan(`
      import { Controller, Get, Post, Res, UseGuards } from '@nestjs/common';
      @UseGuards(JwtAuthGuard)
      @Controller('workspace')
      export class WorkspaceController {
        @Public() @Post('invites/accept') async accept(@Res() res) { res.setCookie('authToken', 't'); }
        @Post('switch') async switch(@Res() res) { res.setCookie('authToken', 't'); }
        @Post('api-keys') async createApiKey() { return this.keys.create(); }
      }
      @Controller('auth')
      export class AuthController {
        @Get('github') github() { return 'redirect'; }
        @Get('profile') profile() { return {}; }
      }
    `);
    expect(wrapped(result)).toEqual([
      'login @Post /workspace/invites/accept (accept) (its handler signs in: res.setCookie(...))',
    ]);
    expect(left(result)).toEqual([
      expect.stringContaining('@Post /workspace/switch (switch): its handler signs someone in'),
      expect.stringContaining('@Post /workspace/api-keys (createApiKey): it issues an API key'),
      expect.stringContaining('@Get /auth/github (github): a GET under an auth path that names no action'),
    ]);
  });

  it('wraps a pages API route under an auth path whose handler creates the session; reports the rest of its kind', () => {
    const signIn = scan(
      `export default async function google(req, res) { const token = await createSession(req.body.id); res.json({ token }); }`,
      'pages/api/v1/auth/mobile/google.ts',
    );
    expect(wrapped(signIn)).toEqual(['login default export /api/v1/auth/mobile/google']);
    const factory = scan(`export default withOAuth('github', handler);`, 'src/pages/api/auth/oauth/github.ts');
    expect(left(factory)).toEqual([expect.stringContaining('is under an auth prefix but names no action')]);
    const users = scan(
      `export default async function users(req, res) {
        if (req.method === 'POST') return res.json(await postUser(req, res));
        return res.json(await getUsers());
      }`,
      'pages/api/v1/users/index.ts',
    );
    expect(wrapped(users)).toEqual([]);
    expect(left(users)).toEqual([expect.stringContaining('whose body creates a user (`postUser(...)`)')]);
    const me = scan(
      `export default async function me(req, res) { res.json(await currentUser(req)); }`,
      'pages/api/auth/me.ts',
    );
    expect([...wrapped(me), ...left(me)]).toEqual([]);
    const orders = scan(
      `export default async function orders(req, res) { res.json(await postOrder(req)); }`,
      'pages/api/orders.ts',
    );
    expect([...wrapped(orders), ...left(orders)]).toEqual([]);
  });

  it('reports file-routed handlers whose body creates a user or that sit under an auth prefix', () => {
    const svelte = scan(
      `export const actions = {
        'create-user': async ({ request }) => {
          const data = Object.fromEntries(await request.formData());
          await User.create({ ...data, passwordHash: hashSync(data.password) });
          return {};
        },
        rename: async ({ request }) => ({ ok: await Settings.save(await request.formData()) }),
      };`,
      'src/routes/admin/users/+page.server.ts',
    );
    expect(left(svelte)).toEqual([
      expect.stringContaining(
        'form action create-user of /admin/users: its handler hashes a password and creates a user',
      ),
    ]);
    const medusa = scan(
      `export const POST = async (req, res) => { res.json(await updateProvider(req.body)); };`,
      'packages/medusa/src/api/auth/[actor_type]/[auth_provider]/update/route.ts',
    );
    expect(left(medusa)).toEqual([expect.stringContaining('is under an auth prefix but names no action')]);
  });
});

describe('test files', () => {
  it('reports nothing of a test client whose calls look like routes with a sign-in or an API key', () => {
    const result = scan(
      `it('creates a key', async () => {
        await api.post('/admin/api-keys', { title: 'k' });
        await api.post('/invites/accept', async (req, res) => { res.cookie('authToken', 't'); });
      });`,
      'integration-tests/http/__tests__/api-key/admin/api-key.spec.ts',
    );
    expect([...wrapped(result), ...left(result)]).toEqual([]);
  });
});

describe('GraphQL entry points beyond resolver maps and classes', () => {
  it('reports Relay mutations by name (a challenge as mfa), never wraps them, and ignores the others', () => {
    const result = scan(`
      const logIn = mutationWithClientMutationId({ name: 'LogIn', mutateAndGetPayload: async (args, ctx) => ctx.logIn(args) });
      const challenge = mutationWithClientMutationId({ name: 'Challenge', mutateAndGetPayload: async (args) => args });
      const post = mutationWithClientMutationId({ name: 'CreatePost', mutateAndGetPayload: async (args) => args });
    `);
    expect(wrapped(result)).toEqual([]);
    expect(left(result)).toEqual([
      expect.stringContaining('Relay mutation LogIn: its resolver is a Relay `mutateAndGetPayload'),
      expect.stringContaining(
        "Relay mutation Challenge: its resolver is a Relay `mutateAndGetPayload(input, context, info)`, which the runtime's resolver adapter cannot read (it reads `(parent, args, context, info)`); log its mfa outcome",
      ),
    ]);
  });

  it('wraps the default export of a Mutation/ module named for an action, only there and only with resolver parameters', () => {
    const source = `export default async function sendResetAccountPasswordEmail(_, { input }, context) { return context.send(input); }`;
    expect(wrapped(scan(source, 'src/resolvers/Mutation/sendResetAccountPasswordEmail.js'))).toEqual([
      'password_reset Mutation.sendResetAccountPasswordEmail (default export of a Mutation/ module)',
    ]);
    expect(wrapped(scan(source, 'src/mailers/sendResetAccountPasswordEmail.js'))).toEqual([]);
    const decoy = `export default async function createAccount(_, { input }, context) { return context.create(input); }`;
    expect(wrapped(scan(decoy, 'src/resolvers/Mutation/createAccount.js'))).toEqual([]);
  });

  it('reports a mutation creating an account instead of dropping it; wraps customer-named auth mutations', () => {
    const result = scan(`
      @Resolver()
      export class AdminResolver {
        @Mutation() createAdministrator(@Args() args) { return this.admins.create(args); }
        @Mutation() registerCustomerAccount(@Args() args) { return this.customers.register(args); }
        @Mutation() updateCustomerAddress(@Args() args) { return this.customers.update(args); }
        @Mutation() async requestUpdateEmail(@Ctx() ctx, @Args() args) {
          await this.auth.verifyUserPassword(ctx, ctx.activeUserId, args.password);
          return this.customers.requestUpdateEmail(ctx, args.newEmailAddress);
        }
      }
      export const resolvers = { Mutation: { createUser: (_, args, ctx) => ctx.users.create(args) } };
    `);
    expect(wrapped(result)).toEqual(['register @Mutation registerCustomerAccount']);
    expect(left(result)).toEqual([
      expect.stringContaining('@Mutation createAdministrator: it creates an account'),
      expect.stringContaining(
        "@Mutation requestUpdateEmail: its body checks the caller's password (`auth.verifyUserPassword(...)`)",
      ),
      expect.stringContaining('Mutation.createUser: it creates an account'),
    ]);
  });
});

describe('entry points registered elsewhere, reported', () => {
  it('reports auth-named methods of an undecorated controller class, not its other methods, other classes or methods routed here', () => {
    const result = scan(
      `class userController extends baseController {
        async login(ctx) { ctx.body = await this.check(ctx.request.body); }
        async changePassword(ctx) { ctx.body = await this.change(ctx.request.body); }
        async list(ctx) { ctx.body = []; }
        login2fa(user) { return user; }
      }
      class LoginCache { async login(ctx) { return ctx; } }
      class AccountController { async logout(req, res) { res.end(); } }
      const accounts = new AccountController();
      router.post('/signout', accounts.logout.bind(accounts));
      module.exports = userController;`,
      'server/controllers/user.js',
    );
    // The route of this file wraps `accounts.logout`: its method is no candidate of its own.
    expect(wrapped(result)).toEqual(['logout POST /signout']);
    expect(left(result)).toEqual([
      expect.stringContaining('userController.login(ctx): it is a controller method named for login'),
      expect.stringContaining(
        'userController.changePassword(ctx): it is a controller method named for password_change',
      ),
    ]);
  });

  it("reports an app's own route(method, path, handler) routes on users, sessions and challenges", () => {
    const result = scan(`
      class UsersRouter extends PromiseRouter {
        mountRoutes() {
          this.route('POST', '/users', req => this.handleCreate(req));
          this.route('POST', '/upgradeToRevocableSession', req => this.upgrade(req));
          this.route('POST', '/challenge', req => this.handleChallenge(req));
          this.route('GET', '/users/:objectId', req => this.handleGet(req));
        }
      }
    `);
    expect(result.skipped.map((site) => site.description)).toEqual([
      'POST /users',
      'POST /upgradeToRevocableSession',
      'POST /challenge',
    ]);
  });

  it('reports a route whose computed path names an OpenID provider interaction', () => {
    const result = scan(`
      import Router from 'koa-router';
      const router = new Router();
      router.put(interactionPrefix, koaGuard({}), async (ctx, next) => next());
      router.post(\`\${interactionPrefix}/submit\`, async (ctx, next) => next());
      router.post(\`\${ordersPrefix}/submit\`, async (ctx, next) => next());
    `);
    expect(result.skipped.map((site) => site.description)).toEqual([
      'PUT (computed path interactionPrefix)',
      'POST `${interactionPrefix}/submit`',
    ]);
  });
});

describe('route paths held by constants of the file', () => {
  it('reads a path from a constant declared once in the file (Nest and Express), not from one assigned again', () => {
    const nest = scan(`
      import { Controller, Get, Res } from '@nestjs/common';
      export const AUTH_CALLBACK_PATH = '/auth/callback';
      export const AUTH_LOGOUT_PATH = '/auth/logout';
      @Controller('/')
      export class AuthController {
        @Get(AUTH_CALLBACK_PATH) async callback(@Res() response) { await response.oidc.callback({}); }
        @Get(AUTH_LOGOUT_PATH) async logout(@Res() response) { await response.oidc.logout({}); }
      }
    `);
    expect(wrapped(nest)).toEqual(['login @Get /auth/callback (callback)', 'logout @Get /auth/logout (logout)']);
    const express = scan(`
      import express from 'express';
      const app = express();
      const LOGIN_PATH = '/login';
      let RESET_PATH = '/password/reset';
      RESET_PATH = process.env.RESET_PATH;
      app.post(LOGIN_PATH, (req, res) => res.json(login(req.body)));
      app.post(RESET_PATH, (req, res) => res.json(reset(req.body)));
    `);
    expect(wrapped(express)).toEqual(['login POST /login']);
    expect(left(express)).toEqual([expect.stringContaining('its path is computed (`RESET_PATH`)')]);
  });
});

describe('a route whose final handler is require(...) of a module', () => {
  it('wraps require() of a module exporting one (ctx) / (req, res) function; leaves a router or a factory', () => {
    const root = mkdtempSync(join(tmpdir(), 'qw-auth-require-'));
    mkdirSync(join(root, 'controllers'));
    writeFileSync(
      join(root, 'controllers', 'signup.js'),
      'module.exports = async ctx => { ctx.body = await create(ctx.request.body) }\n',
    );
    writeFileSync(
      join(root, 'controllers', 'forgot.js'),
      'async function forgot(req, res) { res.json({}) }\nmodule.exports = forgot\n',
    );
    writeFileSync(
      join(root, 'controllers', 'login.js'),
      'module.exports = options => async ctx => { ctx.body = options }\n',
    );
    writeFileSync(
      join(root, 'controllers', 'logout.js'),
      "const router = require('koa-router')()\nmodule.exports = router\n",
    );
    const source = `
      const Router = require('koa-router');
      const router = new Router();
      router.post('/signup', require('./controllers/signup'));
      router.post('/password/forgot', require('./controllers/forgot'));
      router.post('/login', require('./controllers/login'));
      router.post('/logout', require('./controllers/logout'));
      module.exports = router;
    `;
    const result = scan(source, join(root, 'routes.js'));
    expect(wrapped(result)).toEqual(['register POST /signup', 'password_reset POST /password/forgot']);
    expect(left(result)).toEqual([
      expect.stringContaining('POST /login: its final handler is the result of `require(...)`'),
      expect.stringContaining('POST /logout: its final handler is the result of `require(...)`'),
    ]);
  });
});

describe('handler names with a person or a send', () => {
  it.each([
    ['registerCustomerAccount', 'register'],
    ['verifyCustomerAccount', 'verify'],
    ['updateCustomerPassword', 'password_change'],
    ['refreshCustomerVerification', 'verify'],
    ['sendResetAccountPasswordEmail', 'password_reset'],
    ['SendVerificationEmail', 'verify'],
    ['sessionInitialize', 'session'],
    ['sendMessage', undefined],
    ['updateCustomerAddress', undefined],
    ['refreshCustomerFeed', undefined],
  ])('%s → %s', (name, action) => {
    expect(classifyHandlerName(name)).toBe(action);
  });
});

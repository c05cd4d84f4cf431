/**
 * Precision by class: an auth word whose subject is something else (a read of auth data, a refresh of a document
 * store, a webhook or an OAuth client registered, a user created by someone else, a second factor turned off) is no
 * authentication entry point: left with the reason, while the sign-in routes next to it stay wrapped.
 */
import { describe, expect, it } from 'vitest';
import type { AuthHandlerScan } from '../../../src/auth-logging/index.js';
import { left, scanAuth, wrapped } from '../../support/auth-scan.js';

const scan = (source: string, filePath = 'src/routes/index.ts'): AuthHandlerScan => scanAuth(source, filePath);

describe('read verbs: a handler whose own name reads auth data', () => {
  it('leaves get/fetch/read + an auth noun, and keeps the sign-in route', () => {
    const result = scan(`
      const router = express.Router();
      router.post(['/', '/login-activity'], audit.fetchLoginActivity);
      router.post('/login', auth.login);
    `);
    expect(wrapped(result)).toEqual(['login POST /login']);
    expect(left(result)).toEqual([
      expect.stringMatching(/^POST \/: its handler `fetchLoginActivity` reads: it signs no one in/),
    ]);
  });

  it('leaves a Nest GET whose method reads an SSO url', () => {
    const result = scan(
      `
      @Controller('/user')
      export class UsersController {
        @Get('/agent-media-sso')
        async getAgentMediaSsoUrl() { return { url: 'https://example.test/sso/' + sign({}, key) }; }
      }
    `,
      'src/api/users.controller.ts',
    );
    expect(wrapped(result)).toEqual([]);
    expect(left(result)).toEqual([expect.stringContaining('its handler `getAgentMediaSsoUrl` reads')]);
  });

  it('reads `get` before an action as the HTTP method of a getX/postX pair', () => {
    const result = scan(`
      app.get('/login/verify/:token', userController.getLoginByEmail);
      app.get('/account/verify/:token', userController.getVerifyEmailToken);
    `);
    expect(wrapped(result)).toEqual(['verify GET /login/verify/:token', 'verify GET /account/verify/:token']);
  });
});

describe('refresh: a token refresh needs a sign-in word or token evidence', () => {
  it('leaves a refresh of a resource its path names, and one with no word or token around it', () => {
    const result = scan(
      `
      const router = express.Router();
      router.post(['/refresh/', '/refresh/:id'], docStore.refreshDocStoreMiddleware);
      router.post('/:id/refresh', checkAnyPermission('flows:config'), mcp.refreshMcpToken);
      router.post('/refresh/:credentialId', async (req, res) => {
        const { refresh_token } = await decrypt(credential);
        res.json(await fetchToken(refresh_token));
      });
      router.post('/refresh', docStore.refresh);
    `,
      'src/routes/documentstore/index.ts',
    );
    expect(wrapped(result)).toEqual([]);
    expect(left(result)).toEqual([
      expect.stringContaining('it refreshes what its path names (`:id`)'),
      expect.stringContaining('it refreshes what its path names (`:id`)'),
      expect.stringContaining('it refreshes what its path names (`:credentialId`)'),
      expect.stringMatching(/^POST \/refresh: nothing in its path, around its router or in its handler says/),
    ]);
  });

  it('keeps a refresh under an auth path, on an auth router, or whose handler reads the refresh token', () => {
    const result = scan(
      `
      const router = express.Router();
      router.post('/auth/refresh', auth.refresh);
      router.post('/refresh-tokens', auth.refreshTokens);
      router.post('/refresh', (req, res) => {
        const token = req.cookies.refreshToken;
        res.json(issue(token));
      });
    `,
      'src/routes/index.ts',
    );
    expect(wrapped(result)).toEqual([
      'refresh POST /auth/refresh',
      'refresh POST /refresh-tokens',
      'refresh POST /refresh',
    ]);
    const onAuthRouter = scan(`router.post('/refresh', auth.refresh);`, 'src/routes/auth.ts');
    expect(wrapped(onAuthRouter)).toEqual(['refresh POST /refresh']);
  });
});

describe('register of a resource or a client', () => {
  it('leaves a webhook registered by id and an OAuth dynamic client registration; keeps a sign-up', () => {
    const result = scan(
      `
      const router = express.Router();
      router.post('/:id/register', requireFlowEdit, webhooks.registerListener);
      router.post('/oauth/register', oauth.register);
      router.post('/register', account.register);
    `,
      'src/routes/webhook-listener/index.ts',
    );
    expect(wrapped(result)).toEqual(['register POST /register']);
    expect(left(result)).toEqual([
      expect.stringContaining('it registers what its path names (`:id`)'),
      expect.stringContaining('it registers a client application (OAuth dynamic client registration)'),
    ]);
  });

  it('keeps a sign-up under a tenant parameter on an auth router', () => {
    const result = scan(`router.post('/:tenantId/register', account.register);`, 'src/routes/auth.ts');
    expect(wrapped(result)).toEqual(['register POST /:tenantId/register']);
  });
});

describe('a user created for someone else', () => {
  it('leaves user creation behind a permission-named guard, keeps a self sign-up', () => {
    const result = scan(
      `
      const router = express.Router();
      router.post('/', IdentityManager.checkFeatureByPlan('feat:workspaces'), checkPermission('workspace:add-user'), workspaceUsers.create);
      router.post('/signup', account.signup);
    `,
      'src/enterprise/routes/workspace-user.route.ts',
    );
    expect(wrapped(result)).toEqual(['register POST /signup']);
    expect(left(result)).toEqual([
      expect.stringMatching(/^POST \/: it creates users behind `checkPermission\(\.\.\.\)`: account administration/),
    ]);
  });

  it('leaves a Nest create-user whose handler signs no one in; keeps one that signs the new user in', () => {
    const result = scan(
      `
      @Controller('/enterprise')
      export class EnterpriseController {
        @Post('/create-user')
        async createUser(@Body('params') params: string) {
          const { id, email } = AuthService.verifyJWT(params);
          return this.organizations.createMaxUser(id, email);
        }
      }
      @Controller('/accounts')
      export class AccountsController {
        @Post('/create-user')
        async createUser(@Body() body, @Res() res) {
          const user = await this.users.create(body);
          res.cookie('auth', await this.tokens.sign(user));
        }
      }
    `,
      'src/api/enterprise.controller.ts',
    );
    expect(wrapped(result)).toEqual(['register @Post /accounts/create-user (createUser)']);
    expect(left(result)).toEqual([
      expect.stringContaining(
        'it creates users at `/enterprise/create-user`, a path that says so, and its handler signs no one in',
      ),
    ]);
  });
});

describe('a second factor turned off', () => {
  it('leaves 2fa/disable, keeps the second step of a sign-in', () => {
    const result = scan(
      `
      @Controller('auth')
      export class AuthController {
        @Post('2fa/disable')
        @UseGuards(TwoFactorGuard)
        async disable2FA(@User('email') email: string) { await this.auth.disable2FA(email); }

        @Post('login/2fa')
        async loginTwoFactor(@Body() body) { return this.auth.verifyCode(body); }
      }
    `,
      'src/auth/auth.controller.ts',
    );
    expect(wrapped(result)).toEqual(['mfa @Post /auth/login/2fa (loginTwoFactor)']);
    expect(left(result)).toEqual([expect.stringContaining('it turns a second factor off (`disable`)')]);
  });
});

/**
 * Precision by class: an administrator managing other people's accounts, and a `confirm` step of another action, are
 * no authentication entry points, whatever their path reads like; the self-service routes next to them still are.
 */
import { describe, expect, it } from 'vitest';
import { classifyHandlerName, type AuthHandlerScan } from '../../../src/auth-logging/index.js';
import { left, scanAuth, wrapped } from '../../support/auth-scan.js';

const scan = (source: string, filePath = 'src/routes/users.ts'): AuthHandlerScan => scanAuth(source, filePath);

describe('account administration: an administrator acting on accounts is left, with the evidence', () => {
  it('reads an administrator guard before the handler: by name, or by the role or permission it is given', () => {
    const result = scan(`
      const router = express.Router();
      router.post('/users', requireAdmin, users.create);
      router.post('/users/:id/password', isAdmin, users.setPassword);
      router.put('/users/:userId/password', authorize('admin'), users.setPassword);
      router.post('/', auth('manageUsers'), validate(userValidation.createUser), userController.createUser);
      router.post('/register', validate(registerSchema), account.register);
      router.patch('/users/:id/password', isAuthenticated, users.changeOwnPassword);
    `);
    expect(wrapped(result)).toEqual(['register POST /register', 'password_change PATCH /users/:id/password']);
    expect(left(result)).toEqual([
      expect.stringMatching(/^POST \/users: it creates users behind `requireAdmin`: account administration/),
      expect.stringContaining('acts on the account its path names (`/users/:id/password`) behind `isAdmin`'),
      expect.stringContaining('behind `authorize(...)`'),
      expect.stringMatching(/^POST \/: it creates users behind `auth\(\.\.\.\)`/),
    ]);
  });

  it("reads the router's own guard, a chained one, a mount under /admin and a Fastify preHandler", () => {
    const result = scan(`
      const app = express();
      const adminRouter = express.Router();
      const staff = express.Router();
      staff.post('/accounts', users.createAccount);
      staff.use(ensureAdmin);
      staff.post('/members', users.createMember);
      adminRouter.post('/users', users.create);
      app.use('/admin', adminRouter);
      const panel = express.Router();
      panel.post('/users', users.create);
      app.use('/api/admin', requireLogin, panel);
      router.use(isAdmin).post('/users/:id/logout', users.signOut);
      fastify.route({
        method: 'PUT',
        url: '/users/:id/password',
        preHandler: [fastify.authenticate, requireAdmin],
        handler: setPassword,
      });
    `);
    // A guard the router runs after a route is registered does not guard that route.
    expect(wrapped(result)).toEqual(['register POST /accounts']);
    expect(left(result)).toEqual([
      expect.stringContaining("POST /members: it creates users behind the router's `ensureAdmin`"),
      expect.stringContaining('POST /users: it creates users on a router mounted under `/admin`'),
      expect.stringContaining('POST /users: it creates users on a router mounted under `/api/admin`'),
      expect.stringContaining(
        "it acts on the account its path names (`/users/:id/logout`) behind the router's `isAdmin`",
      ),
      expect.stringContaining(
        'PUT /users/:id/password: it acts on the account its path names (`/users/:id/password`) behind `requireAdmin`',
      ),
    ]);
  });

  it('reads a role check of the caller at the top of the handler; a check of what the body asks for is none', () => {
    const result = scan(`
      const router = express.Router();
      router.post('/members', async (req, res) => {
        if (!req.user.isAdmin) return res.sendStatus(403);
        res.json(await Members.create({ email: req.body.email, password: req.body.password }));
      });
      router.post('/users/:id/password', async function (req, res) {
        const session = await getSession(req);
        if (session.user.role !== Roles.ADMIN) throw new ForbiddenError();
        await Users.setPassword(req.params.id, req.body.password);
        res.end();
      });
      router.post('/accounts', async (req, res) => {
        await assertAdministrator(req.user);
        res.json(await Accounts.create({ email: req.body.email, password: req.body.password }));
      });
      router.post('/register', async (req, res) => {
        if (req.body.role === 'admin') return res.status(400).json({ error: 'nobody signs up as an administrator' });
        res.json(await Users.create({ email: req.body.email, password: req.body.password }));
      });
      router.post('/users', auth('manageProfile'), users.create);
      router.post('/account/password', async (req, res) => {
        if (req.user.id !== req.body.id) return res.sendStatus(403);
        await Users.setPassword(req.user.id, req.body.password);
        res.end();
      });
    `);
    expect(wrapped(result)).toEqual([
      'register POST /register',
      'register POST /users',
      'password_change POST /account/password',
    ]);
    expect(left(result)).toEqual([
      expect.stringContaining('POST /members: it creates users behind a check at the top of its handler'),
      expect.stringContaining('POST /users/:id/password: it acts on the account its path names'),
      expect.stringContaining('POST /accounts: it creates users behind a check at the top of its handler'),
    ]);
  });

  it('reads an administration path; an administrator signing in or setting up the first account is authentication', () => {
    const result = scan(`
      const router = express.Router();
      router.put('/admin/users/:id/password', isAuthenticated, users.setPassword);
      router.post('/api/admin/users', users.create);
      router.post('/admin/users/reset-password', users.resetPasswordFor);
      router.post('/admin/login', admin.login);
      router.post('/admin/logout', admin.logout);
      router.post('/admin/password', isAuthenticated, admin.changePassword);
      router.post('/setup/admin', setup.createFirstAdmin);
      router.post('/admin/invites/accept', invites.accept);
    `);
    expect(wrapped(result)).toEqual([
      'login POST /admin/login',
      'logout POST /admin/logout',
      'password_change POST /admin/password',
      'register POST /setup/admin',
    ]);
    expect(left(result)).toEqual([
      expect.stringContaining('acts on the account its path names (`/admin/users/:id/password`) under `/admin`'),
      expect.stringContaining('POST /api/admin/users: it creates users under `/admin`'),
      expect.stringContaining("POST /admin/users/reset-password: it acts on other users' accounts under `/admin`"),
    ]);
  });

  it('reads a reset of the account its path names that checks no token, code or current password', () => {
    const result = scan(`
      const router = express.Router();
      router.patch('/accounts/:id/reset-password', async (req, res) => {
        res.json(await accounts.resetPassword(req.params.id, req.body.password));
      });
      router.post('/users/:id/reset-password', async (req, res) => {
        res.json(await users.resetPassword(req.params.id, req.body.token, req.body.password));
      });
      router.post('/users/:id/reset-password/:code', async (req, res) => {
        res.json(await users.resetPassword(req.params.id, req.params.code, req.body.password));
      });
    `);
    expect(wrapped(result)).toEqual([
      'password_reset POST /users/:id/reset-password',
      'password_reset POST /users/:id/reset-password/:code',
    ]);
    expect(left(result)).toEqual([
      expect.stringContaining(
        'acts on the account its path names (`/accounts/:id/reset-password`) with no token, code or current password',
      ),
    ]);
    const controller = scan(`
      @Controller(AccountControllerSymbol, { basePath: '/api/realm/:tenantId/account' })
      export class AccountController {
        @Patch('/:id/reset-password')
        async resetPassword(ctx: ContextWithParamsAndBody<IdWithTenantParam, { password: string }>): Promise<void> {
          ctx.body = await this.service.resetPassword(ctx.params.id, ctx.request.body.password);
        }
        @Patch('/:id/update-password')
        async updatePassword(ctx: ContextWithParamsAndBody<IdWithTenantParam, { password: string }>): Promise<void> {
          const { currentPassword, newPassword } = ctx.request.body;
          ctx.body = await this.service.updatePassword(ctx.params.id, currentPassword, newPassword);
        }
      }
    `);
    expect(wrapped(controller)).toEqual([
      expect.stringMatching(/^password_change @Patch \/api\/realm\/:tenantId\/account\/:id\/update-password/),
    ]);
    expect(left(controller)).toEqual([expect.stringContaining('with no token, code or current password')]);
  });

  it('reads Nest role decorators on the method or the class; a self-service method beside them is wrapped', () => {
    const result = scan(
      `
      @Controller('users')
      @UseGuards(JwtAuthGuard, RolesGuard)
      export class UsersController {
        @Post()
        @Roles(Role.Admin)
        create(@Body() dto: CreateUserDto) { return this.users.create(dto); }
        @Patch(':id/password')
        @HasPermission(permissions.accessAdminControl)
        setPassword(@Param('id') id: string, @Body() dto: PasswordDto) { return this.users.setPassword(id, dto); }
        @Post(':id/access-token')
        @UseGuards(AdminGuard)
        rotateToken(@Param('id') id: string) { return this.users.rotateToken(id); }
        @Patch('me/password')
        changeOwnPassword(@Req() req, @Body() dto: PasswordDto) { return this.users.changePassword(req.user.id, dto); }
      }
      @Controller('admin')
      export class AdminAuthController {
        @Post('login')
        login(@Body() dto: LoginDto) { return this.auth.login(dto); }
      }
    `,
      'src/users/users.controller.ts',
    );
    expect(wrapped(result)).toEqual([
      'password_change @Patch /users/me/password (changeOwnPassword)',
      'login @Post /admin/login (login)',
    ]);
    expect(left(result)).toEqual([
      expect.stringContaining('it creates users behind `@Roles(...)`, which names an administrator'),
      expect.stringContaining('(`/users/:id/password`) behind `@HasPermission(...)`, which names an administrator'),
      expect.stringContaining('(`/users/:id/access-token`) behind `@UseGuards(...)`, which names an administrator'),
    ]);
  });

  it('reads a role check in a Next.js route handler and pages API handler', () => {
    const handler = `
      export async function PUT(request, { params }) {
        const session = await auth();
        if (session?.user.role !== 'ADMIN') return Response.json({ error: 'forbidden' }, { status: 403 });
        await setPassword(params.id, (await request.json()).password);
        return Response.json({ ok: true });
      }
    `;
    expect(wrapped(scan(handler, 'app/api/users/[id]/password/route.ts'))).toEqual([]);
    expect(left(scan(handler, 'app/api/users/[id]/password/route.ts'))).toEqual([
      expect.stringContaining('acts on the account its path names (`/api/users/[id]/password`) behind a check'),
    ]);
    const own = handler.replace("session?.user.role !== 'ADMIN'", 'session?.user.id !== params.id');
    expect(wrapped(scan(own, 'app/api/users/[id]/password/route.ts'))).toEqual([
      'password_change PUT /api/users/[id]/password',
    ]);
    const pages = `
      export default async function handler(req, res) {
        if (!req.session.user?.isAdmin) return res.status(403).end();
        res.json(await setPassword(req.query.id, req.body.password));
      }
    `;
    expect(wrapped(scan(pages, 'pages/api/users/[id]/password.ts'))).toEqual([]);
  });
});

describe('a confirm step of another action is that action, not a verification', () => {
  it('leaves /confirm-user-delete and a ban confirmation, and wraps email and token confirmations', () => {
    const result = scan(`
      const router = express.Router();
      router.get('/confirm/:token', account.confirmEmail);
      router.post('/email/confirm', account.confirmEmailChange);
      router.get('/verify-email/:token', account.verifyEmail);
      router.post('/confirm-user-delete', moderation.confirmUserDelete);
      router.post('/users/:id/confirm-ban', moderation.confirmBan);
      router.post('/account/delete/confirm', account.confirmDeletion);
      router.post('/orders/:id/confirm', orders.confirm);
    `);
    expect(wrapped(result)).toEqual([
      'verify GET /confirm/:token',
      'verify POST /email/confirm',
      'verify GET /verify-email/:token',
    ]);
    expect(left(result)).toEqual([
      expect.stringMatching(/^POST \/confirm-user-delete: what it confirms is another action \(`delete`\)/),
      expect.stringMatching(/^POST \/users\/:id\/confirm-ban: what it confirms is another action \(`ban`\)/),
      expect.stringMatching(/^POST \/account\/delete\/confirm: what it confirms is another action \(`delete`\)/),
      expect.stringMatching(
        /^POST \/orders\/:id\/confirm: only its handler's name says it verifies, .* about `orders`/,
      ),
    ]);
  });

  it('reads the handler name too: a confirm route whose handler confirms a deletion is left', () => {
    const result = scan(`
      const router = express.Router();
      router.post('/users/confirm', confirmUserDeletion);
      router.post('/users/confirm', confirmUserEmail);
    `);
    expect(wrapped(result)).toEqual(['verify POST /users/confirm']);
    expect(left(result)).toEqual([expect.stringContaining('what it confirms is another action (`deletion`)')]);
  });

  it('does not name a resolver or function a verification when it confirms another action', () => {
    expect(classifyHandlerName('confirmUserDelete')).toBeUndefined();
    expect(classifyHandlerName('confirmAccountDeletion')).toBeUndefined();
    expect(classifyHandlerName('confirmEmail')).toBe('verify');
    expect(classifyHandlerName('verifyAccount')).toBe('verify');
    const resolvers = scan('export const resolvers = { Mutation: { confirmUserBan: banUser, confirmEmail } };');
    expect(wrapped(resolvers)).toEqual(['verify Mutation.confirmEmail']);
  });
});

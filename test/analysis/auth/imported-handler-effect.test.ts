// Routes judged by what their handler does, read where the handler is declared (real files in a temp folder): a GET
// whose path reads as a sign-in but is no provider callback (`/sso-success`), and a `POST /` on a users router that only
// the handler's name (`create`) made a registration.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAuthHandlers } from '../../../src/auth-logging/index.js';
import { parseSource } from '../../../src/core/parse.js';

let root: string;
const at = (path: string) => join(root, path);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'quickwins-get-sign-in-'));
  const files: Record<string, string> = {
    // Reads the user a one-time token stands for and drops the token: nobody is signed in here.
    'src/controllers/auth/index.ts': `
      const ssoSuccess = async (req: any, res: any) => {
        const user = await cache.getSSOTokenCache(req.query.token);
        if (!user) return res.status(401).json({ message: 'expired' });
        await cache.deleteSSOTokenCache(req.query.token);
        return res.json(user);
      };
      const ssoLogin = async (req: any, res: any) => {
        const user = await sso.exchange(req.query.code);
        req.session.userId = user.id;
        res.redirect('/');
      };
      export default { ssoSuccess, ssoLogin };
    `,
    'src/controllers/user.controller.ts': `
      export class UserController {
        public async create(req: any, res: any) {
          const user = await new UserService().createUser(req.body);
          return res.status(201).json(user);
        }
      }
    `,
    'src/controllers/signup.controller.ts': `
      export class SignupController {
        async create(req: any, res: any) {
          const { email, password } = req.body;
          res.json(await accounts.create(email, await hash(password)));
        }
      }
    `,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(at(path)), { recursive: true });
    writeFileSync(at(path), text);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a GET sign-in judged by its handler, here or where it is declared', () => {
  it('leaves a GET that signs no one in; wraps one that sets the session', () => {
    const filePath = at('src/routes/auth/index.ts');
    const source = `
      import express from 'express';
      import authController from '../../controllers/auth';
      const router = express.Router();
      router.get(['/sso-success'], authController.ssoSuccess);
      router.get('/sso', authController.ssoLogin);
      router.get('/login-with/sso', (req, res) => res.json({ user: req.user }));
      export default router;
    `;
    const result = findAuthHandlers(parseSource(filePath, source), { filePath });
    expect(result.handlers.map((site) => `${site.action} ${site.description}`)).toEqual(['login GET /sso']);
    expect(result.skipped.map((site) => `${site.description}: ${site.reason}`)).toEqual([
      expect.stringMatching(/^GET \/sso-success: a GET whose path reads as a sign-in, but it is no callback/),
      expect.stringMatching(/^GET \/login-with\/sso: a GET whose path reads as a sign-in/),
    ]);
  });
});

describe('a user created at POST / of a users router, judged by the handler its controller class declares', () => {
  it('leaves a creation that takes no password and signs no one in; wraps one that takes a password', () => {
    const filePath = at('src/routes/user.route.ts');
    const source = `
      import express from 'express';
      import { UserController } from '../controllers/user.controller';
      import { SignupController } from '../controllers/signup.controller';
      const router = express.Router();
      const userController = new UserController();
      const signupController = new SignupController();
      router.post('/', userController.create);
      router.post('/users', signupController.create);
      export default router;
    `;
    const result = findAuthHandlers(parseSource(filePath, source), { filePath });
    expect(result.handlers.map((site) => `${site.action} ${site.description}`)).toEqual(['register POST /users']);
    expect(result.skipped.map((site) => `${site.description}: ${site.reason}`)).toEqual([
      expect.stringMatching(
        /^POST \/: it creates a user, but its handler \(read where it is declared\) takes no password/,
      ),
    ]);
  });
});

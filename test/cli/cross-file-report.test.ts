// Reports that tell the truth across files, through the real CLI on temp git repositories: a controller that one file
// leaves to its routes is not `left` when another file of the same run wraps it, and a handler is never wrapped twice.
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, git, gitRepo, removeTempDirs, runCli, type FileTree, type JsonReport } from './helpers.js';

beforeAll(assertBuilt);
afterAll(removeTempDirs);
vi.setConfig({ testTimeout: 120_000 });

const run = (cwd: string, ...args: string[]) => runCli(['auth-logging', ...args], { cwd });
const json = (stdout: string) => JSON.parse(stdout) as JsonReport;
const fileOf = (report: JsonReport, path: string) => {
  const file = report.files.find((entry) => entry.path === path);
  if (!file) throw new Error(`${path} is not in the report: ${report.files.map((entry) => entry.path).join(', ')}`);
  return file;
};

const PACKAGE = JSON.stringify({ name: 'app', private: true, dependencies: { express: '^4.19.0' } });

const CJS_CONTROLLER = `exports.login = async (req, res) => {
  res.json({ token: 't' });
};

exports.register = async (req, res) => {
  res.status(201).json({});
};
`;

/** Express routes in CommonJS: the controller module required whole, its handlers read as members. */
const CJS_MEMBER_ROUTES = `const express = require('express');
const authController = require('../controllers/auth.controller');

const router = express.Router();
router.post('/login', authController.login);
router.post('/register', authController.register);

module.exports = router;
`;

/** The same in CommonJS with destructuring: `const { login } = require(...)`. */
const CJS_DESTRUCTURED_ROUTES = `const express = require('express');
const { login, register } = require('../controllers/auth.controller');

const router = express.Router();
router.post('/login', login);
router.post('/register', register);

module.exports = router;
`;

const ESM_CONTROLLER = `import type { Request, Response } from 'express';

export const login = async (req: Request, res: Response) => {
  res.json({ token: 't' });
};

export async function register(req: Request, res: Response) {
  res.status(201).json({});
}
`;

/** ESM named imports (one renamed), the module written with `.js` for a `.ts` file, as TypeScript's NodeNext wants. */
const ESM_NAMED_ROUTES = `import { Router } from 'express';
import { login as signIn, register } from '../controllers/auth.js';

export const router = Router();
router.post('/login', signIn);
router.post('/register', register);
`;

/** ESM namespace import of a folder's index file, members read off it. */
const ESM_NAMESPACE_ROUTES = `import { Router } from 'express';
import * as auth from '../controllers';

export const router = Router();
router.post('/login', auth.login);
router.post('/register', auth.register);
`;

interface Variant {
  readonly name: string;
  readonly files: FileTree;
  readonly controller: string;
  readonly routes: string;
}

const VARIANTS: readonly Variant[] = [
  {
    name: 'CommonJS, member access (authController.login)',
    files: {
      'package.json': PACKAGE,
      'src/controllers/auth.controller.js': CJS_CONTROLLER,
      'src/routes/auth.route.js': CJS_MEMBER_ROUTES,
    },
    controller: 'src/controllers/auth.controller.js',
    routes: 'src/routes/auth.route.js',
  },
  {
    name: 'CommonJS, destructured require',
    files: {
      'package.json': PACKAGE,
      'src/controllers/auth.controller.js': CJS_CONTROLLER,
      'src/routes/auth.route.js': CJS_DESTRUCTURED_ROUTES,
    },
    controller: 'src/controllers/auth.controller.js',
    routes: 'src/routes/auth.route.js',
  },
  {
    name: 'CommonJS, through a controllers index (module.exports.authController = require(...))',
    files: {
      'package.json': PACKAGE,
      'src/controllers/auth.controller.js': CJS_CONTROLLER,
      'src/controllers/index.js': "module.exports.authController = require('./auth.controller');\n",
      'src/routes/auth.route.js': CJS_MEMBER_ROUTES.replace(
        "const authController = require('../controllers/auth.controller');",
        "const { authController } = require('../controllers');",
      ),
    },
    controller: 'src/controllers/auth.controller.js',
    routes: 'src/routes/auth.route.js',
  },
  {
    name: 'ESM, named imports of a .ts module written .js',
    files: {
      'package.json': PACKAGE,
      'src/controllers/auth.ts': ESM_CONTROLLER,
      'src/routes/auth.ts': ESM_NAMED_ROUTES,
    },
    controller: 'src/controllers/auth.ts',
    routes: 'src/routes/auth.ts',
  },
  {
    name: 'ESM, namespace import of an index file (auth.login)',
    files: {
      'package.json': PACKAGE,
      'src/controllers/index.ts': ESM_CONTROLLER,
      'src/routes/auth.ts': ESM_NAMESPACE_ROUTES,
    },
    controller: 'src/controllers/index.ts',
    routes: 'src/routes/auth.ts',
  },
];

describe.each(VARIANTS)('routes and controllers in two files: $name', (variant) => {
  it('a run over both wraps at the routes and leaves nothing: the controllers are covered there, in --json and for humans', () => {
    const repo = gitRepo(variant.files);
    const result = run(repo, '--dry', '--json', '--no-add-dependency', 'src');
    expect(result.status).toBe(0);
    const report = json(result.stdout);
    expect(fileOf(report, variant.routes).rewritten.map((site) => site.line)).toEqual([5, 6]);
    const controller = fileOf(report, variant.controller);
    expect(controller.left).toEqual([]);
    expect(controller.covered?.map((site) => site.by)).toEqual([
      { at: `${variant.routes}:5:1`, how: 'rewritten', message: "POST /login: wrapped with withAuthLogging('login')" },
      {
        at: `${variant.routes}:6:1`,
        how: 'rewritten',
        message: "POST /register: wrapped with withAuthLogging('register')",
      },
    ]);
    // The covered entry keeps the controller's own reason, so a reader sees what was considered.
    expect(controller.covered?.[0]?.message).toMatch(/^login\(\): not wrapped: it takes \(req, res\)-style parameters/);
    expect(report.totals).toMatchObject({ rewrittenSites: 2, leftSites: 0, coveredSites: 2 });

    const human = run(repo, '--dry', '--no-add-dependency', 'src');
    expect(human.status).toBe(0);
    expect(human.stderr).not.toMatch(/^left /m);
    expect(human.stderr).toContain(`covered ${variant.controller}:`);
    expect(human.stderr).toMatch(
      new RegExp(
        `rewritten by this run at ${variant.routes}:5:1 \\(POST /login: wrapped with withAuthLogging\\('login'\\)\\)`,
      ),
    );
    expect(human.stderr).toMatch(/2 sites rewritten, 0 left \(2 more covered by other files\)/);
  });

  it('a run over the controllers alone leaves them, with the reason', () => {
    const repo = gitRepo(variant.files);
    const result = run(repo, '--dry', '--json', variant.controller);
    expect(result.status).toBe(0);
    const report = json(result.stdout);
    const controller = fileOf(report, variant.controller);
    expect(controller.left.map((site) => site.message)).toEqual([
      expect.stringMatching(
        /^login\(\): not wrapped: .*it is wrapped where a route registers it \(run the codemod on that file too\)$/,
      ),
      expect.stringMatching(
        /^register\(\): not wrapped: .*it is wrapped where a route registers it \(run the codemod on that file too\)$/,
      ),
    ]);
    expect(controller.covered).toBeUndefined();
    expect(report.totals).toMatchObject({ leftSites: 2, coveredSites: 0 });
  });

  it('after the routes were written, a second run finds them already wrapped: still nothing left, nothing rewritten', () => {
    const repo = gitRepo(variant.files);
    expect(run(repo, '--no-add-dependency', 'src').status).toBe(0);
    git(repo, 'commit', '-qam', 'wrapped');
    const report = json(run(repo, '--dry', '--json', '--no-add-dependency', 'src').stdout);
    expect(report.totals).toMatchObject({ changed: 0, rewrittenSites: 0, leftSites: 0, coveredSites: 2 });
    expect(fileOf(report, variant.controller).covered?.map((site) => site.by.how)).toEqual(['done', 'done']);
  });
});

describe('a rewrite that was not written covers nothing', () => {
  it('a read-only routes file is left as it was, and the controllers stay left', () => {
    const repo = gitRepo(VARIANTS[0]?.files ?? {});
    chmodSync(join(repo, 'src/routes/auth.route.js'), 0o444);
    const result = run(repo, '--json', '--no-add-dependency', 'src');
    expect(result.status).toBe(1);
    const report = json(result.stdout);
    expect(fileOf(report, 'src/routes/auth.route.js')).toMatchObject({
      status: 'left',
      reason: expect.stringContaining('read-only'),
    });
    expect(fileOf(report, 'src/controllers/auth.controller.js').left).toHaveLength(2);
    expect(report.totals).toMatchObject({ leftSites: 2, coveredSites: 0 });
  });
});

describe('a handler is never wrapped twice', () => {
  it('a controller already wrapped where it is declared is not wrapped again at its route', () => {
    const controller = `const { withAuthLogging } = require('@quickwins/runtime');

exports.login = withAuthLogging('login', async (req, res) => {
  res.json({ token: 't' });
});
`;
    const routes = `const express = require('express');
const authController = require('../controllers/auth.controller');

const router = express.Router();
router.post('/login', authController.login);
module.exports = router;
`;
    const repo = gitRepo({
      'package.json': PACKAGE,
      'src/controllers/auth.controller.js': controller,
      'src/routes/auth.route.js': routes,
    });
    // The routes file alone: the check reads the controller module, whether or not it is in the run.
    const alone = json(run(repo, '--dry', '--json', 'src/routes/auth.route.js').stdout);
    expect(alone.totals).toMatchObject({ changed: 0, rewrittenSites: 0, leftSites: 0 });
    const both = json(run(repo, '--dry', '--json', 'src').stdout);
    expect(both.totals).toMatchObject({ changed: 0, rewrittenSites: 0, leftSites: 0 });
  });

  it('a plain function the codemod wraps where it is declared is left at the route that registers it, and covered by that wrap', () => {
    const service = `export async function login(input: { email: string; password: string }) {
  return { token: input.email };
}
`;
    const routes = `import { Router } from 'express';
import { login } from '../services/auth.js';

export const router = Router();
router.post('/login', login);
`;
    const repo = gitRepo({ 'package.json': PACKAGE, 'src/services/auth.ts': service, 'src/routes/auth.ts': routes });
    const both = json(run(repo, '--plain-functions', '--dry', '--json', '--no-add-dependency', 'src').stdout);
    expect(fileOf(both, 'src/services/auth.ts').rewritten.map((site) => site.message)).toEqual([
      "login(): wrapped with withAuthLogging('login')",
    ]);
    expect(fileOf(both, 'src/routes/auth.ts')).toMatchObject({ status: 'unchanged', rewritten: [], left: [] });
    expect(fileOf(both, 'src/routes/auth.ts').covered?.[0]?.by).toMatchObject({
      at: 'src/services/auth.ts:1:8',
      how: 'rewritten',
    });

    const alone = json(
      run(repo, '--plain-functions', '--dry', '--json', '--no-add-dependency', 'src/routes/auth.ts').stdout,
    );
    expect(fileOf(alone, 'src/routes/auth.ts').left.map((site) => site.message)).toEqual([
      "POST /login: not wrapped: its handler `login` is wrapped where '../services/auth.js' declares it (line 1 there), and wrapping the route too would log two lines per request (run the codemod on that file too)",
    ]);
  });
});

describe('a handler is never wrapped twice, run after run', () => {
  it('a plain function wrapped at its declaration by an earlier run (export { loginWithAuthLogging as login }) is not wrapped again at its route', () => {
    const repo = gitRepo({
      'package.json': PACKAGE,
      'src/services/auth.ts': 'export async function login(input: { email: string }) {\n  return input.email;\n}\n',
      'src/routes/auth.ts':
        "import { Router } from 'express';\nimport { login } from '../services/auth.js';\n\nexport const router = Router();\nrouter.post('/login', login);\n",
    });
    expect(run(repo, '--plain-functions', '--no-add-dependency', 'src/services').status).toBe(0);
    expect(readFileSync(join(repo, 'src/services/auth.ts'), 'utf8')).toContain(
      'export { loginWithAuthLogging as login };',
    );
    git(repo, 'commit', '-qam', 'services wrapped');
    const routes = json(run(repo, '--plain-functions', '--dry', '--json', '--no-add-dependency', 'src/routes').stdout);
    expect(routes.totals).toMatchObject({ changed: 0, rewrittenSites: 0, leftSites: 0 });
  });
});

describe('across worker threads', () => {
  it('a left controller is covered by a route file another thread rewrote', () => {
    const files: Record<string, string> = { 'package.json': PACKAGE };
    // 160 controller / route pairs: 320 files past the pre-filter, above the runner's threshold for workers.
    for (let index = 0; index < 160; index++) {
      files[`src/controllers/c${index}.js`] = CJS_CONTROLLER;
      files[`src/routes/r${index}.js`] = CJS_MEMBER_ROUTES.replace(
        '../controllers/auth.controller',
        `../controllers/c${index}`,
      );
    }
    const repo = gitRepo(files);
    const result = run(repo, '--dry', '--json', '--no-add-dependency', '--workers', '1', 'src');
    expect(result.status).toBe(0);
    const report = json(result.stdout);
    expect(report.workers).toBe(1);
    expect(report.totals).toMatchObject({ rewrittenSites: 320, leftSites: 0, coveredSites: 320 });
    expect(fileOf(report, 'src/controllers/c7.js').covered?.map((site) => site.by.at)).toEqual([
      'src/routes/r7.js:5:1',
      'src/routes/r7.js:6:1',
    ]);
    expect(readFileSync(join(repo, 'src/routes/r7.js'), 'utf8')).toBe(files['src/routes/r7.js']);
  });
});

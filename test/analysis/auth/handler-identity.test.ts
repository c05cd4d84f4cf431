// Which export of which module a route's handler is: imports followed to real files in a temp folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBindingIndex } from '../../../src/core/bindings.js';
import { findAuthHandlers, identityKey } from '../../../src/auth-logging/index.js';
import { exportLocator, importedHandler, registeredReference } from '../../../src/auth-logging/handler-identity.js';
import { ownExport } from '../../../src/auth-logging/identity.js';
import type { HandlerRef } from '../../../src/auth-logging/types.js';
import { parseSource } from '../../../src/core/parse.js';

let root: string;
const at = (path: string) => join(root, path);

const SERVER_PACKAGE = () => ({ manifest: 'package.json', dependencies: new Set(['express']) });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'quickwins-identity-'));
  const files: Record<string, string> = {
    'src/controllers/auth.js': 'exports.login = async (req, res) => res.json({});\n',
    'src/controllers/session.ts': 'export const login = async (req: any, res: any) => res.json({});\n',
    'src/controllers/index.ts': "export * from './session.js';\n",
    'src/controllers/users/index.js': 'module.exports = { create: async (req, res) => res.json({}) };\n',
    // Indexes that only pass controllers on.
    'src/controllers/cjs-index.js': "module.exports.authController = require('./auth');\n",
    'src/controllers/cjs-object-index.js': "module.exports = { authController: require('./auth') };\n",
    'src/controllers/cjs-shorthand-index.js':
      "const authController = require('./auth');\nmodule.exports = { authController };\n",
    'src/controllers/cjs-whole.js': "module.exports = require('./auth');\n",
    'src/controllers/esm-namespace-index.ts': "export * as auth from './session.js';\n",
    'src/controllers/esm-named-index.ts': "export { login as signIn } from './session.js';\n",
    'src/controllers/esm-import-export.ts': "import * as auth from './session.js';\nexport { auth };\n",
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(at(path)), { recursive: true });
    writeFileSync(at(path), text);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The identity of the handler the route `router.post('/x', <handler>)` registers, in a file `src/routes/r.*` with `header` above it. */
function identityOf(header: string, handler: string, extension = 'ts'): string | undefined {
  const filePath = at(`src/routes/r.${extension}`);
  const program = parseSource(filePath, `${header}\nrouter.post('/x', ${handler});\n`);
  const statement = program.body.at(-1) as import('@typescript-eslint/typescript-estree').TSESTree.ExpressionStatement;
  const call = statement.expression as import('@typescript-eslint/typescript-estree').TSESTree.CallExpression;
  const ref: HandlerRef = {
    kind: 'expression',
    expression: call.arguments[1] as import('@typescript-eslint/typescript-estree').TSESTree.Expression,
  };
  const found = importedHandler(buildBindingIndex(program, () => undefined).index, ref, exportLocator(filePath));
  return found && `${found.file.slice(root.length + 1)}#${found.exportName}`;
}

describe('importedHandler: the module export a route registers', () => {
  it.each([
    [
      'CommonJS require, member',
      "const c = require('../controllers/auth');",
      'c.login',
      'src/controllers/auth.js#login',
    ],
    [
      'CommonJS destructured require',
      "const { login } = require('../controllers/auth');",
      'login',
      'src/controllers/auth.js#login',
    ],
    [
      'CommonJS destructured and renamed',
      "const { login: signIn } = require('../controllers/auth');",
      'signIn',
      'src/controllers/auth.js#login',
    ],
    [
      'require(m).name',
      "const login = require('../controllers/auth').login;",
      'login',
      'src/controllers/auth.js#login',
    ],
    ['require(m) inline', '', "require('../controllers/auth').login", 'src/controllers/auth.js#login'],
    [
      'named import of .ts written .js',
      "import { login } from '../controllers/session.js';",
      'login',
      'src/controllers/session.ts#login',
    ],
    [
      'named import renamed',
      "import { login as signIn } from '../controllers/session';",
      'signIn',
      'src/controllers/session.ts#login',
    ],
    [
      'namespace import of a folder index (export * from)',
      "import * as c from '../controllers';",
      'c.login',
      'src/controllers/session.ts#login',
    ],
    [
      'an index: module.exports.authController = require()',
      "const { authController } = require('../controllers/cjs-index');",
      'authController.login',
      'src/controllers/auth.js#login',
    ],
    [
      'an index: module.exports = { authController: require() }',
      "const { authController } = require('../controllers/cjs-object-index');",
      'authController.login',
      'src/controllers/auth.js#login',
    ],
    [
      'an index: module.exports = { authController }',
      "import { authController } from '../controllers/cjs-shorthand-index';",
      'authController.login',
      'src/controllers/auth.js#login',
    ],
    [
      'an index: module.exports = require()',
      "const c = require('../controllers/cjs-whole');",
      'c.login',
      'src/controllers/auth.js#login',
    ],
    [
      'an index: export * as auth from',
      "import { auth } from '../controllers/esm-namespace-index';",
      'auth.login',
      'src/controllers/session.ts#login',
    ],
    [
      'an index: export { login as signIn } from',
      "import { signIn } from '../controllers/esm-named-index';",
      'signIn',
      'src/controllers/session.ts#login',
    ],
    [
      'an index: import * as auth, export { auth }',
      "import { auth } from '../controllers/esm-import-export';",
      'auth.login',
      'src/controllers/session.ts#login',
    ],
    [
      'default import of a CommonJS module, member',
      "import c from '../controllers/auth';",
      'c.login',
      'src/controllers/auth.js#login',
    ],
    ['import x = require()', "import c = require('../controllers/auth');", 'c.login', 'src/controllers/auth.js#login'],
    [
      'index.js of a folder, CommonJS',
      "const users = require('../controllers/users');",
      'users.create',
      'src/controllers/users/index.js#create',
    ],
    [
      'through .bind()',
      "const c = require('../controllers/auth');",
      'c.login.bind(c)',
      'src/controllers/auth.js#login',
    ],
    [
      'through catchAsync()',
      "const c = require('../controllers/auth');",
      'catchAsync(c.login)',
      'src/controllers/auth.js#login',
    ],
    [
      'through the wrapper (a route wrapped before)',
      "const c = require('../controllers/auth');",
      "withAuthLogging('login', c.login)",
      'src/controllers/auth.js#login',
    ],
    ['through `as`', "import * as c from '../controllers';", 'c.login as any', 'src/controllers/session.ts#login'],
  ])('%s', (_name, header, handler, expected) => {
    expect(identityOf(header, handler)).toBe(expected);
  });

  it.each([
    ['a package, not a project module', "import { login } from 'some-auth-package';", 'login'],
    ['a module not on disk', "import { login } from '../controllers/missing';", 'login'],
    ['a function declared here', 'async function login(req, res) {}', 'login'],
    ['a namespace registered whole', "import * as c from '../controllers';", 'c'],
    ['a computed member', "import * as c from '../controllers';", "c['login']"],
    [
      'a member of an export the module declares (an object, not a module)',
      "import { handlers } from '../controllers/session';",
      'handlers.login',
    ],
    ['an inline function', '', 'async (req, res) => {}'],
  ])('none for %s', (_name, header, handler) => {
    expect(identityOf(header, handler)).toBeUndefined();
  });

  it('a method property names no reference', () => {
    const program = parseSource('a.ts', 'const o = { async handler(req: any) {} };');
    const declaration = program.body[0] as import('@typescript-eslint/typescript-estree').TSESTree.VariableDeclaration;
    const object = declaration.declarations[0]
      ?.init as import('@typescript-eslint/typescript-estree').TSESTree.ObjectExpression;
    const property = object.properties[0] as import('@typescript-eslint/typescript-estree').TSESTree.Property;
    expect(registeredReference({ kind: 'method-property', property })).toBeUndefined();
  });
});

describe('findAuthHandlers: identities on both sides', () => {
  it('the controller left to its routes and the route that wraps it carry the same identity', () => {
    const controllerPath = at('src/controllers/auth.js');
    const controller = findAuthHandlers(
      parseSource(controllerPath, 'exports.login = async (req, res) => res.json({});\n'),
      {
        filePath: controllerPath,
        packageFacts: SERVER_PACKAGE,
      },
    );
    expect(controller.skipped).toHaveLength(1);
    const routesPath = at('src/routes/auth.js');
    const routes = findAuthHandlers(
      parseSource(
        routesPath,
        "const express = require('express');\nconst c = require('../controllers/auth');\nconst router = express.Router();\nrouter.post('/login', c.login);\n",
      ),
      { filePath: routesPath, packageFacts: SERVER_PACKAGE },
    );
    expect(routes.handlers).toHaveLength(1);
    const left = controller.skipped[0]?.identity;
    const wrapped = routes.handlers[0]?.identity;
    expect(left && identityKey(left)).toBe(identityKey(ownExport(controllerPath, 'login')));
    expect(wrapped && identityKey(wrapped)).toBe(left && identityKey(left));
  });

  it('a route whose handler its module already wraps where it is declared is wrapped already, not a site', () => {
    const dir = at('src/wrapped');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'controller.js'),
      "const { withAuthLogging } = require('@quickwins/runtime');\nexports.login = withAuthLogging('login', async (req, res) => res.json({}));\n",
    );
    const routesPath = join(dir, 'routes.js');
    const routes = findAuthHandlers(
      parseSource(
        routesPath,
        "const express = require('express');\nconst c = require('./controller');\nconst router = express.Router();\nrouter.post('/login', c.login);\n",
      ),
      { filePath: routesPath, packageFacts: SERVER_PACKAGE },
    );
    expect(routes.handlers).toEqual([]);
    expect(routes.skipped).toEqual([]);
    expect(routes.wrapped.map((site) => site.identity && identityKey(site.identity))).toEqual([
      identityKey(ownExport(join(dir, 'controller.js'), 'login')),
    ]);
  });
});

/**
 * auth-logging beyond the shared fixture harness (fixtures.test.ts checks every pair's output, parse and fixed point):
 * sites reported per wrapper, sites left with their reason, options and edges, the jscodeshift front door.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import transformWithJscodeshift, { codemod, parser, type AuthLoggingOptions } from '../../codemods/auth-logging.js';
import { transformText, type TextOutcome } from '../../src/codemod-host/transform-text.js';
import { runnable } from '../../src/codemod-host/runnable.js';
import { fixtureCases } from './fixture-cases.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/auth-logging');

/** The sites each fixture must report as left alone: line and a phrase of the reason. */
const EXPECTED_LEFT: Readonly<Record<string, readonly (readonly [number, string])[]>> = {
  'express-unwrappable': [
    [9, 'result of `passport.authenticate(...)`'],
    [11, 'spread'],
  ],
  'functions-esm': [[35, 'overload signatures']],
  'evidence-not-names': [
    [11, '`listSessions` reads'],
    [12, 'checks a reset token'],
    [15, 'acknowledgement callback'],
    [18, 'only its name says login'],
    [22, 'it takes no input'],
  ],
  'functions-cjs': [
    [27, 'it takes (resetToken, newPassword): a helper'],
    [32, '(req, res)-style parameters'],
  ],
  'next-alias-export': [[6, 'export { ... as POST }']],
  'client-decoys': [[5, 'it is client code']],
  decoys: [[13, 'a GET here does not perform login']],
  'next-login-route': [[13, 'a GET here does not perform login']],
  'express-esm': [
    [23, 'a GET here does not perform login'],
    [25, 'a GET here does not perform password_reset'],
  ],
  'express-route-object': [[9, 'a GET here does not perform session']],
  fastify: [
    [25, 'a GET here does not perform login'],
    [26, 'a GET here does not perform session'],
  ],
  'koa-rpc': [[17, 'a GET here does not perform login']],
  'koa-passport-evidence': [
    [13, 'is the whole route: it redirects to the identity provider'],
    [15, 'passport.authorize(...) links a provider account to the user already signed in'],
    [16, 'lets only a signed-in user through: setting up or removing a factor'],
  ],
  'functions-stub': [[2, 'empty (a stub)']],
  'next-instrumentation': [[2, 'Next.js instrumentation']],
  'express-account-management': [
    [14, 'it creates users behind `requireAdmin`: account administration'],
    [15, 'it acts on the account its path names (`/admin/users/:id/password`) under `/admin`'],
    [16, 'it acts on the account its path names (`/users/:userId/password`) behind `authorize(...)`'],
    [17, 'it creates users under `/admin`'],
    [18, 'it creates users behind a check at the top of its handler that turns away anyone but an administrator'],
    [25, "it creates users behind the router's `ensureAdmin`"],
  ],
  'express-confirm-step': [
    [11, 'what it confirms is another action (`delete`)'],
    [12, 'what it confirms is another action (`ban`)'],
    [13, 'what it confirms is another action (`deletion`)'],
  ],
  'nestjs-account-management': [
    [11, 'it creates users behind `@Roles(...)`, which names an administrator'],
    [17, 'it acts on the account its path names (`/users/:id/password`) behind `@Roles(...)`'],
    [38, 'what it confirms is another action (`delete`)'],
  ],
  'next-account-management': [[6, 'behind a check at the top of its handler']],
  'express-unnamed-effect': [
    [30, 'hashes a password and creates a user'],
    [35, 'it issues an API key'],
  ],
  'nestjs-unnamed-effect': [
    [21, '`JwtAuthGuard` lets only a signed-in user through'],
    [32, 'a provider sign-in start'],
  ],
  'next-pages-users-collection': [[6, 'on a users collection whose body creates a user (`postUser(...)`)']],
  'graphql-relay-mutations': [[8, 'Relay `mutateAndGetPayload(input, context, info)`']],
  'koa-controller-class': [[5, 'nothing in this file registers it as a route']],
  'graphql-nest-resolver-customer': [[19, 'it creates an account (`createAdministrator`)']],
};

// Next.js cases are transformed under the paths fixtures/auth-logging/fixtures.json gives them (fixture-cases.ts).
const fixtures = fixtureCases(runnable(codemod)).map(({ name, filePath, input, expected, options }) => ({
  name,
  filePath,
  input,
  output: expected,
  options,
}));

function run(
  filePath: string,
  source: string,
  options: AuthLoggingOptions = {},
): Extract<TextOutcome, { rewritten: unknown }> {
  const outcome = transformText(codemod, filePath, source, { importFrom: '@quickwins/runtime', ...options });
  if (outcome.status === 'error') throw new Error(`${outcome.error.phase}: ${outcome.error.message}`);
  if (outcome.status === 'left') throw new Error(`left: ${outcome.reason}`);
  if (outcome.status === 'skipped')
    return { status: 'unchanged', rewritten: [], left: [], timings: outcome.timings } as never;
  return outcome;
}

function textOf(outcome: ReturnType<typeof run>, input: string): string {
  return outcome.status === 'changed' ? outcome.output : input;
}

/** A wrapper call or decorator, under its own name or the aliases the fixtures use. */
const WRAPPER_CALL =
  /\b(?:withAuthLogging|qwWithAuthLogging)\(|@(?:AuthLogged|AuthLoggedResolver|AuthLoggedMethod|Logged)\(/g;

function importsOfQuickwins(text: string): number {
  return (text.match(/from ['"]@quickwins\/runtime['"]|require\(['"]@quickwins\/runtime['"]\)/g) ?? []).length;
}

describe('auth-logging fixtures', () => {
  it('has fixtures for every framework and form', () => {
    const names = fixtures.map((fixture) => fixture.name);
    for (const prefix of [
      'express-',
      'koa',
      'fastify',
      'nestjs',
      'next-',
      'functions-',
      'graphql-',
      'client-',
      'decoys',
    ]) {
      expect(
        names.some((name) => name.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
    const extensions = new Set(readdirSync(FIXTURES).map((file) => file.split('.').at(-1)));
    for (const extension of ['ts', 'js', 'tsx', 'cjs']) expect(extensions.has(extension), extension).toBe(true);
  });

  for (const fixture of fixtures) {
    describe(fixture.name, () => {
      const first = run(fixture.filePath, fixture.input, fixture.options as AuthLoggingOptions);
      const output = textOf(first, fixture.input);

      it('reports one rewritten site per wrapper it adds, and imports once in the module style', () => {
        const added = (output.match(WRAPPER_CALL) ?? []).length - (fixture.input.match(WRAPPER_CALL) ?? []).length;
        expect(first.rewritten).toHaveLength(added);
        if (added > 0) {
          expect(importsOfQuickwins(output)).toBe(1);
          const cjs = /require\(['"]@quickwins\/runtime['"]\)/.test(output);
          expect(cjs).toBe(/\brequire\(/.test(fixture.input) && !/^import /m.test(fixture.input));
        } else {
          expect(importsOfQuickwins(output)).toBe(importsOfQuickwins(fixture.input));
        }
      });

      it('reports the sites it cannot wrap, with their line and why', () => {
        const expected = EXPECTED_LEFT[fixture.name] ?? [];
        expect(first.left.map((site) => site.line)).toEqual(expected.map(([line]) => line));
        first.left.forEach((site, index) => expect(site.message).toContain(expected[index]?.[1]));
      });
    });
  }
});

describe('auth-logging options and edges', () => {
  const router = "import express from 'express';\nconst router = express.Router();\n";

  it('--match narrows: only paths the regex matches are wrapped', () => {
    const source = `${router}router.post('/login', h);\nrouter.post('/register', h);\n`;
    const outcome = run('a.ts', source, { match: '^/login$' });
    expect(textOf(outcome, source)).toContain("router.post('/register', h);");
    expect(textOf(outcome, source)).toContain("router.post('/login', withAuthLogging('login', h));");
  });

  it('--match widens: a path the built-in test skips is wrapped when its words name an action', () => {
    const source = `${router}router.post('/partner/verify', h);\nrouter.post('/chat/sessions', h);\n`;
    expect(textOf(run('a.ts', source), source)).toBe(source);
    const widened = textOf(run('a.ts', source, { match: 'verify|sessions' }), source);
    expect(widened).toContain("router.post('/partner/verify', withAuthLogging('verify', h))");
    expect(widened).toContain("router.post('/chat/sessions', withAuthLogging('session', h))");
  });

  it('--match hits that name no action are reported, not guessed', () => {
    const source = `${router}router.post('/connect/bridge', h);\n`;
    const outcome = run('a.ts', source, { match: 'bridge' });
    expect(outcome.status).toBe('unchanged');
    expect(outcome.left).toHaveLength(1);
    expect(outcome.left[0]?.message).toContain('no word in its path or name says which auth action');
  });

  it('--import-from changes the module, and recognises wrappers imported from it', () => {
    const source = `${router}router.post('/login', h);\n`;
    const output = textOf(run('a.ts', source, { importFrom: '@acme/observability' }), source);
    expect(output).toContain("import { withAuthLogging } from '@acme/observability';");
    expect(run('a.ts', output, { importFrom: '@acme/observability' }).status).toBe('unchanged');
  });

  it('keeps CRLF line endings and a BOM', () => {
    const source = `\uFEFFimport express from 'express';\r\nconst app = express();\r\napp.post('/login', h);\r\n`;
    const output = textOf(run('a.ts', source), source);
    expect(output).toBe(
      `\uFEFFimport express from 'express';\r\nimport { withAuthLogging } from '@quickwins/runtime';\r\nconst app = express();\r\napp.post('/login', withAuthLogging('login', h));\r\n`,
    );
  });

  it('merges into an existing CommonJS require of quickwins', () => {
    const source =
      "const { configureAuthLogging } = require('@quickwins/runtime');\nconst app = require('express')();\napp.post('/login', h);\n";
    const output = textOf(run('a.js', source), source);
    expect(output).toBe(
      "const { configureAuthLogging, withAuthLogging } = require('@quickwins/runtime');\nconst app = require('express')();\napp.post('/login', withAuthLogging('login', h));\n",
    );
  });

  it('uses a namespace import that is already there', () => {
    const source =
      "import * as qw from '@quickwins/runtime';\nimport express from 'express';\nconst app = express();\napp.post('/login', h);\n";
    const output = textOf(run('a.ts', source), source);
    expect(output).toBe(source.replace("app.post('/login', h)", "app.post('/login', qw.withAuthLogging('login', h))"));
    expect(run('a.ts', output).status).toBe('unchanged');
  });

  it('skips files the pre-filter rules out without parsing them', () => {
    expect(codemod.mightApply('export const add = (a, b) => a + b;\n', { typed: false })).toBe(false);
    expect(codemod.mightApply("app.post('/x', h)", { typed: false })).toBe(true);
    expect(codemod.mightApply('export async function POST() {}', { typed: false })).toBe(true);
    expect(codemod.mightApply('export default async function handler(req, res) { res.end(); }', { typed: false })).toBe(
      true,
    );
    expect(
      codemod.mightApply('const total = items.reduce((a, b) => a + b, 0); // delete later\n', { typed: false }),
    ).toBe(false);
  });

  it('is also a jscodeshift transform giving the same bytes', () => {
    expect(parser).toBe('tsx');
    const fixture = fixtures.find((candidate) => candidate.name === 'express-esm');
    if (!fixture) throw new Error('fixture express-esm missing');
    const reports: string[] = [];
    const output = transformWithJscodeshift(
      { path: fixture.filePath, source: fixture.input },
      { report: (line) => reports.push(line) },
      {},
    );
    expect(output).toBe(fixture.output);
    const unwrappable = fixtures.find((candidate) => candidate.name === 'express-unwrappable');
    if (!unwrappable) throw new Error('fixture express-unwrappable missing');
    transformWithJscodeshift(
      { path: unwrappable.filePath, source: unwrappable.input },
      { report: (line) => reports.push(line) },
      {},
    );
    expect(reports.some((line) => /:9: left: POST \/login/.test(line))).toBe(true);
  });
});

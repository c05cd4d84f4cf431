/**
 * Whether a module is server code, the only place an auth wrap belongs, from the evidence a reviewer would use: a
 * `'use client'` directive, imports of a UI runtime (React Native, Vue, the DOM renderer), a package whose manifest
 * lists a UI framework and no server framework, a test file, a background-job module. Computed once per file; the
 * package part once per package (package-evidence.ts).
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { relative } from 'node:path';
import { traverse } from '../core/traverse.js';
import type { PackageDependencies } from './types.js';

export type ModuleSide =
  | { readonly kind: 'server' }
  /** Not server code: nothing here answers a request; `evidence` says what decided. */
  | { readonly kind: 'client' | 'test' | 'job' | 'instrumentation'; readonly evidence: string };

const CLIENT_MODULES =
  /^(react-native|react-native-.*|expo|expo-.*|@expo\/.*|react-dom|react-dom\/.*|vue|@vue\/.*|@angular\/core|svelte|solid-js|preact|@react-navigation\/.*|@ionic\/.*|react|urql|@urql\/.*|next-urql|@apollo\/client|@apollo\/client\/.*|react-relay|@tanstack\/react-query|@tanstack\/vue-query)$/;
const CLIENT_PACKAGES = ['react-native', 'expo', 'react-dom', 'vue', '@angular/core', 'svelte', 'solid-js', 'preact'];
const SERVER_PACKAGES = [
  'express',
  'koa',
  '@koa/router',
  'koa-router',
  'fastify',
  '@nestjs/core',
  'next',
  '@hapi/hapi',
  'hono',
  '@apollo/server',
  'apollo-server',
  'apollo-server-express',
  'graphql-yoga',
  'mercurius',
  'type-graphql',
  'restify',
  'polka',
  '@remix-run/node',
  'nuxt',
  '@sveltejs/kit',
  'h3',
  'elysia',
  'micro',
  'http-errors',
  'passport',
  'pg',
  'mongoose',
  'prisma',
  '@prisma/client',
];
const TEST_PATH =
  /(^|\/)(__tests__|__mocks__|tests?|e2e|spec|cypress|playwright|[\w-]*-tests?)\/|\.(test|spec|e2e)\.[cm]?[jt]sx?$/;
/** Folders whose code a bundler or a static server sends to the browser (`public/src/**`, a `client/` app). */
const BROWSER_PATH = /(^|\/)(public|client|frontend|browser)\//;
const JOB_PATH = /(^|\/)(jobs?|cron|crons|workers?|queues?|tasks|schedulers?|integrations)\//;

function directives(program: TSESTree.Program): string[] {
  const found: string[] = [];
  for (const statement of program.body) {
    if (
      statement.type !== 'ExpressionStatement' ||
      statement.expression.type !== 'Literal' ||
      typeof statement.expression.value !== 'string'
    )
      break;
    found.push(statement.expression.value);
  }
  return found;
}

function importedSources(program: TSESTree.Program): string[] {
  return program.body.flatMap((statement) => (statement.type === 'ImportDeclaration' ? [statement.source.value] : []));
}

/** The side of one module; `facts` are its package's (undefined when no manifest was found). */
export function moduleSide(
  program: TSESTree.Program,
  filePath: string,
  facts: PackageDependencies | undefined,
): ModuleSide {
  const path = filePath.replace(/\\/g, '/');
  const said = directives(program);
  if (said.includes('use server')) return { kind: 'server' };
  if (said.includes('use client')) return { kind: 'client', evidence: "its 'use client' directive" };
  if (TEST_PATH.test(path)) return { kind: 'test', evidence: 'its path is a test path' };
  if (/(^|\/)instrumentation(-node|-edge)?\.[cm]?[jt]s$/.test(path))
    return {
      kind: 'instrumentation',
      evidence: 'it is Next.js instrumentation, whose `register()` runs once at start-up',
    };
  const clientImport = importedSources(program).find((source) => CLIENT_MODULES.test(source));
  if (clientImport) return { kind: 'client', evidence: `it imports \`${clientImport}\`` };
  if (facts) {
    const ui = CLIENT_PACKAGES.find((name) => facts.dependencies.has(name));
    const server = SERVER_PACKAGES.some((name) => facts.dependencies.has(name));
    if (ui && !server)
      return {
        kind: 'client',
        evidence: `its package (${relative(process.cwd(), facts.manifest) || 'package.json'}) depends on \`${ui}\` and on no server framework`,
      };
  }
  const browserFolder = BROWSER_PATH.exec(path);
  if (browserFolder) return { kind: 'client', evidence: `its path is browser code (\`${browserFolder[2]}/\`)` };
  const dom = domGlobalUsed(program);
  if (dom) return { kind: 'client', evidence: `it uses \`${dom}\`, which only a browser has` };
  const job = JOB_PATH.exec(path);
  if (job) return { kind: 'job', evidence: `its path is a background-job module (\`${job[2]}/\`)` };
  return { kind: 'server' };
}

/** `window.x` / `document.x` read anywhere in the module, unless the module binds the name itself. */
function domGlobalUsed(program: TSESTree.Program): string | undefined {
  let found: string | undefined;
  const declared = new Set<string>();
  traverse(program, (node) => {
    if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier') declared.add(node.id.name);
    if (
      found === undefined &&
      node.type === 'MemberExpression' &&
      node.object.type === 'Identifier' &&
      /^(window|document)$/.test(node.object.name)
    ) {
      found = node.object.name;
    }
  });
  return found !== undefined && !declared.has(found) ? found : undefined;
}

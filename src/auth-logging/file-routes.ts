/**
 * File-routed handlers the codemod cannot wrap yet: SvelteKit (`src/routes/**\/+page.server.ts` form actions,
 * `+server.ts` endpoints) and `route.ts` files under an `api/` folder outside Next.js's `app/` (Medusa). Their
 * route is their folder; those whose route or action name says authentication are reported with why.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { isAbsolute, relative } from 'node:path';
import { propertyKeyName } from '../core/bindings.js';
import type { AuthScan } from './scan.js';
import { unnamedRouteVerdict } from './unnamed-routes.js';
import { unnamedCandidateReason } from './next.js';

const HTTP_EXPORTS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

interface FileRoute {
  readonly kind: 'sveltekit' | 'route-file';
  /** `/sign-in`, `/auth/[actor_type]/[auth_provider]/callback` (route groups dropped). */
  readonly route: string;
  readonly page: boolean;
}

/** The route a file answers for, when its name and folder make it a file-routed handler this module reports. */
export function fileRouteOf(filePath: string): FileRoute | undefined {
  const normalized = (isAbsolute(filePath) ? relative(process.cwd(), filePath) : filePath).replace(/\\/g, '/');
  const withoutGroups = (folder: string): string =>
    `/${folder
      .split('/')
      .filter((segment) => segment !== '' && !segment.startsWith('('))
      .join('/')}`;
  const svelte = /(?:^|\/)routes\/(.*?)\/?\+(page\.server|server)\.[cm]?[jt]s$/.exec(normalized);
  if (svelte) return { kind: 'sveltekit', route: withoutGroups(svelte[1] ?? ''), page: svelte[2] === 'page.server' };
  const routeFile = /(?:^|\/)api\/(.*?)\/?route\.[cm]?[jt]s$/.exec(normalized);
  if (routeFile && !/(?:^|\/)app\//.test(normalized))
    return { kind: 'route-file', route: `/api${withoutGroups(routeFile[1] ?? '')}`.replace(/\/$/, ''), page: false };
  return undefined;
}

const REASONS = {
  sveltekit:
    'it is a SvelteKit form action or endpoint, which answers by returning `fail(...)` or throwing `redirect(...)`; the runtime cannot read that outcome (it reads Express, Fastify, Koa, Next.js and GraphQL resolvers); log it by hand',
  'route-file':
    'it is a file-routed handler outside Next.js’s `app/` folder (its route is its folder); the codemod wraps only Next.js route files, so wrap it by hand',
} as const;

/** The names a module exports with their nodes: `export const POST = ...`, `export async function GET() {}`. */
interface NamedExport {
  readonly name: string;
  readonly node: TSESTree.Node;
  readonly init?: TSESTree.Node;
}

function namedExports(program: TSESTree.Program): NamedExport[] {
  return program.body.flatMap((statement): NamedExport[] => {
    if (statement.type !== 'ExportNamedDeclaration' || !statement.declaration) return [];
    const declaration = statement.declaration;
    if (declaration.type === 'FunctionDeclaration' && declaration.id)
      return [{ name: declaration.id.name, node: statement, init: declaration }];
    if (declaration.type !== 'VariableDeclaration') return [];
    return declaration.declarations.flatMap((declarator) =>
      declarator.id.type === 'Identifier'
        ? [{ name: declarator.id.name, node: declarator, ...(declarator.init ? { init: declarator.init } : {}) }]
        : [],
    );
  });
}

export function reportFileRoutedHandlers(scan: AuthScan, fileRoute: FileRoute): void {
  const framework = fileRoute.kind === 'sveltekit' ? 'function' : 'express';
  const report = (description: string, node: TSESTree.Node, name: string | undefined, method = 'post'): void => {
    const named = scan.routeAction([fileRoute.route], name, []);
    if (named && named !== 'unclassified') {
      scan.skipped.push({ framework, description, node, reason: REASONS[fileRoute.kind] });
      return;
    }
    if (named || scan.side.kind !== 'server') return;
    // Words silent: what the handler does decides (a sign-in effect is still reported: these cannot be wrapped).
    const fn = handlerOf(node);
    const verdict = unnamedRouteVerdict(method, [fileRoute.route], name, fn, undefined);
    const reason = !verdict
      ? unnamedCandidateReason(fileRoute.route, fn)
      : verdict.kind === 'leave'
        ? verdict.reason
        : `its handler signs in (\`${verdict.evidence}\`), but ${REASONS[fileRoute.kind]}`;
    if (reason) scan.skipped.push({ framework, description, node, reason });
  };
  const handlerOf = (node: TSESTree.Node): TSESTree.Node | undefined =>
    namedExports(scan.program).find((exported) => exported.node === node)?.init ??
    (node.type === 'Property' ? node.value : undefined);
  for (const exported of namedExports(scan.program)) {
    if (HTTP_EXPORTS.has(exported.name)) {
      report(`${exported.name} ${fileRoute.route}`, exported.node, undefined, exported.name.toLowerCase());
      continue;
    }
    // `export const actions = { default: async (event) => ..., 'reset-password': async (event) => ... }`.
    if (fileRoute.page && exported.name === 'actions' && exported.init?.type === 'ObjectExpression') {
      for (const property of exported.init.properties) {
        if (property.type !== 'Property') continue;
        const key = propertyKeyName(property);
        if (key === undefined) continue;
        const name = key === 'default' ? undefined : key;
        report(`form action ${key} of ${fileRoute.route}`, property, name);
      }
    }
  }
}

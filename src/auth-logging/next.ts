/**
 * Next.js: `app/**\/route.ts` exports `POST`, `PUT`, ... whose folder path names the action, and the default export
 * of `pages/api/**`.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { referencedOutside } from '../core/ast-helpers.js';
import { finalHandler } from './handler-refs.js';
import { exportedFunctions, exportedSite } from './functions.js';
import type { AuthScan } from './scan.js';
import { handlerChecksAdministrator } from './administration.js';
import { actionForMethod, actionForRoute, authWords } from './vocabulary.js';

const NEXT_EXPORTS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** `pages/api/auth/login.ts` → `/api/auth/login`; `src/pages/api/auth/index.js` → `/api/auth`. */
export function nextPagesApiRoute(filePath: string): string | undefined {
  const normalized = filePath.replace(/\\/g, '/');
  const match = /(?:^|\/)pages\/(api\/.*)\.[cm]?[jt]sx?$/.exec(normalized);
  return match ? `/${(match[1] ?? '').replace(/\/index$/, '')}` : undefined;
}

export function isNextRouteFile(filePath: string): boolean {
  return nextRouteFolder(filePath) !== undefined;
}

/** `src/app/(auth)/api/login/route.ts` → `(auth)/api/login`. */
export function nextRouteFolder(filePath: string): string | undefined {
  const normalized = filePath.replace(/\\/g, '/');
  const match = /(?:^|\/)app\/(.*?)\/?route\.(?:[cm]?[jt]sx?)$/.exec(normalized);
  return match ? (match[1] ?? '').replace(/\/$/, '') : undefined;
}

export function detectNextRoute(scan: AuthScan): void {
  const folder = nextRouteFolder(scan.options.filePath) ?? '';
  const groups = folder
    .split('/')
    .filter((segment) => segment.startsWith('('))
    .flatMap((segment) => authWords(segment));
  for (const statement of scan.program.body) {
    if (statement.type !== 'ExportNamedDeclaration') continue;
    for (const exported of exportedFunctions(statement)) {
      if (!NEXT_EXPORTS.has(exported.name)) continue;
      const named = scan.routeAction([`/${folder}`], undefined, groups);
      if (!named || scan.reportUnclassified(named, 'next', `${exported.name} /${folder}`, exported.node)) continue;
      const action = actionForRoute(exported.name, named, `/${folder}`);
      if (!action) {
        scan.reportMethodMismatch('next', `${exported.name} /${folder}`, exported.node, exported.name, named);
        continue;
      }
      const administratorGuards = [handlerChecksAdministrator(exported.fn)];
      const refusal = scan.routeRefusal([`/${folder}`], undefined, groups, action, administratorGuards);
      if (scan.refuseRoute('next', `${exported.name} /${folder}`, exported.node, refusal)) continue;
      exportedSite(scan, 'next', action, `${exported.name} /${folder}`, exported, statement);
    }
    if (!statement.declaration && statement.source === null) {
      for (const specifier of statement.specifiers) {
        const name = specifier.exported.type === 'Identifier' ? specifier.exported.name : specifier.exported.value;
        if (!NEXT_EXPORTS.has(name)) continue;
        const named = scan.routeAction([`/${folder}`], undefined, groups);
        if (!named || named === 'unclassified' || !actionForMethod(name, named)) continue;
        scan.skipped.push({
          framework: 'next',
          description: `${name} /${folder}`,
          node: specifier,
          reason: `it is exported through \`export { ... as ${name} }\`; wrap the function where it is declared`,
        });
      }
    }
  }
}

/**
 * `pages/api/auth/login.ts`: the default export is the handler for every method. A session or token route there
 * mostly answers GET (who am I, a CSRF token), so those are reported rather than wrapped.
 */
export function detectNextPagesApi(scan: AuthScan): void {
  const route = nextPagesApiRoute(scan.options.filePath) ?? '';
  const statement = scan.program.body.find(
    (node): node is TSESTree.ExportDefaultDeclaration => node.type === 'ExportDefaultDeclaration',
  );
  if (!statement) return;
  const named = scan.routeAction([route], undefined, []);
  const description = `default export ${route}`;
  if (!named || scan.reportUnclassified(named, 'next', description, statement)) return;
  if (named === 'session' || named === 'token') {
    scan.skipped.push({
      framework: 'next',
      description,
      node: statement,
      reason:
        'an API route for every method: a GET reads the session or token and is no auth event; wrap the creating branch by hand',
    });
    return;
  }
  const declaration = statement.declaration;
  const refusal = scan.routeRefusal([route], undefined, [], named, [handlerChecksAdministrator(declaration)]);
  if (scan.refuseRoute('next', description, statement, refusal)) return;
  if (declaration.type === 'FunctionDeclaration') {
    const name = declaration.id?.name;
    if (name && referencedOutside(scan.program, name, declaration)) {
      scan.skipped.push({
        framework: 'next',
        description,
        node: statement,
        reason: `\`${name}\` is also used elsewhere in the file, and wrapping the default export would unbind it`,
      });
      return;
    }
    scan.handlers.push({
      framework: 'next',
      action: named,
      description,
      target: { kind: 'default-function', declaration },
      node: statement,
      middlewaresBefore: [],
    });
    return;
  }
  if (
    declaration.type === 'ClassDeclaration' ||
    declaration.type === 'TSInterfaceDeclaration' ||
    declaration.type === 'TSDeclareFunction'
  )
    return;
  const handler = finalHandler(declaration as TSESTree.Expression);
  if (!handler) return;
  scan.registerSite('next', named, description, handler, statement, []);
}

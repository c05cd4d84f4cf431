/**
 * Finds authentication handlers in one file and says which auth action each performs, so that the `auth-logging`
 * codemod can wrap them. One detector per framework, like the runtime's adapters:
 * - express.ts: Express / Koa (`@koa/router`) / Fastify shorthands, `router.route('/login').post(h)`, chains;
 * - koa.ts: `@koa/router` named routes; fastify.ts: `fastify.route({ method, url, handler })`;
 * - nest.ts: NestJS `@Post('login')` methods of `@Controller('auth')` classes;
 * - next.ts: Next.js `app/**\/route.ts` method exports and `pages/api/**` default exports;
 * - graphql.ts: `@Mutation()` methods of resolver classes, `Mutation` entries of resolver maps;
 * - functions.ts: exported plain functions named for an action (ESM and CommonJS), and exported resolvers.
 * The words live in vocabulary.ts, the shared state and the one door every site goes through in scan.ts.
 *
 * Only the final handler of a route is a site: the middlewares before it (`passport.authenticate(...)`,
 * `validate(schema)`) are not wrapped, because the runtime writes one outcome line per request and the final
 * handler is the one that decides the response in the normal case. Sites are described, not edited: the caller
 * turns them into text edits.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { traverse } from '../core/traverse.js';
import { detectRouteCall } from './express.js';
import { detectSocketEvent } from './socket.js';
import { detectExportedFunctions } from './functions.js';
import { detectMutationModule, detectMutationObject, detectResolverClass, detectResolverMap } from './graphql.js';
import { detectNestController } from './nest.js';
import { detectNextPagesApi, detectNextRoute, isNextRouteFile, nextPagesApiRoute } from './next.js';
import { fileRouteOf, reportFileRoutedHandlers } from './file-routes.js';
import { linkRoutedExports } from './routed-exports.js';
import { detectRelayMutation } from './relay.js';
import { detectControllerMethods } from './controller-methods.js';
import { AuthScan, SIDE_REASONS } from './scan.js';
import type { AuthHandlerScan, FindAuthHandlersOptions } from './types.js';

export * from './types.js';
export {
  actionForMethod,
  actionOfWords,
  authWords,
  classifyHandlerName,
  classifyRoutePath,
  staticPath,
} from './vocabulary.js';
export type { AuthClassification } from './vocabulary.js';
export { isNextRouteFile, nextPagesApiRoute } from './next.js';
export { identityKey, type HandlerIdentity } from './identity.js';

/**
 * Finds the auth handlers of one file. Reads the tree and edits nothing; a route whose handler is imported from a
 * project module also reads that module (routed-exports.ts), to name the export and never wrap it twice.
 */
export function findAuthHandlers(program: TSESTree.Program, options: FindAuthHandlersOptions): AuthHandlerScan {
  return scanFile(program, options, true);
}

function scanFile(
  program: TSESTree.Program,
  options: FindAuthHandlersOptions,
  followImports: boolean,
): AuthHandlerScan {
  const scan = new AuthScan(program, options);
  const calls: TSESTree.CallExpression[] = [];
  const classes: TSESTree.ClassDeclaration[] = [];
  const objects: TSESTree.ObjectExpression[] = [];
  const declarators: TSESTree.VariableDeclarator[] = [];
  traverse(program, (node) => {
    if (node.type === 'CallExpression') calls.push(node);
    else if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression')
      classes.push(node as TSESTree.ClassDeclaration);
    else if (node.type === 'ObjectExpression') objects.push(node);
    else if (node.type === 'VariableDeclarator') declarators.push(node);
  });
  // A client module registers no server routes (its `api.post('/login', body)` is a request, not a route) and defines
  // no resolvers; its auth-named exports are reported with the evidence (functions.ts).
  if (scan.side.kind === 'client') {
    detectExportedFunctions(scan);
    return { handlers: scan.handlers, wrapped: scan.wrapped, skipped: scan.skipped };
  }
  // Routes first: the names they register are wrapped there, which the exported-function detector reads.
  for (const call of calls) {
    detectRouteCall(scan, call);
    detectSocketEvent(scan, call);
    detectRelayMutation(scan, call);
  }
  for (const declaration of classes) {
    detectNestController(scan, declaration);
    detectResolverClass(scan, declaration);
    detectControllerMethods(scan, declaration);
  }
  for (const object of objects) detectResolverMap(scan, object);
  for (const declarator of declarators) detectMutationObject(scan, declarator);
  const fileRoute = fileRouteOf(options.filePath);
  if (fileRoute) reportFileRoutedHandlers(scan, fileRoute);
  else if (isNextRouteFile(options.filePath)) detectNextRoute(scan);
  else detectExportedFunctions(scan);
  detectMutationModule(scan);
  if (nextPagesApiRoute(options.filePath) !== undefined) detectNextPagesApi(scan);
  scan.dropAliasesOfWrappedSites();
  // Routes in a test file, a job module or instrumentation answer no user's request: found, reported, not wrapped.
  if (scan.side.kind !== 'server') scan.leaveEverySite(`${SIDE_REASONS[scan.side.kind]} (${scan.side.evidence})`);
  // One module deep: the imported module's own scan does not follow its imports.
  if (followImports) linkRoutedExports(scan, (filePath, other) => scanFile(other, { ...options, filePath }, false));
  return { handlers: scan.handlers, wrapped: scan.wrapped, skipped: scan.skipped };
}

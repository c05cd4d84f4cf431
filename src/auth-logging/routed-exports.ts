/**
 * Routes whose handler is an export of another module of the project (`router.post('/login', authController.login)`):
 * each gets that export's identity, and the export's own module decides whether the route is the place to wrap it.
 * A controller's `(req, res)` export is left to its routes (functions.ts), so the route wraps it; an export that is
 * already wrapped where it is declared, or that the codemod wraps there (a plain `login(input)` function), is not
 * wrapped again at the route: that would write two outcome lines per request.
 */
import { lineStarts, positionIn } from '../core/lines.js';
import { loadModule } from '../core/modules.js';
import { exportLocator, importedHandler, type ImportedHandler } from './handler-identity.js';
import type { HandlerIdentity } from './identity.js';
import type { AuthScan } from './scan.js';
import type { AuthHandlerScan, AuthHandlerSite } from './types.js';

/** How a module's own scan treats one of its exports: already wrapped there, or wrapped there by the codemod. */
type DeclaredWrap = { readonly how: 'wrapped' | 'handler'; readonly line: number } | undefined;

/** Scans another module (its path, its tree), without following its own imports. */
export type ModuleScanner = (filePath: string, program: AuthScan['program']) => AuthHandlerScan;

/** Sets the identity of every route site whose handler is imported, and keeps a route from wrapping twice. */
export function linkRoutedExports(scan: AuthScan, scanModule: ModuleScanner): void {
  const routed = (site: AuthHandlerSite): boolean =>
    site.identity === undefined &&
    site.target.kind !== 'function-declaration' &&
    site.target.kind !== 'default-function';
  if (!scan.handlers.some(routed) && !scan.wrapped.some(routed)) return;
  const locate = exportLocator(scan.options.filePath);
  const imported = (site: AuthHandlerSite): ImportedHandler | undefined => {
    if (
      site.target.kind !== 'expression' &&
      site.target.kind !== 'shorthand-property' &&
      site.target.kind !== 'method-property'
    )
      return undefined;
    return importedHandler(scan.bindingIndex(), site.target, locate);
  };
  // Each imported module read and scanned once per file, however many routes register its exports.
  const modules = new Map<string, { readonly scan: AuthHandlerScan; readonly lineStarts: readonly number[] } | null>();
  const declaredWrap = (handler: ImportedHandler): DeclaredWrap => {
    if (!modules.has(handler.file)) {
      const loaded = loadModule(handler.file);
      modules.set(
        handler.file,
        loaded ? { scan: scanModule(handler.file, loaded.program), lineStarts: lineStarts(loaded.source) } : null,
      );
    }
    const module = modules.get(handler.file);
    if (!module) return undefined;
    const other = module.scan;
    const at = (site: AuthHandlerSite): number => positionIn(module.lineStarts, site.node.range[0]).line;
    const same = (site: AuthHandlerSite): boolean => site.identity !== undefined && sameExport(site.identity, handler);
    const wrapped = other.wrapped.find(same);
    if (wrapped) return { how: 'wrapped', line: at(wrapped) };
    const wrappedThere = other.handlers.find(same);
    return wrappedThere ? { how: 'handler', line: at(wrappedThere) } : undefined;
  };

  for (let position = 0; position < scan.wrapped.length; position++) {
    const site = scan.wrapped[position] as AuthHandlerSite;
    if (!routed(site)) continue;
    const handler = imported(site);
    if (handler) scan.wrapped[position] = { ...site, identity: handler };
  }
  for (let position = scan.handlers.length - 1; position >= 0; position--) {
    const site = scan.handlers[position] as AuthHandlerSite;
    if (!routed(site)) continue;
    const handler = imported(site);
    if (!handler) continue;
    const identity: HandlerIdentity = { file: handler.file, exportName: handler.exportName };
    const declared = declaredWrap(handler);
    if (declared === undefined) {
      scan.handlers[position] = { ...site, identity };
      continue;
    }
    scan.handlers.splice(position, 1);
    if (declared.how === 'wrapped') {
      // Already logged where it is declared: the route has nothing to add.
      scan.wrapped.push({ ...site, identity });
    } else {
      scan.skipped.push({
        framework: site.framework,
        description: site.description,
        node: site.node,
        identity,
        reason:
          `its handler \`${handler.reference}\` is wrapped where '${handler.specifier}' declares it (line ${declared.line} there), ` +
          'and wrapping the route too would log two lines per request (run the codemod on that file too)',
      });
    }
  }
}

function sameExport(a: HandlerIdentity, b: HandlerIdentity): boolean {
  return a.file === b.file && a.exportName === b.exportName;
}

/**
 * `npx quickwins graphql-cache`: puts graphql-js servers on the document cache of `@quickwins/runtime/graphql`,
 * keeping every other byte:
 *   graphql({ schema, source, ... })          → cachedGraphql({ schema, source, ... })
 *   graphql(schema, source, root, ctx, vars)  → cachedGraphql({ schema, source, rootValue: root, ... })   (graphql 15)
 *   execute({ document: parse(body.query) })  → execute({ document: cachedParse(body.query) })
 *   validate(schema, document)                → cachedValidate(schema, document)   (document from a cachedParse)
 *   documentStore: null / persistedQueries: false (Apollo), parserAndValidationCache: false (Yoga),
 *   cache: false (Mercurius)                  → removed: the server's own cache is back on
 * Detection and edits live in src/graphql-cache/graphql-sites.ts (shared with the ESLint rule graphql-cache); this file
 * only wires options and turns sites into the report. Response caches without a session are reported, never changed.
 */
import { applyTextEdits } from '../src/core/text-edit.js';
import type { Codemod, CodemodInput, CodemodResult, CodemodSite } from '../src/codemod-host/codemod.js';
import { sniffCodeStyle } from '../src/core/code-style.js';
import { sniffModuleStyle } from '../src/core/module-style.js';
import { positionsOf } from '../src/core/parse.js';
import {
  DEFAULT_IMPORT_FROM,
  findGraphqlSites,
  helperOf,
  mayHaveGraphqlSites,
  planGraphqlRewrites,
  type GraphqlSite,
} from '../src/graphql-cache/graphql-sites.js';
import { isTestFileInPackage, leaveTestFile } from '../src/codemod-host/test-files.js';
import { toJscodeshiftTransform } from '../src/codemod-host/jscodeshift.js';

export interface GraphqlCacheOptions {
  /** Also rewrite test files (default false: left and reported, so a test-only import stays out of production). */
  readonly tests: boolean;
  /** Module the helpers are imported from. Default '@quickwins/runtime/graphql'. */
  readonly importFrom: string;
  /** Also remove options that switch a server's own cache off. Default true. */
  readonly options: boolean;
}

function describe(site: GraphqlSite): string {
  switch (site.kind) {
    case 'graphql':
      return `graphql(${site.form === 'positional' ? 'schema, source, …' : '{ … }'}) → ${helperOf(site)}({ … }) (${site.evidence})`;
    case 'parse':
    case 'validate':
      return `${site.kind}() → ${helperOf(site)}() (${site.evidence})`;
    case 'disabling-option':
      return `removed \`${site.option}\` from ${site.owner}: its own cache is back on`;
  }
}

export const codemod: Codemod<GraphqlCacheOptions> = {
  id: 'graphql-cache',
  summary:
    'Rewrite graphql()/parse()/validate() of graphql-js servers onto the document cache; remove options that switch caches off',
  options: [
    {
      flag: 'import-from',
      type: 'string',
      default: DEFAULT_IMPORT_FROM,
      description: 'module to import cachedGraphql / cachedParse / cachedValidate from',
    },
    {
      flag: 'options',
      type: 'boolean',
      default: true,
      description:
        'do not remove documentStore: null, persistedQueries: false, parserAndValidationCache: false, Mercurius cache: false; leave and report them (removed by default)',
    },
    {
      flag: 'tests',
      type: 'boolean',
      default: false,
      description: 'also rewrite test files (left and reported by default)',
    },
  ],
  usesTypes: true,
  reads: ['package-json', 'imported-modules', 'project-config', 'package-sources'],
  mightApply: (source) => mayHaveGraphqlSites(source),
  transform(input) {
    const result = rewriteGraphql(input);
    return input.options.tests || !isTestFileInPackage(input.filePath) ? result : leaveTestFile(result);
  },
};

function rewriteGraphql({
  filePath,
  source,
  program,
  options,
  types,
}: CodemodInput<GraphqlCacheOptions>): CodemodResult {
  const scan = findGraphqlSites(program, { types, filePath });
  const chosen = options.options ? scan.sites : scan.sites.filter((site) => site.kind !== 'disabling-option');
  const edits =
    chosen.length === 0
      ? []
      : planGraphqlRewrites(program, source, chosen, {
          importFrom: options.importFrom,
          moduleStyle: sniffModuleStyle(program, filePath),
          style: sniffCodeStyle(program, source),
        });
  const positionOf = positionsOf(source);
  const rewritten: CodemodSite[] = chosen.map((site) => ({
    ...positionOf(site.kind === 'disabling-option' ? site.property.range[0] : site.call.range[0]),
    message: describe(site),
  }));
  const left: CodemodSite[] = [
    ...scan.left.map((site) => ({ ...positionOf(site.node.range[0]), message: site.reason })),
    ...scan.sites
      .filter((site) => !chosen.includes(site))
      .map((site) => ({
        ...positionOf(site.kind === 'disabling-option' ? site.property.range[0] : site.call.range[0]),
        message: `--no-options: \`${site.kind === 'disabling-option' ? site.option : ''}\` kept`,
      })),
    ...scan.responseCaches.map((site) => ({
      ...positionOf(site.call.range[0]),
      message: `${site.plugin} without \`${site.sessionOption}\`: one user's cached answer can be served to another; add a session key by hand`,
    })),
  ].sort((a, b) => a.line - b.line || a.column - b.column);
  // Removing a cache-disabling option imports nothing; a rewrite to the cache does.
  const importsHelpers = edits.length > 0 && applyTextEdits(source, edits).includes(options.importFrom);
  return {
    edits,
    rewritten,
    left,
    imports: importsHelpers ? [options.importFrom] : [],
    waitsForTypes: scan.waitsForTypes,
  };
}

export default toJscodeshiftTransform(codemod);
export const parser = 'tsx';

/**
 * `quickwins/graphql-cache`: reports what keeps a GraphQL server from caching its documents, and what makes a cache
 * unsafe, and fixes the first kind onto `@quickwins/runtime/graphql`:
 *   - graphql-js's `graphql()` on a server (every request parses and validates again) → `cachedGraphql()`
 *   - raw `parse()` of request input whose document is executed or validated → `cachedParse()` (and its `validate()`
 *     → `cachedValidate()`)
 *   - options that switch a server's own cache off: `documentStore: null`, `persistedQueries: false` (Apollo),
 *     `parserAndValidationCache: false` (Yoga), `cache: false` (Mercurius) → removed; the same option in a conditional
 *     spread, a shared options object or a value chosen at run time → reported without a fix
 *   - a response cache without a session (`responseCachePlugin()` without `sessionId`, `useResponseCache()` without
 *     `session`): one user's answer can be served to another. Reported only: the session key is the app's to choose.
 *
 * The ESLint front end of the `graphql-cache` codemod: the same detector (src/graphql-cache/graphql-sites.ts) and the same
 * edits. With typescript-eslint type information graphql-js's symbols are found by the checker; otherwise by imports.
 */
import { isAbsolute } from 'node:path';
import type { TSESTree } from '@typescript-eslint/utils';
import type { TypeServices } from '../../src/codemod-host/codemod.js';
import { sniffCodeStyle } from '../../src/core/code-style.js';
import { sniffModuleStyle } from '../../src/core/module-style.js';
import {
  DEFAULT_IMPORT_FROM,
  findGraphqlSites,
  mayHaveGraphqlSites,
  planGraphqlRewrites,
  type GraphqlSite,
} from '../../src/graphql-cache/graphql-sites.js';
import { packageOf } from '../../src/graphql-cache/graphql-symbols.js';
import { findUnreadImports } from '../../src/core/imports.js';
import { createRule } from '../util/create-rule.js';

export interface GraphqlCacheRuleOptions {
  /** Module the helpers are imported from. */
  readonly importFrom?: string;
  /** Report options that switch a server's own cache off (default true). */
  readonly checkOptions?: boolean;
  /** Report response caches without a session (default true). */
  readonly checkResponseCache?: boolean;
}

type MessageIds =
  'graphql' | 'parse' | 'validate' | 'disablingOption' | 'disablingOptionLeft' | 'unreadImport' | 'responseCache';

/** graphql's exports the fixes replace (and a namespace or a whole require of it). */
const REPLACED_IMPORTS = new Set(['graphql', 'parse', 'validate', '*']);

export default createRule<[GraphqlCacheRuleOptions], MessageIds>({
  name: 'graphql-cache',
  meta: {
    type: 'problem',
    fixable: 'code',
    docs: {
      description:
        'Cache parsed and validated GraphQL documents on the server; never switch a server’s document cache off; never cache responses without a session',
      recommended: true,
      requiresTypeChecking: false,
    },
    schema: [
      {
        type: 'object',
        properties: {
          importFrom: {
            type: 'string',
            minLength: 1,
            description: "Module to import the helpers from (default '@quickwins/runtime/graphql').",
          },
          checkOptions: {
            type: 'boolean',
            description: 'Report options that switch a server’s own document cache off (default true).',
          },
          checkResponseCache: {
            type: 'boolean',
            description: 'Report response caches configured without a session key (default true).',
          },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      graphql:
        '`graphql()` parses and validates the query again on every request (validation is most of a small query’s CPU). ' +
        'Use `cachedGraphql()` from {{from}}: the same answers, the document cached per schema.',
      parse:
        'Raw `parse()` of request input on a server: every request parses again. Use `cachedParse()` from {{from}}.',
      validate:
        '`validate()` of a request document runs every rule again on every request. Use `cachedValidate()` from {{from}}.',
      disablingOption:
        '`{{option}}` switches the document cache of {{owner}} off: every request parses and validates again. Remove it.',
      disablingOptionLeft:
        '`{{option}}` may switch the document cache of {{owner}} off ({{reason}}); no automatic fix: every request would parse and validate again.',
      unreadImport: "`{{name}}` from '{{from}}' is no longer read: its calls go to the cache now. Remove it.",
      responseCache:
        '{{plugin}} without `{{sessionOption}}` caches answers for everyone: one user’s data can be served to another. ' +
        'Key the cache by session (or mark private fields with cache hints of scope PRIVATE).',
    },
    defaultOptions: [{ importFrom: DEFAULT_IMPORT_FROM, checkOptions: true, checkResponseCache: true }],
  },
  create(context, [options]) {
    const importFrom = options.importFrom ?? DEFAULT_IMPORT_FROM;
    const sourceCode = context.sourceCode;
    const text = sourceCode.text;
    if (!mayHaveGraphqlSites(text)) return {};
    const types = typeServices(sourceCode.parserServices);
    return {
      'Program:exit'(node): void {
        const program = node as unknown as Parameters<typeof findGraphqlSites>[0];
        const scan = findGraphqlSites(program, {
          types,
          filePath: isAbsolute(context.physicalFilename) ? context.physicalFilename : undefined,
        });
        const rewriteOptions = {
          importFrom,
          moduleStyle: sniffModuleStyle(program, context.physicalFilename),
          style: sniffCodeStyle(program, text),
        };
        const fixFor =
          (site: GraphqlSite) => (fixer: Parameters<NonNullable<Parameters<typeof context.report>[0]['fix']>>[0]) =>
            planGraphqlRewrites(program, text, [site], rewriteOptions).map((edit) =>
              fixer.replaceTextRange([edit.start, edit.end], edit.text),
            );
        const from = `'${importFrom}'`;
        for (const site of scan.sites) {
          if (site.kind === 'disabling-option') {
            if (options.checkOptions === false) continue;
            context.report({
              node: site.property as unknown as TSESTree.Node,
              messageId: 'disablingOption',
              data: { option: site.option, owner: site.owner },
              fix: fixFor(site),
            });
            continue;
          }
          context.report({
            node: site.call as unknown as TSESTree.Node,
            messageId: site.kind,
            data: { from },
            fix: fixFor(site),
          });
        }
        // A fix per site cannot see the others: when two fixes land in one pass, graphql's import is left unread. Once
        // the file uses the cache, such an import of graphql's graphql/parse/validate (or a namespace) is reported and
        // removed on its own.
        if (/\bcached(?:Graphql|Parse|Validate)\b/.test(text) && text.includes(importFrom)) {
          const replaced = (from: string, imported: string): boolean =>
            packageOf(from) === 'graphql' && REPLACED_IMPORTS.has(imported);
          for (const unread of findUnreadImports(program, text, replaced)) {
            context.report({
              node: unread.node as unknown as TSESTree.Node,
              messageId: 'unreadImport',
              data: { name: unread.local, from: unread.from },
              fix: (fixer) => unread.edits.map((edit) => fixer.replaceTextRange([edit.start, edit.end], edit.text)),
            });
          }
        }
        // Options that may switch a known server's cache off but cannot be removed safely (a conditional spread, a value
        // chosen at run time, a shared options object): reported without a fix.
        if (options.checkOptions !== false) {
          for (const site of scan.left) {
            if (site.flag !== true || site.option === undefined) continue;
            context.report({
              node: site.node as unknown as TSESTree.Node,
              messageId: 'disablingOptionLeft',
              data: { option: site.option, owner: site.owner ?? 'the server', reason: site.why ?? site.reason },
            });
          }
        }
        if (options.checkResponseCache === false) return;
        for (const site of scan.responseCaches) {
          context.report({
            node: site.call as unknown as TSESTree.Node,
            messageId: 'responseCache',
            data: { plugin: site.plugin, sessionOption: site.sessionOption },
          });
        }
      },
    };
  },
});

/** typescript-eslint's services when the user's config gives type information (`project` / `projectService`). */
function typeServices(
  services: { readonly program?: unknown; readonly esTreeNodeToTSNodeMap?: unknown } | undefined,
): TypeServices | undefined {
  return services?.program && services.esTreeNodeToTSNodeMap ? (services as TypeServices) : undefined;
}

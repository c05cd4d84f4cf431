/**
 * `quickwins/no-raw-pool-connect`: reports `pool.connect()` / `pool.query()` on node-postgres pools that bypass
 * the backpressure helpers, and fixes them to `acquireWithBackpressure` / `queryWithBackpressure` plus the import.
 *
 * The ESLint front end of the `pool-backpressure` codemod: sites come from the shared detector
 * (src/pool-backpressure/pg-pool.ts, `findPoolCalls`) and edits from the same `planPoolRewrites`, so the rule and the
 * codemod find and rewrite exactly the same calls. With typescript-eslint type information in the user's config
 * the detector uses types; otherwise it tracks imports of `pg`.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { dirname, isAbsolute } from 'node:path';
import type { TypeServices } from '../../src/codemod-host/codemod.js';
import { sniffCodeStyle } from '../../src/core/code-style.js';
import { sniffModuleStyle } from '../../src/core/module-style.js';
import { packageFactsFor } from '../../src/core/package-evidence.js';
import { isTypeCheckedFile, pgTypingsShimLookup } from '../../src/pool-backpressure/pg-typings.js';
import {
  findPoolCalls,
  isTestFile,
  planPoolRewrites,
  PoolCallPrecheck,
  type PoolCallSite,
  type PoolDetectionOptions,
} from '../../src/pool-backpressure/pg-pool.js';
import { createFileImportResolver } from '../../src/pool-backpressure/pool-exports.js';
import { createRule } from '../util/create-rule.js';

export interface NoRawPoolConnectOptions {
  /** Module the helpers are imported from. */
  readonly importFrom?: string;
  /** Also report `pool.query()` (each query checks a client out and back in). */
  readonly checkQuery?: boolean;
  /** Utilization threshold written into every rewritten call; the helpers' own default when unset. */
  readonly threshold?: number;
  /** Without type information, read relative imports to tell whether an imported value is a pool (as the codemod does). */
  readonly followImports?: boolean;
  /** Also report pools in test files (`*.test.*`, `test/`, `__tests__/`, …), as the codemod's `--tests` does. Default false. */
  readonly tests?: boolean;
}

type MessageIds = 'connect' | 'query' | 'declaredType';

export default createRule<[NoRawPoolConnectOptions], MessageIds>({
  name: 'no-raw-pool-connect',
  meta: {
    type: 'problem',
    fixable: 'code',
    docs: {
      description:
        'Disallow raw `pool.connect()` / `pool.query()` on node-postgres pools; use the backpressure helpers',
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
            description: "Module to import the helpers from (default '@quickwins/runtime').",
          },
          checkQuery: { type: 'boolean', description: 'Also report `pool.query()` (default true).' },
          followImports: {
            type: 'boolean',
            description:
              'Without type information, follow relative imports to tell whether an imported value is a pg pool (default true).',
          },
          tests: {
            type: 'boolean',
            description:
              'Also report pools in test files (*.test.*, *.spec.*, test/, tests/, __tests__/, e2e/), like the codemod with --tests (default false).',
          },
          threshold: {
            type: 'number',
            minimum: 0,
            exclusiveMinimum: true,
            maximum: 1,
            description: 'Pool utilization (0-1] above which the helpers fail fast, written into each fixed call.',
          },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      connect:
        '`{{pool}}.connect()` waits in the pool queue when the pool is exhausted, and a slow database then takes the whole ' +
        'service down with it. Use `acquireWithBackpressure({{pool}})` from {{from}}: it fails fast above the utilization threshold.',
      query:
        '`{{pool}}.query()` checks a client out of the pool without backpressure. ' +
        'Use `queryWithBackpressure({{pool}}, ...)` from {{from}}: it fails fast when the pool is exhausted.',
      declaredType:
        '`{{pool}}.{{method}}()` looks like a call on a pg pool without backpressure, but `{{pool}}` is declared as `{{type}}`, ' +
        "not pg's Pool, so the helpers from {{from}} would not type-check here: declare it as pg's Pool, then fix.",
    },
    defaultOptions: [{ importFrom: '@quickwins/runtime', checkQuery: true, followImports: true, tests: false }],
  },
  create(context, [options]) {
    const importFrom = options.importFrom ?? '@quickwins/runtime';
    const sourceCode = context.sourceCode;
    // Cheap text test first: a file that never says connect/query has no site, and most files don't.
    const text = sourceCode.text;
    if (!text.includes('connect') && !(options.checkQuery !== false && text.includes('query'))) return {};

    const types = typeServices(sourceCode.parserServices);
    const packageFacts = isAbsolute(context.physicalFilename) ? packageFactsFor(context.physicalFilename) : undefined;
    const detection: PoolDetectionOptions = {
      ...(types ? { types } : {}),
      includeQuery: options.checkQuery !== false,
      // The codemod's own import following (parsed modules cached by path and mtime), so `import { pool }
      // from './db.js'` is judged the same way by both front ends.
      ...(options.followImports === false || !isAbsolute(context.physicalFilename)
        ? {}
        : { resolveImport: createFileImportResolver(context.physicalFilename) }),
      // Package-level evidence, as the codemod reads it: the nearest package.json, read once per package per process.
      ...(packageFacts ? { packageFacts } : {}),
      testFile: isTestFile(context.physicalFilename, packageFacts && dirname(packageFacts.manifest)),
      pgTypingsShim: isAbsolute(context.physicalFilename)
        ? pgTypingsShimLookup(context.physicalFilename, packageFacts && dirname(packageFacts.manifest))
        : undefined,
      typeChecked: isTypeCheckedFile(context.physicalFilename, text),
      includeTests: options.tests === true,
    };
    // The detector's pre-check, fed by ESLint's own traversal: without type information a file needs a candidate
    // call and a module that can bring a pool (pg, pg-pool, a followed relative import) before the detector
    // builds its binding index, the bulk of this rule's cost.
    const precheck = new PoolCallPrecheck(detection);
    const note = (node: unknown): void => precheck.visit(node as TSESTree.Node);

    return {
      CallExpression: note,
      ImportDeclaration: note,
      ImportExpression: note,
      TSImportEqualsDeclaration: note,
      TSImportType: note,
      'Program:exit'(program): void {
        if (!precheck.maySite(program as unknown as TSESTree.Program)) return;
        // The detector would repeat the same pre-check over its own walk: it has just been answered.
        const { sites, uncertain } = findPoolCalls(program as unknown as TSESTree.Program, text, {
          ...detection,
          precheck: false,
        });
        // Where the codemod refuses because of the declared type, a fix would break the build: report only.
        for (const left of uncertain) {
          if (left.declaredType === undefined) continue;
          const callee = left.call.callee as TSESTree.MemberExpression;
          const method = callee.property.type === 'Identifier' ? callee.property.name : 'query';
          context.report({
            node: left.call,
            messageId: 'declaredType',
            data: { pool: sourceCode.getText(callee.object), method, type: left.declaredType, from: `'${importFrom}'` },
          });
        }
        if (sites.length === 0) return;
        const rewriteOptions = {
          importFrom,
          ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
          moduleStyle: sniffModuleStyle(program, context.physicalFilename),
          style: sniffCodeStyle(program, text),
        };
        for (const site of sites) {
          context.report({
            node: site.call,
            messageId: site.method,
            data: {
              pool: `${sourceCode.getText(site.pool)}${site.member ? `.${site.member}` : ''}`,
              from: `'${importFrom}'`,
            },
            // Each fix carries the helper import too, so a single fix in an editor leaves working code. Under
            // `eslint --fix`, fixes that add an import overlap, so ESLint applies one of them per pass; once the
            // imports exist the remaining rewrites are disjoint: at most (helpers + 1) passes, well under ESLint's 10.
            fix: (fixer) =>
              planPoolRewrites(program, text, [site as PoolCallSite], rewriteOptions).map((edit) =>
                fixer.replaceTextRange([edit.start, edit.end], edit.text),
              ),
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
  // typescript-eslint without `project`/`projectService` still has the node maps but `program: null`.
  return services?.program && services.esTreeNodeToTSNodeMap ? (services as TypeServices) : undefined;
}

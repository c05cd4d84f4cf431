/**
 * `npx quickwins pool-backpressure`: rewrites raw node-postgres pool acquisition into quickwins'
 * backpressure helpers, keeping every other byte:
 *   await pool.connect()            → await acquireWithBackpressure(pool)
 *   pool.connect((err, c, done) =>) → acquireWithBackpressure(pool, (err, c, done) =>)
 *   pool.query<Row>(sql, values)    → queryWithBackpressure<Row>(pool, sql, values)
 * Detection and edits live in src/pool-backpressure/pg-pool.ts (shared with the ESLint rule no-raw-pool-connect);
 * this file only wires options and turns sites into the report.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Codemod, CodemodSite } from '../src/codemod-host/codemod.js';
import { sniffCodeStyle } from '../src/core/code-style.js';
import { sniffModuleStyle } from '../src/core/module-style.js';
import { positionsOf } from '../src/core/parse.js';
import { packageFactsFor } from '../src/core/package-evidence.js';
import {
  ACQUIRE_HELPER,
  describeReceiver,
  findPoolCalls,
  mayFindPoolCallsInText,
  namesFollowedModule,
  planPoolRewrites,
  QUERY_HELPER,
} from '../src/pool-backpressure/pg-pool.js';
import { isTestFile } from '../src/codemod-host/test-files.js';
import { createFileImportResolver } from '../src/pool-backpressure/pool-exports.js';
import { isTypeCheckedFile, pgTypingsShimLookup } from '../src/pool-backpressure/pg-typings.js';
import { toJscodeshiftTransform } from '../src/codemod-host/jscodeshift.js';

export interface PoolBackpressureOptions {
  /** Module the helpers are imported from (a team's own re-export). Default 'quickwins'. */
  readonly importFrom: string;
  /** Utilization threshold (0 < n ≤ 1) written into every rewritten call; the helpers' default when unset. */
  readonly threshold?: number;
  /** Also rewrite `pool.query(...)`; `--no-query` leaves it. Default true. */
  readonly query: boolean;
  /** Also rewrite pools in test files (`*.test.*`, `*.spec.*`, `test/`, `__tests__/`, …); by default they are left and reported. */
  readonly tests: boolean;
}

const MEMBER_CALL_HINT =
  /(?:\.\s*(?:connect|query)|\[\s*['"`](?:connect|query)['"`]\s*\])\s*(?:\(|<|\?\.|\.\s*bind\s*\()/;

export const codemod: Codemod<PoolBackpressureOptions> = {
  id: 'pool-backpressure',
  summary: 'Rewrite raw pg pool.connect() / pool.query() into acquireWithBackpressure() / queryWithBackpressure()',
  options: [
    {
      flag: 'import-from',
      type: 'string',
      default: '@quickwins/runtime',
      description: 'module to import the helpers from',
    },
    {
      flag: 'threshold',
      type: 'number',
      description: 'write an explicit utilization threshold (0 < n <= 1) into each call',
      validate: (value) =>
        typeof value === 'number' && value > 0 && value <= 1 ? undefined : 'must be greater than 0 and at most 1',
    },
    {
      flag: 'query',
      type: 'boolean',
      default: true,
      description: 'do not rewrite pool.query(...) calls (rewritten into queryWithBackpressure by default)',
    },
    {
      flag: 'tests',
      type: 'boolean',
      default: false,
      description:
        'also rewrite pools in test files (*.test.*, *.spec.*, test/, tests/, __tests__/, e2e/); by default they are left and reported',
    },
  ],
  usesTypes: true,
  reads: ['package-json', 'imported-modules', 'project-config'],
  // Every site is a member call `.connect(` / `.query(` (or `['query']`); files without one are never parsed.
  // Without types, a site also needs somewhere a pool can come from (see mayFindPoolCallsInText): with the file's
  // path, that includes a module of the project imported by name (a workspace package, a tsconfig alias).
  mightApply: (source, { typed, filePath }) =>
    MEMBER_CALL_HINT.test(source) &&
    (typed ||
      mayFindPoolCallsInText(source) ||
      (filePath !== undefined && namesFollowedModule(source, createFileImportResolver(filePath)))),
  transform({ filePath, source, program, options, types }) {
    const threshold = options.threshold;
    if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) {
      throw new RangeError(`--threshold must be greater than 0 and at most 1, got ${threshold}`);
    }
    const packageFacts = packageFactsFor(filePath);
    const { sites, uncertain, undecided } = findPoolCalls(program, source, {
      types,
      includeQuery: options.query,
      // Relative imports are followed on disk (`import { pool } from './db.js'`) when the checker cannot tell.
      resolveImport: existsSync(filePath) ? createFileImportResolver(filePath) : undefined,
      // The nearest package.json, read once per package per run: `pg` and no other pool library, @fastify/postgres.
      packageFacts,
      testFile: isTestFile(filePath, packageFacts && dirname(packageFacts.manifest)),
      pgTypingsShim: pgTypingsShimLookup(filePath, packageFacts && dirname(packageFacts.manifest)),
      typeChecked: isTypeCheckedFile(filePath, source),
      includeTests: options.tests,
    });
    // The file's style is read only when there is something to write in it.
    const edits =
      sites.length === 0
        ? []
        : planPoolRewrites(program, source, sites, {
            importFrom: options.importFrom,
            threshold,
            moduleStyle: sniffModuleStyle(program, filePath),
            style: sniffCodeStyle(program, source),
          });
    const positionOf = positionsOf(source);
    const rewritten: CodemodSite[] = sites.map((site) => {
      const helper = site.method === 'connect' ? ACQUIRE_HELPER : QUERY_HELPER;
      const receiver = `${describeReceiver(site.pool)}${site.member ? `.${site.member}` : ''}`;
      return {
        ...positionOf(site.call.range[0]),
        message: `${receiver}.${site.method}() → ${helper}(${receiver}, …)${site.evidence ? ` (${site.evidence})` : ''}`,
      };
    });
    const left: CodemodSite[] = uncertain.map((site) => ({
      ...positionOf(site.call.range[0]),
      message: site.reason,
    }));
    return {
      edits,
      rewritten,
      left,
      imports: sites.length === 0 ? [] : [options.importFrom],
      // Without types, a file waits for the checker only when a receiver was left undecided (findPoolCalls): one
      // the bindings could not place, or declared with a type from elsewhere. Calls placed as pools, or shown not to
      // be one (a pg Client, a local class, a value from another library), give the same answer with types.
      waitsForTypes: types === undefined && undecided,
    };
  },
};

export default toJscodeshiftTransform(codemod);
export const parser = 'tsx';

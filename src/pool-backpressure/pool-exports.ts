/**
 * Follows relative imports for pg-pool detection without type information:
 * `import { pool } from './db.js'` is a pool when `./db.ts` exports `new Pool()` (or something typed
 * pg.Pool, or an object / class instance holding one). Each imported module is read and parsed at
 * most once per process (keyed by path and mtime), its verdicts worked out once per turn of the event loop, and
 * chains stop after a few hops, so the cost stays a handful of small parses per run, not a program build.
 */
import { dirname, resolve } from 'node:path';
import {
  isWorkspacePackage,
  loadModule,
  resolveAliasedModule,
  resolveModuleFile,
  resolveWorkspaceModule,
  unreadConfigExtends,
} from '../core/modules.js';
import { packageFactsFor } from '../core/package-evidence.js';
import { checkDeclaredRead } from '../core/project-reads.js';
import { exportedPoolVerdict, type ImportResolver, type PoolVerdict } from './pool-values.js';

/** How many modules deep an import is followed (`a` imports `b` re-exporting `c`: 2 hops). */
const MAX_DEPTH = 4;

/** A resolver for imports written in `fromFile` (a path on disk, relative to the working directory or absolute). */
export function createFileImportResolver(
  fromFile: string,
  depth = 0,
  visiting: ReadonlySet<string> = new Set(),
): ImportResolver {
  const directory = dirname(resolve(fromFile));
  const resolver = (specifier: string, path: readonly string[]): PoolVerdict => {
    // Checked before the memo: an answer memoised for another codemod in this turn is still a read of the modules.
    checkDeclaredRead('imported-modules', `'${specifier}' from ${directory}`);
    if (depth >= MAX_DEPTH) return { kind: 'unknown', reason: `'${specifier}' is too many imports away` };
    const memo = memoForThisTurn();
    const fileKey = `file\0${directory}\0${specifier}`;
    if (!memo.has(fileKey))
      memo.set(fileKey, resolveModuleFile(directory, specifier) ?? resolveWorkspaceModule(directory, specifier));
    const file = memo.get(fileKey) as string | undefined;
    if (!file) return { kind: 'unknown', reason: notFoundReason(directory, specifier) };
    if (visiting.has(file)) return { kind: 'unknown', reason: `'${specifier}' imports itself in a cycle` };
    // The same question from every file that imports this module: answered once per turn.
    const verdictKey = ['verdict', file, depth, ...visiting, '', ...path].join('\0');
    let verdict = memo.get(verdictKey) as PoolVerdict | null | undefined;
    if (verdict === undefined) {
      const loaded = loadModule(file);
      verdict = loaded
        ? exportedPoolVerdict(
            loaded.program,
            loaded.source,
            path,
            createFileImportResolver(file, depth + 1, new Set([...visiting, file])),
            packageFactsFor(file),
          )
        : null;
      memo.set(verdictKey, verdict);
    }
    if (verdict === null) return { kind: 'unknown', reason: `'${specifier}' does not parse` };
    return describeImported(verdict, specifier, path);
  };
  // A package of the file's own workspace (`@acme/db` in a monorepo), or a tsconfig `paths` / `baseUrl` alias that
  // leads into the repository, is read on disk like a relative module.
  const follows = (specifier: string): boolean => {
    const memo = memoForThisTurn();
    const key = `follows\0${directory}\0${specifier}`;
    let answer = memo.get(key) as boolean | undefined;
    if (answer === undefined) {
      answer = isWorkspacePackage(directory, specifier) || resolveAliasedModule(directory, specifier) !== undefined;
      memo.set(key, answer);
    }
    return answer;
  };
  const unreadConfig = () => unreadConfigExtends(directory);
  return Object.assign(resolver, { follows, unreadConfig });
}

function notFoundReason(directory: string, specifier: string): string {
  const aliased = resolveAliasedModule(directory, specifier);
  return aliased?.kind === 'outside-repository'
    ? `'${specifier}' is mapped by the tsconfig \`paths\` to '${aliased.target}', outside the repository, which is not read`
    : `'${specifier}' could not be found on disk`;
}

/**
 * Answers that hold for one turn of the event loop: a runner transforms a chunk of files in one synchronous
 * stretch, and those files ask the same few questions (where is `../db.js`, does it export a pool). Between turns
 * the files on disk may change (an editor saving while ESLint runs), so nothing is kept longer than that.
 */
let turnMemo: Map<string, unknown> | undefined;

function memoForThisTurn(): Map<string, unknown> {
  if (!turnMemo) {
    turnMemo = new Map();
    setImmediate(() => {
      turnMemo = undefined;
    }).unref();
  }
  return turnMemo;
}

function describeImported(verdict: PoolVerdict, specifier: string, path: readonly string[]): PoolVerdict {
  const what = path.filter((segment) => !segment.startsWith('#')).join('.') || 'the module';
  switch (verdict.kind) {
    case 'pool':
      return { ...verdict, evidence: `${what} from '${specifier}': ${verdict.evidence}` };
    case 'not-pool':
      return {
        kind: 'not-pool',
        reason: `${what} from '${specifier}': ${verdict.reason}`,
        ...(verdict.lead ? { lead: verdict.lead } : {}),
      };
    case 'unknown':
      return { ...verdict, reason: `${what} from '${specifier}': ${verdict.reason}` };
  }
}

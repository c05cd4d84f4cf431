/**
 * Type errors before and after the rewrite, for the graphql-cache, kafka-dedupe and grpc-rotation corpus: for each
 * repository of corpus/repos-libs.tsv (or corpus/heldout-repos.tsv with `--heldout`) whose run rewrites something, a
 * scratch copy is type-checked with the tsconfig.json nearest to each rewritten file (so its own module resolution),
 * rewritten by the real CLI, and type-checked again. The repositories' dependencies are not
 * installed: the copy gets `@quickwins/runtime` (this checkout's build) and the libraries the codemods target
 * (graphql, kafkajs, @grpc/grpc-js, prom-client, pino, @types/node) linked in, the same for both runs. Errors are
 * compared by file, code and message (the rewrite moves lines): "same" means no error appeared or went away. A
 * tsconfig at which tsc reports only a missing `types` package (TS2688, after which it checks no file) is checked with
 * `--types node`, before and after alike, and the table says so.
 *
 *   npx tsx corpus/tsc-libs.ts <checkouts-dir> [--heldout] [--only owner+name,…] [--bin <bin.js>]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { libsFiles, readLibsRepos, runLibsCodemod, type LibsRepo } from './score-libs.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DEFAULT_BIN = join(ROOT, 'dist/cli/bin.js');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
/** Linked into each copy's node_modules when it has none of its own. */
const LINKED = ['graphql', 'kafkajs', '@grpc/grpc-js', '@grpc/proto-loader', 'prom-client', 'pino', '@types/node'];

export interface TscComparison {
  readonly repo: string;
  readonly tsconfig: string;
  readonly rewrittenSites: number;
  readonly before: number;
  readonly after: number;
  /** Errors present after and not before (by file, code and message), and the reverse. */
  readonly appeared: readonly string[];
  readonly disappeared: readonly string[];
}

/** `file(line,col): error TS1234: message` → `file: TS1234: message` (lines move with the rewrite). */
export function errorKeys(output: string): string[] {
  return output
    .split('\n')
    .map((line) => /^(.+?)\(\d+,\d+\): error (TS\d+): (.*)$/.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => `${match[1]}: ${match[2]}: ${match[3]}`);
}

/** Multiset difference: keys of `a` not matched one for one in `b`. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const key of b) left.set(key, (left.get(key) ?? 0) + 1);
  return a.filter((key) => {
    const count = left.get(key) ?? 0;
    if (count === 0) return true;
    left.set(key, count - 1);
    return false;
  });
}

/** `error TS2688: …` with no file: an option or global error, after which tsc checks no file at all. */
export function unlocatedErrors(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^error TS\d+: /.test(line));
}

function runTsc(dir: string, tsconfig: string, extra: readonly string[]): string {
  // TypeScript 6 stops at options it deprecates (baseUrl, esModuleInterop=false) before checking anything; a
  // tsconfig's own `pretty: true` would hide the errors from the parser below.
  const result = spawnSync(
    process.execPath,
    [TSC, '--noEmit', '--pretty', 'false', '--ignoreDeprecations', '6.0', ...extra, '-p', tsconfig],
    { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  return `${result.stdout}\n${result.stderr}`;
}

/**
 * The options a tsconfig is checked with: none, or `--types node` when tsc stops at a global error and reports no
 * file (a `types` entry whose package is not installed, TS2688): checked that way before and after alike.
 */
export function checkOptions(dir: string, tsconfig: string): string[] {
  const output = runTsc(dir, tsconfig, []);
  return errorKeys(output).length === 0 && unlocatedErrors(output).some((line) => line.startsWith('error TS2688'))
    ? ['--types', 'node']
    : [];
}

export function typeCheck(dir: string, tsconfig: string, extra: readonly string[]): string[] {
  return errorKeys(runTsc(dir, tsconfig, extra));
}

function linkLibraries(copy: string): void {
  const links: [string, string][] = [
    ['@quickwins/runtime', join(ROOT, 'runtime')],
    ...LINKED.map((name): [string, string] => [name, join(ROOT, 'node_modules', name)]),
  ];
  for (const [name, target] of links) {
    const at = join(copy, 'node_modules', name);
    if (existsSync(at) || !existsSync(target)) continue;
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(target, at, 'dir');
  }
}

/** The nearest tsconfig.json above `file`, relative to `root` (undefined when none up to the root). */
function nearestTsconfig(root: string, file: string): string | undefined {
  for (let directory = dirname(join(root, file)); directory.startsWith(root); directory = dirname(directory)) {
    if (existsSync(join(directory, 'tsconfig.json'))) return relative(root, join(directory, 'tsconfig.json'));
    if (directory === root) break;
  }
  return undefined;
}

/**
 * Type-checks, before and after the rewrite, every tsconfig.json that is nearest to a rewritten file (each file
 * under its own project's settings). Undefined when no rewritten file has one.
 */
export function compareTypeErrors(bin: string, checkout: string, entry: LibsRepo): TscComparison | undefined {
  const rewrittenFiles = runLibsCodemod(bin, checkout, entry, ['--no-types']).filter(
    (file) => file.rewritten.length > 0,
  );
  const rewrittenSites = rewrittenFiles.reduce((sum, file) => sum + file.rewritten.length, 0);
  if (rewrittenSites === 0)
    return { repo: entry.repo, tsconfig: '-', rewrittenSites, before: 0, after: 0, appeared: [], disappeared: [] };
  const tsconfigs = [
    ...new Set(
      rewrittenFiles
        .map((file) => nearestTsconfig(checkout, file.path))
        .filter((path): path is string => path !== undefined),
    ),
  ].sort();
  if (tsconfigs.length === 0) return undefined;
  const copy = mkdtempSync(join(tmpdir(), 'quickwins-tsc-'));
  try {
    cpSync(checkout, copy, { recursive: true, verbatimSymlinks: true });
    linkLibraries(copy);
    const options = new Map(tsconfigs.map((tsconfig) => [tsconfig, checkOptions(copy, tsconfig)]));
    const check = (tsconfig: string) =>
      typeCheck(copy, tsconfig, options.get(tsconfig) ?? []).map((key) => `${tsconfig}: ${key}`);
    const before = tsconfigs.flatMap(check);
    const paths = entry.paths.length > 0 ? entry.paths : ['.'];
    const write = spawnSync(
      process.execPath,
      [bin, entry.codemod, '--allow-dirty', '--allow-no-git', '--no-types', ...paths],
      { cwd: copy, encoding: 'utf8' },
    );
    // Exit 1: some file failed (named in the summary), the others were written; anything else is a failed run.
    if (write.status !== 0 && write.status !== 1)
      throw new Error(
        `${entry.repo}: ${entry.codemod} exited ${write.status}: ${write.stderr.trim().split('\n').slice(-2).join(' | ')}`,
      );
    const after = tsconfigs.flatMap(check);
    return {
      repo: entry.repo,
      tsconfig: tsconfigs
        .map((tsconfig) =>
          options.get(tsconfig)!.length > 0 ? `${tsconfig} (${options.get(tsconfig)!.join(' ')})` : tsconfig,
        )
        .join(' '),
      rewrittenSites,
      before: before.length,
      after: after.length,
      appeared: minus(after, before),
      disappeared: minus(before, after),
    };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const args = [...argv];
  const take = (flag: string) => {
    const index = args.indexOf(flag);
    return index >= 0 ? args.splice(index, 2)[1] : undefined;
  };
  const bin = resolve(take('--bin') ?? DEFAULT_BIN);
  const only = take('--only')?.split(',');
  const [dir] = args.filter((arg) => !arg.startsWith('--'));
  if (!dir) {
    process.stderr.write(
      'usage: npx tsx corpus/tsc-libs.ts <checkouts-dir> [--heldout] [--only owner+name,…] [--bin <bin.js>]\n',
    );
    return 2;
  }
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`npm run build\` first`);
  const repos = readLibsRepos(libsFiles(args.includes('--heldout')).repos).filter(
    (entry) => !only || only.includes(entry.repo),
  );
  const rows = [
    '| codemod | repository | tsconfig | sites rewritten | tsc errors before → after | appeared | went away |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const details: string[] = [];
  let same = true;
  for (const entry of repos) {
    const checkout = join(resolve(dir), entry.repo);
    if (!existsSync(checkout)) throw new Error(`${checkout}: no checkout`);
    const result = compareTypeErrors(bin, checkout, entry);
    if (result === undefined) {
      rows.push(`| ${entry.codemod} | ${entry.repo} | (none) | - | - | - | - |`);
      continue;
    }
    if (result.rewrittenSites === 0) {
      rows.push(`| ${entry.codemod} | ${entry.repo} | - | 0 | (nothing rewritten) | - | - |`);
      continue;
    }
    same &&= result.appeared.length === 0 && result.disappeared.length === 0;
    rows.push(
      `| ${entry.codemod} | ${entry.repo} | ${result.tsconfig} | ${result.rewrittenSites} | ${result.before} → ${result.after} | ${result.appeared.length} | ${result.disappeared.length} |`,
    );
    details.push(
      ...result.appeared.map((key) => `${entry.repo} appeared: ${key}`),
      ...result.disappeared.map((key) => `${entry.repo} went away: ${key}`),
    );
  }
  process.stdout.write(`${[...rows, ...(details.length > 0 ? ['', ...details] : [])].join('\n')}\n`);
  return same ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`tsc-libs: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Build safety of `pool-backpressure` on the corpus: for every tsconfig.json in a pool checkout whose
 * `tsc --noEmit` runs (no configuration error), the compiler's errors before and after the rewrite must be the same,
 * after each of three ways of rewriting a copy of the checkout:
 *   typed     `quickwins pool-backpressure --tests .`
 *   untyped   `quickwins pool-backpressure --tests --no-types .`
 *   eslint    `eslint --fix` with `quickwins.configs.recommended` (typescript-eslint's parser for .ts files)
 * Errors are compared by file, code and message (a rewrite that adds an import moves lines, not errors).
 *
 *   npx tsx corpus/build-safety.ts <checkouts-dir> [--only owner+name,…] [--modes typed,untyped,eslint] [--repos <tsv>] [--json]
 *
 * Needs `npm run build` (the CLI and the plugin) and pg's typings next to the checkouts (corpus/README.md). The
 * runtime is copied to `<checkouts-dir>/node_modules/@quickwins/runtime` (its own dependencies linked from this
 * repository), as an install would put it; copies are made under `<checkouts-dir>/.build-safety/` and removed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliJsonReport } from './cli-report.js';
import { readRepos } from './score-pool.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'dist/cli/bin.js');
const PLUGIN = join(ROOT, 'dist/eslint-plugin/index.js');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const ESLINT = join(ROOT, 'node_modules/eslint/bin/eslint.js');
const TS_PARSER = join(ROOT, 'node_modules/@typescript-eslint/parser/dist/index.js');

export type RewriteMode = 'typed' | 'untyped' | 'eslint';
const MODES: readonly RewriteMode[] = ['typed', 'untyped', 'eslint'];

export interface BuildSafety {
  readonly repo: string;
  readonly tsconfig: string;
  readonly mode: RewriteMode;
  readonly errorsBefore: number;
  readonly errorsAfter: number;
  /** Errors after the rewrite that were not there before (file, code, message). */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Files the rewrite changed. */
  readonly filesChanged: number;
}

/** tsc's diagnostics as `file: TSnnnn: message` (lines and columns dropped; continuation lines kept). */
export function diagnosticKeys(output: string): string[] {
  const keys: string[] = [];
  for (const line of output.split('\n')) {
    const match = /^(.+?)\(\d+,\d+\): error (TS\d+): (.*)$/.exec(line) ?? /^()error (TS\d+): (.*)$/.exec(line);
    if (match) keys.push(`${match[1]}: ${match[2]}: ${match[3]}`);
    else if (/^\s+\S/.test(line) && keys.length > 0) keys[keys.length - 1] += ` ${line.trim()}`;
  }
  return keys.sort();
}

/** Keys of `after` not matched one for one in `before`. */
export function multisetMinus(after: readonly string[], before: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const key of before) left.set(key, (left.get(key) ?? 0) + 1);
  return after.filter((key) => {
    const count = left.get(key) ?? 0;
    if (count === 0) return true;
    left.set(key, count - 1);
    return false;
  });
}

/** A configuration the compiler could not use (missing `extends`, no inputs, bad option): tsc did not run. */
function configurationFailed(keys: readonly string[]): boolean {
  return keys.some((key) => /: TS(5\d{3}|6\d{3}|18003): /.test(key));
}

// The checkouts were written for TypeScript 4/5; this repository's compiler is newer and stops at options it has
// deprecated (`baseUrl`, `moduleResolution: node`) before checking anything.
function runTsc(projectDir: string, tsconfig: string): string[] {
  const result = spawnSync(
    process.execPath,
    [TSC, '--noEmit', '--pretty', 'false', '--ignoreDeprecations', '6.0', '-p', tsconfig],
    { cwd: projectDir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (result.error) throw new Error(`tsc on ${join(projectDir, tsconfig)}: ${result.error.message}`);
  return diagnosticKeys(result.stdout);
}

function tsconfigsOf(checkout: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'tsconfig.json') found.push(relative(checkout, path));
    }
  };
  walk(checkout);
  return found.sort();
}

/** Puts the built runtime where an install would, with its own dependencies linked from this repository. */
export function installRuntime(checkoutsDir: string): void {
  const target = join(checkoutsDir, 'node_modules/@quickwins/runtime');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const runtime = join(ROOT, 'runtime');
  if (!existsSync(join(runtime, 'dist/pg/index.d.ts')))
    throw new Error(`${runtime}/dist is not built: run \`npm run build\` first`);
  cpSync(join(runtime, 'package.json'), join(target, 'package.json'));
  cpSync(join(runtime, 'dist'), join(target, 'dist'), { recursive: true });
  for (const dependency of ['pino', 'prom-client']) {
    const from = join(ROOT, 'node_modules', dependency);
    const to = join(target, 'node_modules', dependency);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(to), { recursive: true });
    symlinkSync(from, to, 'dir');
  }
}

function rewrite(copy: string, mode: RewriteMode): number {
  if (mode === 'eslint') {
    const config = join(copy, '.quickwins-build-safety.eslint.config.mjs');
    writeFileSync(
      config,
      [
        `import quickwins from ${JSON.stringify(PLUGIN)};`,
        `import tsParser from ${JSON.stringify(TS_PARSER)};`,
        'export default [',
        "  { ignores: ['**/node_modules/**', '**/dist/**', '**/build/**', '**/.next/**', '**/*.min.js'] },",
        "  { files: ['**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}'], ...quickwins.configs.recommended },",
        "  { files: ['**/*.{ts,mts,cts,tsx}'], languageOptions: { parser: tsParser } },",
        '];',
        '',
      ].join('\n'),
    );
    const result = spawnSync(
      process.execPath,
      [ESLINT, '--no-config-lookup', '-c', config, '--fix', '--format', 'json', '.'],
      { cwd: copy, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
    rmSync(config);
    try {
      const files = JSON.parse(result.stdout) as { output?: string }[];
      return files.filter((file) => file.output !== undefined).length;
    } catch {
      throw new Error(
        `eslint --fix in ${copy} printed no JSON (exit ${result.status}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
  }
  const flags = mode === 'untyped' ? ['--no-types'] : [];
  const args = ['pool-backpressure', '--json', '--allow-dirty', '--allow-no-git', '--tests', ...flags, '.'];
  const report = cliJsonReport<{ files: { status: string }[] }>(BIN, copy, args, `pool-backpressure in ${copy}`);
  return report.files.filter((file) => file.status === 'changed').length;
}

export async function checkBuildSafety(
  checkoutsDir: string,
  options: { only?: readonly string[]; modes?: readonly RewriteMode[]; reposFile?: string } = {},
): Promise<BuildSafety[]> {
  for (const needed of [BIN, PLUGIN])
    if (!existsSync(needed)) throw new Error(`${needed} does not exist: run \`npm run build\` first`);
  installRuntime(checkoutsDir);
  const scratch = join(checkoutsDir, '.build-safety');
  const results: BuildSafety[] = [];
  const repos = readRepos(options.reposFile).filter(
    (entry) => (entry.kind === 'pool' || entry.kind === 'both') && (!options.only || options.only.includes(entry.repo)),
  );
  for (const { repo } of repos) {
    const checkout = join(checkoutsDir, repo);
    if (!existsSync(checkout)) throw new Error(`${checkout}: no checkout (see corpus/README.md: corpus/checkout.sh)`);
    const tsconfigs = tsconfigsOf(checkout);
    const before = new Map(tsconfigs.map((tsconfig) => [tsconfig, runTsc(checkout, tsconfig)]));
    const runnable = tsconfigs.filter((tsconfig) => !configurationFailed(before.get(tsconfig) ?? []));
    if (runnable.length === 0) continue;
    for (const mode of options.modes ?? MODES) {
      const copy = join(scratch, `${repo}.${mode}`);
      rmSync(copy, { recursive: true, force: true });
      mkdirSync(scratch, { recursive: true });
      cpSync(checkout, copy, { recursive: true });
      const filesChanged = rewrite(copy, mode);
      for (const tsconfig of runnable) {
        const errorsBefore = before.get(tsconfig) ?? [];
        const errorsAfter = runTsc(copy, tsconfig);
        results.push({
          repo,
          tsconfig,
          mode,
          errorsBefore: errorsBefore.length,
          errorsAfter: errorsAfter.length,
          added: multisetMinus(errorsAfter, errorsBefore),
          removed: multisetMinus(errorsBefore, errorsAfter),
          filesChanged,
        });
      }
      rmSync(copy, { recursive: true, force: true });
    }
  }
  rmSync(scratch, { recursive: true, force: true });
  return results;
}

export function formatBuildSafety(results: readonly BuildSafety[]): string {
  const header = [
    'repository',
    'tsconfig',
    'mode',
    'files changed',
    'errors before',
    'errors after',
    'new errors',
    'errors gone',
  ];
  const rows = results.map((result) => [
    result.repo,
    result.tsconfig,
    result.mode,
    String(result.filesChanged),
    String(result.errorsBefore),
    String(result.errorsAfter),
    String(result.added.length),
    String(result.removed.length),
  ]);
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  const notes = results.flatMap((result) => [
    ...result.added.map((key) => `${result.mode}: ${result.repo} new: ${key}`),
    ...result.removed.map((key) => `${result.mode}: ${result.repo} gone: ${key}`),
  ]);
  const same = results.filter((result) => result.added.length === 0 && result.removed.length === 0).length;
  return [
    ...lines,
    '',
    `same errors after the rewrite: ${same} of ${results.length} (tsconfig, mode) pairs`,
    ...notes,
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const args = [...argv];
  const valueOf = (flag: string) => {
    const index = args.indexOf(flag);
    return index >= 0 ? args.splice(index, 2)[1] : undefined;
  };
  const only = valueOf('--only')?.split(',');
  const modes = valueOf('--modes')?.split(',');
  const reposFile = valueOf('--repos');
  const json = args.includes('--json');
  const [dir] = args.filter((arg) => !arg.startsWith('--'));
  const unknownMode = modes?.find((mode) => !MODES.includes(mode as RewriteMode));
  if (!dir || unknownMode !== undefined) {
    process.stderr.write(
      `${unknownMode !== undefined ? `build-safety: unknown mode ${unknownMode} (typed, untyped, eslint)\n` : ''}usage: npx tsx corpus/build-safety.ts <checkouts-dir> [--only owner+name,…] [--modes typed,untyped,eslint] [--repos <tsv>] [--json]\n`,
    );
    return 2;
  }
  const results = await checkBuildSafety(resolve(dir), {
    ...(only ? { only } : {}),
    ...(modes ? { modes: modes as RewriteMode[] } : {}),
    ...(reposFile ? { reposFile: resolve(reposFile) } : {}),
  });
  process.stdout.write(json ? `${JSON.stringify(results, null, 2)}\n` : `${formatBuildSafety(results)}\n`);
  return results.every((result) => result.added.length === 0) ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`build-safety: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}

/**
 * `quickwins <codemod> [paths...]`, `quickwins list`, `quickwins --help`: argument parsing, the
 * checks before a run (paths exist, git work tree clean), the run, what is printed, the exit code.
 *
 * Exit codes: 0 done; 1 a file failed or was left (encoding, size, time, read-only, outside the work tree, changed
 * while the run worked on it) or `--check` found work; 2 usage error, before any file is read (unknown codemod or
 * option, a bad option value, a path that does not exist, no source file found, refusal to write into uncommitted or
 * ignored files or outside git); 130 / 143 stopped by
 * SIGINT / SIGTERM after printing what was written and how to resume.
 */
import { Command, CommanderError, Option } from 'commander';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { CodemodSetupError, type CodemodOption } from '../codemod-host/codemod.js';
import { OptionError } from '../codemod-host/options.js';
import {
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_FILE_MS,
  formatBytes,
  parseSeconds,
  parseSize,
  type FileBudget,
} from './budget.js';
import {
  dependencyJson,
  dependencyLine,
  declareRuntimeDependency,
  importsOfRecords,
  type DependencyChange,
} from './declare-dependency.js';
import { createProjectFormatter, type FormatFailure } from './format.js';
import { createWriteScope, filesOutsideWorkTree, findUncommittedFiles } from './git.js';
import { listenForStop } from './interrupt.js';
import { loadCodemods } from '../registry/index.js';
import type { RunnableCodemod } from '../codemod-host/runnable.js';
import { registerIndexAdvisor } from '../index-advisor/command.js';
import { registerLintMigrations } from '../index-advisor/migration-lint/command.js';
import { escapeControl, hasControlCharacter, quotePath } from './names.js';
import { runPlan } from './plan.js';
import {
  displayPath,
  humanPath,
  interruptionReport,
  jsonReport,
  progressLine,
  summary,
  totalsOf,
  unifiedDiff,
  unifiedTextDiff,
  type RunInfo,
} from './report.js';
import { runCodemod, type ExtraFile, type RunRequest, type RunResult } from './run.js';
import { collectFiles } from './walk.js';
import { isInside } from '../core/paths.js';
import { RunWriter, type WriteScope } from './write.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  readonly cwd: string;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
}

/** Thrown for any usage error; `main` prints its message as one line and exits 2. */
class UsageError extends Error {}

interface RunnerFlags {
  readonly dry?: boolean;
  readonly check?: boolean;
  readonly json?: boolean;
  readonly allowDirty?: boolean;
  readonly types: boolean;
  readonly workers?: string;
  readonly addDependency: boolean;
  readonly maxFileSize?: string;
  readonly maxFileTime?: string;
  readonly force?: boolean;
  readonly allowNoGit?: boolean;
  readonly format: boolean;
  readonly verbose?: boolean;
}

interface PlanFlags {
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly check?: boolean;
  readonly databaseUrl?: string;
  readonly types: boolean;
  readonly workers?: string;
  readonly maxFileSize?: string;
  readonly maxFileTime?: string;
}

const RUNNER_FLAGS = new Set([
  'dry',
  'check',
  'json',
  'allow-dirty',
  'types',
  'workers',
  'add-dependency',
  'help',
  'version',
  'max-file-size',
  'max-file-time',
  'force',
  'allow-no-git',
  'format',
  'verbose',
]);

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let codemods: ReadonlyMap<string, RunnableCodemod>;
  try {
    codemods = await loadCodemods(io.env);
  } catch (error) {
    io.stderr.write(`quickwins: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }

  let exitCode = EXIT_OK;
  const program = new Command('quickwins')
    .description(
      'Migrate a Node.js + PostgreSQL codebase with codemods.\nRun `quickwins plan` first: which quick wins apply here, how much work each is, and where you stand.\nRun `quickwins <codemod> --help` for the options of one codemod.',
    )
    .version(packageVersion(), '-V, --version')
    .usage('<codemod> [paths...] [options]')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });

  program
    .command('list')
    .description('list the codemods and their options')
    .option('--json', 'machine-readable list')
    .action((flags: { json?: boolean }) => {
      io.stdout.write(
        flags.json ? `${JSON.stringify([...codemods.values()].map(describeCodemod), null, 2)}\n` : listText(codemods),
      );
    });

  // Database subcommands live with their own code; they set the exit code like the codemods do.
  registerIndexAdvisor(program, io, (code) => (exitCode = code));
  registerLintMigrations(program, io, (code) => (exitCode = code));

  program
    .command('plan')
    .description(
      "run this first: the seven quick wins in the plan's order, whether each applies here and why, its sites ready and left, the command that does it, and where you stand",
    )
    .argument('[paths...]', 'files or folders to plan for (default: the current folder)')
    .option('--json', 'print one JSON document (quickWins, totals)')
    .option('--markdown', 'print the progress tracker as a markdown checklist (for a pull request or an issue)')
    .option('--check', 'exit 1 while an applicable quick win decidable from code has sites ready to rewrite (CI)')
    .option(
      '--database-url <url>',
      "count the index advisor's proposals on this database, read-only (default: $DATABASE_URL)",
    )
    .option('--no-types', 'do not build TypeScript programs; find sites from imports and bindings only')
    .option('--workers <n>', 'worker threads for large repositories (default: idle cores - 2; 0: main thread only)')
    .option('--max-file-size <size>', `leave files larger than this (default: ${formatBytes(DEFAULT_MAX_FILE_BYTES)})`)
    .option(
      '--max-file-time <seconds>',
      `stop a codemod on a large file after this long (default: ${DEFAULT_MAX_FILE_MS / 1000})`,
    )
    .action(async (paths: string[], flags: PlanFlags) => {
      if (flags.json && flags.markdown)
        throw new UsageError('options --json and --markdown cannot be used together: pick one');
      const targets = paths.length > 0 ? paths : ['.'];
      const files = await checkedFiles(targets, io.cwd);
      exitCode = await runPlan({
        codemods,
        paths,
        files,
        cwd: io.cwd,
        output: flags.json ? 'json' : flags.markdown ? 'markdown' : 'text',
        check: Boolean(flags.check),
        databaseUrl: flags.databaseUrl ?? (io.env.DATABASE_URL || undefined),
        typeAware: flags.types !== false,
        maxWorkers: parseWorkers(flags.workers, false),
        budget: parseBudget(flags),
        stdout: io.stdout,
        stderr: io.stderr,
      });
    });

  for (const codemod of codemods.values()) {
    const command = program
      .command(codemod.id)
      .description(codemod.summary)
      .argument('[paths...]', 'files or folders to migrate (default: the current folder)')
      .option('--dry', 'write nothing; print a unified diff per file that would change')
      .option('--check', 'like --dry, and exit 1 when any file would change (CI, pre-commit)')
      .option('--json', 'print one JSON report (a record per file, totals) instead of diffs and summary')
      .option('--allow-dirty', 'write even when target files have uncommitted git changes')
      .option('--no-types', 'do not build TypeScript programs; find sites from imports and bindings only')
      .option(
        '--workers <n>',
        "worker threads for large runs (default: idle cores - 2, or - 1 for a codemod that lints with the project's ESLint; 0: main thread only)",
      )
      .option(
        '--no-add-dependency',
        'do not add @quickwins/runtime to the nearest package.json of rewritten files that import it',
      )
      .option(
        '--max-file-size <size>',
        `leave (and report) files larger than this, e.g. 512kb, 20mb (default: ${formatBytes(DEFAULT_MAX_FILE_BYTES)})`,
      )
      .option(
        '--max-file-time <seconds>',
        `stop the codemod on a large file after this long and leave the file (default: ${DEFAULT_MAX_FILE_MS / 1000})`,
      )
      .option('--force', 'write read-only files too')
      .option('--allow-no-git', 'write files that are not in a git work tree (nothing to diff against or restore from)')
      .option('--no-format', "do not format changed files with the project's prettier")
      .option(
        '--verbose',
        'list every site left, also for a reason given at more than 5 sites (summarised by default)',
      );
    for (const option of codemod.options) command.addOption(commanderOption(codemod, option));
    command.action(async (paths: string[], flags: RunnerFlags & Record<string, unknown>) => {
      exitCode = await runCommand(codemod, paths, flags, io);
    });
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help, --version and `help <codemod>` end with exit code 0; everything else commander stops on is a
      // usage error it has already printed (one line), or the help shown for a missing command.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError || error instanceof OptionError || error instanceof CodemodSetupError) {
      io.stderr.write(`quickwins: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  return exitCode;
}

async function runCommand(
  registered: RunnableCodemod,
  paths: readonly string[],
  flags: RunnerFlags & Record<string, unknown>,
  io: CliIo,
): Promise<number> {
  const started = performance.now();
  const codemod = registered.configure(flags);
  const maxWorkers = parseWorkers(flags.workers, registered.hasProjectSession);
  const budget = parseBudget(flags);
  const dry = Boolean(flags.dry || flags.check);
  const targets = paths.length > 0 ? paths : ['.'];

  const { files, realPaths } = await filesToRun(targets, io.cwd);
  // Every write of the run stays inside the work trees checked here (write.ts checks it again on each write).
  const scope = createWriteScope(files, flags.allowNoGit ? namedRoots(targets, io.cwd) : undefined);
  const writer = new RunWriter(scope, { force: Boolean(flags.force) });
  const writable = writableFiles(files, realPaths, scope);
  if (!dry && !flags.allowDirty) refuseUncommitted(writable, io.cwd);
  checkOutsideGit(files, dry, flags, io);
  // A run killed while writing left its temporary files in these folders: removed before this run writes.
  if (!dry) for (const real of writable.keys()) writer.sweep(dirname(real));

  const format = flags.format !== false ? createProjectFormatter() : undefined;
  const result = await runWithProgress(io, Boolean(flags.json), (watch) =>
    runCodemod({
      codemod,
      files,
      write: !dry,
      typeAware: flags.types !== false,
      maxWorkers,
      budget,
      writer,
      format: format?.format,
      cwd: io.cwd,
      ...watch,
    }),
  );
  if (result.typesUnavailable) io.stderr.write(`quickwins: ${result.typesUnavailable}\n`);

  // The rewritten code now imports @quickwins/runtime: declare it where the package does not (declare-dependency.ts).
  const dependencies =
    flags.addDependency && !result.interrupted
      ? declareRuntimeDependency({
          imports: importsOfRecords(result.records),
          version: packageVersion(),
          write: !dry,
          writer,
        })
      : [];
  const info = {
    codemod: registered.id,
    cwd: io.cwd,
    dry,
    check: Boolean(flags.check),
    elapsedMs: performance.now() - started,
    memory: memoryUse(),
    formatted: format?.formatted() ?? [],
  };
  const report = { info, result, dependencies, removed: writer.removed, formatFailures: format?.failures() ?? [] };
  if (flags.json) printJson(io, report);
  else printHuman(io, report, Boolean(flags.verbose));
  if (result.interrupted) {
    io.stderr.write(`${interruptionReport(info, result, resumeCommand(registered.id, paths))}\n`);
    return result.stopExitCode;
  }
  return exitCodeOf(result, dependencies, Boolean(flags.check));
}

/** The source files under the paths given; a path that does not exist, or none found, is a usage error. */
async function filesToRun(
  targets: readonly string[],
  cwd: string,
): Promise<{ files: readonly string[]; realPaths: ReadonlyMap<string, string> }> {
  const { files, missing, realPaths } = await collectFiles(targets, cwd);
  checkFound(targets, files, missing);
  return { files, realPaths };
}

/** Files the scope lets the run write, by real path (git restores the real file, so git is asked about it), to the path named. */
function writableFiles(
  files: readonly string[],
  realPaths: ReadonlyMap<string, string>,
  scope: WriteScope,
): Map<string, string> {
  const namedOfReal = new Map<string, string>();
  for (const file of files) {
    const real = realPaths.get(file) ?? file;
    const root = scope.rootOf(file);
    if (root !== undefined && isInside(real, root)) namedOfReal.set(real, file);
  }
  return namedOfReal;
}

/** A writing run refuses files git could not give back: uncommitted changes, or ignored. */
function refuseUncommitted(namedOfReal: ReadonlyMap<string, string>, cwd: string): void {
  const { changed, ignored } = findUncommittedFiles([...namedOfReal.keys()]);
  const named = (reals: readonly string[]) => reals.map((real) => namedOfReal.get(real) ?? real);
  if (changed.length > 0) {
    throw new UsageError(
      `refusing to write: ${changed.length} target file(s) have uncommitted changes (${describeFiles(cwd, named(changed))}); ` +
        'commit or stash them, run with --dry, or pass --allow-dirty',
    );
  }
  if (ignored.length > 0) {
    throw new UsageError(
      `refusing to write: ${ignored.length} target file(s) are ignored by git, which cannot restore them (${describeFiles(cwd, named(ignored))}); ` +
        'commit them (git add -f), run with --dry, or pass --allow-dirty',
    );
  }
}

/** Files outside any git work tree: refused for a writing run without --allow-no-git, a warning otherwise. */
function checkOutsideGit(files: readonly string[], dry: boolean, flags: RunnerFlags, io: CliIo): void {
  const outside = filesOutsideWorkTree(files);
  if (outside.length === 0) return;
  const where = `${outside.length} target file(s) are not in a git work tree (${describeFiles(io.cwd, outside)})`;
  if (!dry && !flags.allowNoGit) {
    throw new UsageError(
      `refusing to write: ${where}, so there is nothing to diff against or restore from; run with --dry, or pass --allow-no-git`,
    );
  }
  io.stderr.write(`quickwins: warning: ${where}: nothing to diff against or restore from\n`);
}

/** What the run is told so a person can follow and stop it: the stop signal, and the progress line on a terminal. */
type RunWatch = Pick<RunRequest, 'shouldStop' | 'onProgress' | 'onWorking'>;

/** Runs with SIGINT / SIGTERM heard as "stop after this file" and, on a terminal, a progress line. */
async function runWithProgress(
  io: CliIo,
  json: boolean,
  run: (watch: RunWatch) => Promise<RunResult>,
): Promise<RunResult & { readonly stopExitCode: number }> {
  const progress = io.stderr.isTTY && !json ? progressLine(io.stderr, (path) => humanPath(io.cwd, path)) : undefined;
  const stop = listenForStop();
  try {
    const result = await run({
      shouldStop: stop.requested,
      onProgress: progress?.update,
      onWorking: progress?.working,
    });
    return { ...result, stopExitCode: stop.exitCode() };
  } finally {
    stop.dispose();
    progress?.clear();
  }
}

/** Everything a run reports, besides its files' records. */
interface RunReport {
  readonly info: RunInfo & { readonly check: boolean };
  readonly result: RunResult;
  readonly dependencies: readonly DependencyChange[];
  /** Temporary files of killed runs this run removed. */
  readonly removed: readonly string[];
  readonly formatFailures: readonly FormatFailure[];
}

function printJson(io: CliIo, report: RunReport): void {
  const { info, result, dependencies, removed, formatFailures } = report;
  const extra = {
    dependencies: dependencies.map((change) => dependencyJson(change, io.cwd)),
    extraFiles: (result.extraFiles ?? []).map((file) => extraFileJson(file, info.dry, io.cwd)),
    removedTemporaries: removed.map((path) => displayPath(io.cwd, path)),
    formatFailures: formatFailures.map((failure) => ({
      path: displayPath(io.cwd, failure.path),
      message: failure.message,
    })),
  };
  io.stdout.write(`${jsonReport(info, result, extra)}\n`);
}

/** Diffs (dry) or one line per written file on stdout; extra files, warnings, the summary and dependencies on stderr. */
function printHuman(io: CliIo, report: RunReport, verbose: boolean): void {
  const { info, result, dependencies, removed, formatFailures } = report;
  const { dry } = info;
  const color = Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
  for (const record of result.records) {
    if (record.outcome.status !== 'changed') continue;
    if (dry)
      io.stdout.write(unifiedDiff(displayPath(io.cwd, record.path), record.before ?? '', record.outcome.edits, color));
    else io.stdout.write(`changed ${humanPath(io.cwd, record.path)} (${record.outcome.rewritten.length} sites)\n`);
  }
  for (const extra of result.extraFiles ?? []) io.stderr.write(`${extraFileLine(extra, dry, io.cwd)}\n`);
  for (const change of dependencies) {
    if (dry && change.status === 'would-add' && change.manifest !== undefined) {
      io.stdout.write(
        unifiedTextDiff(displayPath(io.cwd, change.manifest), change.before ?? '', change.after ?? '', color),
      );
    }
  }
  const lines = [
    ...removedTemporariesLine(removed, io.cwd),
    ...formatFailures.map((failure) =>
      escapeControl(
        `quickwins: warning: ${humanPath(io.cwd, failure.path)}: not formatted (written as the codemod left it): prettier: ${failure.message}`,
      ),
    ),
    summary({ ...info, verbose }, result),
    ...dependencies.map((change) => escapeControl(dependencyLine(change, io.cwd))),
  ];
  io.stderr.write(`${lines.join('\n')}\n`);
}

/** 1 when a file failed or was left, an extra file or a dependency was not written, or --check found work; else 0. */
function exitCodeOf(result: RunResult, dependencies: readonly DependencyChange[], check: boolean): number {
  const totals = totalsOf(result.records);
  const extraNotWritten = (result.extraFiles ?? []).some((file) => file.notWrittenReason !== undefined);
  if (
    totals.failed > 0 ||
    totals.left > 0 ||
    extraNotWritten ||
    dependencies.some((change) => change.status === 'error')
  )
    return EXIT_FAILED;
  if (check && (totals.changed > 0 || dependencies.some((change) => change.status === 'would-add'))) return EXIT_FAILED;
  return EXIT_OK;
}

/**
 * Worker threads besides the main thread. By default one per idle core beyond two: one core is the main thread's,
 * one is left to V8's garbage collector and compiler threads, which run beside every JavaScript thread; less the
 * load already on the machine (like `make -l`). On a 2-core box one worker made runs slower, at 600 and at 2,400
 * files past the pre-filter, quiet or loaded: measured with bench/codemod-speed.ts, docs/benchmarks.md.
 * A codemod with a project session lints each file with the project's ESLint, tens of milliseconds a file against a
 * fraction of one for a text codemod, so no core is kept back for the collector: one worker per idle core besides
 * the main thread's, up to every core (bench/narrow-eslint-disable.ts, docs/benchmarks.md).
 */
function parseWorkers(value: string | undefined, lintsPerFile: boolean): number {
  if (value === undefined) {
    const cores = availableParallelism();
    const idle = cores - (loadavg()[0] ?? 0);
    return Math.max(0, Math.min(lintsPerFile ? cores - 1 : cores - 2, Math.floor(idle - 1)));
  }
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0)
    throw new UsageError(`option --workers needs a whole number ≥ 0, got ${JSON.stringify(value)}`);
  return count;
}

function parseBudget(flags: Pick<RunnerFlags, 'maxFileSize' | 'maxFileTime'>): FileBudget {
  const maxBytes = flags.maxFileSize === undefined ? DEFAULT_MAX_FILE_BYTES : parseSize(flags.maxFileSize);
  if (maxBytes === undefined) {
    throw new UsageError(
      `option --max-file-size needs a size such as 800kb or 20mb, got ${JSON.stringify(flags.maxFileSize)}`,
    );
  }
  const maxMs = flags.maxFileTime === undefined ? DEFAULT_MAX_FILE_MS : parseSeconds(flags.maxFileTime);
  if (maxMs === undefined)
    throw new UsageError(
      `option --max-file-time needs a number of seconds > 0, got ${JSON.stringify(flags.maxFileTime)}`,
    );
  return { maxBytes, maxMs };
}

/** The source files under the paths named (the runner's walk); a usage error when a path is missing or holds none. */
async function checkedFiles(targets: readonly string[], cwd: string): Promise<readonly string[]> {
  const { files, missing } = await collectFiles(targets, cwd);
  checkFound(targets, files, missing);
  return files;
}

function checkFound(targets: readonly string[], files: readonly string[], missing: readonly string[]): void {
  if (missing.length > 0) {
    throw new UsageError(
      `path not found: ${missing.map(quotePath).join(', ')}${missing.some(isPattern) ? PATTERN_HINT : ''}`,
    );
  }
  if (files.length === 0)
    throw new UsageError(`no source files (.ts, .tsx, .js, ...) under ${targets.map(quotePath).join(', ')}`);
}

/** A path the shell did not expand (quoted, or a shell that expands nothing): the runner takes files and folders only. */
function isPattern(path: string): boolean {
  return /[*?[\]{}]/.test(path);
}

const PATTERN_HINT =
  ' (quickwins takes files and folders, not patterns: let the shell expand it, unquoted, or name the folder)';

function describeFiles(cwd: string, files: readonly string[]): string {
  const shown = files.slice(0, 5).map((file) => humanPath(cwd, file));
  const more = files.length > shown.length ? ` and ${files.length - shown.length} more` : '';
  return `${shown.join(', ')}${more}`;
}

/**
 * With --allow-no-git, where a file outside any work tree may be written: under the folder named on the command line
 * that led to it, or beside the file named (absolute, as named: a link named is not resolved here).
 */
function namedRoots(targets: readonly string[], cwd: string): string[] {
  return targets.map((target) => {
    const absolute = resolve(cwd, target);
    return isDirectory(absolute) ? absolute : dirname(absolute);
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** One line for the temporary files of killed runs that this run removed; none when there were none. */
function removedTemporariesLine(removed: readonly string[], cwd: string): string[] {
  if (removed.length === 0) return [];
  const files = removed.length === 1 ? 'temporary file' : 'temporary files';
  return [
    `quickwins: removed ${removed.length} ${files} left by runs that no longer exist (killed while writing): ${describeFiles(cwd, removed)}`,
  ];
}

function extraFileLine(file: ExtraFile, dry: boolean, cwd: string): string {
  const path = humanPath(cwd, file.path);
  if (file.notWrittenReason !== undefined)
    return `left  ${path}: file left as it was: ${escapeControl(file.notWrittenReason)}`;
  return `${dry ? 'would write' : 'wrote'} ${path}: ${escapeControl(file.summary)}`;
}

function extraFileJson(file: ExtraFile, dry: boolean, cwd: string) {
  const status = file.notWrittenReason !== undefined ? 'left' : dry ? 'would-write' : 'written';
  return {
    path: displayPath(cwd, file.path),
    status,
    summary: file.summary,
    ...(file.notWrittenReason === undefined ? {} : { reason: file.notWrittenReason }),
  };
}

/** The command that finishes an interrupted run: the same paths; the files already rewritten are now uncommitted. */
function resumeCommand(codemodId: string, paths: readonly string[]): string {
  const quoted = paths.map((path) => (/^[\w./@:+-]+$/.test(path) ? path : shellQuote(path)));
  return ['npx quickwins', codemodId, ...quoted, '--allow-dirty'].join(' ');
}

/** A path for a POSIX shell: single quotes, or $'…' (bash, zsh) when it holds a control character, so it prints on one line. */
function shellQuote(path: string): string {
  if (!hasControlCharacter(path)) return `'${path.replaceAll("'", "'\\''")}'`;
  return `$'${escapeControl(path.replaceAll('\\', '\\\\').replaceAll("'", "\\'"))}'`;
}

/** Peak resident memory and the heap in use at the end of the run, in MB (--json `memory`). */
function memoryUse(): { peakRssMb: number; heapUsedMb: number } {
  // resourceUsage().maxRSS is in kilobytes.
  return {
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
  };
}

function commanderOption(codemod: RunnableCodemod, option: CodemodOption): Option {
  if (RUNNER_FLAGS.has(option.flag))
    throw new Error(`codemod ${codemod.id}: option --${option.flag} clashes with a runner flag`);
  const defaultText = option.default === undefined ? '' : ` (default: ${String(option.default)})`;
  switch (option.type) {
    case 'boolean':
      // A flag that is on by default is turned off with --no-<flag>; commander sets the default itself.
      return option.default === true
        ? new Option(`--no-${option.flag}`, option.description)
        : new Option(`--${option.flag}`, option.description);
    case 'string':
      return new Option(`--${option.flag} <value>`, `${option.description}${defaultText}`);
    case 'number':
      return new Option(`--${option.flag} <n>`, `${option.description}${defaultText}`);
  }
}

function describeCodemod(codemod: RunnableCodemod) {
  return { id: codemod.id, summary: codemod.summary, usesTypes: codemod.usesTypes, options: codemod.options };
}

function listText(codemods: ReadonlyMap<string, RunnableCodemod>): string {
  if (codemods.size === 0) return 'no codemods registered\n';
  const width = Math.max(...[...codemods.keys()].map((id) => id.length));
  const lines = [...codemods.values()].map((codemod) => {
    const flags = codemod.options.map((option) => `    ${flagSyntax(option)}  ${option.description}`);
    return [`${codemod.id.padEnd(width)}  ${codemod.summary}`, ...flags].join('\n');
  });
  return `${lines.join('\n')}\n\nRun: npx quickwins <codemod> [paths...] [--dry | --check] [--json]\n`;
}

/** How an option is written on the command line, as commanderOption defines it. */
function flagSyntax(option: CodemodOption): string {
  if (option.type === 'boolean') return option.default === true ? `--no-${option.flag}` : `--${option.flag}`;
  return `--${option.flag} <${option.type === 'number' ? 'n' : 'value'}>`;
}

function packageVersion(): string {
  try {
    // dist/cli/bin.js and src/cli/main.ts both sit two folders below the package root.
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

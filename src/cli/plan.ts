/**
 * `quickwins plan [paths]`: one dry run of every codemod over the repository (run-each.ts: one walk, one read and
 * one parse per file), the package.json files, the runtime imports, the ESLint rules that keep each quick win done,
 * and (with a database) the index advisor's proposals, read-only; printed as src/plan/ says.
 * Exit codes: 0; 1 with --check while an applicable quick win decidable from code has sites ready; 2 usage.
 */
import { dirname } from 'node:path';
import { parseSource } from '../core/parse.js';
import { readDisableDirectives } from '../eslint-directives/directives.js';
import { enabledRulesFor } from '../eslint-directives/eslint-project.js';
import { packageFactsFor } from '../core/package-evidence.js';
import type { RunnableCodemod } from '../codemod-host/runnable.js';
import {
  buildPlan,
  hasReadySites,
  type CodemodFindings,
  type IndexAdvice,
  type Manifest,
  type PlanSite,
  type RuleState,
} from '../plan/plan.js';
import { QUICK_WINS, quickWinsStartedIn } from '../registry/quick-wins.js';
import { planJson, planMarkdown, planText } from '../plan/render.js';
import type { FileBudget } from './budget.js';
import { listenForStop } from './interrupt.js';
import { escapeControl } from './names.js';
import { displayPath } from './report.js';
import { runEachCodemod, type CodemodRun } from './run-each.js';
import { readSourceFile } from './run.js';

export interface PlanRequest {
  readonly codemods: ReadonlyMap<string, RunnableCodemod>;
  readonly paths: readonly string[];
  /** Absolute, as the walk found them. */
  readonly files: readonly string[];
  readonly cwd: string;
  readonly output: 'text' | 'json' | 'markdown';
  readonly check: boolean;
  readonly databaseUrl?: string;
  readonly typeAware: boolean;
  readonly maxWorkers: number;
  readonly budget: FileBudget;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export async function runPlan(request: PlanRequest): Promise<number> {
  const started = performance.now();
  const { cwd, files } = request;
  const codemods = QUICK_WINS.flatMap((win) => {
    const codemod = win.codemod === undefined ? undefined : request.codemods.get(win.codemod);
    return codemod ? [codemod.configure({})] : [];
  });
  const runtimeImports = new Map<string, string[]>();
  const stop = listenForStop();
  let result: Awaited<ReturnType<typeof runEachCodemod>>;
  try {
    result = await runEachCodemod({
      codemods,
      files,
      typeAware: request.typeAware,
      maxWorkers: request.maxWorkers,
      budget: request.budget,
      cwd,
      shouldStop: stop.requested,
      onText: (path, text) => {
        for (const win of quickWinsStartedIn(text))
          runtimeImports.set(win.id, [...(runtimeImports.get(win.id) ?? []), displayPath(cwd, path)]);
      },
    });
  } finally {
    stop.dispose();
  }
  if (result.interrupted) return stop.exitCode();
  if (result.typesUnavailable) request.stderr.write(`quickwins: ${result.typesUnavailable}\n`);

  const findings = new Map(result.runs.map((run) => [run.codemod.id, findingsOf(run, cwd)]));
  const directives = result.runs.find((run) => run.codemod.id === 'narrow-eslint-disable');
  let directiveFiles = 0;
  if (directives?.setupError !== undefined) {
    const blanket = blanketDirectives(directives, cwd);
    directiveFiles = blanket.parsedFiles;
    findings.set(directives.codemod.id, {
      ...(findings.get(directives.codemod.id) as CodemodFindings),
      foundWithoutRunning: blanket.found,
    });
  }
  const plan = buildPlan({
    manifests: manifestsOf(files, cwd),
    codemods: findings,
    runtimeImports,
    rules: await rulesOf(result.runs, files, cwd),
    indexAdvice: await indexAdvice(request),
    paths: request.paths,
  });
  const run = {
    files: files.length,
    parsedFiles: result.parsedFiles,
    typedFiles: result.typedFiles,
    workers: result.workers,
    isolatedWorkers: result.isolatedWorkers,
    directiveFiles,
    elapsedMs: performance.now() - started,
  };
  if (request.output === 'json') request.stdout.write(`${planJson(plan, run)}\n`);
  else request.stdout.write(forTerminal(request.output === 'markdown' ? planMarkdown(plan) : planText(plan, run)));
  return request.check && hasReadySites(plan) ? 1 : 0;
}

/** A codemod's sites as its own --dry --json counts them: every `rewritten` site, every `left` one not covered elsewhere. */
function findingsOf(run: CodemodRun, cwd: string): CodemodFindings {
  const ready: PlanSite[] = [];
  const left: PlanSite[] = [];
  const unread: string[] = [];
  let done = 0;
  for (const record of run.records) {
    const { outcome } = record;
    const path = displayPath(cwd, record.path);
    const at = (line: number, column: number): string => `${path}:${line}:${column + 1}`;
    if (outcome.status === 'changed' || outcome.status === 'unchanged') {
      for (const site of outcome.rewritten) ready.push({ at: at(site.line, site.column), message: site.message });
      for (const site of outcome.left) left.push({ at: at(site.line, site.column), message: site.message });
      done += outcome.done?.length ?? 0;
    } else if (outcome.status === 'left' && run.setupError === undefined) unread.push(`${path}: ${outcome.reason}`);
    else if (outcome.status === 'error')
      unread.push(`${path}: ${outcome.error.phase} failed: ${outcome.error.message.split('\n')[0]}`);
  }
  return { ready, left, done, unread, ...(run.setupError === undefined ? {} : { setupError: run.setupError }) };
}

/**
 * A directive name with nothing after it but blanks up to the comment's end or a `-- why`: every blanket directive
 * matches, so most files with only named directives are not parsed again (some that match name rules on a next line).
 */
const MAY_HOLD_BLANKET_DIRECTIVE =
  /eslint-disable(?:-next-line|-line)?(?![\w-])[^\S\r\n]*(?:\*\/|--|[\r\n\u2028\u2029]|$)/;

/**
 * Where blanket disable directives are, for when narrow-eslint-disable cannot run (no ESLint here): read from the
 * comments of the files it would have linted whose text may hold one (parsed a second time).
 */
function blanketDirectives(run: CodemodRun, cwd: string): { found: string[]; parsedFiles: number } {
  const found: string[] = [];
  let parsedFiles = 0;
  for (const record of run.records) {
    if (record.outcome.status !== 'left') continue;
    const read = readSourceFile(record.path, { maxBytes: Number.POSITIVE_INFINITY, maxMs: 0 });
    if ('outcome' in read || !MAY_HOLD_BLANKET_DIRECTIVE.test(read.text)) continue;
    parsedFiles++;
    try {
      const { comments } = parseSource(record.path, read.text.replace(/^\uFEFF/, ''));
      const directives = readDisableDirectives({ getInlineConfigNodes: () => comments as never });
      for (const directive of directives.filter((candidate) => candidate.blanket)) {
        found.push(
          `${displayPath(cwd, record.path)}:${directive.comment.loc.start.line}:${directive.comment.loc.start.column + 1}: blanket ${directive.label}`,
        );
      }
    } catch {
      // A file that does not parse holds no directive ESLint would read either.
    }
  }
  return { found, parsedFiles };
}

/** The package.json of every package holding a file of the run. */
function manifestsOf(files: readonly string[], cwd: string): Manifest[] {
  const manifests = new Map<string, Manifest>();
  const seenFolders = new Set<string>();
  for (const file of files) {
    const folder = dirname(file);
    if (seenFolders.has(folder)) continue;
    seenFolders.add(folder);
    const facts = packageFactsFor(file);
    if (facts && !manifests.has(facts.manifest))
      manifests.set(facts.manifest, { path: displayPath(cwd, facts.manifest), dependencies: facts.dependencies });
  }
  return [...manifests.values()];
}

/** The project's ESLint config for a file the codemods looked at (else the first file): which quick-win rules it turns on. */
async function rulesOf(runs: readonly CodemodRun[], files: readonly string[], cwd: string): Promise<RuleState> {
  const ruleIds = QUICK_WINS.flatMap((win) => (win.rule === undefined ? [] : [win.rule]));
  const looked = runs
    .flatMap((run) => run.records)
    .find((record) => record.outcome.status === 'changed' || record.outcome.status === 'unchanged');
  const probe = looked?.path ?? files[0];
  if (probe === undefined) return { unavailable: 'no file to read the ESLint config for' };
  return enabledRulesFor(cwd, probe, ruleIds);
}

/** The index advisor, read-only, when a database is named; it loads pg and the SQL parser only then. */
async function indexAdvice(request: PlanRequest): Promise<IndexAdvice> {
  if (!request.databaseUrl) return { kind: 'no-database' };
  const { adviseIndexes, connect, disconnect } = await import('../index-advisor/advisor.js');
  const { AdvisorError, checkDatabaseUrl, describeDatabaseError } = await import('../index-advisor/errors.js');
  let url = '';
  let client: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    url = checkDatabaseUrl(request.databaseUrl);
    client = await connect(url);
    const run = await adviseIndexes(client);
    return {
      kind: 'advised',
      proposals: run.advice.proposals.length,
      statementsAnalysed: run.advice.statementsAnalysed,
    };
  } catch (error) {
    const message = (error instanceof AdvisorError ? error : describeDatabaseError(error, url)).message;
    request.stderr.write(`quickwins plan: index-advisor: ${message}\n`);
    return { kind: 'failed', message };
  } finally {
    if (client) await disconnect(client);
  }
}

/** Text for people: a control character from a file name or a reason (an escape sequence) is shown, never sent. */
function forTerminal(text: string): string {
  return text
    .split('\n')
    .map((line) => escapeControl(line))
    .join('\n');
}

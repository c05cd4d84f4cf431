/**
 * `quickwins plan`: from what one read of the repository found (each codemod's sites, the package.json files, the
 * runtime imports, the ESLint rules on, the index advisor's count when a database was given) to the seven entries of
 * the plan, each with whether it applies and why, its sites, the command that does it, and its status.
 */
import { QUICK_WINS, type QuickWin } from '../registry/quick-wins.js';

/** One site, as the report names it: `path:line:column` and what the codemod said. */
export interface PlanSite {
  readonly at: string;
  readonly message: string;
}

/** What a codemod's dry run found, counted as its own `--dry --json` totals count. */
export interface CodemodFindings {
  readonly ready: readonly PlanSite[];
  readonly left: readonly PlanSite[];
  /** Sites found already rewritten. */
  readonly done: number;
  /** Files the codemod wanted but could not look into (parse error, encoding, size): `path: reason`. */
  readonly unread: readonly string[];
  /** The project lacks what the codemod needs (e.g. ESLint): the codemod could not run. */
  readonly setupError?: string;
  /** When it could not run: the sites a look at the text found instead (`path:line:column: what`). */
  readonly foundWithoutRunning?: readonly string[];
}

export interface Manifest {
  /** As displayed (relative to the working folder). */
  readonly path: string;
  readonly dependencies: ReadonlySet<string>;
}

export type IndexAdvice =
  | { readonly kind: 'no-database' }
  | { readonly kind: 'advised'; readonly proposals: number; readonly statementsAnalysed: number }
  | { readonly kind: 'failed'; readonly message: string };

export type RuleState = { readonly enabled: ReadonlySet<string> } | { readonly unavailable: string };

export interface RepositoryFindings {
  readonly manifests: readonly Manifest[];
  /** By codemod id. */
  readonly codemods: ReadonlyMap<string, CodemodFindings>;
  /** By quick-win id: the files already calling its runtime helpers (imported from `@quickwins/runtime`), as displayed. */
  readonly runtimeImports: ReadonlyMap<string, readonly string[]>;
  readonly rules: RuleState;
  readonly indexAdvice: IndexAdvice;
  /** The paths the plan was run on, as given (repeated in each command). */
  readonly paths: readonly string[];
}

export type Status = 'todo' | 'in progress' | 'done' | 'not applicable' | 'not checked';

export interface QuickWinEntry {
  readonly id: string;
  readonly title: string;
  readonly day: string;
  readonly applies: boolean;
  readonly evidence: readonly string[];
  readonly sites: { readonly ready: number; readonly left: number };
  /** The first few sites of each kind (`path:line:column: message`). */
  readonly firstSites: { readonly ready: readonly string[]; readonly left: readonly string[] };
  readonly command: string;
  readonly status: Status;
  /** The rule that keeps it done, and whether the ESLint config turns it on; null when no rule guards it. */
  readonly rule: { readonly id: string; readonly enabled: boolean } | null;
  /** Whether the code alone decides it (false for the index advisor, which needs the database). */
  readonly decidableFromCode: boolean;
}

export interface Plan {
  readonly quickWins: readonly QuickWinEntry[];
  readonly totals: {
    readonly applicable: number;
    readonly done: number;
    readonly inProgress: number;
    readonly todo: number;
    readonly notChecked: number;
    readonly sitesReady: number;
    readonly sitesLeft: number;
  };
}

/** Sites named on an entry, per kind. */
export const FIRST_SITES = 5;

const NO_FINDINGS: CodemodFindings = { ready: [], left: [], done: 0, unread: [] };

export function buildPlan(findings: RepositoryFindings): Plan {
  const quickWins = QUICK_WINS.map((win) =>
    win.codemod === undefined ? indexAdvisorEntry(win, findings) : codemodEntry(win, win.codemod, findings),
  );
  const count = (status: Status): number => quickWins.filter((entry) => entry.status === status).length;
  return {
    quickWins,
    totals: {
      applicable: quickWins.filter((entry) => entry.applies).length,
      done: count('done'),
      inProgress: count('in progress'),
      todo: count('todo'),
      notChecked: count('not checked'),
      sitesReady: quickWins.reduce((sum, entry) => sum + entry.sites.ready, 0),
      sitesLeft: quickWins.reduce((sum, entry) => sum + entry.sites.left, 0),
    },
  };
}

/** `--check`: an applicable quick win the code alone decides still has sites a codemod would rewrite. */
export function hasReadySites(plan: Plan): boolean {
  return plan.quickWins.some((entry) => entry.applies && entry.decidableFromCode && entry.sites.ready > 0);
}

function codemodEntry(win: QuickWin, codemodId: string, findings: RepositoryFindings): QuickWinEntry {
  const found = findings.codemods.get(codemodId) ?? NO_FINDINGS;
  const libraries = librariesFound(win, findings.manifests);
  const imports = findings.runtimeImports.get(win.id) ?? [];
  const anySite = found.ready.length + found.left.length + found.done > 0;
  const linted = win.appliesWhereEslintRuns === true && 'enabled' in findings.rules;
  const seen = found.foundWithoutRunning ?? [];
  const applies = anySite || libraries.length > 0 || imports.length > 0 || seen.length > 0 || linted;
  const rule =
    win.rule === undefined
      ? null
      : { id: win.rule, enabled: 'enabled' in findings.rules && findings.rules.enabled.has(win.rule) };

  const evidence = [
    ...libraries,
    ...importEvidence(win, imports),
    ...(linted ? ['the project lints with ESLint (a config applies to its files)'] : []),
  ];
  if (found.setupError !== undefined) {
    evidence.push(`${codemodId} cannot run here: ${found.setupError.replace(`${codemodId}: `, '')}`);
    evidence.push(
      seen.length > 0
        ? `${seen.length} site(s) seen in the text instead: ${shortList(seen)}`
        : 'none of its sites in the text either',
    );
  } else evidence.push(siteEvidence(win, found));
  if (found.unread.length > 0)
    evidence.push(`${found.unread.length} file(s) the codemod could not look into: ${shortList(found.unread)}`);
  if (!applies && win.libraries.length > 0)
    evidence.push(
      `no ${win.libraries.map((name) => `\`${name}\``).join(', ')} in any package.json (${findings.manifests.length} read): does not apply`,
    );
  if (applies && rule !== null) evidence.push(ruleEvidence(rule, findings.rules));

  return {
    id: win.id,
    title: win.title,
    day: win.day,
    applies,
    evidence,
    sites: { ready: found.ready.length, left: found.left.length },
    firstSites: {
      ready: found.ready.slice(0, FIRST_SITES).map(siteLine),
      left: found.left.slice(0, FIRST_SITES).map(siteLine),
    },
    command: ['npx quickwins', codemodId, ...findings.paths.map(shellWord)].join(' '),
    status: applies ? codemodStatus(found, imports.length > 0, rule) : 'not applicable',
    rule,
    decidableFromCode: true,
  };
}

/** Done: nothing ready, nothing left, and the rule that keeps it so is on; started: something already rewritten. */
function codemodStatus(found: CodemodFindings, runtimeImported: boolean, rule: QuickWinEntry['rule']): Status {
  if (found.setupError !== undefined) return (found.foundWithoutRunning ?? []).length > 0 ? 'todo' : 'in progress';
  if (found.ready.length > 0 || found.left.length > 0)
    return found.done > 0 || runtimeImported ? 'in progress' : 'todo';
  return rule === null || rule.enabled ? 'done' : 'in progress';
}

function indexAdvisorEntry(win: QuickWin, findings: RepositoryFindings): QuickWinEntry {
  const libraries = librariesFound(win, findings.manifests);
  const applies = libraries.length > 0;
  const advice = findings.indexAdvice;
  const evidence = [...libraries];
  let status: Status = 'not applicable';
  let proposals = 0;
  if (!applies)
    evidence.push(
      `no PostgreSQL client (${win.libraries.map((name) => `\`${name}\``).join(', ')}) in any package.json (${findings.manifests.length} read): does not apply`,
    );
  else if (advice.kind === 'no-database') {
    status = 'not checked';
    evidence.push(
      'needs the database: run `quickwins plan --database-url <url>` (or set DATABASE_URL) to count the missing indexes, read-only',
    );
  } else if (advice.kind === 'failed') {
    status = 'not checked';
    evidence.push(`the database could not be analysed: ${advice.message}`);
  } else {
    proposals = advice.proposals;
    status = proposals > 0 ? 'todo' : 'done';
    evidence.push(
      `${proposals} index(es) proposed from ${advice.statementsAnalysed} statement(s) in pg_stat_statements (read-only)`,
    );
  }
  return {
    id: win.id,
    title: win.title,
    day: win.day,
    applies,
    evidence,
    sites: { ready: proposals, left: 0 },
    firstSites: { ready: [], left: [] },
    command: 'npx quickwins index-advisor --database-url "$DATABASE_URL" --out migrations',
    status,
    rule: null,
    decidableFromCode: false,
  };
}

function librariesFound(win: QuickWin, manifests: readonly Manifest[]): string[] {
  const lines: string[] = [];
  for (const library of win.libraries) {
    const holders = manifests.filter((manifest) => manifest.dependencies.has(library)).map((manifest) => manifest.path);
    if (holders.length > 0) lines.push(`\`${library}\` in ${shortList(holders)}`);
  }
  return lines;
}

function importEvidence(win: QuickWin, files: readonly string[]): string[] {
  return files.length === 0
    ? []
    : [
        `${win.runtimeHelpers.map((name) => `\`${name}\``).join(' / ')} from @quickwins/runtime already used in ${files.length} file(s): ${shortList(files)}`,
      ];
}

function siteEvidence(win: QuickWin, found: CodemodFindings): string {
  const total = found.ready.length + found.left.length;
  const done = found.done > 0 ? `, ${found.done} already done` : '';
  if (total === 0) return `no site to change found by ${win.codemod}${done}`;
  return `${total} site(s) found by ${win.codemod}: ${found.ready.length} ready to rewrite, ${found.left.length} left for review${done}`;
}

function ruleEvidence(rule: NonNullable<QuickWinEntry['rule']>, rules: RuleState): string {
  if (rule.enabled) return `rule \`${rule.id}\` is on in the ESLint config (keeps it done)`;
  if ('unavailable' in rules)
    return `rule \`${rule.id}\` not known to be on (${rules.unavailable}): turn it on to keep this done`;
  return `rule \`${rule.id}\` is not on in the ESLint config: turn it on to keep this done`;
}

function siteLine(site: PlanSite): string {
  return `${site.at}: ${site.message}`;
}

function shortList(items: readonly string[]): string {
  const shown = items.slice(0, 3).join(', ');
  return items.length > 3 ? `${shown} and ${items.length - 3} more` : shown;
}

function shellWord(word: string): string {
  return /^[\w./@:+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

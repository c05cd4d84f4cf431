/**
 * Reports that tell the truth across files: a codemod sees one file at a time, so it may leave a site in one file
 * ("wrapped where a route registers it") that another file of the same run rewrites. Once every file has run (on
 * any thread) and been written, a `left` site whose `identity` a rewrite or an already-done site of the run carries
 * is moved to the record's `covered` list, naming where. Codemod-agnostic: identities are opaque strings.
 */
import type { CodemodSite } from '../codemod-host/codemod.js';
import type { FileOutcome, FileRecord } from './run.js';

/** Where the run handled what a left site is about. */
export interface CoveringSite {
  /** Absolute path of the file. */
  readonly path: string;
  readonly site: CodemodSite;
  /** `rewritten` by this run, or found `done` (rewritten before, or by hand). */
  readonly how: 'rewritten' | 'done';
}

/** A site the codemod left in its file, handled by another site of the same run. */
export interface CoveredSite {
  /** The left site as the codemod reported it. */
  readonly site: CodemodSite;
  readonly by: CoveringSite;
}

type SiteOutcome = Extract<FileOutcome, { status: 'changed' | 'unchanged' }>;

function hasSites(outcome: FileOutcome): outcome is SiteOutcome {
  return outcome.status === 'changed' || outcome.status === 'unchanged';
}

/** The identities the run's files rewrote or found done, each with the first site that carries it (rewrites first). */
export function coveringSites(records: readonly FileRecord[]): ReadonlyMap<string, CoveringSite> {
  const covering = new Map<string, CoveringSite>();
  for (const how of ['rewritten', 'done'] as const) {
    for (const { path, outcome } of records) {
      if (!hasSites(outcome)) continue;
      for (const site of outcome[how] ?? []) {
        if (site.identity !== undefined && !covering.has(site.identity))
          covering.set(site.identity, { path, site, how });
      }
    }
  }
  return covering;
}

/**
 * The records with every left site that another site of the run covers moved from `outcome.left` to `covered`.
 * Records without such a site come back as they were (the same objects).
 */
export function reconcileLeftSites(records: readonly FileRecord[]): FileRecord[] {
  const covering = coveringSites(records);
  if (covering.size === 0) return [...records];
  return records.map((record) => {
    const { outcome } = record;
    if (!hasSites(outcome)) return record;
    const left: CodemodSite[] = [];
    const covered: CoveredSite[] = [];
    for (const site of outcome.left) {
      const by = site.identity === undefined ? undefined : covering.get(site.identity);
      if (by) covered.push({ site, by });
      else left.push(site);
    }
    if (covered.length === 0) return record;
    return { ...record, outcome: { ...outcome, left }, covered };
  });
}

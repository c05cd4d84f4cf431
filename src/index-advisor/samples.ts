/**
 * Realistic parameter values for a normalized statement. pg_stat_statements keeps no values, and a generic plan
 * guesses selectivities (0.5 % for equality, a third for a range, 0.1 % for containment) that real values may
 * contradict; the column statistics (most common values, histogram bounds) give values the table really holds.
 */
import type { Catalog, ColumnStats, ParameterUse, ParsedStatement } from './types.js';

type Parsed = Extract<ParsedStatement, { kind: 'parsed' }>;

/** How many value sets a statement is planned with, besides its generic plan. */
export const SAMPLES_PER_STATEMENT = 3;

/** A page size for `LIMIT $n`: the value is gone from the statement, and apps page by tens. */
const SAMPLE_LIMIT = '25';

/**
 * Up to SAMPLES_PER_STATEMENT parameter vectors ($1 first), or an empty list when a parameter is compared with
 * nothing the statistics know (an expression, a column without statistics): that statement keeps its generic plan.
 */
export function sampleParameters(statement: Parsed, catalog: Catalog): string[][] {
  if (statement.parameters === 0) return [];
  const choices: string[][] = [];
  for (let number = 1; number <= statement.parameters; number++) {
    const use = statement.parameterUses.get(number);
    if (use === undefined) return [];
    if (use === 'limit') {
      choices.push([SAMPLE_LIMIT]);
      continue;
    }
    const stats = catalog.columnStats.get(`${use.table.schema}.${use.table.name}.${use.column}`);
    const values = stats ? valuesFor(use.role, stats) : [];
    if (values.length === 0) return [];
    choices.push(values);
  }
  return Array.from({ length: SAMPLES_PER_STATEMENT }, (_unused, sample) =>
    choices.map((values) => values[sample % values.length] ?? ''),
  );
}

/** What stands in for any value outside a column's most common values when value sets are compared. */
const OTHER_VALUE = '\u0000other';

/**
 * The form of a value set the planner's estimates depend on: `col = $n` with a value outside the column's most
 * common values is estimated alike whatever the value (the share of rows left to the other values), so two sets
 * that differ only there get the same plan. A parameter used more than once, or a column an existing partial
 * index's predicate names (the value may prove it), keeps its value.
 */
export function plannedForm(statement: Parsed, catalog: Catalog, values: readonly string[]): string {
  return JSON.stringify(
    values.map((value, index) => {
      const number = index + 1;
      const use = statement.parameterUses.get(number);
      if (use === undefined || use === 'limit' || use.role !== 'equality') return value;
      const stats = catalog.columnStats.get(`${use.table.schema}.${use.table.name}.${use.column}`);
      if (!stats || stats.commonValues.includes(value)) return value;
      const mentions = statement.statement.query.match(new RegExp(`\\$${number}(?!\\d)`, 'g'))?.length ?? 0;
      const namedByPredicate = catalog.indexes.some(
        (index) =>
          index.predicate !== null &&
          index.table.schema === use.table.schema &&
          index.table.name === use.table.name &&
          index.predicate.includes(use.column),
      );
      return mentions === 1 && !namedByPredicate ? OTHER_VALUE : value;
    }),
  );
}

/** Values spread over what the column holds: the most common, a rare one, and histogram quantiles for ranges. */
export function valuesFor(role: ParameterUse['role'], stats: ColumnStats): string[] {
  const { commonValues, histogram } = stats;
  const everything = [...commonValues, ...histogram];
  switch (role) {
    case 'equality':
      // The most common value, a typical rare one (the histogram's middle, else the least common value), the
      // least common of the common values (a 2.5 % status), the second most common.
      return unique([
        commonValues[0],
        quantile(histogram, 0.5) ?? commonValues.at(-1),
        commonValues.at(-1),
        commonValues[1],
      ]);
    case 'lower':
    case 'upper':
      // Where in the range a bound falls is unknown: the quartiles, so a range keeps a quarter to three quarters.
      return unique([quantile(histogram, 0.5), quantile(histogram, 0.25), quantile(histogram, 0.75)]);
    case 'contains': {
      // A containment filter worth an index looks documents up by an identifying key: the member whose values
      // differ most across the sampled documents.
      const key = mostDistinctKey(everything);
      return unique(everything.map((value) => member(value, key))).slice(0, SAMPLES_PER_STATEMENT);
    }
    // What a search box sends: the first four characters typed, or four from inside a value.
    case 'like':
      return searchPrefixes(everything, histogram, SAMPLES_PER_STATEMENT);
    case 'ilike':
      return unique(
        everything.map((value) => (value.length >= 6 ? `%${escapeLike(value.slice(1, 5))}%` : undefined)),
      ).slice(0, SAMPLES_PER_STATEMENT);
  }
}

function quantile(bounds: readonly string[], fraction: number): string | undefined {
  if (bounds.length === 0) return undefined;
  return bounds[Math.min(bounds.length - 1, Math.round(fraction * (bounds.length - 1)))];
}

function parseObject(value: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function mostDistinctKey(documents: readonly string[]): string | undefined {
  const seen = new Map<string, Set<string>>();
  for (const document of documents) {
    for (const [key, value] of Object.entries(parseObject(document) ?? {})) {
      const values = seen.get(key) ?? new Set<string>();
      values.add(JSON.stringify(value));
      seen.set(key, values);
    }
  }
  return [...seen].sort((a, b) => b[1].size - a[1].size || a[0].localeCompare(b[0]))[0]?.[0];
}

/** A jsonb document reduced to one member (`{"session": "…"}`), or the whole value when it is not an object. */
function member(value: string, key: string | undefined): string | undefined {
  const parsed = parseObject(value);
  if (!parsed) return value;
  return key !== undefined && key in parsed ? JSON.stringify({ [key]: parsed[key] }) : undefined;
}

/**
 * Four-character prefix patterns from `values` that start none of the histogram's bounds. The planner reads a
 * prefix's share of rows from how many bounds it starts (one bound: 1 % of the table), so a prefix cut from a bound
 * looks common and keeps the sequential scan, where what a search box sends matches a handful of rows. The fourth
 * character is the value's own when free, else the first free one of those the bounds hold at that place.
 */
export function searchPrefixes(values: readonly string[], bounds: readonly string[], count: number): string[] {
  const taken = new Set(bounds.map((bound) => [...bound].slice(0, 4).join('')));
  const alphabet = [...new Set(bounds.flatMap((bound) => [...bound].slice(3, 4)))].sort();
  const prefixes = new Set<string>();
  for (const value of values) {
    if (prefixes.size >= count) break;
    const characters = [...value];
    if (characters.length < 4) continue;
    const stem = characters.slice(0, 3).join('');
    const own = characters[3] as string;
    const free = [own, ...alphabet].find((character) => !taken.has(stem + character)) ?? own;
    prefixes.add(`${escapeLike(stem + free)}%`);
  }
  return [...prefixes];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined))];
}

/**
 * The share of rows `col > value` (role lower) or `col < value` (upper) keeps, read from the histogram's
 * equal-count buckets; undefined when the value cannot be placed (no histogram, values that do not compare).
 */
export function rangeFraction(
  histogram: readonly string[],
  value: string,
  role: 'lower' | 'upper',
): number | undefined {
  if (histogram.length < 2) return undefined;
  const key = comparable(value);
  const keys = comparableBounds(histogram);
  if (key === undefined || keys.some((item) => item === undefined || typeof item !== typeof key)) return undefined;
  let below = 0;
  for (const item of keys as (number | string)[]) if (item < key) below++;
  const share = Math.min(1, Math.max(0, (below - 0.5) / (keys.length - 1)));
  return role === 'lower' ? 1 - share : share;
}

// The histogram is read once per statement, candidate and value set: its bounds are converted once.
const boundsRead = new WeakMap<readonly string[], (number | string | undefined)[]>();

function comparableBounds(histogram: readonly string[]): (number | string | undefined)[] {
  let keys = boundsRead.get(histogram);
  if (!keys) {
    keys = histogram.map(comparable);
    boundsRead.set(histogram, keys);
  }
  return keys;
}

/** Numbers and timestamps compare as numbers, anything else as text. */
function comparable(value: string): number | string | undefined {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const time = Date.parse(value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'));
    return Number.isNaN(time) ? undefined : time;
  }
  return value;
}

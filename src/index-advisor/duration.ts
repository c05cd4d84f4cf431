/**
 * Durations given on the command line, checked before anything runs: a whole number with one of PostgreSQL's time
 * units (ms, s, min, h, d), or no unit for milliseconds as PostgreSQL reads lock_timeout and statement_timeout.
 * Fractions, signs and other units are refused here rather than by the server when the migration runs.
 */
import { AdvisorError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** PostgreSQL keeps these settings as a 32-bit count of milliseconds. */
const MAX_MS = 2_147_483_647;

const DURATION = /^(\d+)\s*(ms|s|min|h|d)?$/;

/** Milliseconds of `value`; a usage error naming the option when it is not such a duration (or, unless allowed, 0). */
export function durationMs(option: string, value: string, { allowZero }: { allowZero: boolean }): number {
  const match = DURATION.exec(value.trim());
  const ms = match ? Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms > MAX_MS || (ms === 0 && !allowZero)) {
    const zero = allowZero ? ', or 0 for none' : '';
    throw new AdvisorError(
      `${option} needs a duration such as 500ms, 5s, 10min, 1h or 1d (at most 24d${zero}), got ${JSON.stringify(value)}`,
      2,
    );
  }
  return ms;
}

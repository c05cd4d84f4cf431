// lint-migrations grows linearly with the statements of a file: the same script at 5,000 and 20,000 statements,
// timed in this run, must take well under the 16× a per-statement pass over the file would cost. The statements
// exercise every per-statement step: a comment before each (skipped to find its line), a multibyte character (byte
// offsets turned into string offsets), and an index build every 500 statements (a finding whose line is looked up).
import { beforeAll, describe, expect, it } from 'vitest';
import { lintMigration, loadSqlParser } from '../../src/index-advisor/migration-lint/lint.js';
import { readMigration } from '../../src/index-advisor/migration-lint/sources.js';

beforeAll(async () => {
  await loadSqlParser();
});

const LINES_PER_STATEMENT = 2;
const INDEX_EVERY = 500;

function script(statements: number): string {
  const parts = ['CREATE TABLE t (a int, b text);\n'];
  for (let index = 1; index < statements; index++) {
    parts.push(
      index % INDEX_EVERY === 0
        ? `-- index ${index}\nCREATE INDEX t_a_${index} ON users (a);\n`
        : `-- row ${index}\nINSERT INTO t (a, b) VALUES (${index}, 'é ${index}');\n`,
    );
  }
  return parts.join('');
}

/** The fastest of a few runs: the least disturbed by other work on the machine. */
function fastestRun(text: string, runs: number): { milliseconds: number; findings: ReturnType<typeof lintMigration> } {
  let milliseconds = Number.POSITIVE_INFINITY;
  let findings: ReturnType<typeof lintMigration> = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    findings = lintMigration(readMigration('scaling.sql', text));
    milliseconds = Math.min(milliseconds, performance.now() - start);
  }
  return { milliseconds, findings };
}

describe('lint-migrations scaling', () => {
  it('4× the statements costs well under 16× the time (linear, not quadratic), with every finding on its line', () => {
    const small = 5_000;
    const large = 20_000;
    fastestRun(script(small), 1);
    const smallRun = fastestRun(script(small), 3);
    const largeRun = fastestRun(script(large), 3);
    const ratio = largeRun.milliseconds / smallRun.milliseconds;
    console.log(
      `lint-migrations: ${small} statements ${smallRun.milliseconds.toFixed(0)} ms, ${large} statements ${largeRun.milliseconds.toFixed(0)} ms, ratio ${ratio.toFixed(1)} (linear 4, quadratic 16)`,
    );
    expect(ratio).toBeLessThan(8);
    expect(largeRun.findings).toHaveLength(large / INDEX_EVERY - 1);
    const lastIndex = large - INDEX_EVERY;
    expect(largeRun.findings.at(-1)).toEqual({
      line: 1 + (lastIndex - 1) * LINES_PER_STATEMENT + 2,
      rule: 'create-index-not-concurrently',
      message: 'CREATE INDEX on existing table users without CONCURRENTLY blocks writes while it builds',
    });
  }, 300_000);
});

/**
 * `npm run demo` is the first thing a new user runs: through the real npm script (sources, no build), every
 * registered codemod must show at least one diff on fixtures/sample-app, and every run must end with exit 0; then the
 * acceptance check runs on the test database and prints its table and writes its chart.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCodemods } from '../../src/registry/index.js';
import { databaseUrl } from '../support/pg.js';
import { removeTempDirs, REPO_ROOT, tempDir } from './helpers.js';

afterAll(() => removeTempDirs());

const codemodIds = [...(await loadCodemods({})).keys()];

/** The demo's stdout cut at each `$ npx quickwins <id> --dry` header: codemod id → what it printed. */
function sectionsById(stdout: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = stdout.split(/^\$ npx quickwins (\S+) --dry.*$/m);
  for (let index = 1; index < parts.length; index += 2) sections.set(parts[index]!, parts[index + 1] ?? '');
  return sections;
}

describe('npm run demo', () => {
  const chart = join(tempDir('quickwins-demo-chart-'), 'acceptance.svg');
  const demo = spawnSync('npm', ['run', '--silent', 'demo'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      NO_COLOR: '1',
      QUICKWINS_DEMO_KEEP: '',
      DATABASE_URL: databaseUrl(),
      QUICKWINS_DEMO_CHART: chart,
    },
    timeout: 600_000,
  });
  const sections = sectionsById(demo.stdout ?? '');

  it('ends with exit 0 and every codemod run with exit 0', () => {
    expect(demo.status, demo.stderr).toBe(0);
    for (const id of codemodIds) expect(demo.stdout).toContain(`${id}: exit 0`);
  });

  for (const id of codemodIds) {
    it(`prints a non-empty diff for ${id}`, () => {
      const section = sections.get(id);
      expect(section, `no "$ npx quickwins ${id} --dry" section in the demo output`).toBeDefined();
      expect(section).toMatch(/^diff --git a\/\S+ b\/\S+$/m);
      // A changed line, not the ---/+++ file headers.
      expect(section).toMatch(/^[+-](?!-- |\+\+ )/m);
    });
  }

  it('runs the acceptance check: the service before and after, at 1× and 2× capacity, a table and a chart', () => {
    const rows = demo.stdout.split('\n').filter((line) => /^[12]× +(before|after) /.test(line));
    expect(rows.map((row) => row.split(/ {2,}/).slice(0, 2).join(' '))).toEqual([
      '1× before (pool.connect)',
      '1× after (admission)',
      '2× before (pool.connect)',
      '2× after (admission)',
    ]);
    // At 1× the raw pool never drains the backlog the lock left; the admission sheds it at the door and recovers.
    expect(rows[0]).toMatch(/ yes$/);
    expect(rows[1]).toMatch(/ no$/);
    const svg = readFileSync(chart, 'utf8');
    expect(svg).toMatch(/^<svg /);
    // Three rows a load; a row's series is empty only where no request of that arm succeeded at all.
    expect(svg.match(/<polyline /g)?.length).toBeGreaterThanOrEqual(8);
  });
});

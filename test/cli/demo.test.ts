/**
 * `npm run demo` is the first thing a new user runs: through the real npm script (sources, no build), every
 * registered codemod must show at least one diff on fixtures/sample-app, and every run must end with exit 0.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadCodemods } from '../../src/registry/index.js';
import { REPO_ROOT } from './helpers.js';

const codemodIds = [...(await loadCodemods({})).keys()];

/** The demo's stdout cut at each `$ npx quickwins <id> --dry` header: codemod id → what it printed. */
function sectionsById(stdout: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = stdout.split(/^\$ npx quickwins (\S+) --dry.*$/m);
  for (let index = 1; index < parts.length; index += 2) sections.set(parts[index]!, parts[index + 1] ?? '');
  return sections;
}

describe('npm run demo', () => {
  const demo = spawnSync('npm', ['run', '--silent', 'demo'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', QUICKWINS_DEMO_KEEP: '' },
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
});

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatPoolScores,
  readPoolLabels,
  readRepos,
  reposToScore,
  scoreReport,
  type Label,
} from '../../corpus/score-pool.js';

const labels: Label[] = [
  { repo: 'r', path: 'src/a.js', line: 3, kind: 'site', why: '' },
  { repo: 'r', path: 'src/a.js', line: 7, kind: 'site', why: '' },
  { repo: 'r', path: 'src/b.js', line: 2, kind: 'site', why: '' },
  { repo: 'r', path: 'src/b.js', line: 9, kind: 'decoy', why: '' },
];

describe('scoreReport', () => {
  it('counts rewritten, left, silent skips, decoys rewritten and unlabelled rewrites by path and line', () => {
    const score = scoreReport(
      'r',
      'untyped',
      [
        { path: 'src/a.js', status: 'changed', rewritten: [{ line: 3 }, { line: 12 }], left: [{ line: 7 }] },
        { path: 'src/b.js', status: 'changed', rewritten: [{ line: 9 }], left: [] },
      ],
      labels,
    );
    expect(score).toMatchObject({
      labelledSites: 3,
      rewritten: 1,
      left: 1,
      silentSkips: 1,
      decoysRewritten: 1,
      unlabelledRewrites: 1,
    });
    expect(score.recall).toBeCloseTo(1 / 3);
    expect(score.notes).toEqual([
      'silent skip src/b.js:2',
      'decoy rewritten src/b.js:9',
      'unlabelled rewrite src/a.js:12',
    ]);
  });

  it('prints a table with totals per mode', () => {
    const clean = scoreReport(
      'r',
      'typed',
      [
        { path: 'src/a.js', status: 'changed', rewritten: [{ line: 3 }, { line: 7 }], left: [] },
        { path: 'src/b.js', status: 'changed', rewritten: [{ line: 2 }], left: [] },
      ],
      labels,
    );
    const table = formatPoolScores([clean]);
    expect(table).toContain('| r | typed | 3 | 3 | 100.0 % | 0 | 0 | 0 | 0 |');
    expect(table).toContain('| total | typed | 3 | 3 | 100.0 % | 0 | 0 | 0 | 0 |');
  });
});

describe('the corpus files', () => {
  it('pins every repository by a full commit and labels only listed repositories', () => {
    const repos = readRepos();
    expect(repos.length).toBeGreaterThanOrEqual(6);
    for (const repo of repos) expect(repo.commit).toMatch(/^[0-9a-f]{40}$/);
    const names = new Set(repos.map((repo) => repo.repo));
    const poolLabels = readPoolLabels();
    for (const label of poolLabels) {
      expect(names.has(label.repo)).toBe(true);
      expect(label.line).toBeGreaterThan(0);
      expect(label.why.length).toBeGreaterThan(10);
    }
    const keys = poolLabels.map((label) => `${label.repo}:${label.path}:${label.line}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('another labels file (the held-out set)', () => {
  it('scores the repositories its labels name when no repos file is given, and the repos file when one is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'score-pool-'));
    const labelsFile = join(dir, 'labels.tsv');
    writeFileSync(
      labelsFile,
      'repo\tpath\tline\tkind\twhy\na+b\tx.js\t1\tsite\tpool from new Pool()\nc+d\ty.js\t2\tdecoy\ta client\na+b\tz.js\t3\tsite\tthe same pool\n',
    );
    const reposFile = join(dir, 'repos.tsv');
    writeFileSync(reposFile, `repo\tcommit\tkind\twhy\nc+d\t${'0'.repeat(40)}\tpool\tonly this one\n`);
    const labels = readPoolLabels(labelsFile);
    expect(reposToScore({ labelsFile }, labels).map((entry) => entry.repo)).toEqual(['a+b', 'c+d']);
    expect(reposToScore({ labelsFile, reposFile }, labels).map((entry) => entry.repo)).toEqual(['c+d']);
    expect(reposToScore({}, readPoolLabels()).map((entry) => entry.repo)).toEqual(
      readRepos().map((entry) => entry.repo),
    );
  });
});

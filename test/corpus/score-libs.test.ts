import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatLibsScores,
  libsFiles,
  libsScoresOk,
  readLibsLabels,
  readLibsRepos,
  scoreLibsReport,
  type LibsLabel,
} from '../../corpus/score-libs.js';

const labels: LibsLabel[] = [
  { repo: 'r', path: 'src/a.ts', line: 3, kind: 'site', why: '' },
  { repo: 'r', path: 'src/a.ts', line: 7, kind: 'site', why: '' },
  { repo: 'r', path: 'test/a.test.ts', line: 2, kind: 'left', why: 'test file' },
  { repo: 'r', path: 'src/b.ts', line: 4, kind: 'left', why: 'legacy grpc' },
  { repo: 'r', path: 'src/b.ts', line: 9, kind: 'decoy', why: 'a wrapper' },
];

describe('scoreLibsReport', () => {
  it('counts rewritten, wrong, left and silent by path and line, and lists unlabelled rewrites', () => {
    const score = scoreLibsReport(
      'grpc-rotation',
      'r',
      [
        { path: 'src/a.ts', rewritten: [{ line: 3 }, { line: 12 }], left: [{ line: 7 }] },
        { path: 'test/a.test.ts', rewritten: [], left: [{ line: 2 }] },
        { path: 'src/b.ts', rewritten: [{ line: 9 }], left: [] },
      ],
      labels,
    );
    expect(score).toMatchObject({
      sites: 2,
      expectedLeft: 2,
      rewritten: 1,
      wrong: 1,
      left: 2,
      silent: 1,
      unlabelledRewrites: 1,
    });
    expect(score.notes).toEqual([
      'site left src/a.ts:7',
      'silent src/b.ts:4 (left: legacy grpc)',
      'wrong: decoy rewritten src/b.ts:9 (a wrapper)',
      'unlabelled rewrite src/a.ts:12',
    ]);
    expect(libsScoresOk([score])).toBe(false);
  });

  it('counts a label in a file the run could not parse as failed (the run reported it), not silent', () => {
    const score = scoreLibsReport(
      'graphql-cache',
      'r',
      [
        { path: 'src/a.ts', status: 'error', error: { message: 'Flow is not supported' }, rewritten: [], left: [] },
        { path: 'src/b.ts', rewritten: [], left: [] },
      ],
      labels,
    );
    expect(score).toMatchObject({ failed: 2, silent: 2 });
    expect(score.notes).toContain('failed file src/a.ts:3 (Flow is not supported)');
  });

  it('prints a table with a total per codemod', () => {
    const clean = scoreLibsReport(
      'kafka-dedupe',
      'r',
      [
        { path: 'src/a.ts', rewritten: [{ line: 3 }, { line: 7 }], left: [] },
        { path: 'test/a.test.ts', rewritten: [], left: [{ line: 2 }] },
        { path: 'src/b.ts', rewritten: [], left: [{ line: 4 }] },
      ],
      labels,
    );
    expect(libsScoresOk([clean])).toBe(true);
    expect(formatLibsScores([clean])).toContain('| kafka-dedupe | total | 2 | 2 | 2 | 2 | 0 | 0 | 0 | 0 |');
  });
});

describe('the libs corpus files', () => {
  it("read, and a shared held-out list keeps only these codemods' rows; a bad kind is named", () => {
    const repos = readLibsRepos(libsFiles(false).repos);
    for (const codemod of ['graphql-cache', 'kafka-dedupe', 'grpc-rotation'])
      expect(repos.filter((entry) => entry.codemod === codemod).length).toBeGreaterThanOrEqual(5);
    const dir = mkdtempSync(join(tmpdir(), 'score-libs-'));
    try {
      writeFileSync(join(dir, 'repos.tsv'), 'repo\tcommit\tkind\twhy\na+b\tc1\tpool\tx\nc+d\tc2\tgrpc\ty\n');
      expect(readLibsRepos(join(dir, 'repos.tsv'))).toEqual([
        { repo: 'c+d', commit: 'c2', codemod: 'grpc-rotation', paths: ['.'] },
      ]);
      writeFileSync(join(dir, 'labels.tsv'), 'repo\tpath\tline\tkind\twhy\nc+d\ta.ts\t3\tmaybe\tz\n');
      expect(() => readLibsLabels(join(dir, 'labels.tsv'))).toThrow(
        /kind must be site, left or decoy, got maybe \(c\+d a\.ts:3\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

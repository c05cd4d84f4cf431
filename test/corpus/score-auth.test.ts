// The auth corpus scorer's counting, on labels and reported sites made up for the purpose (no checkout needed).
import { describe, expect, it } from 'vitest';
import { formatAuthScore, readAuthLabels, scoreRepository, totalOf, type AuthLabel, type ReportedSite } from '../../corpus/score-auth.js';

const label = (path: string, line: number, kind: AuthLabel['kind']): AuthLabel => ({ repo: 'o/r', path, line, kind, framework: 'express', why: `${path}:${line}` });
const site = (path: string, line: number, wrapped: boolean): ReportedSite => ({ path, line, wrapped, message: wrapped ? 'wrapped' : 'left' });

describe('scoreRepository', () => {
  it('counts wrapped, left and silent handlers, and every wrap that matches no handler label', () => {
    const labels = [label('a.ts', 1, 'handler'), label('a.ts', 5, 'handler'), label('b.ts', 9, 'handler'), label('c.ts', 2, 'not-handler')];
    const sites = [site('a.ts', 1, true), site('a.ts', 5, false), site('c.ts', 2, true), site('d.ts', 7, true), site('b.ts', 10, true)];
    const row = scoreRepository('o/r', labels, sites, 'abc');
    expect(row).toMatchObject({ handlers: 3, wrapped: 1, left: 1, wraps: 4 });
    expect(row.recall).toBeCloseTo(1 / 3);
    // b.ts:10 is one line off the label b.ts:9: labels give the exact line a site starts at.
    expect(row.silentSkips).toEqual(['b.ts:9 b.ts:9']);
    expect(row.nonHandlerWraps).toEqual(['c.ts:2 wrapped', 'd.ts:7 wrapped', 'b.ts:10 wrapped']);
    const total = totalOf([row, row]);
    expect(total).toMatchObject({ handlers: 6, wrapped: 2, wraps: 8 });
    expect(formatAuthScore([row])).toContain('silent skip       o/r b.ts:9');
  });

  it('reads the committed labels: every row has a known kind, a line and a why', () => {
    const labels = readAuthLabels();
    expect(labels.length).toBeGreaterThanOrEqual(60);
    for (const each of labels) {
      expect(each.line).toBeGreaterThan(0);
      expect(each.why.length).toBeGreaterThan(3);
    }
    expect(new Set(labels.map((each) => each.repo)).size).toBeGreaterThanOrEqual(6);
  });
});

// The auth corpus scorer's counting, on labels and reported sites made up for the purpose (no checkout needed).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatAuthScore,
  HELD_OUT,
  HELD_OUT_2,
  HELD_OUT_3,
  labelPlaces,
  labelSetsFor,
  readAuthLabels,
  scoreRepository,
  TUNING,
  totalOf,
  type AuthLabel,
  type ReportedSite,
} from '../../corpus/score-auth.js';

const label = (path: string, line: number, kind: AuthLabel['kind']): AuthLabel => ({
  repo: 'o/r',
  path,
  line,
  kind,
  framework: 'express',
  why: `${path}:${line}`,
});
const site = (path: string, line: number, wrapped: boolean): ReportedSite => ({
  path,
  line,
  wrapped,
  message: wrapped ? 'wrapped' : 'left',
});

describe('scoreRepository', () => {
  it('counts wrapped, left and silent handlers, and every wrap that matches no handler label', () => {
    const labels = [
      label('a.ts', 1, 'handler'),
      label('a.ts', 5, 'handler'),
      label('b.ts', 9, 'handler'),
      label('c.ts', 2, 'not-handler'),
    ];
    const sites = [
      site('a.ts', 1, true),
      site('a.ts', 5, false),
      site('c.ts', 2, true),
      site('d.ts', 7, true),
      site('b.ts', 10, true),
    ];
    const row = scoreRepository('o/r', labels, sites, 'abc');
    expect(row).toMatchObject({ handlers: 3, wrapped: 1, left: 1, wraps: 4 });
    expect(row.recall).toBeCloseTo(1 / 3);
    // b.ts:10 is one line off the label b.ts:9: labels give the exact line a site starts at.
    expect(row.silentSkips).toEqual(['b.ts:9 b.ts:9']);
    expect(row.nonHandlerWraps).toEqual(['c.ts:2 (decoy) wrapped', 'd.ts:7 wrapped', 'b.ts:10 wrapped']);
    expect(row.decoyWraps).toBe(1);
    const total = totalOf([row, row]);
    expect(total).toMatchObject({ handlers: 6, wrapped: 2, wraps: 8 });
    expect(formatAuthScore([row])).toContain('silent miss    o/r b.ts:9');
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

  it('matches a label at the first line of its function or at the registration its why names (both label conventions)', () => {
    const labels: AuthLabel[] = [
      {
        ...label('api/handlers/auth.js', 6, 'handler'),
        why: 'login(req, reply), registered at api/routes/auth.js:19 as POST /api/auth/login',
      },
      { ...label('src/users.ts', 40, 'handler'), why: 'signUp function (registered as signUp at line 72)' },
      { ...label('src/auth.controller.ts', 43, 'handler'), why: "@Post('anonymous') (line 41) accessTokenLogin" },
      label('src/a.controller.js', 5, 'handler'),
    ];
    const sites: ReportedSite[] = [
      site('api/routes/auth.js', 19, true),
      site('src/users.ts', 72, true),
      site('src/auth.controller.ts', 41, true),
      // Left at its declaration, wrapped where src/routes.js registers it: covered, so wrapped.
      { ...site('src/a.controller.js', 5, false), coveredBy: { path: 'src/routes.js', line: 9 } },
      site('src/routes.js', 9, true),
    ];
    const row = scoreRepository('o/r', labels, sites);
    expect(row).toMatchObject({ handlers: 4, wrapped: 4, left: 0, wraps: 4, silentSkips: [], nonHandlerWraps: [] });
    expect(labelPlaces(labels[0] as AuthLabel).map((place) => `${place.path}:${place.line}`)).toEqual([
      'api/handlers/auth.js:6',
      'api/routes/auth.js:19',
    ]);
  });

  it('reads decoy as not-handler and refuses an unknown kind with the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'labels-'));
    const file = join(dir, 'labels.tsv');
    writeFileSync(file, 'repo\tpath\tline\tkind\tframework\twhy\no/r\ta.ts\t3\tdecoy\texpress\ta read\n');
    expect(readAuthLabels(file)[0]?.kind).toBe('not-handler');
    writeFileSync(file, 'repo\tpath\tline\tkind\tframework\twhy\no/r\ta.ts\t3\tmaybe\texpress\t?\n');
    expect(() => readAuthLabels(file)).toThrow(`${file}:2: kind must be handler, not-handler or decoy`);
    expect(HELD_OUT.labels).toMatch(/auth-heldout-labels\.tsv$/);
  });

  it("matches a decorated method's label at the method line to the report at its first decorator, nearest first", () => {
    const labels = [label('auth.resolver.ts', 41, 'handler'), label('auth.resolver.ts', 46, 'handler')];
    const decorated = (line: number): ReportedSite => ({
      path: 'auth.resolver.ts',
      line,
      wrapped: true,
      message: '@Mutation login: decorated',
    });
    const row = scoreRepository('o/r', labels, [decorated(38), decorated(44)]);
    expect(row).toMatchObject({ wrapped: 2, nonHandlerWraps: [], silentSkips: [] });
    // A route call (no decorator) still needs the exact line.
    expect(scoreRepository('o/r', [label('a.ts', 41, 'handler')], [site('a.ts', 38, true)]).wrapped).toBe(0);
  });
});

describe('labelSetsFor', () => {
  it('scores the second held-out set only under --heldout2, from its own two files, never by default', () => {
    expect(labelSetsFor(['checkouts', '--heldout2'])).toEqual([HELD_OUT_2]);
    expect(labelSetsFor(['checkouts', '--heldout'])).toEqual([HELD_OUT]);
    expect(labelSetsFor(['checkouts', '--tuning'])).toEqual([TUNING]);
    expect(labelSetsFor(['checkouts'])).not.toContain(HELD_OUT_2);
    expect(labelSetsFor(['checkouts', '--heldout3'])).toEqual([HELD_OUT_3]);
    expect(labelSetsFor(['checkouts'])).not.toContain(HELD_OUT_3);
    expect(HELD_OUT_3.labels.split('/').at(-1)).toBe('auth-heldout3-labels.tsv');
    expect([HELD_OUT_2.repos, HELD_OUT_2.labels].map((file) => file.split('/').at(-1))).toEqual([
      'auth-heldout2-repos.tsv',
      'auth-heldout2-labels.tsv',
    ]);
  });
});

// The runner's cross-file step on its own: which left sites another file's sites cover.
import { describe, expect, it } from 'vitest';
import type { CodemodSite } from '../../src/codemod-host/codemod.js';
import { reconcileLeftSites } from '../../src/cli/reconcile.js';
import type { FileOutcome, FileRecord } from '../../src/cli/run.js';

const timings = { parseMs: 0, transformMs: 0 };
const site = (line: number, message: string, identity?: string): CodemodSite => ({
  line,
  column: 0,
  message,
  ...(identity ? { identity } : {}),
});
const record = (path: string, outcome: FileOutcome): FileRecord => ({ path, outcome, typed: false, written: false });
const unchanged = (sites: { rewritten?: CodemodSite[]; left?: CodemodSite[]; done?: CodemodSite[] }): FileOutcome => ({
  status: 'unchanged',
  rewritten: sites.rewritten ?? [],
  left: sites.left ?? [],
  ...(sites.done ? { done: sites.done } : {}),
  timings,
});
const changed = (rewritten: CodemodSite[]): FileOutcome => ({
  status: 'changed',
  output: 'x',
  imports: [],
  edits: [],
  rewritten,
  left: [],
  timings,
});

describe('reconcileLeftSites', () => {
  it('moves a left site to covered when another file rewrote the same identity, and keeps the others left', () => {
    const records = [
      record(
        '/p/controller.js',
        unchanged({
          left: [site(1, 'login left', 'c#login'), site(2, 'helper left', 'c#helper'), site(3, 'no identity')],
        }),
      ),
      record('/p/routes.js', changed([site(5, 'POST /login wrapped', 'c#login')])),
    ];
    const [controller, routes] = reconcileLeftSites(records);
    expect(controller?.outcome).toMatchObject({ left: [site(2, 'helper left', 'c#helper'), site(3, 'no identity')] });
    expect(controller?.covered).toEqual([
      {
        site: site(1, 'login left', 'c#login'),
        by: { path: '/p/routes.js', site: site(5, 'POST /login wrapped', 'c#login'), how: 'rewritten' },
      },
    ]);
    expect(routes).toBe(records[1]);
  });

  it('a done site covers too; a rewrite is named before a done site of the same identity', () => {
    const records = [
      record('/p/a.js', unchanged({ done: [site(9, 'already', 'x')] })),
      record('/p/b.js', unchanged({ left: [site(1, 'left', 'x'), site(2, 'left', 'y')] })),
      record('/p/c.js', changed([site(4, 'rewritten', 'x')])),
      record('/p/d.js', unchanged({ done: [site(7, 'already', 'y')] })),
    ];
    const covered = reconcileLeftSites(records)[1]?.covered;
    expect(covered?.map((entry) => [entry.by.path, entry.by.how])).toEqual([
      ['/p/c.js', 'rewritten'],
      ['/p/d.js', 'done'],
    ]);
  });

  it('a file the runner left (not written) covers nothing, and its own sites are not reconciled', () => {
    const records = [
      record('/p/controller.js', unchanged({ left: [site(1, 'login left', 'c#login')] })),
      record('/p/routes.js', { status: 'left', reason: 'read-only', timings }),
    ];
    const result = reconcileLeftSites(records);
    expect(result).toEqual(records);
    expect(result[0]?.covered).toBeUndefined();
  });

  it('a left site is not covered by a rewrite in its own file of another identity, nor by a left site of the same one', () => {
    const records = [
      record('/p/a.js', unchanged({ rewritten: [site(1, 'r', 'b')], left: [site(2, 'l', 'a')] })),
      record('/p/b.js', unchanged({ left: [site(3, 'l', 'a')] })),
    ];
    expect(reconcileLeftSites(records).map((entry) => entry.covered)).toEqual([undefined, undefined]);
  });
});

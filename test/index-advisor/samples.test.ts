// The values the advisor plans a statement with, sampled from the column statistics: here, what a search box sends
// to `col LIKE $1`.
import { describe, expect, it } from 'vitest';
import { searchPrefixes } from '../../src/index-advisor/samples.js';

const BOUNDS = ['u00003e3b@example.com', 'u0277063b@example.com', 'u02c5f0aa@example.com', 'u050553d4@example.com'];

describe('searchPrefixes', () => {
  it('cuts four-character prefixes that start no histogram bound, so the planner sees a rare prefix', () => {
    const prefixes = searchPrefixes(BOUNDS, BOUNDS, 3);
    expect(prefixes).toHaveLength(3);
    for (const prefix of prefixes) {
      expect(prefix).toMatch(/^u0[0-9a-f]{2}%$/);
      expect(BOUNDS.some((bound) => bound.startsWith(prefix.slice(0, -1)))).toBe(false);
    }
  });

  it('keeps the value’s own fourth character when no bound starts with it', () => {
    expect(searchPrefixes(['u0a1ffff'], BOUNDS, 3)).toEqual(['u0a1%']);
  });

  it('escapes LIKE wildcards, counts characters (not UTF-16 units) and skips values shorter than four', () => {
    expect(searchPrefixes(['a_%b', 'ab', '😀😀😀x'], [], 3)).toEqual(['a\\_\\%b%', '😀😀😀x%']);
  });
});

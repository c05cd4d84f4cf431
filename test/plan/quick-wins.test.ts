/**
 * The plan's list of quick wins names things that must exist: each codemod in the registry, each rule in the ESLint
 * plugin, each runtime helper among the runtime's exports; and it holds every registered codemod once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import plugin from '../../eslint-plugin/index.js';
import { loadCodemods } from '../../src/registry/index.js';
import { QUICK_WINS, quickWinsStartedIn } from '../../src/registry/quick-wins.js';

// The package root and each subpath's entry (`@quickwins/runtime/<area>`).
const runtimeSource = new URL('../../runtime/src/', import.meta.url);
const runtimeIndex = [
  'index.ts',
  ...readdirSync(runtimeSource, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(new URL(`${entry.name}/index.ts`, runtimeSource)))
    .map((entry) => `${entry.name}/index.ts`),
]
  .map((path) => readFileSync(new URL(path, runtimeSource), 'utf8'))
  .join('\n');

describe('the quick wins of the plan', () => {
  it('are the seven of the plan, in its order', () => {
    expect(QUICK_WINS.map((win) => `${win.day} ${win.id}`)).toEqual([
      '1 pool-backpressure',
      '2 index-advisor',
      '3 narrow-eslint-disable',
      '4-5 auth-logging',
      '8 graphql-cache',
      '9 kafka-dedupe',
      '10 grpc-rotation',
    ]);
  });

  it('name every registered codemod once, and only registered ones', async () => {
    const registered = [...(await loadCodemods({})).keys()].sort();
    expect(QUICK_WINS.flatMap((win) => (win.codemod === undefined ? [] : [win.codemod])).sort()).toEqual(registered);
  });

  it('name rules the plugin has', () => {
    for (const win of QUICK_WINS) {
      if (win.rule !== undefined)
        expect(
          Object.keys(plugin.rules).map((rule) => `quickwins/${rule}`),
          win.id,
        ).toContain(win.rule);
    }
  });

  it('name helpers the runtime exports', () => {
    for (const helper of QUICK_WINS.flatMap((win) => win.runtimeHelpers))
      expect(runtimeIndex, helper).toMatch(new RegExp(`\\b${helper}\\b`));
  });

  it('count a quick win as started where a file imports the runtime and calls its helper', () => {
    expect(
      quickWinsStartedIn("import { queryWithBackpressure } from '@quickwins/runtime';").map((win) => win.id),
    ).toEqual(['pool-backpressure']);
    expect(
      quickWinsStartedIn("import { rotatingClient } from '@quickwins/runtime/grpc';").map((win) => win.id),
    ).toEqual(['grpc-rotation']);
    expect(quickWinsStartedIn('function rotatingClient() {}')).toEqual([]);
  });
});

describe('the README', () => {
  it('starts with the plan: its first section says to run it first, its first command is `npx quickwins plan`', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme.match(/^## .*$/m)?.[0]).toBe('## Run this first');
    expect(readme.match(/^npx .*$/m)?.[0]).toMatch(/^npx quickwins plan\s+#/);
  });
});

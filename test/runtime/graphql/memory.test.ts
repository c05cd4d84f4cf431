/**
 * What the cache holds after schemas go away: a child Node process with --expose-gc loads the BUILT subpath (as an
 * application does), fills the cache for 40 schemas, drops them, collects garbage and reads the entries gauge. The
 * per-schema entries must be gone (the WeakMap lets them go); the schema-free parse cache stays within its bound.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const built = `${repoRoot}runtime/dist/graphql/index.js`;

const SCRIPT = `
const { buildSchema } = await import('graphql');
const { Registry } = await import('prom-client');
const runtime = await import(${JSON.stringify(built)});
const registry = new Registry();
const cache = runtime.createDocumentCache({ registry, name: 'gc', maxDocuments: 50 });
const entries = async () => {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'graphql_document_cache_entries');
  return Object.fromEntries(metric.values.map((v) => [v.labels.kind, v.value]));
};
// Filled inside a function: a finished frame holds no schema (the module's own frame stays alive across the awaits).
const fill = () => {
  const schemas = Array.from({ length: 40 }, (_, i) => buildSchema('type Query { a: Int b' + i + ': Int }'));
  for (const schema of schemas) {
    for (let q = 0; q < 20; q++) cache.lookup(schema, '{ a q' + q + ': a }');
    cache.lookup(schema, '{ nope }');
  }
};
fill();
for (let q = 0; q < 200; q++) cache.parse('{ p' + q + ' }');
const before = await entries();
for (let i = 0; i < 10; i++) { globalThis.gc(); await new Promise((resolve) => setTimeout(resolve, 10)); }
const after = await entries();
console.log(JSON.stringify({ before, after }));
`;

describe('memory', () => {
  it('entries of dropped schemas are collected; the parse cache stays within maxDocuments', () => {
    expect(existsSync(built), 'runtime/dist/graphql/index.js: run `npx tsup` first').toBe(true);
    const result = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', SCRIPT], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const { before, after } = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<
      'before' | 'after',
      { document: number; error: number }
    >;
    expect(before).toEqual({ document: 40 * 20 + 50, error: 40 });
    expect(after).toEqual({ document: 50, error: 0 });
  });
});

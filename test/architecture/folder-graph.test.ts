/**
 * The folder import graph, computed from the sources: no folder cycle, the runtime imports no tooling, the tooling
 * reaches the runtime only through the package name, the core knows no quick win, and no quick win imports another.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_ROOTS = ['src', 'codemods', 'eslint-plugin', 'runtime/src'];
const QUICK_WINS = [
  'auth-logging',
  'eslint-directives',
  'graphql-cache',
  'grpc-rotation',
  'index-advisor',
  'kafka-dedupe',
  'pool-backpressure',
];

function sourceFiles(folder: string): string[] {
  return readdirSync(join(repoRoot, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative specifiers of static imports, re-exports and dynamic imports, resolved to repository paths. */
function importedPaths(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map(
    (match) => match[1]!,
  );
  return specifiers.map((specifier) => relative(repoRoot, resolve(repoRoot, dirname(file), specifier)));
}

interface Edge {
  from: string;
  to: string;
  file: string;
  target: string;
}

function folderEdges(): Edge[] {
  return SOURCE_ROOTS.flatMap(sourceFiles).flatMap((file) =>
    importedPaths(file)
      .map((target) => ({ from: dirname(file), to: dirname(target), file, target }))
      .filter((edge) => edge.from !== edge.to),
  );
}

/** Folders on a cycle (Tarjan's strongly connected components of more than one folder). */
function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (!next.has(edge.from)) next.set(edge.from, new Set());
    next.get(edge.from)!.add(edge.to);
    if (!next.has(edge.to)) next.set(edge.to, new Set());
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (folder: string): void => {
    index.set(folder, index.size);
    low.set(folder, index.get(folder)!);
    stack.push(folder);
    onStack.add(folder);
    for (const target of next.get(folder) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(folder, Math.min(low.get(folder)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(folder, Math.min(low.get(folder)!, index.get(target)!));
    }
    if (low.get(folder) !== index.get(folder)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== folder);
    if (component.length > 1) found.push(component.sort());
  };
  for (const folder of next.keys()) if (!index.has(folder)) visit(folder);
  return found;
}

const within = (path: string, folder: string): boolean => path === folder || path.startsWith(`${folder}/`);
const describeEdges = (edges: readonly Edge[]): string[] => edges.map((edge) => `${edge.file} -> ${edge.target}`);

describe('folder import graph', () => {
  const edges = folderEdges();

  it('reads imports from the sources', () => {
    expect(edges.some((edge) => edge.from === 'codemods' && edge.to === 'src/pool-backpressure')).toBe(true);
    expect(edges.some((edge) => edge.from === 'src/cli' && edge.to === 'src/registry')).toBe(true);
  });

  it('has no folder cycle', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const edge = (from: string, to: string): Edge => ({ from, to, file: `${from}/x.ts`, target: `${to}/y.ts` });
    expect(cycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd')])).toEqual([['a', 'b', 'c']]);
  });

  it('keeps the runtime free of the tooling, and the tooling out of runtime/src', () => {
    expect(
      describeEdges(edges.filter((edge) => within(edge.from, 'runtime/src') && !within(edge.to, 'runtime/src'))),
    ).toEqual([]);
    expect(
      describeEdges(edges.filter((edge) => !within(edge.from, 'runtime/src') && within(edge.to, 'runtime'))),
    ).toEqual([]);
  });

  it('keeps the core free of the quick wins and of the front doors', () => {
    expect(
      describeEdges(edges.filter((edge) => within(edge.from, 'src/core') && !within(edge.to, 'src/core'))),
    ).toEqual([]);
  });

  it('keeps each quick win out of the others', () => {
    const quickWinOf = (folder: string): string | undefined => QUICK_WINS.find((name) => within(folder, `src/${name}`));
    const crossing = edges.filter((edge) => {
      const from = quickWinOf(edge.from);
      const to = quickWinOf(edge.to);
      return from !== undefined && to !== undefined && from !== to;
    });
    expect(describeEdges(crossing)).toEqual([]);
  });

  it('keeps the quick wins below the front doors', () => {
    const frontDoors = ['src/cli', 'src/registry', 'codemods', 'eslint-plugin'];
    const upward = edges.filter(
      (edge) =>
        QUICK_WINS.some((name) => within(edge.from, `src/${name}`)) && frontDoors.some((door) => within(edge.to, door)),
    );
    expect(describeEdges(upward)).toEqual([]);
  });
});

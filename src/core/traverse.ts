/**
 * Walking an ESTree AST by its keys rather than by a visitor-key table, so one walk serves the ASTs of
 * oxc (codemods), typescript-estree (type-aware codemods) and ESLint (rules), whatever extra or TS-only
 * keys each carries. `parent` (set by ESLint), `range`/`loc` and the Program's `comments`/`tokens` are
 * not children.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';

const NOT_CHILDREN = new Set(['parent', 'range', 'loc', 'comments', 'tokens']);

export function isNode(value: unknown): value is TSESTree.Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Calls `visit` on each direct child of `node` in key order; stops, and returns true, once `visit` returns true. */
export function forEachChild(node: TSESTree.Node, visit: (child: TSESTree.Node) => boolean | void): boolean {
  for (const key in node) {
    if (NOT_CHILDREN.has(key)) continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const child of value) if (isNode(child) && visit(child) === true) return true;
    } else if (isNode(value) && visit(value) === true) {
      return true;
    }
  }
  return false;
}

/** Depth-first, parents before children: `enter(node, parent)` for `root` and every node below it. */
export function traverse(
  root: TSESTree.Node,
  enter: (node: TSESTree.Node, parent: TSESTree.Node | undefined) => void,
): void {
  const walk = (node: TSESTree.Node, parent: TSESTree.Node | undefined): void => {
    enter(node, parent);
    forEachChild(node, (child) => walk(child, node));
  };
  walk(root, undefined);
}

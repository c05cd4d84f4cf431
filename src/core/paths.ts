import { sep } from 'node:path';

/** Whether the absolute, resolved `path` is `root` or below it (compared by path segments, not string prefix). */
export function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

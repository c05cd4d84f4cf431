/**
 * Facts about the package a file belongs to (its nearest package.json), read once per package per run: the
 * dependency names a reviewer would look at to say "this is a React Native app" or "this package uses pg".
 * A missing or unreadable manifest gives undefined: no evidence either way.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface PackageFacts {
  /** The manifest's path, for messages. */
  readonly manifest: string;
  /** dependencies, devDependencies, peerDependencies and optionalDependencies, by name. */
  readonly dependencies: ReadonlySet<string>;
}

const byDirectory = new Map<string, PackageFacts | undefined>();

function readManifest(path: string): PackageFacts | undefined {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const names = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) => {
      const value = json[field];
      return value !== null && typeof value === 'object' ? Object.keys(value) : [];
    });
    return { manifest: path, dependencies: new Set(names) };
  } catch {
    return undefined;
  }
}

/** The facts of the nearest package.json above `filePath` (relative paths resolve from the working directory). */
export function packageFactsFor(filePath: string): PackageFacts | undefined {
  const visited: string[] = [];
  let directory = dirname(resolve(filePath));
  let found: PackageFacts | undefined;
  for (;;) {
    if (byDirectory.has(directory)) {
      found = byDirectory.get(directory);
      break;
    }
    visited.push(directory);
    const facts = readManifest(join(directory, 'package.json'));
    if (facts) {
      found = facts;
      break;
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  for (const each of visited) byDirectory.set(each, found);
  return found;
}

/**
 * The two packages as a registry would serve them: `npm pack` of the toolkit (the repository root) and of the runtime
 * (the `runtime` workspace), for tests that install them into fresh projects.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export function mustRun(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 240_000 });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

export interface Tarballs {
  readonly toolkit: string;
  readonly runtime: string;
}

/** Packs both packages into `destination` (`npm pack` runs no build: dist/ must be current, as `npm test` makes it). */
export function packBoth(destination: string): Tarballs {
  for (const built of ['dist/cli/cli.cjs', 'dist/eslint-plugin/index.js', 'runtime/dist/index.js']) {
    if (!existsSync(join(repoRoot, built))) mustRun('npm', ['run', 'build', '--silent'], repoRoot);
  }
  const pack = (args: readonly string[]): string =>
    join(
      destination,
      (
        JSON.parse(mustRun('npm', ['pack', '--json', '--pack-destination', destination, ...args], repoRoot)) as {
          filename: string;
        }[]
      )[0]!.filename,
    );
  return { toolkit: pack([]), runtime: pack(['--workspace', 'runtime']) };
}

export interface Footprint {
  /** Installed packages (every folder npm placed under a node_modules, scoped names counted once each). */
  readonly packages: string[];
  /** Sum of the installed files' sizes in bytes (symlinks not followed). */
  readonly bytes: number;
}

/** What an install put under `<project>/node_modules`, nested node_modules included. */
export function footprintOf(project: string): Footprint {
  const packages: string[] = [];
  const walkModules = (modulesDir: string): void => {
    if (!existsSync(modulesDir)) return;
    for (const entry of readdirSync(modulesDir)) {
      if (entry.startsWith('.')) continue;
      const path = join(modulesDir, entry);
      const names = entry.startsWith('@')
        ? readdirSync(path).map((name) => [`${entry}/${name}`, join(path, name)])
        : [[entry, path]];
      for (const [name, dir] of names) {
        if (!existsSync(join(dir!, 'package.json'))) continue;
        packages.push(name!);
        walkModules(join(dir!, 'node_modules'));
      }
    }
  };
  walkModules(join(project, 'node_modules'));
  return { packages: packages.sort(), bytes: sizeOf(join(project, 'node_modules')) };
}

function sizeOf(path: string): number {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (stats.isSymbolicLink() || !stats.isDirectory()) return stats.isFile() ? stats.size : 0;
  return readdirSync(path).reduce((total, entry) => total + sizeOf(join(path, entry)), 0);
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

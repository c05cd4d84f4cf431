/**
 * Package-level evidence (pg-pool detection, and the auth detector's client/server verdict) without types: what the nearest package.json says a module
 * can hold. A reviewer reading `function withPool(pool) { … pool.connect() }` in a package that depends on `pg`
 * and on no other pool library reads `pool` as a pg pool; `fastify.pg` in a package that depends on
 * `@fastify/postgres` is that plugin's decorator. Each package.json is read once per process (a run), and the
 * answer for a directory is kept, so a run reads as many package.json files as it has packages, not files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkDeclaredRead } from './project-reads.js';

export interface PackageFacts {
  /** The package.json the facts come from (for evidence strings). */
  readonly manifest: string;
  readonly name: string;
  /** The package.json's `main` as written (undefined when absent): what `require('..')` loads from its tests. */
  readonly main: string | undefined;
  /** The package.json's `type` as written (`module`, `commonjs`; undefined when absent): how Node runs its `.js`. */
  readonly type: string | undefined;
  /** dependencies, devDependencies, peerDependencies and optionalDependencies, by name (what a reviewer reads to say
   *  "this is a React Native app" as well as "this package uses pg"). */
  readonly dependencies: ReadonlySet<string>;
  /** Depends on `pg` (or `pg-pool`) and on none of OTHER_POOL_LIBRARIES. */
  readonly pgOnly: boolean;
  readonly dependsOnPg: boolean;
  /** The pool libraries other than pg it depends on (why `pgOnly` is false). */
  readonly otherPoolLibraries: readonly string[];
  /** `@fastify/postgres` or its old name `fastify-postgres`, when a dependency or the package itself (its own tests). */
  readonly fastifyPostgres: string | undefined;
}

/**
 * Libraries whose objects also have `connect()` / `query()` and are called pools or clients: a package depending
 * on one of them gives a name no weight. Neon's and Vercel's drivers wrap pg-compatible pools of their own.
 */
export const OTHER_POOL_LIBRARIES: readonly string[] = [
  'mysql',
  'mysql2',
  'mariadb',
  'mssql',
  'tedious',
  'oracledb',
  'redis',
  'ioredis',
  '@redis/client',
  'mongodb',
  'mongoose',
  'generic-pool',
  'tarn',
  'pg-promise',
  'postgres',
  '@neondatabase/serverless',
  '@vercel/postgres',
  'slonik',
  '@databases/pg',
  'better-sqlite3',
  'sqlite3',
  'cassandra-driver',
  'amqplib',
  'pg-native',
  'knex',
  'sequelize',
  'typeorm',
  '@prisma/client',
  'drizzle-orm',
  'kysely',
  '@mikro-orm/core',
  'pg-pool-wrapper',
];

const PG_PACKAGES = ['pg', 'pg-pool'];
export const FASTIFY_POSTGRES: readonly string[] = ['@fastify/postgres', 'fastify-postgres'];

const manifestOfDirectory = new Map<string, string | undefined>();
const factsOfManifest = new Map<string, PackageFacts | null>();

/** The facts of the package holding `filePath`: its nearest package.json (undefined when none or unreadable). */
export function packageFactsFor(filePath: string): PackageFacts | undefined {
  checkDeclaredRead('package-json', `the package.json above ${filePath}`);
  const manifest = nearestManifest(resolve(filePath));
  if (!manifest) return undefined;
  if (!factsOfManifest.has(manifest)) factsOfManifest.set(manifest, readFacts(manifest));
  return factsOfManifest.get(manifest) ?? undefined;
}

/**
 * The package.json of the package a file belongs to: the first one found walking up from its folder. `cache` maps
 * folders to their answer (the facts' own by default; the runner's dependency step passes one per run, since the run
 * may have changed package.json files since).
 */
export function nearestManifest(
  filePath: string,
  cache: Map<string, string | undefined> = manifestOfDirectory,
): string | undefined {
  checkDeclaredRead('package-json', `the package.json above ${filePath}`);
  const visited: string[] = [];
  let directory = dirname(filePath);
  let found: string | undefined;
  for (;;) {
    if (cache.has(directory)) {
      found = cache.get(directory);
      break;
    }
    visited.push(directory);
    if (existsSync(join(directory, 'package.json'))) {
      found = join(directory, 'package.json');
      break;
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  for (const folder of visited) cache.set(folder, found);
  return found;
}

function readFacts(manifest: string): PackageFacts | null {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(manifest, 'utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch {
    return null;
  }
  return factsFromManifest(manifest, parsed);
}

/** The facts of one parsed package.json (dependencies, devDependencies, peer and optional dependencies). */
export function factsFromManifest(manifest: string, parsed: Record<string, unknown>): PackageFacts {
  const dependencies = new Set<string>();
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    const entries = parsed[field];
    if (entries && typeof entries === 'object') for (const name of Object.keys(entries)) dependencies.add(name);
  }
  const dependsOnPg = PG_PACKAGES.some((name) => dependencies.has(name));
  const otherPoolLibraries = OTHER_POOL_LIBRARIES.filter((name) => dependencies.has(name));
  const name = typeof parsed.name === 'string' ? parsed.name : manifest;
  return {
    manifest,
    name,
    main: typeof parsed.main === 'string' ? parsed.main : undefined,
    type: typeof parsed.type === 'string' ? parsed.type : undefined,
    dependencies,
    dependsOnPg,
    pgOnly: dependsOnPg && otherPoolLibraries.length === 0,
    otherPoolLibraries,
    fastifyPostgres: FASTIFY_POSTGRES.find((plugin) => dependencies.has(plugin) || name === plugin),
  };
}

/** A path without its script extension, an `index` file name or a trailing separator: what a specifier may leave out. */
function moduleStem(path: string): string {
  return path
    .replace(/\.[cm]?[jt]sx?$/, '')
    .replace(/[\\/]index$/, '')
    .replace(/[\\/]+$/, '');
}

/**
 * The package a file loads when it loads its own package: a relative specifier that lands on the package root or its
 * `main` (`require('..')`, `require('..')`, `require('../index.js')` in its tests), or the package's own name. This is
 * how a library's own tests and examples load it (Mercurius's tests: `const GQL = require('..')`), so a reviewer reads
 * the value as that package. Undefined for any other specifier, or when no package.json with a name holds the file.
 */
export function selfReferencedPackage(filePath: string, specifier: string): PackageFacts | undefined {
  const facts = packageFactsFor(filePath);
  if (facts === undefined || facts.name === facts.manifest) return undefined;
  if (specifier === facts.name) return facts;
  if (!specifier.startsWith('.')) return undefined;
  const root = dirname(facts.manifest);
  const target = moduleStem(resolve(dirname(resolve(filePath)), specifier));
  if (target === moduleStem(root)) return facts;
  return facts.main !== undefined && target === moduleStem(resolve(root, facts.main)) ? facts : undefined;
}

/** For tests and long-lived processes (an editor's ESLint) that change package.json files under the cache. */
export function clearPackageFacts(): void {
  manifestOfDirectory.clear();
  factsOfManifest.clear();
}

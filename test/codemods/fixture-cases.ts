/**
 * Every registered codemod's fixture pairs, read the one way all codemod tests share:
 * `fixtures/<id>/<case>.input.<ext>` → `<case>.output.<ext>`, with optional `<case>.options.json` (options over the
 * codemod's defaults) and an optional `fixtures/<id>/fixtures.json` whose `paths` give a case the path it is
 * transformed under (for codemods that read the path, like Next.js routes).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveCodemodOptions } from '../../src/codemod-host/options.js';
import type { RunnableCodemod } from '../../src/codemod-host/runnable.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface FixtureCase {
  readonly codemod: RunnableCodemod;
  readonly name: string;
  readonly extension: string;
  /** The path the case is transformed under (relative; the fixture's own path unless fixtures.json says otherwise). */
  readonly filePath: string;
  readonly input: string;
  readonly expected: string;
  readonly options: Record<string, unknown>;
}

interface FixtureManifest {
  readonly paths?: Readonly<Record<string, string>>;
}

export function fixtureDir(codemodId: string): string {
  return join(REPO_ROOT, 'fixtures', codemodId);
}

export function fixtureCases(codemod: RunnableCodemod): FixtureCase[] {
  const dir = fixtureDir(codemod.id);
  if (!existsSync(dir)) return [];
  const manifestFile = join(dir, 'fixtures.json');
  const manifest = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as FixtureManifest) : {};
  return readdirSync(dir)
    .filter((file) => file.includes('.input.'))
    .sort()
    .map((inputFile) => {
      const [name = '', extension = ''] = inputFile.split('.input.');
      const optionsFile = join(dir, `${name}.options.json`);
      const extra = existsSync(optionsFile)
        ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as Record<string, unknown>)
        : {};
      return {
        codemod,
        name,
        extension,
        filePath: manifest.paths?.[name] ?? join('fixtures', codemod.id, inputFile),
        input: readFileSync(join(dir, inputFile), 'utf8'),
        expected: readFileSync(join(dir, `${name}.output.${extension}`), 'utf8'),
        options: resolveCodemodOptions(codemod.options, extra),
      };
    });
}

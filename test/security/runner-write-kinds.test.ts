/**
 * The three kinds of file a run writes (a rewritten source, a file a project session returns, the dependency step's
 * package.json) each go through the writer's one guarded write: a target that is a link leading outside the work tree
 * is refused with a reason naming where it leads, and the outside file keeps its bytes; a target inside is written.
 * In-process, on the real file system, with the writer the CLI uses.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isInside } from '../../src/core/paths.js';
import { fingerprintOf, RunWriter, type WriteResult, type WriteScope } from '../../src/cli/write.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const created: string[] = [];
afterAll(() => created.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function folder(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'quickwins-write-kinds-')));
  created.push(dir);
  return dir;
}

/** A writer whose one root is `repo`, as createWriteScope gives for a checked work tree. */
function writerFor(repo: string): RunWriter {
  const scope: WriteScope = { rootOf: (path) => (isInside(path, repo) ? repo : undefined) };
  return new RunWriter(scope, { force: false });
}

const BEFORE = '{ "name": "app" }\n';
const AFTER = '{ "name": "app", "dependencies": {} }\n';

/** Each kind's write of AFTER over a file that holds BEFORE, the way the run calls it. */
const KINDS: ReadonlyArray<{ kind: string; name: string; write: (writer: RunWriter, path: string) => WriteResult }> = [
  {
    kind: 'a rewritten source (writeSource)',
    name: 'src/a.ts',
    write: (writer, path) =>
      writer.writeSource(path, AFTER, {
        encoding: 'utf8',
        fingerprint: fingerprintOf(statSync(path, { bigint: true })),
      }),
  },
  {
    kind: "a project session's file (writeExtraFile)",
    name: 'notes.json',
    write: (writer, path) => writer.writeExtraFile({ path, text: AFTER, summary: 'notes', previous: BEFORE }),
  },
  {
    kind: 'the dependency step package.json (writeManifest)',
    name: 'package.json',
    write: (writer, path) => writer.writeManifest(path, AFTER, BEFORE),
  },
];

describe.each(KINDS)('$kind', ({ name, write }) => {
  it('through a link leading outside the work tree: refused, the reason names the outside file, which keeps its bytes', () => {
    const repo = folder();
    const outside = join(folder(), 'target');
    writeFileSync(outside, BEFORE);
    const path = join(repo, name);
    mkdirSync(join(path, '..'), { recursive: true });
    symlinkSync(outside, path);

    const result = write(writerFor(repo), path);

    expect(result).toEqual({
      written: false,
      reason: `symlink to ${outside}, outside the work tree: not followed for writing`,
    });
    expect(readFileSync(outside, 'utf8')).toBe(BEFORE);
  });

  it('inside the work tree: written', () => {
    const repo = folder();
    const path = join(repo, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, BEFORE);

    expect(write(writerFor(repo), path)).toEqual({ written: true });
    expect(readFileSync(path, 'utf8')).toBe(AFTER);
  });

  it('outside every root the run checked: refused', () => {
    const repo = folder();
    const elsewhere = join(folder(), name);
    mkdirSync(join(elsewhere, '..'), { recursive: true });
    writeFileSync(elsewhere, BEFORE);

    expect(write(writerFor(repo), elsewhere)).toEqual({
      written: false,
      reason: 'not in a git work tree this run checked',
    });
    expect(readFileSync(elsewhere, 'utf8')).toBe(BEFORE);
  });
});

/** Files that write besides the run's writer: the demo's temporary copy, and the index advisor's new migration file. */
const WRITES_OF_THEIR_OWN = new Set(['src/cli/write.ts', 'src/cli/demo.ts', 'src/index-advisor/migration.ts']);
const FS_WRITES =
  /^(?:writeFileSync|writeFile|appendFileSync|appendFile|writeSync|write|renameSync|rename|linkSync|link|symlinkSync|symlink|copyFileSync|copyFile|cpSync|cp|createWriteStream|truncateSync|truncate|chmodSync|chmod|unlinkSync|unlink|rmSync|rm|mkdirSync|mkdir|open|openSync)$/;
const FS_IMPORT = /import\s+(\*\s+as\s+\w+|\w+|\{[^}]*\})\s+from\s+['"](?:node:)?fs(?:\/promises)?['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.ts$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => join(dir, file).split(sep).join('/'));
}

describe('the run writes files only through write.ts', () => {
  it('no other source of the toolkit imports a file-system write function (or fs as a whole)', () => {
    const files = ['src', 'codemods', 'eslint-plugin'].flatMap(sourceFiles);
    expect(files).toContain('src/cli/run.ts');
    const offenders = files
      .filter((file) => !WRITES_OF_THEIR_OWN.has(file))
      .flatMap((file) =>
        [...readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(FS_IMPORT)].flatMap(([, imported = '']) => {
          if (!imported.startsWith('{')) return [`${file}: imports fs as a whole (${imported})`];
          const names = imported
            .slice(1, -1)
            .split(',')
            .map(
              (name) =>
                name
                  .trim()
                  .replace(/^type\s+/, '')
                  .split(/\s+as\s+/)[0] ?? '',
            );
          return names.filter((name) => FS_WRITES.test(name)).map((name) => `${file}: ${name}`);
        }),
      );
    expect(offenders).toEqual([]);
  });
});

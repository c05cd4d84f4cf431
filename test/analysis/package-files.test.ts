// The one walk of a package's own files that the modules-that-import-a-file reader and the pg typings reader share.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageFiles } from '../../src/core/package-files.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tree(files: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'quickwins-package-files-'));
  made.push(root);
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '');
  }
  return root;
}

describe('packageFiles', () => {
  it('lists the package’s own files, passing over dot entries, dependencies and build output', () => {
    const root = tree([
      'src/a.ts',
      'src/deep/b.js',
      '.env',
      '.git/config',
      'node_modules/pg/index.js',
      'dist/a.js',
      'build/a.js',
      'out/a.js',
      'coverage/lcov.info',
    ]);
    const files = [...packageFiles(root)].map((path) => relative(root, path).replaceAll('\\', '/')).sort();
    expect(files).toEqual(['src/a.ts', 'src/deep/b.js']);
  });

  it('does not follow a symlinked folder out of the package', () => {
    const outside = tree(['secret.d.ts']);
    const root = tree(['src/a.ts']);
    symlinkSync(outside, join(root, 'src', 'linked'), 'dir');
    const files = [...packageFiles(root)].map((path) => relative(root, path).replaceAll('\\', '/'));
    expect(files).toEqual(['src/a.ts']);
  });
});

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkOptions, errorKeys, typeCheck, unlocatedErrors } from '../../corpus/tsc-libs.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('tsc-libs', () => {
  it('reads located errors by file, code and message, and tells the unlocated ones apart', () => {
    const output =
      "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\nerror TS2688: Cannot find type definition file for 'mocha'.\n";
    expect(errorKeys(output)).toEqual(["src/a.ts: TS2322: Type 'string' is not assignable to type 'number'."]);
    expect(unlocatedErrors(output)).toEqual(["error TS2688: Cannot find type definition file for 'mocha'."]);
  });

  it('checks a tsconfig whose `types` names a package that is not installed with --types node, so files are checked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsc-libs-'));
    try {
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { strict: true, types: ['not-installed-anywhere'] }, files: ['a.ts'] }),
      );
      writeFileSync(join(dir, 'a.ts'), "export const count: number = 'one';\n");
      // As in the scratch copies: @types/node linked in.
      mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
      symlinkSync(join(REPO_ROOT, 'node_modules/@types/node'), join(dir, 'node_modules/@types/node'), 'dir');
      const options = checkOptions(dir, 'tsconfig.json');
      expect(options).toEqual(['--types', 'node']);
      expect(typeCheck(dir, 'tsconfig.json', options)).toEqual([
        "a.ts: TS2322: Type 'string' is not assignable to type 'number'.",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

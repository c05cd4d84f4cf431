// A project's own `declare module 'pg'` typings: what their Pool leaves out of what the helpers read.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingPoolMembers, pgTypingsShimIn } from '../../src/pool-backpressure/pg-typings.js';

const SHIM = `declare module 'pg' {
  export type PoolClient = { query: (text: string) => Promise<unknown>; release: () => void };
  export class Pool {
    constructor(config: { connectionString: string });
    connect: () => Promise<PoolClient>;
    query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }>;
  }
}
`;

describe('a project’s own pg typings', () => {
  it('names the counters a script-file shim’s Pool leaves out', () => {
    expect(missingPoolMembers(SHIM)).toEqual(['totalCount', 'idleCount', 'waitingCount']);
    expect(
      missingPoolMembers(
        SHIM.replace('constructor(', 'readonly totalCount: number;\n    readonly idleCount: number;\n    constructor('),
      ),
    ).toEqual(['waitingCount']);
  });

  it('is silent on an augmentation (a module file merges with the installed typings), other modules and files without a Pool', () => {
    expect(missingPoolMembers(`import 'pg';\n${SHIM}`)).toBeUndefined();
    expect(missingPoolMembers(SHIM.replace("'pg'", "'pg-cursor'"))).toBeUndefined();
    expect(
      missingPoolMembers("declare module 'pg' {\n  export class Client { connect(): Promise<void> }\n}\n"),
    ).toBeUndefined();
  });

  it('finds the shim below the package root, outside node_modules and build output', () => {
    const root = mkdtempSync(join(tmpdir(), 'pg-typings-'));
    mkdirSync(join(root, 'node_modules/@types/pg'), { recursive: true });
    writeFileSync(join(root, 'node_modules/@types/pg/index.d.ts'), SHIM);
    expect(pgTypingsShimIn(root)).toBeUndefined();
    const other = mkdtempSync(join(tmpdir(), 'pg-typings-'));
    mkdirSync(join(other, 'src/shared/types'), { recursive: true });
    writeFileSync(join(other, 'src/shared/types/pg.d.ts'), SHIM);
    expect(pgTypingsShimIn(other)).toEqual({
      file: 'src/shared/types/pg.d.ts',
      missing: ['totalCount', 'idleCount', 'waitingCount'],
    });
  });
});

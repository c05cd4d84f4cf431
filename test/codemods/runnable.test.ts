/**
 * The registry's codemods with their options type erased (src/codemod-host/runnable.ts): options are resolved once,
 * at `configure`; a worker thread configures its own copy from the resolved values, so resolving them again must give
 * the same options. A bad value is refused at `configure`, naming the flag, before any file is read.
 */
import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/codemod-host/options.js';
import { runnable } from '../../src/codemod-host/runnable.js';
import type { Codemod } from '../../src/codemod-host/codemod.js';
import { loadCodemods } from '../../src/registry/index.js';

const codemods = [...(await loadCodemods({})).values()];

describe('RunnableCodemod.configure', () => {
  it.each(codemods.map((codemod) => [codemod.id, codemod] as const))(
    '%s: the resolved values configure the same options again (what a worker does)',
    (_id, codemod) => {
      const raw = Object.fromEntries(
        codemod.options.filter((option) => option.type === 'boolean').map((option) => [option.flag, !option.default]),
      );
      const configured = codemod.configure(raw);
      expect(codemod.configure(configured.values).values).toEqual(configured.values);
      expect(configured.codemod).toBe(codemod);
      expect(configured.prepareProject !== undefined).toBe(codemod.hasProjectSession);
    },
  );

  it('refuses a bad value naming the flag', () => {
    const pool = codemods.find((codemod) => codemod.id === 'pool-backpressure');
    expect(() => pool?.configure({ threshold: '2' })).toThrow(
      new OptionError('option --threshold must be greater than 0 and at most 1, got 2'),
    );
  });

  it('passes the options the codemod declared, with their defaults, to its transform', () => {
    const seen: unknown[] = [];
    const probe: Codemod<{ readonly importFrom: string; readonly depth: number }> = {
      id: 'probe',
      summary: 'test only',
      options: [
        { flag: 'import-from', type: 'string', default: 'x', description: 'module' },
        { flag: 'depth', type: 'number', description: 'how deep' },
      ],
      usesTypes: false,
      reads: [],
      mightApply: () => true,
      transform: ({ options }) => {
        seen.push(options);
        return { edits: [], rewritten: [], left: [] };
      },
    };
    const outcome = runnable(probe).configure({ depth: '3', ignored: true }).transformText('a.ts', 'const a = 1;\n');
    expect(outcome.status).toBe('unchanged');
    expect(seen).toEqual([{ importFrom: 'x', depth: 3 }]);
  });
});

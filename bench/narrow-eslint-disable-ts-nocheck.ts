/**
 * What `quickwins narrow-eslint-disable --ts-nocheck` costs against what a user runs anyway: one `tsc --noEmit -p .`
 * over the same project (the check CI runs, and the output a hand-made script would insert comments from).
 *
 * The corpus is generated (seeded) into a temp git repository: strict TypeScript service files importing one shared
 * module; a share of them start with `// @ts-nocheck` and have 1 to 4 lines with type errors (two errors on a line,
 * one spread over lines, indented ones). ESLint runs typescript-eslint's parser with one rule (the codemod lints the
 * files it adds directives to).
 *
 *   npm run build && npx tsx bench/narrow-eslint-disable-ts-nocheck.ts              (200 files, 40 % with the pragma, 3 runs)
 *   npx tsx bench/narrow-eslint-disable-ts-nocheck.ts --files 400 --share 0.2 --runs 5
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRandom } from './support/random.js';
import { median, timedCommand } from './support/timed-command.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repoRoot, 'dist', 'cli', 'bin.js');
const tscBin = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '200' },
    share: { type: 'string', default: '0.4' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '13' },
  },
});

const ESLINT_CONFIG = `import tseslint from 'typescript-eslint';

export default tseslint.config({ files: ['**/*.ts'], extends: [tseslint.configs.base], rules: { 'prefer-const': 'error' } });
`;

const TSCONFIG = JSON.stringify({
  compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', noEmit: true, skipLibCheck: true, types: [] },
  include: ['src'],
});

const SHARED = `export interface Order {
  id: number;
  total: number;
  lines: { sku: string; quantity: number }[];
}

export function sumOf(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
`;

/** Lines with type errors: one, two on a line, one spread over lines, one indented in a block. */
const ERRORS: readonly ((index: number) => string)[] = [
  (index) => `export const wrong${index}: number = 'one';`,
  (index) => `export const a${index}: number = '1', b${index}: string = 2;`,
  (index) => `export const late${index}: Order = {\n  id: ${index},\n  total: 'none',\n  lines: [],\n};`,
  (index) => `export function missing${index}(order: Order): number {\n  return order.amount + sumOf([order.id]);\n}`,
];

function generateFile(index: number, nocheck: boolean, next: () => number): { text: string; errors: number } {
  const lines = [
    ...(nocheck ? ['// @ts-nocheck'] : []),
    `// Service ${index}: generated for the --ts-nocheck benchmark.`,
    "import { sumOf, type Order } from './shared.js';",
    '',
  ];
  lines.push(
    `export function totalOf${index}(orders: readonly Order[]): number {`,
    '  return sumOf(orders.map((order) => order.total));',
    '}',
    '',
    `export function linesOf${index}(order: Order): number {`,
    '  return sumOf(order.lines.map((line) => line.quantity));',
    '}',
    '',
  );
  let errors = 0;
  if (nocheck) {
    const count = 1 + Math.floor(next() * 4);
    for (let error = 0; error < count; error++)
      lines.push((ERRORS[Math.floor(next() * ERRORS.length)] as (index: number) => string)(index * 10 + error), '');
    errors = count;
  }
  return { text: lines.join('\n'), errors };
}

function generateCorpus(): { dir: string; pragmas: number; errorLines: number } {
  const dir = mkdtempSync(join(tmpdir(), 'quickwins-nocheck-bench-'));
  const next = seededRandom(Number(args.seed));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'package.json'), '{ "name": "nocheck-bench", "private": true, "type": "module" }\n');
  writeFileSync(join(dir, 'eslint.config.js'), ESLINT_CONFIG);
  writeFileSync(join(dir, 'tsconfig.json'), TSCONFIG);
  writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
  writeFileSync(join(dir, 'src', 'shared.ts'), SHARED);
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  let pragmas = 0;
  let errorLines = 0;
  for (let index = 0; index < Number(args.files); index++) {
    const nocheck = next() < Number(args.share);
    const file = generateFile(index, nocheck, next);
    if (nocheck) pragmas++;
    errorLines += file.errors;
    writeFileSync(join(dir, 'src', `service-${index}.ts`), file.text);
  }
  for (const gitArgs of [
    ['init', '-q'],
    ['add', '-A'],
    ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-qm', 'corpus'],
  ]) {
    spawnSync('git', gitArgs, { cwd: dir });
  }
  return { dir, pragmas, errorLines };
}

const corpus = generateCorpus();
console.log(
  `load average at start: ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
console.log(
  `corpus: ${args.files} files, ${corpus.pragmas} with // @ts-nocheck, ${corpus.errorLines} error lines behind them, in ${corpus.dir}`,
);

const tscMs: number[] = [];
const codemodMs: number[] = [];
const tscCpuMs: number[] = [];
const codemodCpuMs: number[] = [];
let totals: { changed: number; rewrittenSites: number; leftSites: number } | undefined;
const seconds = (ms: number | undefined): string => (ms === undefined ? '?' : (ms / 1000).toFixed(2));
for (let run = 0; run < Number(args.runs); run++) {
  // Alternating, so that a change in the machine's load hits both sides alike.
  const tsc = timedCommand(process.execPath, [tscBin, '--noEmit', '-p', '.'], corpus.dir);
  if (tsc.status !== 0)
    throw new Error(`tsc found errors in the corpus (the pragmas should hide them all):\n${tsc.stdout}`);
  tscMs.push(tsc.ms);
  if (tsc.cpuMs !== undefined) tscCpuMs.push(tsc.cpuMs);
  const codemod = timedCommand(
    process.execPath,
    [bin, 'narrow-eslint-disable', '--ts-nocheck', '--dry', '--json'],
    corpus.dir,
  );
  if (codemod.status !== 0)
    throw new Error(`narrow-eslint-disable --ts-nocheck exited ${codemod.status}: ${codemod.stderr}`);
  codemodMs.push(codemod.ms);
  if (codemod.cpuMs !== undefined) codemodCpuMs.push(codemod.cpuMs);
  totals = (JSON.parse(codemod.stdout) as { totals: typeof totals }).totals;
  console.log(
    `run ${run + 1}: tsc --noEmit ${seconds(tsc.ms)} s (CPU ${seconds(tsc.cpuMs)} s), --ts-nocheck --dry ${seconds(codemod.ms)} s (CPU ${seconds(codemod.cpuMs)} s)`,
  );
}
console.log(
  `median: tsc ${seconds(median(tscMs))} s, narrow-eslint-disable --ts-nocheck ${seconds(median(codemodMs))} s, ratio ${(median(codemodMs) / median(tscMs)).toFixed(2)}×; ` +
    `${totals?.changed} files rewritten, ${totals?.rewrittenSites} sites (pragmas removed + directives added), ${totals?.leftSites} left`,
);
if (tscCpuMs.length > 0) {
  console.log(
    `median CPU: tsc ${seconds(median(tscCpuMs))} s, --ts-nocheck ${seconds(median(codemodCpuMs))} s, ratio ${(median(codemodCpuMs) / median(tscCpuMs)).toFixed(2)}×`,
  );
}
rmSync(corpus.dir, { recursive: true, force: true });

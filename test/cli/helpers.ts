/**
 * Shared set-up for the runner tests: temp git repositories, the REAL built CLI (dist/cli/bin.js,
 * built by `npm test` before vitest runs), and small test-only codemods loaded through
 * QUICKWINS_CODEMODS, the same door a team's own codemod uses.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(REPO_ROOT, 'dist', 'cli', 'bin.js');

export function assertBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before these tests (npm test does)`);
}

const created: string[] = [];

export function tempDir(prefix = 'quickwins-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export type FileTree = Readonly<Record<string, string | Buffer | { readonly text: string; readonly mode: number }>>;

export function writeTree(root: string, files: FileTree): void {
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    if (typeof content === 'string' || Buffer.isBuffer(content)) writeFileSync(target, content);
    else {
      writeFileSync(target, content.text);
      chmodSync(target, content.mode);
    }
  }
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=quickwins-test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args],
    {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** A temp folder holding `files`, committed in a fresh git repository (a clean work tree). */
export function gitRepo(files: FileTree): string {
  const root = tempDir();
  writeTree(root, files);
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'initial', '--allow-empty');
  return root;
}

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    // stdin is not a TTY here: the runner must never wait for an answer.
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    timeout: options.timeoutMs ?? 120_000,
    // A run blocked in a system call (reading a named pipe) may never get to its SIGTERM handler.
    killSignal: 'SIGKILL',
    maxBuffer: 1024 * 1024 * 1024, // a large file's --json report (with its diff) runs to many megabytes
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What both test codemods need: a walk over every node, and offset → line/column (the program has no \`loc\`). */
const HELPERS = `
function walk(node, visit) {
  if (!node || typeof node.type !== 'string') return;
  visit(node);
  for (const key of Object.keys(node)) {
    if (key === 'parent') continue;
    const value = node[key];
    if (Array.isArray(value)) for (const child of value) walk(child, visit);
    else if (value && typeof value.type === 'string') walk(value, visit);
  }
}
function positionOf(source, offset) {
  const before = source.slice(0, offset);
  return { line: before.split('\\n').length, column: offset - (before.lastIndexOf('\\n') + 1) };
}
`;

/**
 * `rename-foo`: renames every identifier `foo` (option `--to`, default `bar`), adds a header comment
 * line (`--no-header` turns it off) written with a plain `\n`, reports each `keepFoo` as left, and
 * throws on an identifier `explode` so transform failures can be tested.
 */
const RENAME_FOO = `${HELPERS}export const codemod = {
  id: 'rename-foo',
  summary: 'test only: renames foo',
  options: [
    { flag: 'to', type: 'string', default: 'bar', description: 'the new name' },
    { flag: 'header', type: 'boolean', default: true, description: 'add a header comment' },
    { flag: 'times', type: 'number', description: 'a number option' },
  ],
  usesTypes: false,
  mightApply: (source) => source.includes('foo') || source.includes('Foo') || source.includes('explode'),
  transform({ program, source, options }) {
    const edits = [];
    const rewritten = [];
    const left = [];
    const seen = new Set();
    walk(program, (node) => {
      if (node.type !== 'Identifier' && node.type !== 'JSXIdentifier') return;
      // \`import { foo }\` has two Identifier nodes (imported, local) over the same text: one edit.
      if (seen.has(node.range[0])) return;
      seen.add(node.range[0]);
      const where = positionOf(source, node.range[0]);
      if (node.name === 'explode') throw new Error('test codemod exploded');
      if (node.name === 'foo') {
        edits.push({ start: node.range[0], end: node.range[1], text: options.to });
        rewritten.push({ ...where, message: 'foo renamed to ' + options.to });
      }
      if (node.name === 'keepFoo') left.push({ ...where, message: 'keepFoo is kept on purpose' });
    });
    if (edits.length > 0 && options.header) edits.push({ start: 0, end: 0, text: '// renamed by rename-foo\\n' });
    return { edits, rewritten, left };
  },
};
`;

/**
 * \`type-probe\`: uses types. Changes nothing; reports every identifier \`probe\` as left, with the type the
 * checker gives it, or "no types" when the runner passed none.
 */
const TYPE_PROBE = `${HELPERS}export const codemod = {
  id: 'type-probe',
  summary: 'test only: reports the type of each probe',
  options: [],
  usesTypes: true,
  mightApply: (source) => source.includes('probe'),
  transform({ program, source, types }) {
    const left = [];
    const seen = new Set();
    walk(program, (node) => {
      // \`import { probe }\` has two Identifier nodes (imported, local) over the same text: report it once.
      if (node.type !== 'Identifier' || node.name !== 'probe' || seen.has(node.range[0])) return;
      seen.add(node.range[0]);
      let message = 'no types';
      if (types) {
        const checker = types.program.getTypeChecker();
        message = 'type ' + checker.typeToString(checker.getTypeAtLocation(types.esTreeNodeToTSNodeMap.get(node)));
      }
      left.push({ ...positionOf(source, node.range[0]), message });
    });
    return { edits: [], rewritten: [], left };
  },
};
`;

/** Writes the test-only codemods into a temp folder; returns the QUICKWINS_CODEMODS value that loads them. */
export function testCodemods(): string {
  const dir = tempDir('quickwins-test-codemods-');
  writeFileSync(join(dir, 'rename-foo.mjs'), RENAME_FOO);
  writeFileSync(join(dir, 'type-probe.mjs'), TYPE_PROBE);
  return [join(dir, 'rename-foo.mjs'), join(dir, 'type-probe.mjs')].join(process.platform === 'win32' ? ';' : ':');
}

export interface JsonReport {
  codemod: string;
  dry: boolean;
  workers: number;
  programsBuilt: number;
  files: {
    path: string;
    status: 'changed' | 'unchanged' | 'skipped' | 'error' | 'left';
    encoding?: string;
    reason?: string;
    typed: boolean;
    rewritten: { at: string; line: number; column: number; message: string }[];
    left: { at: string; line: number; column: number; message: string }[];
    covered?: {
      at: string;
      line: number;
      column: number;
      message: string;
      by: { at: string; how: 'rewritten' | 'done'; message: string };
    }[];
    error?: { phase: string; message: string; at: string };
    diff?: string;
    timings: { parseMs: number; transformMs: number };
  }[];
  totals: {
    files: number;
    changed: number;
    unchanged: number;
    skipped: number;
    failed: number;
    left: number;
    rewrittenSites: number;
    leftSites: number;
    coveredSites: number;
  };
  timings: { totalMs: number; programMs: number };
}

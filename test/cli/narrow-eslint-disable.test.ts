// The real CLI with the narrow-eslint-disable codemod on temp git repositories made from the fixture projects
// (fixtures/narrow-eslint-disable/<project>/input, expected files in .../output), linted with the real ESLint 10.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, gitRepo, removeTempDirs, runCli, REPO_ROOT, type FileTree, type JsonReport } from './helpers.js';

beforeAll(assertBuilt);
afterAll(removeTempDirs);

const FIXTURES = join(REPO_ROOT, 'fixtures', 'narrow-eslint-disable');
const ESLINT_BIN = join(REPO_ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');

function treeOf(root: string): Record<string, Buffer> {
  const tree: Record<string, Buffer> = {};
  const visit = (directory: string): void => {
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) visit(path);
      else tree[relative(root, path).split('\\').join('/')] = readFileSync(path);
    }
  };
  visit(root);
  return tree;
}

/** A temp git repository holding the fixture project, with the quickwins repository's node_modules (ESLint 10, typescript-eslint). */
function projectRepo(project: string, extra: FileTree = {}, linkModules = true): string {
  const repo = gitRepo({ '.gitignore': 'node_modules\n', ...treeOf(join(FIXTURES, project, 'input')), ...extra });
  if (linkModules) symlinkSync(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  return repo;
}

interface EslintFileResult {
  filePath: string;
  messages: { ruleId: string | null; line: number; fatal?: boolean }[];
}

/** A line's text without its directive comments: what a problem on a rewritten directive's line is keyed by. */
function withoutDirectives(line: string | undefined): string {
  return (line ?? '').replace(/\/\*\s*eslint-(?:disable|enable)[\s\S]*?\*\/|\/\/\s*eslint-disable.*$/g, '').trim();
}

/** The problems plain `eslint` reports, as file | rule | the text of the reported line (stable when lines move). */
function eslintProblems(
  repo: string,
  args: readonly string[] = [],
): { status: number | null; problems: string[]; stderr: string } {
  const result = spawnSync(process.execPath, [ESLINT_BIN, '--format', 'json', ...args, 'src'], {
    cwd: repo,
    encoding: 'utf8',
  });
  const files = JSON.parse(result.stdout || '[]') as EslintFileResult[];
  const problems = files.flatMap((file) => {
    const lines = readFileSync(file.filePath, 'utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/);
    return file.messages
      .filter((message) => message.ruleId !== null)
      .map(
        (message) =>
          `${relative(repo, file.filePath)} | ${message.ruleId} | ${withoutDirectives(lines[message.line - 1])}`,
      );
  });
  // A set, as the codemod promises: eslint-comments' disable-enable-pair reports once per rule a directive names.
  return { status: result.status, problems: [...new Set(problems)].sort(), stderr: result.stderr };
}

const TSC_BIN = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** `tsc --noEmit -p .` in the repository: its exit code and its error lines. */
function tscErrors(repo: string): { status: number | null; errors: string[] } {
  const result = spawnSync(process.execPath, [TSC_BIN, '--noEmit', '-p', '.', '--pretty', 'false'], {
    cwd: repo,
    encoding: 'utf8',
  });
  return { status: result.status, errors: result.stdout.split('\n').filter((line) => line.includes('error TS')) };
}

function expectFilesLike(repo: string, project: string): void {
  const expected = treeOf(join(FIXTURES, project, 'output'));
  for (const [path, bytes] of Object.entries(expected)) {
    expect(readFileSync(join(repo, path)).toString('latin1'), path).toBe(bytes.toString('latin1'));
  }
}

/** The plain fixture's config plus a rule that logs each lint's file to $LINT_LOG; $CONFIG_LOG gets a line per load. */
const COUNTING_CONFIG = `import { appendFileSync } from 'node:fs';
import base from '../eslint.config.js';

appendFileSync(process.env.CONFIG_LOG, 'loaded\\n');
const count = {
  meta: { schema: [] },
  create(context) {
    appendFileSync(process.env.LINT_LOG, context.filename + '\\n');
    return {};
  },
};
export default [...base, { plugins: { counting: { rules: { count } } }, rules: { 'counting/count': 'error' } }];
`;

/** A generated module: by its index, blanket directives that hide problems, hide nothing, or none at all. */
function generatedFile(index: number): string {
  const lines = [`// Generated module ${index}.`];
  if (index % 3 === 0) return `${lines.join('\n')}\nexport const plain${index} = ${index};\n`;
  if (index % 3 === 1) lines.push('/* eslint-disable */');
  lines.push(
    `var value${index} = ${index};`,
    `if (value${index} == '${index}') console.log(value${index}); // eslint-disable-line`,
  );
  if (index % 5 === 0) lines.push('// eslint-disable-next-line', `export const tidy${index} = 1;`);
  lines.push(`export { value${index} };`);
  return `${lines.join('\n')}\n`;
}

describe('quickwins narrow-eslint-disable', { timeout: 180_000 }, () => {
  it('rewrites the plain project as the fixture says, reports what it left, and ESLint reports the same problems after', () => {
    const repo = projectRepo('plain');
    const before = eslintProblems(repo);
    const result = runCli(['narrow-eslint-disable'], { cwd: repo });
    expect(result.status, result.stderr).toBe(0);
    expectFilesLike(repo, 'plain');
    expect(result.stderr).toContain('left  src/parse-error.js:2:14: file left: ESLint cannot parse it');
    expect(result.stderr).toContain('left  vendor/lib.js:1:1: blanket eslint-disable left: ESLint ignores this file');
    expect(readFileSync(join(repo, 'vendor/lib.js'), 'utf8')).toBe('/* eslint-disable */\nvar vendored = 1;\n');
    const after = eslintProblems(repo);
    expect(after.problems).toEqual(before.problems);
    // The eqeqeq after the bare eslint-enable stays reported: the narrowed enable still ends the region.
    expect(before.problems).toEqual(['src/block-region.js | eqeqeq | export const modern = legacy == 1;']);
    expect(withoutDirectives('a(); /* eslint-disable-line x */ // eslint-disable-line y')).toBe('a();');

    // A second run finds nothing left to do.
    const again = runCli(['narrow-eslint-disable', '--dry', '--json'], { cwd: repo });
    expect(again.status, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as JsonReport;
    expect(report.totals.changed).toBe(0);
  });

  it('rewrites the TypeScript project: plugin rule names, a type-aware rule, TSX, a file that does not parse', () => {
    const repo = projectRepo('typescript');
    const before = eslintProblems(repo);
    const result = runCli(['narrow-eslint-disable', '--json'], { cwd: repo });
    expect(result.status, result.stderr).toBe(0);
    expectFilesLike(repo, 'typescript');
    const report = JSON.parse(result.stdout) as JsonReport;
    const byPath = new Map(report.files.map((file) => [file.path, file]));
    expect(byPath.get('src/broken.ts')?.left[0]?.message).toMatch(/^file left: ESLint cannot parse it/);
    expect(byPath.get('src/typed-lines.ts')?.rewritten.map((site) => site.message)).toEqual([
      'eslint-disable-next-line → eslint-disable-next-line @typescript-eslint/no-floating-promises',
      'eslint-disable-line removed: it suppressed nothing',
    ]);
    // eslint-comments' ban on blanket directives reported them before; naming the rules is what makes it quiet.
    const bans = (problems: string[]) => problems.filter((problem) => problem.includes('no-unlimited-disable'));
    expect(bans(before.problems).length).toBeGreaterThan(0);
    expect(bans(eslintProblems(repo).problems)).toEqual(
      bans(before.problems).filter((problem) => problem.includes('broken.ts')),
    );
    const others = (problems: string[]) => problems.filter((problem) => !problem.includes('no-unlimited-disable'));
    expect(others(eslintProblems(repo).problems)).toEqual(others(before.problems));
  });

  it('--check and --dry write nothing; --check exits 1 when a directive would change', () => {
    const repo = projectRepo('plain');
    const check = runCli(['narrow-eslint-disable', '--check', 'src/block-region.js'], { cwd: repo });
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('+/* eslint-disable eqeqeq, no-console, no-var */');
    const dry = runCli(['narrow-eslint-disable', '--dry', 'src/named-only.js'], { cwd: repo });
    expect(dry.status, dry.stderr).toBe(0);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toBe('');
  });

  it('--description adds a reason where there is none and keeps the ones written', () => {
    const repo = projectRepo('plain');
    const result = runCli(
      ['narrow-eslint-disable', '--description', 'legacy, see #12', 'src/block-region.js', 'src/line-forms.js'],
      { cwd: repo },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(repo, 'src/block-region.js'), 'utf8').split('\n')[0]).toBe(
      '/* eslint-disable eqeqeq, no-console, no-var -- legacy, see #12 */',
    );
    const lines = readFileSync(join(repo, 'src/line-forms.js'), 'utf8').split('\n');
    expect(lines[1]).toBe('  if (value == null) return 0; // eslint-disable-line eqeqeq -- legacy, see #12');
    expect(lines[2]).toBe('  // eslint-disable-next-line eqeqeq, no-console -- the API sends strings');
  });

  it('--config lints with another config, and leaves a file whose rewrite would change what it reports', () => {
    const repo = projectRepo('plain');
    const result = runCli(
      ['narrow-eslint-disable', '--config', 'lint/max-len.config.js', 'src/line-forms.js', 'src/block-region.js'],
      { cwd: repo },
    );
    expect(result.status, result.stderr).toBe(0);
    // The named next-line directive would be 72 characters long: max-len (60, comments too) would report it.
    expect(result.stderr).toMatch(
      /left {2}src\/line-forms\.js:3:3: blanket eslint-disable-next-line left: the file was not changed, because the rewrite would change what ESLint reports \(new: max-len at line 3\)/,
    );
    expect(readFileSync(join(repo, 'src/line-forms.js'))).toEqual(
      readFileSync(join(FIXTURES, 'plain/input/src/line-forms.js')),
    );
    expect(readFileSync(join(repo, 'src/block-region.js'))).toEqual(
      readFileSync(join(FIXTURES, 'plain/output/src/block-region.js')),
    );
  });

  it('--to-suppressions writes the file `eslint --suppress-all` writes, and ESLint then reports what it reported before', () => {
    const repo = projectRepo('plain');
    const before = eslintProblems(repo);
    const result = runCli(['narrow-eslint-disable', '--to-suppressions'], { cwd: repo });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/wrote eslint-suppressions\.json: \d+ rule count\(s\) added for \d+ file\(s\)/);
    const written = readFileSync(join(repo, 'eslint-suppressions.json'), 'utf8');
    // Warnings cannot be bulk-suppressed: no-console stays named inline. Nor can eqeqeq here, because the file shows
    // an eqeqeq error already (ESLint hides all of a rule's errors in a file or none); no-var goes to the file.
    expect(readFileSync(join(repo, 'src/block-region.js'), 'utf8')).toBe(
      "/* eslint-disable eqeqeq, no-console */\nvar legacy = 1;\nif (legacy == '1') console.log('legacy');\n/* eslint-enable eqeqeq, no-console */\n\nexport const modern = legacy == 1;\n",
    );
    expect(readFileSync(join(repo, 'src/file-level.js'), 'utf8').startsWith('export function untyped(x) {')).toBe(true);
    // ESLint applies the file: the same problems as before, and no unused suppression (which it would fail on).
    const after = eslintProblems(repo);
    expect(after.stderr).not.toMatch(/suppressions left/);
    expect(after.problems).toEqual(before.problems);
    // ESLint itself, asked to suppress every error the rewritten files report, counts the same (plus the eqeqeq
    // error that was visible before, which the codemod must not hide), in the same format: keys sorted, two spaces.
    rmSync(join(repo, 'eslint-suppressions.json'));
    const suppressAll = spawnSync(process.execPath, [ESLINT_BIN, '--suppress-all', 'src'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(suppressAll.stderr).toBe('');
    const byEslint = JSON.parse(readFileSync(join(repo, 'eslint-suppressions.json'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    expect(byEslint['src/block-region.js']?.eqeqeq).toEqual({ count: 1 });
    delete byEslint['src/block-region.js']?.eqeqeq;
    expect(JSON.parse(written)).toEqual(byEslint);
    expect(Object.keys(JSON.parse(written) as object)).toEqual(Object.keys(byEslint).sort());
    expect(written).toBe(JSON.stringify(JSON.parse(written), null, 2));
  });

  it('--to-suppressions adds to an existing suppressions file', () => {
    const existing = { 'src/other.js': { 'no-var': { count: 1 } } };
    const repo = projectRepo('plain', {
      'eslint-suppressions.json': JSON.stringify(existing, null, 2),
      'src/other.js': 'var other = 1;\nexport { other };\n',
    });
    const result = runCli(
      ['narrow-eslint-disable', '--to-suppressions', 'src/nothing-hidden.js', 'src/multi-line.js'],
      { cwd: repo },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(repo, 'eslint-suppressions.json'), 'utf8'))).toEqual({
      'src/multi-line.js': { 'no-var': { count: 1 } },
      'src/other.js': { 'no-var': { count: 1 } },
    });
  });

  it('a large run on worker threads gives what one thread gives, each thread loading ESLint once and each file linted at most twice', () => {
    // 72 generated files (48 with directives: over the runner's project threshold) besides the fixture's, linted with a config that logs
    // every lint (a rule's create() runs once per lint) and every time a thread loads the config.
    const extra: Record<string, string> = { 'lint/counting.config.js': COUNTING_CONFIG };
    for (let index = 0; index < 72; index++) extra[`src/many/file-${index}.js`] = generatedFile(index);
    const runs = [0, 1].map((workers) => {
      const repo = projectRepo('plain', extra);
      const env = { LINT_LOG: join(repo, 'lints.log'), CONFIG_LOG: join(repo, 'config-loads.log') };
      const args = [
        'narrow-eslint-disable',
        '--config',
        'lint/counting.config.js',
        '--to-suppressions',
        '--workers',
        String(workers),
      ];
      const dry = runCli([...args, '--dry', '--json'], { cwd: repo, env });
      expect(dry.status, dry.stderr).toBe(0);
      const lints = readFileSync(env.LINT_LOG, 'utf8').trim().split('\n');
      const configLoads = readFileSync(env.CONFIG_LOG, 'utf8').trim().split('\n').length;
      rmSync(env.LINT_LOG);
      const written = runCli(args, { cwd: repo, env });
      expect(written.status, written.stderr).toBe(0);
      rmSync(env.LINT_LOG);
      rmSync(env.CONFIG_LOG);
      return { repo, report: JSON.parse(dry.stdout) as JsonReport, lints, configLoads };
    });
    const [single, parallel] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(single.report.workers).toBe(0);
    expect(parallel.report.workers).toBe(1);
    // The main thread and the worker each load the config once, not once per file.
    expect(single.configLoads).toBe(1);
    expect(parallel.configLoads).toBe(2);

    const withoutTimings = (report: JsonReport) => report.files.map(({ timings: _timings, ...file }) => file);
    expect(withoutTimings(parallel.report)).toEqual(withoutTimings(single.report));
    expect(parallel.report.totals).toEqual(single.report.totals);
    expect(single.report.totals.changed).toBeGreaterThan(48);
    // The same files written, the same suppressions file (records from both threads, merged in file order).
    expect(treeOf(join(parallel.repo, 'src'))).toEqual(treeOf(join(single.repo, 'src')));
    const suppressions = readFileSync(join(single.repo, 'eslint-suppressions.json'), 'utf8');
    expect(
      Object.keys(JSON.parse(suppressions) as object).filter((path) => path.startsWith('src/many/')).length,
    ).toBeGreaterThan(10);
    expect(readFileSync(join(parallel.repo, 'eslint-suppressions.json'), 'utf8')).toBe(suppressions);

    // Lints per file: two for a rewritten file (as it is, then rewritten), one for a file whose directives all name
    // their rules already, none for a file without `eslint-disable`; the same on workers.
    for (const { repo, report, lints } of runs) {
      const lintsOf = new Map<string, number>();
      for (const path of lints)
        lintsOf.set(
          relative(repo, path).split('\\').join('/'),
          (lintsOf.get(relative(repo, path).split('\\').join('/')) ?? 0) + 1,
        );
      for (const file of report.files) {
        const expected = file.status === 'changed' ? 2 : file.status === 'skipped' ? 0 : undefined;
        if (expected !== undefined) expect(lintsOf.get(file.path) ?? 0, file.path).toBe(expected);
      }
      expect(lintsOf.get('src/named-only.js')).toBe(1);
      expect(lintsOf.get('src/many/file-3.js')).toBe(undefined); // generated without any directive
      expect(Math.max(...lintsOf.values())).toBe(2);
    }
  });

  it('stays on one thread when the config lints with types (each thread would build its own TypeScript program)', () => {
    const extra: Record<string, string> = {};
    for (let index = 0; index < 50; index++)
      extra[`src/many/module-${index}.ts`] =
        `// eslint-disable-next-line\nexport const value${index}: any = ${index};\n`;
    const repo = projectRepo('typescript', extra);
    const result = runCli(['narrow-eslint-disable', '--dry', '--json', '--workers', '1', 'src/many'], { cwd: repo });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.workers).toBe(0);
    expect(report.totals.changed).toBe(50);
    expect(report.files[0]?.rewritten.map((site) => site.message)).toEqual([
      'eslint-disable-next-line → eslint-disable-next-line @typescript-eslint/no-explicit-any',
    ]);
  });

  it('--to-suppressions counts nothing for a file the run left (read-only): the file keeps its directive', () => {
    const repo = projectRepo('plain', {
      'src/file-level.js': { text: readFileSync(join(FIXTURES, 'plain/input/src/file-level.js'), 'utf8'), mode: 0o444 },
    });
    const result = runCli(['narrow-eslint-disable', '--to-suppressions', 'src/file-level.js', 'src/multi-line.js'], {
      cwd: repo,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/src\/file-level\.js.*read-only file/);
    expect(readFileSync(join(repo, 'src/file-level.js'), 'utf8').startsWith('/* eslint-disable */\n')).toBe(true);
    // Before, its three errors were counted anyway: they hide nothing ESLint reports now, and ESLint fails on unused suppressions.
    expect(JSON.parse(readFileSync(join(repo, 'eslint-suppressions.json'), 'utf8'))).toEqual({
      'src/multi-line.js': { 'no-var': { count: 1 } },
    });
  });

  it('--ts-nocheck replaces @ts-nocheck by @ts-expect-error lines, names the files it left, and tsc reports what it reported before', () => {
    const repo = projectRepo('ts-nocheck');
    const before = tscErrors(repo);
    const result = runCli(['narrow-eslint-disable', '--ts-nocheck', '--json'], { cwd: repo });
    expect(result.status, result.stderr).toBe(0);
    expectFilesLike(repo, 'ts-nocheck');
    const report = JSON.parse(result.stdout) as JsonReport;
    const byPath = new Map(report.files.map((file) => [file.path, file]));
    const added = (path: string): number =>
      byPath.get(path)?.rewritten.filter((site) => site.message.startsWith('@ts-expect-error added')).length ?? 0;
    expect(
      Object.fromEntries(
        ['src/orders.ts', 'src/crlf.ts', 'src/cli-entry.ts', 'src/view.tsx', 'src/with-eslint.ts', 'src/clean.ts'].map(
          (path) => [path, added(path)],
        ),
      ),
    ).toEqual({
      'src/orders.ts': 5,
      'src/crlf.ts': 2,
      'src/cli-entry.ts': 1,
      'src/view.tsx': 3,
      'src/with-eslint.ts': 1,
      'src/clean.ts': 0,
    });
    expect(byPath.get('src/orders.ts')?.rewritten[0]?.message).toBe(
      '@ts-nocheck removed: 5 @ts-expect-error added (line 9, 10, 17, 21, 23)',
    );
    expect(byPath.get('src/with-eslint.ts')?.rewritten.map((site) => site.message)).toContain(
      'eslint-disable → eslint-disable @typescript-eslint/no-explicit-any',
    );
    expect(byPath.get('src/unused-directive.ts')?.rewritten.map((site) => `${site.line}: ${site.message}`)).toEqual([
      '1: @ts-nocheck removed: 0 @ts-expect-error added',
      '3: @ts-expect-error removed: without the pragma it covers nothing (TS2578)',
    ]);
    const leftReasons = Object.fromEntries(
      report.files
        .filter((file) => file.left.length > 0)
        .map((file) => [file.path, file.left.map((site) => site.message)]),
    );
    expect(leftReasons).toEqual({
      'src/broken.ts': ['@ts-nocheck left: TypeScript cannot parse it (TS1109 at line 2: Expression expected.)'],
      'src/late.ts': ['@ts-nocheck left: it stands after the first statement, where TypeScript ignores it'],
      'src/legacy.js': [
        '@ts-nocheck left: a JavaScript file and its tsconfig does not set checkJs: TypeScript does not type-check it, so the pragma hides nothing now',
      ],
      'src/switch.ts': [
        '@ts-nocheck left: the @ts-expect-error lines would change what ESLint reports (ESLint would report no-fallthrough 1 more time(s): line 6 of the rewritten file)',
      ],
      'src/template.ts': [
        '@ts-nocheck left: line 5 starts inside a string or template literal, where no comment can go',
      ],
    });
    // The project's own tsc: the same exit code and the same errors (the file that does not parse), nothing new.
    const after = tscErrors(repo);
    expect(after).toEqual(before);
    expect(before.errors).toEqual(['src/broken.ts(2,32): error TS1109: Expression expected.']);
    // Human output names the files it left too, and a second run changes nothing.
    const again = runCli(['narrow-eslint-disable', '--ts-nocheck', '--dry'], { cwd: repo });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain(
      'left  src/template.ts:1:1: @ts-nocheck left: line 5 starts inside a string or template literal',
    );
    expect(again.stderr).toMatch(/: 0 files would change/);
  });

  it('--ts-nocheck exits 2 with one line without TypeScript in the project or with a --tsconfig that does not exist', () => {
    const repo = projectRepo('plain', {}, false);
    // The quickwins repository's modules, less TypeScript: ESLint loads, `typescript` resolves nowhere from the repo.
    mkdirSync(join(repo, 'node_modules'));
    for (const name of readdirSync(join(REPO_ROOT, 'node_modules')).filter(
      (entry) => entry !== 'typescript' && entry !== '.bin',
    )) {
      symlinkSync(join(REPO_ROOT, 'node_modules', name), join(repo, 'node_modules', name), 'dir');
    }
    const missing = runCli(['narrow-eslint-disable', '--ts-nocheck', '--dry'], { cwd: repo });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(
      /^quickwins: narrow-eslint-disable: TypeScript is not installed in .+ \(npm install --save-dev typescript\): --ts-nocheck type-checks with the project's own compiler\n$/,
    );
    const tsRepo = projectRepo('ts-nocheck');
    const wrong = runCli(['narrow-eslint-disable', '--ts-nocheck', '--dry', '--tsconfig', 'nope.json'], {
      cwd: tsRepo,
    });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toBe('quickwins: narrow-eslint-disable: --tsconfig: nope.json does not exist\n');
  });

  it('exits 2 with one line when the project has no ESLint', () => {
    const repo = projectRepo('plain', {}, false);
    const result = runCli(['narrow-eslint-disable', '--dry'], { cwd: repo });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^quickwins: narrow-eslint-disable: ESLint is not installed in .+ \(npm install --save-dev eslint\)/,
    );
  });

  it('exits 2 with one line when no flat config is found, or --config names a missing file', () => {
    const repo = projectRepo('plain');
    rmSync(join(repo, 'eslint.config.js'));
    writeFileSync(join(repo, 'lint', 'max-len.config.js'), 'export default [];\n');
    const missing = runCli(['narrow-eslint-disable', '--dry', 'src'], { cwd: repo });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(
      /^quickwins: narrow-eslint-disable: no ESLint flat config \(eslint\.config\.js, .+\) found for .+: add one, or pass --config <file>\n$/,
    );
    const wrong = runCli(['narrow-eslint-disable', '--dry', '--config', 'nope.config.js', 'src'], { cwd: repo });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toBe('quickwins: narrow-eslint-disable: --config: nope.config.js does not exist\n');
    expect(existsSync(join(repo, 'eslint-suppressions.json'))).toBe(false);
  });
});

// Large files through the real CLI: they finish (no timed assertion), a file over --max-file-size or past
// --max-file-time is left untouched and reported, and the rest of the run goes on.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolModule, SITES_PER_FUNCTION } from '../../bench/support/pool-module.js';
import { assertBuilt, gitRepo, removeTempDirs, runCli, type JsonReport } from './helpers.js';

beforeAll(assertBuilt);
afterAll(removeTempDirs);

const json = (stdout: string) => JSON.parse(stdout) as JsonReport & { memory: { peakRssMb: number } };

describe('large files', () => {
  it('rewrites a 20,000-site file', { timeout: 600_000 }, () => {
    const repo = gitRepo({ 'big.ts': poolModule(20_000 / SITES_PER_FUNCTION) });
    const result = runCli(['pool-backpressure', '--json', '--no-types', 'big.ts'], { cwd: repo, timeoutMs: 590_000 });
    expect(result.status, result.stderr).toBe(0);
    const report = json(result.stdout);
    expect(report.totals).toMatchObject({ changed: 1, rewrittenSites: 20_000 });
    const written = readFileSync(join(repo, 'big.ts'), 'utf8');
    expect(written.match(/queryWithBackpressure<\{ id: number \}>\(pool\d+, /g)).toHaveLength(10_000);
    expect(written).toContain('// call 9999: café\n');
  });

  it('finishes a generated 5 MB file in a dry run, diff included', { timeout: 600_000 }, () => {
    const text = poolModule(17_000);
    expect(text.length).toBeGreaterThan(5 * 1024 * 1024);
    const repo = gitRepo({ 'big.ts': text });
    const result = runCli(['pool-backpressure', '--dry', '--json', '--no-types', 'big.ts'], {
      cwd: repo,
      timeoutMs: 590_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const record = json(result.stdout).files[0];
    expect(record?.status).toBe('changed');
    expect(record?.diff?.match(/^\+.*queryWithBackpressure<\{/gm)).toHaveLength(17_000);
    expect(readFileSync(join(repo, 'big.ts'), 'utf8')).toBe(text); // dry: nothing written
  });

  it(
    "auth-logging: a 20,000-route file registering a controller module's export, the controller covered by it",
    { timeout: 600_000 },
    () => {
      const routes = [
        "const express = require('express');",
        "const c = require('../controllers/auth');",
        'const router = express.Router();',
      ];
      for (let index = 0; index < 20_000; index++) routes.push(`router.post('/login${index}', c.login);`);
      const repo = gitRepo({
        'package.json': JSON.stringify({ name: 'app', dependencies: { express: '^4.19.0' } }),
        'src/routes/big.js': `${routes.join('\n')}\n`,
        'src/controllers/auth.js': 'exports.login = async (req, res) => {\n  res.json({});\n};\n',
      });
      const result = runCli(['auth-logging', '--dry', '--json', '--no-types', '--no-add-dependency', 'src'], {
        cwd: repo,
        timeoutMs: 590_000,
      });
      expect(result.status, result.stderr).toBe(0);
      const report = json(result.stdout);
      expect(report.totals).toMatchObject({ changed: 1, rewrittenSites: 20_000, leftSites: 0, coveredSites: 1 });
      expect(report.files.find((file) => file.path === 'src/controllers/auth.js')?.covered?.[0]?.by.at).toBe(
        'src/routes/big.js:4:1',
      );
    },
  );

  it('leaves a file over --max-file-size unread and goes on with the others (exit 1)', () => {
    const big = poolModule(400);
    const repo = gitRepo({ 'big.ts': big, 'small.ts': poolModule(1) });
    const result = runCli(['pool-backpressure', '--no-types', '--max-file-size', '64kb', '.'], { cwd: repo });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^left {2}big\.ts: file left as it was: [\d.]+ kB is over --max-file-size 64 kB$/m);
    expect(readFileSync(join(repo, 'big.ts'), 'utf8')).toBe(big);
    expect(readFileSync(join(repo, 'small.ts'), 'utf8')).toContain('queryWithBackpressure');
  });

  it('stops the codemod on a large file past --max-file-time and leaves the file', { timeout: 300_000 }, () => {
    const big = poolModule(3_000); // over the size that goes to a worker of its own
    const repo = gitRepo({ 'big.ts': big });
    const result = runCli(['pool-backpressure', '--no-types', '--json', '--max-file-time', '0.05', 'big.ts'], {
      cwd: repo,
    });
    expect(result.status).toBe(1);
    const record = json(result.stdout).files[0];
    expect(record).toMatchObject({ status: 'left' });
    expect(record?.reason).toMatch(/took longer than 0\.05 s .*--max-file-time/);
    expect(readFileSync(join(repo, 'big.ts'), 'utf8')).toBe(big);
  });

  it('rejects a bad --max-file-size or --max-file-time before reading any file (exit 2)', () => {
    const repo = gitRepo({ 'a.ts': poolModule(1) });
    writeFileSync(join(repo, 'a.ts'), 'changed but uncommitted');
    for (const args of [
      ['--max-file-size', 'huge'],
      ['--max-file-time', '-1'],
    ]) {
      const result = runCli(['pool-backpressure', ...args], { cwd: repo });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^quickwins: option ${args[0]} needs`));
    }
  });
});

/** Runs a command to completion and times it: wall time, and the child's CPU time when GNU time is installed. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TimedRun {
  readonly ms: number;
  /** User + system CPU of the child (GNU time), which a loaded machine distorts less than wall time. */
  readonly cpuMs?: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number | null;
}

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export function timedCommand(command: string, commandArgs: readonly string[], cwd: string): TimedRun {
  const cpuFile = join(tmpdir(), `quickwins-bench-cpu-${process.pid}`);
  const [program, programArgs] = GNU_TIME
    ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, command, ...commandArgs]]
    : [command, [...commandArgs]];
  const start = performance.now();
  const result = spawnSync(program, programArgs, { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const ms = performance.now() - start;
  const cpuMs = GNU_TIME
    ? (readFileSync(cpuFile, 'utf8').trim().split('\n').at(-1) ?? '')
        .split(/\s+/)
        .reduce((total, seconds) => total + Number(seconds) * 1000, 0)
    : undefined;
  return { ms, cpuMs, stdout: result.stdout, stderr: result.stderr, status: result.status };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

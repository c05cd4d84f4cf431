/** Runs the built quickwins CLI in a checkout and reads its `--json` report: the one way every corpus script does it. */
import { spawnSync } from 'node:child_process';

/** `node <bin> ...args` in `cwd`, its stdout parsed as JSON; anything else is an error naming `what` and the stderr tail. */
export function cliJsonReport<Report>(bin: string, cwd: string, args: readonly string[], what: string): Report {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  // Exit 1 means "found work" or "a file was left": only a missing JSON document is a failure.
  try {
    return JSON.parse(result.stdout) as Report;
  } catch {
    throw new Error(
      `${what} printed no JSON report (exit ${result.status}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
}

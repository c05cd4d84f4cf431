// The runner's process entry, built to dist/cli/cli.cjs and loaded by the `quickwins` bin (bin.ts).
// CommonJS on purpose: Node loads `typescript` (9 MB) much faster through require() than through an ES import,
// which first scans the whole file for its export names; that scan cost more than a second per start.
import { main } from './main.js';

// `quickwins x --dry | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

void main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});

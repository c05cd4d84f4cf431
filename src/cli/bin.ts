#!/usr/bin/env node
// The `quickwins` command (package.json "bin"). All logic lives in main.ts.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

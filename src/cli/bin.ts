#!/usr/bin/env node
// The `quickwins` command (package.json "bin"). The runner itself is the CommonJS bundle next to this file
// (see cli.ts for why); all logic lives in main.ts.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./cli.cjs');

// The runtime is what production services load: it may import only Node built-ins, pino and its own files. No
// framework (an app on Koa must not need Express or Nest installed), no build tooling.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const AUTH_DIR = join(import.meta.dirname, '../../../runtime/src/auth');
const ALLOWED = /^(node:[a-z_/]+|pino|\.\/[a-z-]+\.js)$/;

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  for (const match of source.matchAll(
    /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/gm,
  )) {
    specifiers.push((match[1] ?? match[2] ?? match[3] ?? match[4])!);
  }
  return specifiers;
}

describe('auth runtime imports', () => {
  const files = readdirSync(AUTH_DIR).filter((file) => file.endsWith('.ts'));

  it('has the modules the codemod and docs refer to', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'index.ts',
        'events.ts',
        'redact.ts',
        'email.ts',
        'user-id.ts',
        'logger.ts',
        'express.ts',
        'fastify.ts',
        'koa.ts',
        'nest.ts',
        'next.ts',
        'plain.ts',
      ]),
    );
  });

  for (const file of files) {
    it(`${file} imports only node built-ins, pino and siblings (type-only imports aside)`, () => {
      const source = readFileSync(join(AUTH_DIR, file), 'utf8').replace(/^\s*import type .*$/gm, '');
      const specifiers = importsOf(source);
      for (const specifier of specifiers) expect(specifier, `${file} imports ${specifier}`).toMatch(ALLOWED);
    });
  }

  it('loads @nestjs/* only inside the decorator, never at module load', () => {
    const source = readFileSync(join(AUTH_DIR, 'nest.ts'), 'utf8');
    expect(source).not.toMatch(/^import[^;]*@nestjs/m);
    expect(source).toMatch(/load\('@nestjs\/common'\)/);
  });
});

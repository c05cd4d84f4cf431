import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

// Four outputs: the runtime package (@quickwins/runtime: root and one subpath per area) into runtime/dist; the
// ESLint plugin for ESM and CommonJS with types; the CLI for ESM; every codemod as a CommonJS jscodeshift
// transform in codemods/<id>.cjs.
export default defineConfig([
  {
    entry: runtimeEntries(),
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    outDir: 'runtime/dist',
    target: 'node20',
    // The runtime's dependency and peers, as its own package.json lists them (tsup reads only the root one).
    external: ['pino', 'pg', 'prom-client', '@grpc/grpc-js', 'graphql', 'kafkajs'],
    clean: true,
    // Each subpath is a whole file of its own: `@quickwins/runtime/auth` loads no pg code and no prom-client.
    splitting: false,
    sourcemap: false,
    // import.meta.url in the CommonJS files: the optional prom-client is required relative to the runtime's own file.
    shims: true,
  },
  {
    entry: { 'eslint-plugin/index': 'eslint-plugin/index.ts' },
    format: ['esm', 'cjs'],
    // tsup's declaration build sets `baseUrl`, which TypeScript 6 deprecates.
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    outDir: 'dist',
    target: 'node20',
    // dist/cli/ is built by the CLI entry below at the same time; cleaning it here would race with that build.
    clean: ['!cli/**'],
    splitting: false,
    sourcemap: false,
    // An entry with only a default export (the ESLint plugin) becomes `module.exports = plugin` in CommonJS,
    // so `require('quickwins/eslint-plugin')` is the plugin itself; entries with named exports are unchanged.
    // (tsup's `cjsInterop` does this only with `splitting`; `dts` already writes `export =` for such entries.)
    cjsInterop: true,
    // RuleCreator (a few lines of @typescript-eslint/utils/eslint-utils) is bundled: @typescript-eslint/utils is only an
    // optional peer, for the types in index.d.ts, so a JavaScript project on plain ESLint installs no typescript-eslint.
    noExternal: ['@typescript-eslint/utils'],
    footer: ({ format }) =>
      format === 'cjs'
        ? {
            js: 'if (Object.keys(module.exports).length === 1 && module.exports.default) module.exports = module.exports.default;',
          }
        : {},
  },
  // The quickwins CLI. bin.js (ESM, keeps its `#!/usr/bin/env node`; tsup makes it executable) only loads
  // cli.cjs; the runner and its worker-thread entry are CommonJS because Node loads `typescript` through
  // require() much faster than through an ES import (see src/cli/cli.ts). demo.js runs `npm run demo`.
  {
    entry: { 'cli/bin': 'src/cli/bin.ts', 'cli/demo': 'src/cli/demo.ts' },
    format: ['esm'],
    outDir: 'dist',
    target: 'node20',
    clean: false,
    splitting: false,
    sourcemap: false,
  },
  // typescript-estree (a dev dependency, so tsup bundles it) is only loaded by a type-aware run; `typescript` stays
  // external, an optional peer: the project's own compiler.
  {
    entry: { 'cli/cli': 'src/cli/cli.ts', 'cli/worker': 'src/cli/worker.ts' },
    format: ['cjs'],
    outDir: 'dist',
    outExtension: () => ({ js: '.cjs' }),
    shims: true, // import.meta.url
    target: 'node20',
    clean: false,
    splitting: false,
    sourcemap: false,
  },
  // Every codemods/<id>.ts as a jscodeshift transform codemods/<id>.cjs: CommonJS, our own code bundled in,
  // npm dependencies (the parser, typescript) required from the installed package's node_modules.
  ...codemodEntries(),
]);

/** The runtime's root and one entry per area: every runtime/src/<area>/index.ts on disk. */
function runtimeEntries(): Record<string, string> {
  const areas = readdirSync('runtime/src', { withFileTypes: true }).filter(
    (entry) => entry.isDirectory() && existsSync(`runtime/src/${entry.name}/index.ts`),
  );
  return Object.fromEntries([
    ['index', 'runtime/src/index.ts'],
    ...areas.map((area) => [`${area.name}/index`, `runtime/src/${area.name}/index.ts`]),
  ]);
}

function codemodEntries(): Options[] {
  const entry = Object.fromEntries(
    readdirSync('codemods')
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => [file.slice(0, -'.ts'.length), `codemods/${file}`]),
  );
  if (Object.keys(entry).length === 0) return [];
  return [
    {
      entry,
      format: ['cjs'],
      outDir: 'codemods',
      outExtension: () => ({ js: '.cjs' }),
      // Loads the transform's dependencies without jscodeshift's Babel pass (see the preamble for why).
      banner: { js: readFileSync('src/codemod-host/jscodeshift-preamble.cjs', 'utf8') },
      footer: { js: '__quickwinsRestoreLoaders();' },
      target: 'node20',
      clean: false,
      splitting: false,
      sourcemap: false,
    },
  ];
}

import { defineConfig } from 'tsup';

// Three outputs: the library (runtime root + ESLint plugin) for ESM and CommonJS with types;
// the CLI for ESM; every codemod as a CommonJS jscodeshift transform in codemods/<id>.cjs.
export default defineConfig([
  {
    entry: { index: 'src/index.ts', 'eslint-plugin/index': 'eslint-plugin/index.ts' },
    format: ['esm', 'cjs'],
    // tsup's declaration build sets `baseUrl`, which TypeScript 6 deprecates.
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    outDir: 'dist',
    target: 'node20',
    clean: true,
    splitting: false,
    sourcemap: false,
  },
]);

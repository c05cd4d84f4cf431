// The package root: what production services load with `import 'quickwins'`.
// Runtime only (src/runtime/): never typescript, ts-morph, jscodeshift or eslint.
export {};

// Baseline for bench/codemod-speed.ts: the same rewrite written the way a team would write it with
// jscodeshift alone (no quickwins): recast parses every file with the tsx parser, the transform finds
// `<pool>.connect(...)` / `<pool>.query(...)` by receiver name, replaces the calls, adds the import and
// reprints. It is less precise than quickwins (names, not bindings or types); it is here for its cost.
module.exports = function transform(file, api) {
  const j = api.jscodeshift;
  const root = j(file.source);
  const used = new Set();
  root.find(j.CallExpression, { callee: { type: 'MemberExpression' } }).forEach((path) => {
    const callee = path.node.callee;
    if (callee.property.type !== 'Identifier') return;
    const method = callee.property.name;
    if (method !== 'connect' && method !== 'query') return;
    const receiver = callee.object;
    const name =
      receiver.type === 'Identifier'
        ? receiver.name
        : receiver.type === 'MemberExpression' && receiver.property.type === 'Identifier'
          ? receiver.property.name
          : '';
    if (!/pool/i.test(name)) return;
    const helper = method === 'connect' ? 'acquireWithBackpressure' : 'queryWithBackpressure';
    used.add(helper);
    const call = j.callExpression(j.identifier(helper), [receiver, ...path.node.arguments]);
    call.typeParameters = path.node.typeParameters;
    call.typeArguments = path.node.typeArguments;
    j(path).replaceWith(call);
  });
  if (used.size === 0) return undefined;
  const declaration = j.importDeclaration(
    [...used].map((helper) => j.importSpecifier(j.identifier(helper))),
    j.literal('@quickwins/runtime'),
  );
  const imports = root.find(j.ImportDeclaration);
  if (imports.size() > 0) imports.at(imports.size() - 1).insertAfter(declaration);
  else root.get().node.program.body.unshift(declaration);
  return root.toSource({ quote: 'single' });
};
module.exports.parser = 'tsx';

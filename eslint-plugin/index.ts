// `import quickwins from 'quickwins/eslint-plugin'`: the flat-config plugin object.
const plugin = { meta: { name: 'quickwins', version: '0.1.0' }, rules: {}, configs: {} };
export default plugin;

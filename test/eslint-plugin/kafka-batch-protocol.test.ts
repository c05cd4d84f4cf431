import rule from '../../eslint-plugin/rules/kafka-batch-protocol.js';
import { runRuleTests } from './rule-tester.js';

const GOOD_LOOP = `await consumer.run({
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      await handle(message);
      resolveOffset(message.offset);
      await heartbeat();
    }
  },
});`;

runRuleTests('kafka-batch-protocol', rule, {
  valid: [
    { name: 'the full protocol', code: GOOD_LOOP },
    {
      name: 'auto-resolve on: kafkajs resolves the batch',
      code: 'consumer.run({ eachBatch: async ({ batch }) => { await bulkInsert(batch.messages); } });',
    },
    {
      name: 'a payload handed on whole may be resolved elsewhere',
      code: 'consumer.run({ eachBatchAutoResolve: false, eachBatch: async (payload) => { await this.handleBatch(payload); } });',
    },
    {
      name: 'payload members through the parameter',
      code: 'consumer.run({ eachBatchAutoResolve: false, eachBatch: async (p) => { for (const m of p.batch.messages) { if (!p.isRunning()) break; p.resolveOffset(m.offset); } } });',
    },
    {
      name: 'isStale passed on to a helper counts',
      code: 'const eachBatch = 1; consumer.run({ eachBatch: async ({ batch, isStale }) => { for (const m of batch.messages) { await work(m, isStale); } } });',
    },
    {
      name: 'a loop over something else',
      code: 'consumer.run({ eachBatch: async ({ batch }) => { for (const group of chunk(batch.messages)) await save(group); } });',
    },
    {
      name: 'checkResolveOffset off',
      code: 'consumer.run({ eachBatchAutoResolve: false, eachBatch: async ({ batch }) => { await bulk(batch.messages); } });',
      options: [{ checkResolveOffset: false }],
    },
    {
      name: 'checkStopChecks off',
      code: 'consumer.run({ eachBatch: async ({ batch }) => { for (const m of batch.messages) await save(m); } });',
      options: [{ checkStopChecks: false }],
    },
    { name: 'a file that never says eachBatch', code: 'for (const m of batch.messages) save(m);' },
    {
      name: 'JSX in the file',
      code: 'const view = <Batch size={1} />;\nconsumer.run({ eachBatch: async ({ batch, isRunning }) => { for (const m of batch.messages) { if (!isRunning()) break; await save(m); } } });',
      languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
    },
  ],
  invalid: [
    {
      name: 'auto-resolve off and no resolveOffset',
      code: 'consumer.run({\n  eachBatchAutoResolve: false,\n  eachBatch: async ({ batch, isRunning }) => {\n    for (const m of batch.messages) { if (!isRunning()) break; await save(m); }\n  },\n});',
      errors: [{ messageId: 'noResolveOffset', line: 2, column: 3 }],
    },
    {
      name: 'a loop without isRunning()/isStale()',
      code: 'consumer.run({ eachBatchAutoResolve: false, eachBatch: async ({ batch, resolveOffset }) => {\n  for (const message of batch.messages) {\n    await save(message);\n    resolveOffset(message.offset);\n  }\n} });',
      errors: [{ messageId: 'noStopCheck', line: 2 }],
    },
    {
      name: 'both, in a function expression, with an index loop',
      code: 'consumer.run({ eachBatchAutoResolve: false, eachBatch: async function ({ batch }) {\n  for (let i = 0; i < batch.messages.length; i++) await save(batch.messages[i]);\n} });',
      errors: [
        { messageId: 'noResolveOffset', line: 1 },
        { messageId: 'noStopCheck', line: 2 },
      ],
    },
    {
      name: 'a method typed with EachBatchPayload',
      code: "import type { EachBatchPayload } from 'kafkajs';\nclass Queue {\n  async eachBatch({ batch, resolveOffset }: EachBatchPayload) {\n    for (const m of batch.messages) { await save(m); resolveOffset(m.offset); }\n  }\n}",
      errors: [{ messageId: 'noStopCheck', line: 4 }],
    },
    {
      name: 'shebang and BOM keep positions',
      code: '\uFEFF#!/usr/bin/env node\nconsumer.run({ eachBatch: async ({ batch }) => {\n  for (const m of batch.messages) await save(m);\n} });',
      errors: [{ messageId: 'noStopCheck', line: 3, column: 3 }],
    },
    {
      name: 'a block comment inside the loop is no stop check',
      code: 'consumer.run({ eachBatch: async ({ batch }) => { for (const m of batch.messages) { /* isRunning() */ await save(m); } } });',
      errors: [{ messageId: 'noStopCheck', line: 1 }],
    },
  ],
});

/**
 * `npx quickwins kafka-dedupe`: wraps kafkajs consumer handlers with quickwins' de-duplication, keeping every other
 * byte:
 *   consumer.run({ eachMessage: h })  → consumer.run({ eachMessage: dedupeEachMessage(h, { store, group }) })
 *   consumer.run({ eachBatch: async ({ batch, … }) => { for (const message of batch.messages) { … } } })
 *     → consumer.run({ eachBatchAutoResolve: false, eachBatch: dedupeEachBatch(async ({ message, batch }) => { … }, { store, group }) })
 *   an eachBatch that already writes per batch (one transaction, one bulk call; read in kafka-batch-writer.ts)
 *     → consumer.run({ eachBatchAutoResolve: false, eachBatch: dedupeBatch(async ({ records }) => { … }, { store, group }) })
 * Detection lives in src/kafka-dedupe/kafka-consumers.ts, the batch loop reading in kafka-batch-loop.ts (shared with the
 * rule kafka-batch-protocol), the edits in kafka-dedupe-edits.ts; this file wires options and the report.
 */
import type { Codemod, CodemodInput, CodemodResult, CodemodSite } from '../src/codemod-host/codemod.js';
import { sniffCodeStyle } from '../src/core/code-style.js';
import { planNamedImports } from '../src/core/imports.js';
import { findKafkaRuns, mayHaveKafkaRun } from '../src/kafka-dedupe/kafka-consumers.js';
import { planKafkaSite, type PlannedSite, type StoreKind } from '../src/kafka-dedupe/kafka-dedupe-edits.js';
import { sniffModuleStyle } from '../src/core/module-style.js';
import { positionsOf } from '../src/core/parse.js';
import type { TextEdit } from '../src/core/text-edit.js';
import { isTestFileInPackage, leaveTestFile } from '../src/codemod-host/test-files.js';
import { toJscodeshiftTransform } from '../src/codemod-host/jscodeshift.js';

export interface KafkaDedupeOptions {
  /** Also rewrite test files (default false: left and reported, so a test-only import stays out of production). */
  readonly tests: boolean;
  /** Module the wrappers and stores are imported from. Default '@quickwins/runtime/kafka'. */
  readonly importFrom: string;
  /** Which store the rewritten sites use. Default 'memory'. */
  readonly store: StoreKind;
  /** For `pg` / `redis`: the expression passed to the store (a pg pool, a redis client), e.g. `pool`. */
  readonly storeArgument?: string;
}

const STORES: readonly StoreKind[] = ['memory', 'pg', 'redis'];

export const codemod: Codemod<KafkaDedupeOptions> = {
  id: 'kafka-dedupe',
  summary:
    'Wrap kafkajs consumer.run({ eachMessage | eachBatch }) handlers with dedupeEachMessage / dedupeEachBatch / dedupeBatch',
  options: [
    {
      flag: 'import-from',
      type: 'string',
      default: '@quickwins/runtime/kafka',
      description: 'module to import the wrappers and stores from',
    },
    {
      flag: 'store',
      type: 'string',
      default: 'memory',
      description:
        'de-duplication store: memory (retries and in-batch duplicates), pg (effect-once with the handler writing through tx), redis (best-effort)',
      validate: (value) => (STORES.includes(value as StoreKind) ? undefined : `must be one of ${STORES.join(', ')}`),
    },
    {
      flag: 'store-argument',
      type: 'string',
      description:
        'for --store pg or redis: the expression passed to the store, in scope at every run() call (e.g. `pool`)',
    },
    {
      flag: 'tests',
      type: 'boolean',
      default: false,
      description: 'also rewrite test files (left and reported by default)',
    },
  ],
  usesTypes: true,
  reads: ['package-json', 'imported-modules'],
  mightApply: (source) => mayHaveKafkaRun(source),
  transform(input) {
    const result = rewriteKafka(input);
    return input.options.tests || !isTestFileInPackage(input.filePath) ? result : leaveTestFile(result);
  },
};

function rewriteKafka({ filePath, source, program, options, types }: CodemodInput<KafkaDedupeOptions>): CodemodResult {
  if (!STORES.includes(options.store))
    throw new RangeError(`--store must be one of ${STORES.join(', ')}, got ${JSON.stringify(options.store)}`);
  if (options.store !== 'memory' && !options.storeArgument)
    throw new RangeError(
      `--store ${options.store} needs --store-argument (the ${options.store === 'pg' ? 'pg pool' : 'redis client'} expression)`,
    );
  const { runs, index } = findKafkaRuns(program, types, filePath);
  const positionOf = positionsOf(source);
  const planned: { at: number; plan: PlannedSite }[] = [];
  const left: CodemodSite[] = [];
  const done: CodemodSite[] = [];
  for (const { run, verdict } of runs) {
    const outcome = planKafkaSite(run, verdict, {
      source,
      program,
      index,
      store: options.store,
      storeArgument: options.storeArgument,
    });
    if (outcome.kind === 'left') left.push({ ...positionOf(run.call.range[0]), message: outcome.reason });
    else if (outcome.kind === 'done') done.push({ ...positionOf(run.call.range[0]), message: outcome.summary });
    else planned.push({ at: run.call.range[0], plan: outcome.plan });
  }
  if (planned.length === 0) return { edits: [], rewritten: [], left, done };
  const imports = planNamedImports(program, source, {
    from: options.importFrom,
    names: [...new Set(planned.flatMap(({ plan }) => plan.names))],
    moduleStyle: sniffModuleStyle(program, filePath),
    style: sniffCodeStyle(program, source),
  });
  const reference = (name: string): string => imports.references.get(name) ?? name;
  const edits: TextEdit[] = [...imports.edits, ...planned.flatMap(({ plan }) => plan.edits(reference))];
  const rewritten = planned.map(({ at, plan }) => ({ ...positionOf(at), message: plan.summary }));
  return { edits, rewritten, left, done, imports: rewritten.length > 0 ? [options.importFrom] : [] };
}

export default toJscodeshiftTransform(codemod);
export const parser = 'tsx';

/**
 * The wrappers' per-record protocol on synthetic batches (test/support/kafka-batches.ts models kafkajs' runner), with
 * the process-local store: order of calls, early stops, skipped keys still resolved, in-batch coalescing, retries,
 * metrics, option errors, and that the returned functions are kafkajs handlers by type.
 */
import type { EachBatchHandler, EachMessageHandler } from 'kafkajs';
import { Registry } from 'prom-client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  businessKey,
  dedupeEachBatch,
  dedupeEachMessage,
  headerKey,
  KAFKA_DEDUPE_METRIC_NAMES,
  memoryDedupeStore,
  offsetKey,
  type DedupeStore,
} from '../../../runtime/src/kafka/index.js';
import {
  batchOf,
  HandlerFault,
  makeLog,
  PartitionModel,
  RefusedCommitError,
  type Message,
} from '../../support/kafka-batches.js';

const ids = (count: number, prefix = 'm'): string[] => Array.from({ length: count }, (_, index) => `${prefix}${index}`);

/** A handler that counts side effects per key, optionally failing on chosen offsets. */
function effects(fail: (offset: string) => boolean = () => false) {
  const applied = new Map<string, number>();
  const order: string[] = [];
  const handler = async ({ key, message }: { key: string; message: Message }): Promise<void> => {
    order.push(`handle:${message.offset}`);
    if (fail(message.offset)) throw new HandlerFault(`fail ${message.offset}`);
    applied.set(key, (applied.get(key) ?? 0) + 1);
  };
  return { applied, order, handler };
}

/** A counter's total over its labels. */
async function counterTotal(registry: Registry, name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  return metric.values.reduce((sum, value) => sum + value.value, 0);
}

describe('dedupeEachBatch: the per-record protocol', () => {
  it('runs the handler, then resolves, heartbeats and commits-if-necessary for every record, in that order', async () => {
    const log = makeLog(ids(3));
    const calls: string[] = [];
    const eachBatch = dedupeEachBatch<undefined, Message>(
      async ({ message, tx }) => {
        expect(tx).toBeUndefined();
        calls.push(`handle:${message.offset}`);
      },
      { store: memoryDedupeStore(), group: 'g', metrics: false },
    );
    await eachBatch({
      batch: batchOf('t', 0, log),
      resolveOffset: (offset) => calls.push(`resolve:${offset}`),
      heartbeat: async () => void calls.push('heartbeat'),
      commitOffsetsIfNecessary: async () => void calls.push('commit?'),
      isRunning: () => true,
      isStale: () => false,
      pause: () => () => undefined,
    });
    expect(calls).toEqual(
      ['0', '1', '2'].flatMap((offset) => [`handle:${offset}`, `resolve:${offset}`, 'heartbeat', 'commit?']),
    );
  });

  it('stops at a rebalance mid-batch (isStale) without resolving the rest; the next member skips what was applied', async () => {
    const model = new PartitionModel(makeLog(ids(20)), 100); // nothing committed within the batch
    const store = memoryDedupeStore();
    const { applied, handler } = effects();
    const eachBatch = dedupeEachBatch<undefined, Message>(handler, { store, group: 'g', metrics: false });
    await model.deliver(eachBatch, { kind: 'stale', at: 7 });
    expect(model.calls.resolved).toEqual(ids(7).map((_, index) => String(index)));
    expect(model.committed).toBe(0); // the whole batch comes back
    const { applied: appliedByNext, handler: nextHandler } = effects();
    await model.deliver(dedupeEachBatch<undefined, Message>(nextHandler, { store, group: 'g', metrics: false }));
    expect(model.done).toBe(true);
    expect([...applied.keys()]).toEqual(ids(7));
    expect([...appliedByNext.keys()]).toEqual(ids(20).slice(7));
  });

  it('stops when the consumer is stopping (isRunning false)', async () => {
    const model = new PartitionModel(makeLog(ids(10)));
    const { applied, handler } = effects();
    await model.deliver(
      dedupeEachBatch<undefined, Message>(handler, { store: memoryDedupeStore(), group: 'g', metrics: false }),
      { kind: 'stop', at: 3 },
    );
    expect(applied.size).toBe(3);
    expect(model.calls.resolved).toHaveLength(3);
  });

  it('a refused commit redelivers the uncommitted records, and none is applied twice', async () => {
    const model = new PartitionModel(makeLog(ids(30)), 10);
    const store = memoryDedupeStore();
    const { applied, handler } = effects();
    const eachBatch = dedupeEachBatch<undefined, Message>(handler, { store, group: 'g', metrics: false });
    const error = await model.deliver(eachBatch, { kind: 'refuse-commit', at: 14 });
    expect(error).toBeInstanceOf(RefusedCommitError);
    expect(model.calls.commitsRefused).toBe(1);
    expect(model.committed).toBe(10); // records 10..14 were applied but come back
    await model.deliver(eachBatch);
    expect(model.done).toBe(true);
    expect([...applied.values()].every((count) => count === 1)).toBe(true);
    expect(applied.size).toBe(30);
  });

  it('a handler that throws at record 50 of 100: the retry applies 0..49 never again and 50..99 once', async () => {
    const model = new PartitionModel(makeLog(ids(100)), 1000);
    let failed = false;
    const { applied, handler } = effects((offset) => offset === '50' && !failed && (failed = true));
    const registry = new Registry();
    const eachBatch = dedupeEachBatch<undefined, Message>(handler, {
      store: memoryDedupeStore(),
      group: 'g',
      metrics: { registry },
    });
    expect(await model.deliver(eachBatch)).toBeInstanceOf(HandlerFault);
    expect(model.committed).toBe(50); // kafkajs commits the resolved offsets on error
    await model.deliver(eachBatch);
    expect(applied.size).toBe(100);
    expect(Math.max(...applied.values())).toBe(1);
    expect(await counterTotal(registry, KAFKA_DEDUPE_METRIC_NAMES.claims)).toBe(100);
  });

  it('redelivery of an applied record is skipped and its offset still resolved and committed', async () => {
    const model = new PartitionModel(makeLog(ids(6)), 100);
    const store = memoryDedupeStore();
    const registry = new Registry();
    const { applied, handler } = effects();
    const eachBatch = dedupeEachBatch<undefined, Message>(handler, { store, group: 'g', metrics: { registry } });
    await model.deliver(eachBatch, { kind: 'stale', at: 6 }); // all applied, nothing committed
    model.calls.resolved.length = 0;
    await model.deliver(eachBatch);
    expect(model.calls.resolved).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(model.done).toBe(true);
    expect(applied.size).toBe(6);
    expect(await counterTotal(registry, KAFKA_DEDUPE_METRIC_NAMES.duplicates)).toBe(6);
  });

  it('coalesces a key repeated in one batch without asking the store again (and asks when coalesce is off)', async () => {
    const log = makeLog(['a', 'b', 'a', 'a', 'c', 'b']);
    const asked: string[] = [];
    const memory = memoryDedupeStore();
    const counting: DedupeStore<undefined> = {
      kind: 'counting',
      runOnce: (group, key, effect) => (asked.push(key), memory.runOnce(group, key, effect)),
    };
    for (const coalesce of [true, false]) {
      asked.length = 0;
      const { applied, handler } = effects();
      const model = new PartitionModel(log);
      await model.deliver(
        dedupeEachBatch<undefined, Message>(handler, {
          store: counting,
          group: `g-${coalesce}`,
          coalesce,
          metrics: false,
        }),
      );
      expect(Object.fromEntries(applied)).toEqual({ a: 1, b: 1, c: 1 });
      expect(asked).toEqual(coalesce ? ['a', 'b', 'c'] : ['a', 'b', 'a', 'a', 'c', 'b']);
      expect(model.calls.resolved).toEqual(['0', '1', '2', '3', '4', '5']);
    }
  });

  it('keys: the message-id header, a business key, else topic/partition/offset (counted as a fallback)', async () => {
    const registry = new Registry();
    const seen: string[] = [];
    const log: Message[] = [
      { offset: '0', headers: { 'message-id': 'evt-1' }, value: '{"order":7}' },
      { offset: '1', headers: {}, value: '{"order":8}' },
    ];
    await new PartitionModel(log).deliver(
      dedupeEachBatch<undefined, Message>(async ({ key }) => void seen.push(key), {
        store: memoryDedupeStore(),
        group: 'g',
        metrics: { registry },
      }),
    );
    expect(seen).toEqual(['evt-1', 'feed/0/1']);
    expect(await counterTotal(registry, KAFKA_DEDUPE_METRIC_NAMES.fallbackKeys)).toBe(1);
    const byOrder = businessKey<Message>(({ message }) => (JSON.parse(message.value) as { order: number }).order);
    expect(byOrder({ topic: 'orders', partition: 0, message: log[1]! })).toBe('orders:8');
    expect(
      headerKey('x-id')({
        topic: 't',
        partition: 0,
        message: { offset: '3', headers: { 'x-id': [Buffer.from('b1'), 'b2'] } },
      }),
    ).toBe('b1');
    expect(offsetKey({ topic: 't', partition: 2, message: { offset: '9' } })).toBe('t/2/9');
  });

  it('the same key in two groups is applied once per group', async () => {
    const store = memoryDedupeStore();
    const { applied, handler } = effects();
    for (const group of ['feed-writer', 'notifier']) {
      await new PartitionModel(makeLog(['x'])).deliver(
        dedupeEachBatch<undefined, Message>(handler, { store, group, metrics: false }),
      );
    }
    expect(applied.get('x')).toBe(2);
  });

  it('refuses bad options with a one-line error naming the option', () => {
    const handler = async (): Promise<void> => undefined;
    expect(() => dedupeEachBatch(handler, { store: memoryDedupeStore(), group: '' })).toThrow(/option group/);
    expect(() => dedupeEachBatch(handler, { store: {} as DedupeStore, group: 'g' })).toThrow(/option store/);
    expect(() => dedupeEachMessage(handler, { store: memoryDedupeStore(), group: 'g', keyOf: 'id' as never })).toThrow(
      /option keyOf/,
    );
    expect(() => dedupeEachBatch('x' as never, { store: memoryDedupeStore(), group: 'g' })).toThrow(
      /handler must be a function/,
    );
    expect(() => memoryDedupeStore({ maxKeys: 0 })).toThrow(/maxKeys/);
  });

  it('returns kafkajs handlers by type', () => {
    const store = memoryDedupeStore();
    expectTypeOf(dedupeEachBatch(async () => undefined, { store, group: 'g' })).toMatchTypeOf<EachBatchHandler>();
    expectTypeOf(dedupeEachMessage(async () => undefined, { store, group: 'g' })).toMatchTypeOf<EachMessageHandler>();
  });
});

describe('dedupeEachMessage', () => {
  it('runs the handler once per key across redeliveries and retries', async () => {
    const store = memoryDedupeStore();
    const { applied, handler } = effects();
    const eachMessage = dedupeEachMessage<undefined, Message>(handler, { store, group: 'g', metrics: false });
    let heartbeats = 0;
    for (const message of [...makeLog(['a', 'b']), ...makeLog(['a', 'b', 'c'])]) {
      await eachMessage({
        topic: 't',
        partition: 0,
        message,
        heartbeat: async () => void heartbeats++,
        pause: () => () => undefined,
      });
      expect(heartbeats).toBe(0);
    }
    expect(Object.fromEntries(applied)).toEqual({ a: 1, b: 1, c: 1 });
  });

  it('a throw gives the claim back, so the retry applies the record', async () => {
    const store = memoryDedupeStore();
    let attempts = 0;
    const eachMessage = dedupeEachMessage<undefined, Message>(
      async () => {
        if (++attempts === 1) throw new HandlerFault('first attempt');
      },
      { store, group: 'g', metrics: false },
    );
    const [message] = makeLog(['a']);
    const payload = {
      topic: 't',
      partition: 0,
      message: message!,
      heartbeat: async () => undefined,
      pause: () => () => undefined,
    };
    await expect(eachMessage(payload)).rejects.toBeInstanceOf(HandlerFault);
    await eachMessage(payload);
    await eachMessage(payload);
    expect(attempts).toBe(2);
    expect(store.size).toBe(1);
  });
});

describe('memoryDedupeStore', () => {
  it('makes a concurrent second claim of a running key wait, then skip', async () => {
    const store = memoryDedupeStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const first = store.runOnce('g', 'k', async () => {
      runs++;
      await gate;
    });
    const second = store.runOnce('g', 'k', async () => void runs++);
    release();
    expect(await Promise.all([first, second])).toEqual(['applied', 'duplicate']);
    expect(runs).toBe(1);
  });

  it('forgets the oldest keys beyond maxKeys', async () => {
    const store = memoryDedupeStore({ maxKeys: 2 });
    for (const key of ['a', 'b', 'c']) await store.runOnce('g', key, async () => undefined);
    expect(store.size).toBe(2);
    expect(await store.runOnce('g', 'a', async () => undefined)).toBe('applied');
    expect(await store.runOnce('g', 'c', async () => undefined)).toBe('duplicate');
  });
});

/**
 * Records/s of a feed writer (one effect row per record) behind a kafkajs-shaped eachBatch driver, against a real
 * PostgreSQL with fsync and synchronous_commit on: plain writers (a transaction per record; a transaction per batch
 * writing a statement per record, or one bulk insert), the per-record protocol (dedupeEachBatch + pgDedupeStore /
 * memoryDedupeStore) and the batch mode (dedupeBatch + pgDedupeStore, pgOffsetStore alone or with key claims,
 * memoryDedupeStore). Rows: batch 100 on 1 partition, batch 1000 on 4 partitions consumed concurrently (kafkajs'
 * partitionsConsumedConcurrently: 4). The arms of a round run back to back, each batch mode next to the plain writer
 * it is compared with, in an order rotating by round; the table shows medians over rounds and the median per-round
 * ratio of each batch mode to the plain per-batch writer that writes the same way.
 *
 *   npx tsx bench/kafka-dedupe.ts            (starts a throwaway PostgreSQL; DATABASE_URL overrides)
 *   ROUNDS=7 SECONDS=2 npx tsx bench/kafka-dedupe.ts
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { Registry } from 'prom-client';
import {
  dedupeBatch,
  dedupeEachBatch,
  memoryDedupeStore,
  pgDedupeStore,
  pgOffsetStore,
  type BatchLike,
  type EachBatchPayloadLike,
  type KafkaMessageLike,
} from '../runtime/src/kafka/index.js';
import { resolveDatabase } from '../test/setup/postgres.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECONDS = Number(process.env.SECONDS ?? 1.5);
const AUTO_COMMIT_THRESHOLD = 100;

interface Message extends KafkaMessageLike {
  readonly offset: string;
  readonly headers: Record<string, string>;
  readonly value: string;
}

interface Shape {
  readonly name: string;
  readonly batchSize: number;
  readonly partitions: number;
}

const SHAPES: readonly Shape[] = [
  { name: 'batch 100, 1 partition', batchSize: 100, partitions: 1 },
  { name: 'batch 1000, 4 partitions', batchSize: 1000, partitions: 4 },
];

type EachBatch = (payload: EachBatchPayloadLike<Message>) => Promise<void>;

interface Arm {
  readonly name: string;
  /** A fresh handler per round (a new claims table where the arm has one). */
  make(pool: pg.Pool, round: string): Promise<EachBatch>;
}

const EFFECTS = 'bench_kafka_effects';
const insertOne = `INSERT INTO ${EFFECTS} (dedupe_key, payload) VALUES ($1, $2)`;
const insertMany = `INSERT INTO ${EFFECTS} (dedupe_key, payload) SELECT * FROM unnest($1::text[], $2::text[])`;
const keyOf = (message: Message): string => message.headers['message-id']!;

/** A feed writer's effect for a batch: a statement per record, or one bulk insert. */
type Write = 'statement per record' | 'bulk insert';

async function writeRecords(
  client: pg.PoolClient,
  write: Write,
  keys: readonly string[],
  values: readonly string[],
): Promise<void> {
  if (write === 'bulk insert') await client.query(insertMany, [keys, values]);
  else for (let index = 0; index < keys.length; index++) await client.query(insertOne, [keys[index], values[index]]);
}

/** The plain per-batch writer: BEGIN, the batch's rows, COMMIT. */
async function writeBatchInOneTransaction(pool: pg.Pool, write: Write, messages: readonly Message[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await writeRecords(
      client,
      write,
      messages.map(keyOf),
      messages.map((message) => message.value),
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const plainPerBatch = (write: Write): Arm => ({
  name: `plain, transaction per batch (${write})`,
  make:
    async (pool) =>
    async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
      await writeBatchInOneTransaction(pool, write, batch.messages);
      for (const message of batch.messages) resolveOffset(message.offset);
      await heartbeat();
      await commitOffsetsIfNecessary();
    },
});

const batchModePg = (write: Write): Arm => ({
  name: `dedupeBatch + pgDedupeStore (${write})`,
  make: async (pool, round) => {
    const store = pgDedupeStore(pool, { table: `bench_claims_batch_${round}` });
    await store.ensureTable();
    return dedupeBatch<pg.PoolClient, Message>(
      ({ records, tx }) =>
        writeRecords(
          tx,
          write,
          records.map((record) => record.key),
          records.map((record) => record.message.value),
        ),
      { store, group: 'bench', metrics: { registry: new Registry() } },
    );
  },
});

/** The offset store: one mark per partition moved in the chunk's transaction; with `keys`, producer duplicates too. */
const batchModeOffsets = (write: Write, keys: boolean): Arm => ({
  name: `dedupeBatch + pgOffsetStore${keys ? ' + key claims' : ''} (${write})`,
  make: async (pool, round) => {
    const claims = keys ? pgDedupeStore(pool, { table: `bench_claims_offsets_${round}` }) : undefined;
    const store = pgOffsetStore(pool, {
      table: `bench_offsets_${round}`,
      ...(claims === undefined ? {} : { keys: claims }),
    });
    await store.ensureTable();
    await claims?.ensureTable();
    return dedupeBatch<pg.PoolClient, Message>(
      ({ records, tx }) =>
        writeRecords(
          tx,
          write,
          records.map((record) => record.key),
          records.map((record) => record.message.value),
        ),
      { store, group: 'bench', metrics: { registry: new Registry() } },
    );
  },
});

const ARMS: readonly Arm[] = [
  {
    name: 'plain, transaction per record',
    make:
      async (pool) =>
      async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          await pool.query(insertOne, [keyOf(message), message.value]);
          resolveOffset(message.offset);
          await heartbeat();
          await commitOffsetsIfNecessary();
        }
      },
  },
  plainPerBatch('statement per record'),
  plainPerBatch('bulk insert'),
  {
    name: 'dedupeEachBatch + pgDedupeStore',
    make: async (pool, round) => {
      const store = pgDedupeStore(pool, { table: `bench_claims_each_${round}` });
      await store.ensureTable();
      return dedupeEachBatch<pg.PoolClient, Message>(
        async ({ key, tx, message }) => void (await tx.query(insertOne, [key, message.value])),
        { store, group: 'bench', metrics: { registry: new Registry() } },
      );
    },
  },
  batchModePg('statement per record'),
  batchModePg('bulk insert'),
  batchModeOffsets('statement per record', false),
  batchModeOffsets('bulk insert', false),
  batchModeOffsets('bulk insert', true),
  {
    name: 'dedupeEachBatch + memoryDedupeStore',
    make: async (pool) =>
      dedupeEachBatch<undefined, Message>(
        async ({ key, message }) => void (await pool.query(insertOne, [key, message.value])),
        {
          store: memoryDedupeStore(),
          group: 'bench',
          metrics: { registry: new Registry() },
        },
      ),
  },
  {
    name: 'dedupeBatch + memoryDedupeStore (bulk insert)',
    make: async (pool) =>
      dedupeBatch<undefined, Message>(
        ({ records }) =>
          writeBatchInOneTransaction(
            pool,
            'bulk insert',
            records.map((record) => record.message),
          ),
        {
          store: memoryDedupeStore(),
          group: 'bench',
          metrics: { registry: new Registry() },
        },
      ),
  },
];

/** The target: each batch mode against the plain per-batch writer that writes the same way. */
const RATIOS: readonly { readonly name: string; readonly arm: string; readonly baseline: string }[] = [
  ...(['statement per record', 'bulk insert'] as const).flatMap((write) => [
    {
      name: `pgDedupeStore / plain per batch (${write})`,
      arm: `dedupeBatch + pgDedupeStore (${write})`,
      baseline: `plain, transaction per batch (${write})`,
    },
    {
      name: `pgOffsetStore / plain per batch (${write})`,
      arm: `dedupeBatch + pgOffsetStore (${write})`,
      baseline: `plain, transaction per batch (${write})`,
    },
  ]),
  {
    name: 'pgOffsetStore + key claims / plain per batch (bulk insert)',
    arm: 'dedupeBatch + pgOffsetStore + key claims (bulk insert)',
    baseline: 'plain, transaction per batch (bulk insert)',
  },
];

const rotate = <T>(items: readonly T[], by: number): T[] =>
  items.map((_, index) => items[(index + by) % items.length]!);

/**
 * The arms of a round: each plain per-batch writer runs next to the batch modes compared with it, so a ratio compares
 * samples seconds apart (the load of a shared machine drifts over a round); families and their members rotate by round.
 */
function roundOrder(round: number): Arm[] {
  const familyOf = (arm: Arm): string => RATIOS.find((ratio) => ratio.arm === arm.name)?.baseline ?? arm.name;
  const families = [...new Set(ARMS.map(familyOf))].map((family) => ARMS.filter((arm) => familyOf(arm) === family));
  return rotate(families, round % families.length).flatMap((members) => rotate(members, round % members.length));
}

function batchOf(topic: string, partition: number, messages: readonly Message[]): BatchLike<Message> {
  const last = messages.at(-1)!.offset;
  return {
    topic,
    partition,
    highWatermark: String(Number(last) + 1),
    messages,
    isEmpty: () => messages.length === 0,
    firstOffset: () => messages[0]?.offset ?? null,
    lastOffset: () => last,
    offsetLag: () => '0',
    offsetLagLow: () => '0',
  };
}

/**
 * One partition's consumer loop, shaped like kafkajs' runner with eachBatchAutoResolve off: a batch of fresh records,
 * resolveOffset moves the position, commitOffsetsIfNecessary commits past the threshold. Runs until `deadline`.
 */
async function consumePartition(
  eachBatch: EachBatch,
  shape: Shape,
  partition: number,
  prefix: string,
  deadline: number,
): Promise<number> {
  let position = 0;
  let committed = 0;
  let commits = 0;
  while (performance.now() < deadline) {
    const messages = Array.from({ length: shape.batchSize }, (_, index): Message => {
      const offset = String(position + index);
      return {
        offset,
        headers: { 'message-id': `${prefix}-${partition}-${offset}` },
        value: `post ${offset} fanned out to followers`,
      };
    });
    let resolvedTo = position;
    await eachBatch({
      batch: batchOf('feed', partition, messages),
      resolveOffset: (offset) => void (resolvedTo = Number(offset) + 1),
      heartbeat: async () => undefined,
      commitOffsetsIfNecessary: async () => {
        if (resolvedTo - committed < AUTO_COMMIT_THRESHOLD) return;
        committed = resolvedTo;
        commits++;
      },
      isRunning: () => true,
      isStale: () => false,
      pause: () => () => undefined,
    });
    if (resolvedTo !== position + shape.batchSize)
      throw new Error(`${prefix}: partition ${partition} resolved ${resolvedTo - position} of ${shape.batchSize}`);
    position = resolvedTo;
  }
  if (commits === 0) throw new Error(`${prefix}: no offset commit`);
  return position;
}

async function recordsPerSecond(pool: pg.Pool, arm: Arm, shape: Shape, round: string): Promise<number> {
  const eachBatch = await arm.make(pool, round);
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const counts = await Promise.all(
    Array.from({ length: shape.partitions }, (_, partition) =>
      consumePartition(eachBatch, shape, partition, `${round}-${arm.name}`, deadline),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  return counts.reduce((sum, count) => sum + count, 0) / elapsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const format = (value: number): string => Math.round(value).toLocaleString('en-US');

async function main(): Promise<void> {
  const database = await resolveDatabase({
    settings: { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' },
  });
  const pool = new pg.Pool({ connectionString: database.url, max: 8 });
  try {
    const settings = await pool.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit') ORDER BY name`,
    );
    console.log(
      `PostgreSQL (${database.source}): ${settings.rows.map((row) => `${row.name}=${row.setting}`).join(', ')}`,
    );
    console.log(`${ROUNDS} rounds of ${SECONDS}s per arm; load average at start: ${load()}`);
    await pool.query(
      `DROP TABLE IF EXISTS ${EFFECTS}; CREATE TABLE ${EFFECTS} (dedupe_key text NOT NULL, payload text NOT NULL)`,
    );
    const samples = new Map<string, number[]>();
    for (const shape of SHAPES) {
      for (const arm of ARMS) await recordsPerSecond(pool, arm, shape, `warm_${shape.batchSize}_${ARMS.indexOf(arm)}`);
      for (let round = 0; round < ROUNDS; round++) {
        for (const arm of roundOrder(round)) {
          const armIndex = ARMS.indexOf(arm);
          const sample = await recordsPerSecond(pool, arm, shape, `r${round}_${shape.batchSize}_${armIndex}`);
          const key = `${shape.name}|${arm.name}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
        }
        console.log(`  ${shape.name}, round ${round + 1}: load average ${load()}`);
      }
    }

    console.log(`\nrecords/s, median of ${ROUNDS} rounds (load average at end: ${load()})\n`);
    const ratiosOf = (shape: Shape, ratio: (typeof RATIOS)[number]): number[] => {
      const arm = samples.get(`${shape.name}|${ratio.arm}`)!;
      const baseline = samples.get(`${shape.name}|${ratio.baseline}`)!;
      return arm.map((value, round) => value / baseline[round]!);
    };
    console.log('| arm | ' + SHAPES.map((shape) => shape.name).join(' | ') + ' |');
    console.log('| --- | ' + SHAPES.map(() => '---:').join(' | ') + ' |');
    for (const arm of ARMS)
      console.log(
        `| ${arm.name} | ${SHAPES.map((shape) => format(median(samples.get(`${shape.name}|${arm.name}`)!))).join(' | ')} |`,
      );
    for (const ratio of RATIOS)
      console.log(
        `| ${ratio.name} | ${SHAPES.map((shape) => `${median(ratiosOf(shape, ratio)).toFixed(2)}×`).join(' | ')} |`,
      );
    console.log('\nper-round ratios:');
    for (const ratio of RATIOS) {
      for (const shape of SHAPES)
        console.log(
          `  ${ratio.name}, ${shape.name}: ${ratiosOf(shape, ratio)
            .map((value) => value.toFixed(2))
            .join(' ')}`,
        );
    }
    console.log(`leaked clients: ${pool.totalCount - pool.idleCount}, waiting: ${pool.waitingCount}`);
  } finally {
    await pool.end();
    await database.stop();
  }
}

await main();

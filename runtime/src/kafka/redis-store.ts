/**
 * A shared, best-effort store in two phases: `SET key pending NX PX` claims the key before the handler, `SET key
 * done EX` marks it after. It catches redelivery to any member once the first attempt finished, but the claim and the
 * side effect are not atomic: a crash after the effect and before `done` leaves a pending claim that expires after
 * `pendingTtlMs`, and the record is then applied again. For effect-once, keep the effect in PostgreSQL with
 * `pgDedupeStore`.
 *
 * No redis dependency: pass anything with `sendCommand(args)` (node-redis v4+ has it; for ioredis
 * `{ sendCommand: (args) => redis.call(args[0], ...args.slice(1)) }`).
 */
import { randomUUID } from 'node:crypto';
import type { ClaimOutcome, DedupeStore } from './types.js';

export interface RedisCommandClient {
  sendCommand(args: string[]): Promise<unknown>;
}

export interface RedisDedupeStoreOptions {
  /** Key prefix. Default `quickwins:kafka-dedupe:`. */
  readonly prefix?: string;
  /** How long a claim lasts without `done` (longer than your slowest handler). Default 60 000. */
  readonly pendingTtlMs?: number;
  /** How long `done` keys are kept; must outlast any redelivery. Default 7 days. */
  readonly retentionSeconds?: number;
}

/** Thrown when another member holds the key's claim right now: kafkajs retries the batch, by then it is settled. */
export class DedupeClaimBusyError extends Error {
  override readonly name = 'DedupeClaimBusyError';
  constructor(readonly key: string) {
    super(`de-duplication key ${JSON.stringify(key)} is being processed by another consumer; retry later`);
  }
}

const DONE = 'done';
// Give a claim back only if it is still ours (it may have expired and been taken by another member).
const RELEASE_IF_OURS = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

export function redisDedupeStore(
  client: RedisCommandClient,
  options: RedisDedupeStoreOptions = {},
): DedupeStore<undefined> {
  const prefix = options.prefix ?? 'quickwins:kafka-dedupe:';
  const pendingTtlMs = options.pendingTtlMs ?? 60_000;
  const retentionSeconds = options.retentionSeconds ?? 7 * 86_400;
  for (const [name, value] of [
    ['pendingTtlMs', pendingTtlMs],
    ['retentionSeconds', retentionSeconds],
  ] as const) {
    if (!(Number.isInteger(value) && value > 0))
      throw new RangeError(`redisDedupeStore: option ${name} must be a positive integer, got ${String(value)}`);
  }

  return {
    kind: 'redis',
    async runOnce(group, key, effect): Promise<ClaimOutcome> {
      const redisKey = `${prefix}${group}:${key}`;
      const token = `pending:${randomUUID()}`;
      const claimed = await client.sendCommand(['SET', redisKey, token, 'NX', 'PX', String(pendingTtlMs)]);
      if (claimed === null || claimed === undefined) {
        const holder = await client.sendCommand(['GET', redisKey]);
        if (String(holder) === DONE) return 'duplicate';
        // The claim expired between the two commands: fall through to a retry by kafkajs rather than race here.
        throw new DedupeClaimBusyError(key);
      }
      try {
        await effect(undefined);
      } catch (error) {
        await client.sendCommand(['EVAL', RELEASE_IF_OURS, '1', redisKey, token]).catch(() => undefined);
        throw error;
      }
      await client.sendCommand(['SET', redisKey, DONE, 'EX', String(retentionSeconds)]);
      return 'applied';
    },
  };
}

/**
 * redisDedupeStore on a real redis-server (loopback): the two phases, giving a claim back on a throw, a busy claim,
 * TTLs, and the documented gap: a crash after the effect, before `done`, reapplies the record once the claim expires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DedupeClaimBusyError, redisDedupeStore } from '../../../runtime/src/kafka/index.js';
import { RespClient, startRedis, type RedisServer } from '../../support/redis.js';

let server: RedisServer;
let client: RespClient;
let prefixCount = 0;
const prefix = (): string => `test-${process.pid}-${++prefixCount}:`;

beforeAll(async () => {
  server = await startRedis();
  client = new RespClient(server.port);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
});

describe('redisDedupeStore', () => {
  it('applies a key once, marks it done with the retention TTL, and skips it afterwards', async () => {
    const store = redisDedupeStore(client, { prefix: prefix(), retentionSeconds: 3600 });
    let runs = 0;
    expect(await store.runOnce('g', 'k', async () => void runs++)).toBe('applied');
    expect(await store.runOnce('g', 'k', async () => void runs++)).toBe('duplicate');
    expect(runs).toBe(1);
    expect(store.kind).toBe('redis');
  });

  it('gives the claim back when the handler throws, so a retry applies it', async () => {
    const p = prefix();
    const store = redisDedupeStore(client, { prefix: p });
    await expect(store.runOnce('g', 'k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await client.sendCommand(['EXISTS', `${p}g:k`])).toBe(0);
    expect(await store.runOnce('g', 'k', async () => undefined)).toBe('applied');
    expect(await client.sendCommand(['GET', `${p}g:k`])).toBe('done');
    const ttl = (await client.sendCommand(['TTL', `${p}g:k`])) as number;
    expect(ttl).toBeGreaterThan(7 * 86_400 - 10);
  });

  it('a claim held by another member is busy (kafkajs retries the batch), not skipped', async () => {
    const store = redisDedupeStore(client, { prefix: prefix() });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = store.runOnce('g', 'k', () => gate);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(store.runOnce('g', 'k', async () => undefined)).rejects.toBeInstanceOf(DedupeClaimBusyError);
    release();
    expect(await first).toBe('applied');
  });

  it('best-effort: a crash after the effect and before done applies the record again once the pending claim expires', async () => {
    const p = prefix();
    const store = redisDedupeStore(client, { prefix: p, pendingTtlMs: 200 });
    // the process dies inside the handler after its side effect: simulated by a pending claim left behind
    await client.sendCommand(['SET', `${p}g:k`, 'pending:dead-process', 'PX', '200']);
    await expect(store.runOnce('g', 'k', async () => undefined)).rejects.toBeInstanceOf(DedupeClaimBusyError);
    await new Promise((resolve) => setTimeout(resolve, 300));
    let runs = 0;
    expect(await store.runOnce('g', 'k', async () => void runs++)).toBe('applied');
    expect(runs).toBe(1); // the dead process's effect plus this one: twice in all, as documented
  });

  it('refuses bad options', () => {
    expect(() => redisDedupeStore(client, { pendingTtlMs: 0 })).toThrow(/pendingTtlMs/);
    expect(() => redisDedupeStore(client, { retentionSeconds: 1.5 })).toThrow(/retentionSeconds/);
  });
});

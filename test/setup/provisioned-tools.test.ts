/**
 * redis-server and librdkafka come from Debian's archive (unpacked under node_modules/.cache) when the machine lacks
 * them: forced here with the variables the helpers read, so this holds on a machine that has them too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ensureRdkafka, startMockCluster } from '../support/kafka-mock.js';
import { RespClient, ensureRedisServer, startRedis } from '../support/redis.js';

const saved = { redis: process.env.QUICKWINS_TEST_REDIS, rdkafka: process.env.QUICKWINS_TEST_RDKAFKA };
afterEach(() => {
  for (const [name, value] of [
    ['QUICKWINS_TEST_REDIS', saved.redis],
    ['QUICKWINS_TEST_RDKAFKA', saved.rdkafka],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('tools unpacked from Debian packages', () => {
  it('runs redis-server from the cache and answers PING', async () => {
    process.env.QUICKWINS_TEST_REDIS = 'provisioned';
    const redis = ensureRedisServer();
    expect(redis.source).toBe('provisioned');
    expect(redis.command).toMatch(/node_modules[/\\]\.cache[/\\]quickwins-redis[/\\]/);
    const server = await startRedis();
    const client = new RespClient(server.port);
    try {
      expect(await client.sendCommand(['PING'])).toBe('PONG');
    } finally {
      client.close();
      await server.stop();
    }
  });

  it("starts librdkafka's mock cluster from the cache with no C compiler", async () => {
    process.env.QUICKWINS_TEST_RDKAFKA = 'provisioned';
    const rdkafka = ensureRdkafka();
    expect(rdkafka.source).toBe('provisioned');
    expect(rdkafka.library).toMatch(/node_modules[/\\]\.cache[/\\]quickwins-rdkafka[/\\].*librdkafka\.so\.1$/);
    const cluster = await startMockCluster(2);
    try {
      expect(cluster.brokers).toHaveLength(2);
      await cluster.createTopic('provisioned', 3);
    } finally {
      await cluster.stop();
    }
  });
});

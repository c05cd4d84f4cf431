// Connection rotation on real grpc-js servers on loopback behind a small per-connection round-robin TCP proxy (what
// an L4 balancer or a ClusterIP Service does): per-backend call counts and the proxy's TCP accepts show real rotation;
// unary and streaming calls never fail across rotations; a backend started later gets traffic at the next rotation;
// a backend that is down keeps the old member; closing leaves no client open (counters after each test).
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { rotatingClient, serverConnectionAge } from '../../../runtime/src/grpc/index.js';

const json = {
  serialize: (value: unknown): Buffer => Buffer.from(JSON.stringify(value)),
  deserialize: (buffer: Buffer): unknown => JSON.parse(buffer.toString('utf8')),
};
const SERVICE = {
  echo: {
    path: '/quickwins.test.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
  count: {
    path: '/quickwins.test.Echo/Count',
    requestStream: false,
    responseStream: true,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
} satisfies grpc.ServiceDefinition;
const EchoClient = grpc.makeGenericClientConstructor(SERVICE, 'Echo');
type Echo = grpc.Client & {
  echo(request: unknown, callback: (error: grpc.ServiceError | null, reply?: { backend: string }) => void): grpc.ClientUnaryCall;
  count(request: { n: number; everyMs: number }): grpc.ClientReadableStream<{ backend: string; i: number }>;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Backend {
  name: string;
  port: number;
  calls: number;
  server: grpc.Server;
}

async function startBackend(name: string, options: grpc.ServerOptions = {}): Promise<Backend> {
  const server = new grpc.Server(options);
  const backend: Backend = { name, port: 0, calls: 0, server };
  server.addService(SERVICE, {
    echo: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      backend.calls += 1;
      callback(null, { backend: name });
    },
    count: async (call: grpc.ServerWritableStream<{ n: number; everyMs: number }, unknown>) => {
      backend.calls += 1;
      for (let i = 0; i < call.request.n; i += 1) {
        call.write({ backend: name, i });
        await sleep(call.request.everyMs);
      }
      call.end();
    },
  });
  backend.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
  );
  return backend;
}

/** A TCP proxy that picks a backend per accepted connection, round-robin, like an L4 balancer. */
interface Proxy {
  port: number;
  backends: Backend[];
  accepts: Map<string, number>;
  /** While true, new connections are refused (the backends behind look down). */
  down: boolean;
  close(): Promise<void>;
}

async function startProxy(backends: Backend[]): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let turn = 0;
  const proxy: Proxy = { port: 0, backends, accepts: new Map(), down: false, close: async () => undefined };
  const server: NetServer = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (proxy.down || proxy.backends.length === 0) return void client.destroy();
    const backend = proxy.backends[turn++ % proxy.backends.length]!;
    proxy.accepts.set(backend.name, (proxy.accepts.get(backend.name) ?? 0) + 1);
    const upstream = connect(backend.port, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as { port: number }).port;
  proxy.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return proxy;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(names: string[], serverOptions: grpc.ServerOptions = {}): Promise<{ backends: Backend[]; proxy: Proxy }> {
  const backends = await Promise.all(names.map((name) => startBackend(name, serverOptions)));
  for (const backend of backends) cleanups.push(() => backend.server.forceShutdown());
  const proxy = await startProxy([...backends]);
  cleanups.push(() => proxy.close());
  return { backends, proxy };
}

function unary(client: Echo): Promise<string> {
  return new Promise((resolve, reject) => client.echo({}, (error, reply) => (error ? reject(error) : resolve(reply!.backend))));
}

function stream(client: Echo, n: number, everyMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const call = client.count({ n, everyMs });
    call.on('data', (item: { backend: string; i: number }) => seen.push(`${item.backend}:${item.i}`));
    call.on('error', reject);
    call.on('end', () => resolve(seen));
  });
}

function rotating(proxy: Proxy, rotation: Parameters<typeof rotatingClient>[4]): Echo & ReturnType<typeof rotatingClient> {
  const client = rotatingClient(EchoClient as unknown as new (...args: ConstructorParameters<typeof grpc.Client>) => Echo, `127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure(), {}, rotation);
  cleanups.push(() => {
    client.close();
    const stats = client.rotationStats();
    expect(stats.created, 'every client created was closed').toBe(stats.closed);
    expect(stats.inFlight).toBe(0);
  });
  return client as Echo & ReturnType<typeof rotatingClient>;
}

describe('a plain grpc-js client behind a per-connection balancer (control)', () => {
  it('sends every call to one backend over one connection, even from a new client every 25 calls', async () => {
    const { backends, proxy } = await cluster(['a', 'b']);
    const clients: Echo[] = [];
    cleanups.push(() => clients.forEach((client) => client.close()));
    for (let round = 0; round < 4; round += 1) {
      // grpc-js shares the subchannel (the TCP connection) between clients with the same target and options.
      const client = new EchoClient(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure()) as unknown as Echo;
      clients.push(client);
      for (let i = 0; i < 25; i += 1) await unary(client);
    }
    expect(backends.map((backend) => backend.calls).sort((x, y) => x - y)).toEqual([0, 100]);
    expect([...proxy.accepts.values()]).toEqual([1]);
  });
});

describe('rotatingClient', () => {
  it('opens a new TCP connection every maxAgeMs and spreads calls over the backends, with no failed call', async () => {
    const { backends, proxy } = await cluster(['a', 'b']);
    const client = rotating(proxy, { maxAgeMs: 150, jitter: 0 });
    const results: string[] = [];
    for (let i = 0; i < 200; i += 1) {
      results.push(await unary(client));
      if (i % 10 === 9) await sleep(20);
    }
    expect(results).toHaveLength(200);
    expect(client.rotationStats().rotations).toBeGreaterThanOrEqual(2);
    expect(proxy.accepts.get('a')).toBeGreaterThanOrEqual(1);
    expect(proxy.accepts.get('b')).toBeGreaterThanOrEqual(1);
    for (const backend of backends) expect(backend.calls, backend.name).toBeGreaterThan(20);
  });

  it('lets streams that outlive a rotation finish on the old connection (drain), with no failed call', async () => {
    const { proxy } = await cluster(['a', 'b']);
    const client = rotating(proxy, { maxAgeMs: 100, jitter: 0, drainMs: 5000 });
    const streams = await Promise.all(Array.from({ length: 6 }, (_, k) => sleep(k * 60).then(() => stream(client, 12, 25))));
    for (const items of streams) {
      expect(items).toHaveLength(12);
      expect(new Set(items.map((item) => item.split(':')[0])).size).toBe(1); // one stream, one backend, start to end
    }
    expect(client.rotationStats().rotations).toBeGreaterThanOrEqual(2);
  });

  it('sends traffic to a backend started later at the next rotation', async () => {
    const { proxy } = await cluster(['a']);
    const maxAgeMs = 300;
    const client = rotating(proxy, { maxAgeMs, jitter: 0.1 });
    expect(await unary(client)).toBe('a');
    const late = await startBackend('late');
    cleanups.push(() => late.server.forceShutdown());
    proxy.backends.push(late);
    // Counted in rotations, not milliseconds: the proxy hands the next new connection to the late backend.
    const rotationsBefore = client.rotationStats().rotations;
    const rotationsSince = (): number => client.rotationStats().rotations - rotationsBefore;
    const startedAt = Date.now();
    let rotationsAtFirstLateCall: number | undefined;
    while (rotationsAtFirstLateCall === undefined && rotationsSince() < 4) {
      if ((await unary(client)) === 'late') rotationsAtFirstLateCall = rotationsSince();
      await sleep(5);
    }
    console.info(`first call on the late backend after ${Date.now() - startedAt} ms, ${rotationsAtFirstLateCall} rotation(s)`);
    expect(rotationsAtFirstLateCall, 'the late backend got a call').toBeDefined();
    // The next rotation, or the one after when a slow call straddles it.
    expect(rotationsAtFirstLateCall!).toBeLessThanOrEqual(2);
  });

  it('keeps the old member when the backend cannot be reached for a rotation, and rotates once it can', async () => {
    const { proxy } = await cluster(['a']);
    const client = rotating(proxy, { maxAgeMs: 60_000, readyTimeoutMs: 200, retryMs: 100 });
    expect(await unary(client)).toBe('a');
    proxy.down = true;
    await client.rotateNow();
    expect(client.rotationStats()).toMatchObject({ rotations: 0, failedRotations: 1 });
    expect(await unary(client)).toBe('a'); // the old connection still serves
    proxy.down = false;
    await client.rotateNow();
    expect(client.rotationStats().rotations).toBe(1);
    expect(await unary(client)).toBe('a');
  });

  it('spreads calls over poolSize members, each its own connection', async () => {
    const { backends, proxy } = await cluster(['a', 'b']);
    const client = rotating(proxy, { maxAgeMs: 60_000, poolSize: 2 });
    for (let i = 0; i < 40; i += 1) await unary(client);
    expect(backends.map((backend) => backend.calls)).toEqual([20, 20]);
  });

  it('never fails a call and never leaks a client, under random schedules of calls, streams and rotations (property)', async () => {
    const { proxy } = await cluster(['a', 'b', 'c']);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant('unary' as const), fc.constant('stream' as const), fc.constant('rotate' as const), fc.integer({ min: 0, max: 15 })), { minLength: 5, maxLength: 25 }),
        async (steps) => {
          const client = rotatingClient(EchoClient as unknown as new (...args: ConstructorParameters<typeof grpc.Client>) => Echo, `127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure(), {}, { maxAgeMs: 40, jitter: 0.5, drainMs: 2000 }) as Echo & ReturnType<typeof rotatingClient>;
          const calls: Promise<unknown>[] = [];
          for (const step of steps) {
            if (step === 'unary') calls.push(unary(client));
            else if (step === 'stream') calls.push(stream(client, 4, 10).then((items) => expect(items).toHaveLength(4)));
            else if (step === 'rotate') calls.push(client.rotateNow());
            else await sleep(step);
          }
          await Promise.all(calls);
          client.close();
          const stats = client.rotationStats();
          expect(stats.created).toBe(stats.closed);
          expect(stats.inFlight).toBe(0);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('refuses calls once closed, with a clear error', async () => {
    const { proxy } = await cluster(['a']);
    const client = rotating(proxy, {});
    client.close();
    expect(() => client.echo({}, () => undefined)).toThrow(/rotatingClient: the client is closed/);
  });

  it('validates its options up front', () => {
    expect(() => rotatingClient(EchoClient as never, '127.0.0.1:1', grpc.credentials.createInsecure(), {}, { maxAgeMs: 0 })).toThrow(/maxAgeMs must be a positive number/);
    expect(() => rotatingClient(EchoClient as never, '127.0.0.1:1', grpc.credentials.createInsecure(), {}, { jitter: 1 })).toThrow(/jitter must be in \[0, 1\)/);
    expect(() => rotatingClient(EchoClient as never, '127.0.0.1:1', grpc.credentials.createInsecure(), {}, { poolSize: 1.5 })).toThrow(/poolSize must be a whole number/);
  });
});

describe('serverConnectionAge', () => {
  it('makes servers we own close old connections, so a plain client is spread over the backends with no failed call', async () => {
    const { backends, proxy } = await cluster(['a', 'b'], serverConnectionAge({ maxAgeMs: 150, graceMs: 2000 }));
    const client = new EchoClient(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure()) as unknown as Echo;
    cleanups.push(() => client.close());
    for (let i = 0; i < 120; i += 1) {
      await unary(client);
      if (i % 10 === 9) await sleep(25);
    }
    for (const backend of backends) expect(backend.calls, backend.name).toBeGreaterThan(10);
  });

  it('validates its options', () => {
    expect(serverConnectionAge()).toEqual({ 'grpc.max_connection_age_ms': 300_000, 'grpc.max_connection_age_grace_ms': 30_000 });
    expect(() => serverConnectionAge({ graceMs: -1 })).toThrow(/graceMs must be a positive integer/);
  });
});

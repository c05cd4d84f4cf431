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
  echo(
    request: unknown,
    callback: (error: grpc.ServiceError | null, reply?: { backend: string }) => void,
  ): grpc.ClientUnaryCall;
  echo(
    request: unknown,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: { backend: string }) => void,
  ): grpc.ClientUnaryCall;
  count(
    request: { n: number; everyMs: number },
    metadata?: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<{ backend: string; i: number }>;
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
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
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
  // No Nagle on either leg: each small HTTP/2 frame would otherwise wait for a delayed ACK (about 40 ms a call).
  const server: NetServer = createServer({ noDelay: true }, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (proxy.down || proxy.backends.length === 0) return void client.destroy();
    const backend = proxy.backends[turn++ % proxy.backends.length]!;
    proxy.accepts.set(backend.name, (proxy.accepts.get(backend.name) ?? 0) + 1);
    const upstream = connect({ port: backend.port, host: '127.0.0.1', noDelay: true });
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

async function cluster(
  names: string[],
  serverOptions: grpc.ServerOptions = {},
): Promise<{ backends: Backend[]; proxy: Proxy }> {
  const backends = await Promise.all(names.map((name) => startBackend(name, serverOptions)));
  for (const backend of backends) cleanups.push(() => backend.server.forceShutdown());
  const proxy = await startProxy([...backends]);
  cleanups.push(() => proxy.close());
  return { backends, proxy };
}

function unary(client: Echo): Promise<string> {
  return new Promise((resolve, reject) =>
    client.echo({}, (error, reply) => (error ? reject(error) : resolve(reply!.backend))),
  );
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

function rotating(
  proxy: Proxy,
  rotation: Parameters<typeof rotatingClient>[4],
): Echo & ReturnType<typeof rotatingClient> {
  const client = rotatingClient(
    EchoClient as unknown as new (...args: ConstructorParameters<typeof grpc.Client>) => Echo,
    `127.0.0.1:${proxy.port}`,
    grpc.credentials.createInsecure(),
    {},
    rotation,
  );
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

describe('grpc.max_connection_age_ms is a server option only (grpc-js 1.14)', () => {
  /** Sequential unary calls for `forMs` (a pause every 10 calls), then the calls per backend and the proxy's accepts. */
  async function loadFor(client: Echo, forMs: number): Promise<number> {
    const startedAt = Date.now();
    let calls = 0;
    while (Date.now() - startedAt < forMs) {
      await unary(client);
      calls += 1;
      if (calls % 10 === 0) await sleep(25);
    }
    return calls;
  }

  it('on the client it changes nothing: one backend, one connection; on the servers it spreads the same load', async () => {
    const options = { 'grpc.max_connection_age_ms': 150, 'grpc.max_connection_age_grace_ms': 2000 };
    const clientSide = await cluster(['a', 'b']);
    const serverSide = await cluster(['c', 'd'], options);
    // Both sides under load at the same time: separate clusters, so neither sees the other's calls.
    const sides = [
      ['client-side option', clientSide, options],
      ['server-side option', serverSide, {}],
    ] as const;
    const figures = await Promise.all(
      sides.map(async ([label, { backends, proxy }, clientOptions]) => {
        const client = new EchoClient(
          `127.0.0.1:${proxy.port}`,
          grpc.credentials.createInsecure(),
          clientOptions,
        ) as unknown as Echo;
        cleanups.push(() => client.close());
        const calls = await loadFor(client, 150 * 12);
        return `${label}: ${calls} calls over 1.8 s, per backend ${backends.map((backend) => backend.calls).join('/')}, TCP accepts ${[...proxy.accepts.values()].join('/')}`;
      }),
    );
    console.log(figures.join('\n'));
    expect(clientSide.backends.map((backend) => backend.calls).filter((calls) => calls > 0)).toHaveLength(1);
    expect([...clientSide.proxy.accepts.values()]).toEqual([1]);
    const total = serverSide.backends.reduce((sum, backend) => sum + backend.calls, 0);
    for (const backend of serverSide.backends) expect(backend.calls, backend.name).toBeGreaterThan(total * 0.1);
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
    const streams = await Promise.all(
      Array.from({ length: 6 }, (_, k) => sleep(k * 60).then(() => stream(client, 12, 25))),
    );
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
    console.info(
      `first call on the late backend after ${Date.now() - startedAt} ms, ${rotationsAtFirstLateCall} rotation(s)`,
    );
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
        fc.array(
          fc.oneof(
            fc.constant('unary' as const),
            fc.constant('stream' as const),
            fc.constant('rotate' as const),
            fc.integer({ min: 0, max: 15 }),
          ),
          { minLength: 5, maxLength: 25 },
        ),
        async (steps) => {
          const client = rotatingClient(
            EchoClient as unknown as new (...args: ConstructorParameters<typeof grpc.Client>) => Echo,
            `127.0.0.1:${proxy.port}`,
            grpc.credentials.createInsecure(),
            {},
            { maxAgeMs: 40, jitter: 0.5, drainMs: 2000 },
          ) as Echo & ReturnType<typeof rotatingClient>;
          const calls: Promise<unknown>[] = [];
          for (const step of steps) {
            if (step === 'unary') calls.push(unary(client));
            else if (step === 'stream')
              calls.push(stream(client, 4, 10).then((items) => expect(items).toHaveLength(4)));
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
    expect(() =>
      rotatingClient(EchoClient as never, '127.0.0.1:1', grpc.credentials.createInsecure(), {}, { maxAgeMs: 0 }),
    ).toThrow(/maxAgeMs must be a positive number/);
    expect(() =>
      rotatingClient(EchoClient as never, '127.0.0.1:1', grpc.credentials.createInsecure(), {}, { jitter: 1 }),
    ).toThrow(/jitter must be in \[0, 1\)/);
    expect(() =>
      rotatingClient(EchoClient as never, '127.0.0.1:1', grpc.credentials.createInsecure(), {}, { poolSize: 1.5 }),
    ).toThrow(/poolSize must be a whole number/);
  });
});

/** A client interceptor that answers during `start`, before the call reaches the network (a cache, a circuit breaker). */
function answerAtOnce(code: grpc.status, reply?: unknown): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start: (_metadata, listener) => {
        if (reply !== undefined) listener.onReceiveMessage(reply);
        listener.onReceiveStatus({ code, details: 'answered by an interceptor', metadata: new grpc.Metadata() });
      },
      sendMessage: () => undefined,
      halfClose: () => undefined,
    });
}

/** How one call ended: the status code its caller saw (the callback's error, or the stream's error or end). */
function unaryOutcome(client: Echo, options: grpc.CallOptions, cancel = false): Promise<grpc.status> {
  return new Promise((resolve) => {
    const call = client.echo({}, new grpc.Metadata(), options, (error) => resolve(error?.code ?? grpc.status.OK));
    if (cancel) call.cancel();
  });
}

function streamOutcome(client: Echo, options: grpc.CallOptions, cancel = false): Promise<grpc.status> {
  return new Promise((resolve) => {
    const call = client.count({ n: 50, everyMs: 20 }, new grpc.Metadata(), options);
    call.on('data', () => {
      if (cancel) call.cancel();
    });
    call.on('error', (error: grpc.ServiceError) => resolve(error.code));
    call.on('end', () => resolve(grpc.status.OK));
  });
}

describe('rotatingClient settles every call, however it ends', () => {
  const past = (): grpc.CallOptions => ({ deadline: Date.now() - 1000 });
  const cases: { name: string; run: (client: Echo) => Promise<grpc.status>; code: grpc.status }[] = [
    {
      name: 'unary answered at once by an interceptor (OK)',
      run: (client) => unaryOutcome(client, { interceptors: [answerAtOnce(grpc.status.OK, { backend: 'cache' })] }),
      code: grpc.status.OK,
    },
    {
      name: 'unary answered at once by an interceptor (error)',
      run: (client) => unaryOutcome(client, { interceptors: [answerAtOnce(grpc.status.UNAVAILABLE)] }),
      code: grpc.status.UNAVAILABLE,
    },
    {
      name: 'stream answered at once by an interceptor',
      run: (client) =>
        streamOutcome(client, { interceptors: [answerAtOnce(grpc.status.OK, { backend: 'cache', i: 0 })] }),
      code: grpc.status.OK,
    },
    {
      name: 'unary whose deadline already passed',
      run: (client) => unaryOutcome(client, past()),
      code: grpc.status.DEADLINE_EXCEEDED,
    },
    {
      name: 'stream whose deadline already passed',
      run: (client) => streamOutcome(client, past()),
      code: grpc.status.DEADLINE_EXCEEDED,
    },
    { name: 'cancelled unary', run: (client) => unaryOutcome(client, {}, true), code: grpc.status.CANCELLED },
    { name: 'cancelled stream', run: (client) => streamOutcome(client, {}, true), code: grpc.status.CANCELLED },
  ];
  for (const { name, run, code } of cases) {
    it(`${name}: nothing left in flight, and the replaced member closes at the rotation`, async () => {
      const { proxy } = await cluster(['a']);
      // drainMs far beyond the test: a member still counted in flight would stay open.
      const client = rotating(proxy, { maxAgeMs: 60_000, drainMs: 60_000 });
      for (let rotation = 1; rotation <= 3; rotation += 1) {
        expect(await run(client)).toBe(code);
        expect(client.rotationStats().inFlight).toBe(0);
        await client.rotateNow();
        const stats = client.rotationStats();
        expect(stats).toMatchObject({ rotations: rotation, inFlight: 0, draining: 0 });
        expect(stats.closed).toBe(stats.created - 1);
      }
    });
  }

  it("keeps the caller's own callInvocationTransformer and client interceptors, and still settles", async () => {
    const { proxy } = await cluster(['a']);
    const seen: string[] = [];
    const options = {
      callInvocationTransformer: (properties: grpc.CallProperties<unknown, unknown>) => (
        seen.push(properties.methodDefinition.path),
        properties
      ),
      interceptors: [answerAtOnce(grpc.status.OK, { backend: 'cache' })],
    };
    const client = rotatingClient(
      EchoClient as unknown as new (...args: ConstructorParameters<typeof grpc.Client>) => Echo,
      `127.0.0.1:${proxy.port}`,
      grpc.credentials.createInsecure(),
      options,
      { maxAgeMs: 60_000, drainMs: 60_000 },
    );
    cleanups.push(() => client.close());
    expect(await unary(client)).toBe('cache');
    expect(seen).toEqual(['/quickwins.test.Echo/Echo']);
    await client.rotateNow();
    expect(await unary(client)).toBe('cache');
    expect(seen).toHaveLength(2);
    expect(client.rotationStats()).toMatchObject({ inFlight: 0, draining: 0, created: 2, closed: 1 });
  });

  it('a stream answered at once with an error throws from the call (grpc-js) and is not counted in flight', async () => {
    const { proxy } = await cluster(['a']);
    const client = rotating(proxy, { maxAgeMs: 60_000, drainMs: 60_000 });
    expect(() =>
      client.count({ n: 1, everyMs: 0 }, new grpc.Metadata(), {
        interceptors: [answerAtOnce(grpc.status.UNAVAILABLE)],
      }),
    ).toThrow(/answered by an interceptor/);
    await client.rotateNow();
    expect(client.rotationStats()).toMatchObject({ inFlight: 0, draining: 0, closed: 1, created: 2 });
  });

  it('settles a unary call whose callback throws (grpc-js then never emits status)', async () => {
    const { proxy } = await cluster(['a']);
    const client = rotating(proxy, { maxAgeMs: 60_000, drainMs: 60_000 });
    const thrown = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    client.echo({}, () => {
      throw new Error('callback failed');
    });
    expect(String(await thrown)).toMatch(/callback failed/);
    expect(client.rotationStats().inFlight).toBe(0);
  });
});

describe('rotatingClient methods', () => {
  it('carry every own property of the generated client method, with the same value', async () => {
    const { proxy } = await cluster(['a']);
    const client = rotating(proxy, {}) as unknown as Record<string, unknown>;
    const plain = EchoClient.prototype as unknown as Record<string, unknown>;
    for (const method of Object.keys(SERVICE)) {
      const generated = plain[method] as object;
      const wrapped = client[method] as object;
      expect(Reflect.ownKeys(generated).length).toBeGreaterThan(3);
      for (const property of Reflect.ownKeys(generated)) {
        expect(Object.hasOwn(wrapped, property), `${method}.${String(property)}`).toBe(true);
        expect((wrapped as Record<string | symbol, unknown>)[property], `${method}.${String(property)}`).toBe(
          (generated as Record<string | symbol, unknown>)[property],
        );
      }
    }
    const shape = (method: unknown): unknown => ({ ...(method as object) });
    expect(shape(client.echo)).toMatchObject({
      path: '/quickwins.test.Echo/Echo',
      requestStream: false,
      responseStream: false,
    });
    expect(shape(client.count)).toMatchObject({
      path: '/quickwins.test.Echo/Count',
      requestStream: false,
      responseStream: true,
    });
  });

  it('keep originalName and its alias, as loadPackageDefinition clients have them', async () => {
    const { proxy } = await cluster(['a']);
    const withOriginal = { Echo: { ...SERVICE.echo, originalName: 'echoOriginal' } } satisfies grpc.ServiceDefinition;
    const Generated = grpc.makeGenericClientConstructor(withOriginal, 'Echo');
    const client = rotatingClient(Generated, `127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
    cleanups.push(() => client.close());
    const methods = client as unknown as Record<string, { originalName?: string; path?: string }>;
    for (const name of ['Echo', 'echoOriginal']) {
      expect({ ...methods[name] }, name).toMatchObject({
        originalName: 'echoOriginal',
        path: '/quickwins.test.Echo/Echo',
      });
    }
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
    expect(serverConnectionAge()).toEqual({
      'grpc.max_connection_age_ms': 300_000,
      'grpc.max_connection_age_grace_ms': 30_000,
    });
    expect(() => serverConnectionAge({ graceMs: -1 })).toThrow(/graceMs must be a positive integer/);
  });
});

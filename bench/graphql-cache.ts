/**
 * The document cache on a realistic gateway query mix, graphql-js over node:http on loopback, one server process per
 * arm (the same handler; only the call differs):
 *   graphql     graphql({ schema, source, ... }) from graphql-js: what a hand-written server does
 *   cached      cachedGraphql(args, { log: false }) from the built package (runtime/dist): parse + validate cached
 *   cached+log  cachedGraphql(args) with the operation line on a pino logger writing to /dev/null (asynchronous
 *               destination, as in bench/auth-overhead): the line's cost beside the cache's gain
 * The mix: 24 operations (feed, profile, search, a mutation, dashboards; 75 to 627 characters, fragments, variables), drawn with a
 * Zipf-like weight from a seeded generator, so a few operations dominate, as on a gateway. autocannon loads one arm at
 * a time, in turn, and reports throughput, p99 and server CPU per request (medians over rounds).
 *
 *   npm run build && npx tsx bench/graphql-cache.ts
 *   ROUNDS=5 SECONDS=10 CONNECTIONS=20 npx tsx bench/graphql-cache.ts
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { graphql } from 'graphql';
import { pino } from 'pino';
import type * as Runtime from '../runtime/src/graphql/index.js';
import { makeSchema, ROOT } from '../test/runtime/graphql/support.js';
import {
  cpuMicros,
  loadAutocannon,
  serveArm,
  startArmServer,
  type Autocannon,
  type AutocannonResult,
} from './support/arm-server.js';
import { seededRandom } from './support/random.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const ARMS = ['graphql', 'cached', 'cached+log'] as const;
type Arm = (typeof ARMS)[number];

// ---- the query mix ----

const USER_FIELDS = 'fragment UserCard on User { id name email }';
const POST_FIELDS = 'fragment PostCard on Post { id title tags author { ...UserCard } }';

function operations(): { query: string; variables?: Record<string, unknown>; operationName: string }[] {
  const base = [
    { operationName: 'Me', query: 'query Me { me { ...UserCard } }\n' + USER_FIELDS },
    {
      operationName: 'Feed',
      query: 'query Feed($first: Int!) { feed(first: $first) { ...PostCard } }\n' + POST_FIELDS + '\n' + USER_FIELDS,
      variables: { first: 3 },
    },
    {
      operationName: 'FeedByTag',
      query:
        'query FeedByTag($tag: String) { feed(first: 3, filter: { tag: $tag, order: NEWEST }) { ...PostCard } }\n' +
        POST_FIELDS +
        '\n' +
        USER_FIELDS,
      variables: { tag: 'perf' },
    },
    {
      operationName: 'Profile',
      query:
        'query Profile($id: ID!) { user(id: $id) { ...UserCard posts(first: 2) { ...PostCard } } }\n' +
        POST_FIELDS +
        '\n' +
        USER_FIELDS,
      variables: { id: 'u1' },
    },
    {
      operationName: 'Search',
      query:
        'query Search($text: String!) { search(text: $text) { __typename ... on User { ...UserCard } ... on Post { ...PostCard } } }\n' +
        POST_FIELDS +
        '\n' +
        USER_FIELDS,
      variables: { text: 'a' },
    },
    {
      operationName: 'Node',
      query: 'query Node($id: ID!) { node(id: $id) { id ... on Post { title author { name } } ... on User { name } } }',
      variables: { id: 'p2' },
    },
    {
      operationName: 'Login',
      query:
        'mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { ...UserCard } }\n' +
        USER_FIELDS,
      variables: { email: 'ada@example.com', password: 'x' },
    },
  ];
  // Variants a gateway sees: the same screens asking for a little more or less (each a distinct source string).
  const variants = [];
  for (let i = 0; i < 17; i++) {
    const extra = Array.from(
      { length: 1 + (i % 6) },
      (_, k) => `a${k}: me { id name posts(first: ${1 + (k % 3)}) { title tags author { id name email } } }`,
    ).join('\n  ');
    variants.push({
      operationName: `Dashboard${i}`,
      query: `query Dashboard${i} {\n  ${extra}\n  feed(first: ${1 + (i % 3)}) { ...PostCard }\n}\n${POST_FIELDS}\n${USER_FIELDS}`,
    });
  }
  return [...base, ...variants];
}

function mix(count: number): string[] {
  const ops = operations();
  const random = seededRandom(15);
  const weights = ops.map((_, rank) => 1 / (rank + 1));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return Array.from({ length: count }, () => {
    let pick = random() * total;
    let index = 0;
    while (pick > weights[index]!) pick -= weights[index++]!;
    return JSON.stringify(ops[index]!);
  });
}

// ---- server side (child process) ----

async function serve(arm: Arm): Promise<void> {
  const runtime = (await import(new URL('../runtime/dist/graphql/index.js', import.meta.url).href).catch(
    (error: unknown) => {
      throw new Error('bench/graphql-cache: runtime/dist/graphql/index.js is missing; run `npm run build` first', {
        cause: error,
      });
    },
  )) as typeof Runtime;
  const schema = makeSchema();
  const logger = pino(pino.destination({ dest: '/dev/null', minLength: 4096, sync: false }));
  const cache = runtime.createDocumentCache({ registry: false });
  const run = (args: Parameters<typeof graphql>[0]) =>
    arm === 'graphql'
      ? graphql(args)
      : runtime.cachedGraphql(args, { cache, log: arm === 'cached' ? false : { logger } });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        query: string;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      void run({
        schema,
        source: body.query,
        rootValue: ROOT,
        variableValues: body.variables,
        operationName: body.operationName,
        contextValue: { req: request },
      }).then((result) => {
        response
          .writeHead(result.errors ? 400 : 200, { 'content-type': 'application/json' })
          .end(JSON.stringify(result));
      });
    });
  });
  serveArm(server);
}

// ---- load side ----

const BODIES = mix(400);

function load(autocannon: Autocannon, port: number, seconds: number): Promise<AutocannonResult> {
  return autocannon({
    url: `http://127.0.0.1:${port}/graphql`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: BODIES.map((body) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bench' },
      body,
    })),
  });
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const autocannon = loadAutocannon(import.meta.url);
  const servers = new Map<Arm, { child: ChildProcess; port: number }>();
  const samples = new Map<Arm, { throughput: number[]; p99: number[]; cpu: number[] }>(
    ARMS.map((arm) => [arm, { throughput: [], p99: [], cpu: [] }]),
  );
  const sizes = operations().map((op) => op.query.length);
  console.log(
    `mix: ${sizes.length} operations, ${Math.min(...sizes)}-${Math.max(...sizes)} characters, ${BODIES.length} requests per cycle; load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')} on ${cpus().length} CPUs`,
  );
  try {
    for (const arm of ARMS) servers.set(arm, await startArmServer(fileURLToPath(import.meta.url), arm));
    for (const arm of ARMS) await load(autocannon, servers.get(arm)!.port, 2); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      const order = ARMS.map((_, index) => ARMS[(index + round) % ARMS.length]!);
      for (const arm of order) {
        const { child, port } = servers.get(arm)!;
        const before = await cpuMicros(child);
        const result = await load(autocannon, port, SECONDS);
        const after = await cpuMicros(child);
        if (result.errors > 0 || result.non2xx > 0)
          throw new Error(`${arm}: ${result.errors} errors, ${result.non2xx} non-2xx`);
        const armSamples = samples.get(arm)!;
        armSamples.throughput.push(result.requests.average);
        armSamples.p99.push(result.latency.p99);
        armSamples.cpu.push((after - before) / result.requests.total);
        console.log(
          `round ${round + 1} ${arm.padEnd(10)} ${result.requests.average.toFixed(0).padStart(6)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  server CPU ${armSamples.cpu.at(-1)!.toFixed(0)} µs/req`,
        );
      }
    }
  } finally {
    for (const { child } of servers.values()) child.kill();
  }
  console.log(
    `\n${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s per arm (medians); load average now ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  const get = (arm: Arm) => samples.get(arm)!;
  for (const arm of ARMS)
    console.log(
      `  ${arm.padEnd(11)} ${median(get(arm).throughput).toFixed(0).padStart(6)} req/s  p99 ${median(get(arm).p99)} ms  server CPU ${median(get(arm).cpu).toFixed(0)} µs/req`,
    );
  const ratio = (a: Arm, b: Arm, what: 'throughput' | 'cpu' | 'p99') =>
    (median(get(a)[what]) / median(get(b)[what])).toFixed(2);
  console.log(
    `  throughput cached / graphql ${ratio('cached', 'graphql', 'throughput')}, cached+log / graphql ${ratio('cached+log', 'graphql', 'throughput')}, cached+log / cached ${ratio('cached+log', 'cached', 'throughput')}`,
  );
  console.log(
    `  p99 cached / graphql ${ratio('cached', 'graphql', 'p99')}; server CPU per request cached / graphql ${ratio('cached', 'graphql', 'cpu')}, cached+log / cached ${ratio('cached+log', 'cached', 'cpu')}`,
  );
}

if (process.argv[2] === 'serve') await serve(process.argv[3] as Arm);
else await main();

/**
 * librdkafka's built-in mock cluster for the broker layer: test/support/kafka-mock/mock-cluster.py drives it through
 * python3's ctypes (no C compiler, no headers) as a child process whose brokers listen on 127.0.0.1. Commands go over
 * its stdin (create a topic, make the next requests of an API fail).
 *
 * librdkafka from the system's library path, else unpacked from Debian's packages into node_modules/.cache
 * (test/support/debian.ts); `QUICKWINS_TEST_RDKAFKA=provisioned` asks for the cache. Fails loudly when python3 or
 * the library cannot be had.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cacheFolder, libraryPath, provisionDebianPackages, runQuiet } from './debian.js';

const PROGRAM = fileURLToPath(new URL('./kafka-mock/mock-cluster.py', import.meta.url));
const LIBRARY = 'librdkafka.so.1';

/** librdkafka and the libraries a Node-only Debian may lack (bookworm names). */
export const RDKAFKA_DEBIAN_PACKAGES = [
  'librdkafka1',
  'libsasl2-2',
  'libsasl2-modules-db',
  'libdb5.3',
  'liblz4-1',
  'libzstd1',
];

export interface RdkafkaLibrary {
  source: 'system' | 'provisioned';
  /** What the program loads: the soname, or the unpacked file. */
  library: string;
  env: NodeJS.ProcessEnv;
}

function loads(library: string, env: NodeJS.ProcessEnv): { ok: boolean; output: string } {
  return runQuiet('python3', ['-c', 'import ctypes, sys; ctypes.CDLL(sys.argv[1])', library], { env });
}

/** librdkafka as the mock program can load it, fetched on first use when the system has none. */
export function ensureRdkafka(cacheRoot = cacheFolder('quickwins-rdkafka')): RdkafkaLibrary {
  const python = runQuiet('python3', ['--version']);
  if (!python.ok)
    throw new Error(`the Kafka mock cluster needs python3 (for ctypes), which does not run: ${python.output}`);
  if (process.env.QUICKWINS_TEST_RDKAFKA !== 'provisioned' && loads(LIBRARY, process.env).ok) {
    return { source: 'system', library: LIBRARY, env: process.env };
  }
  const prefix = join(cacheRoot, 'debian');
  const unpacked = (): string | undefined =>
    libraryPath(prefix)
      .split(delimiter)
      .map((folder) => join(folder, LIBRARY))
      .find((file) => file.startsWith(prefix) && existsSync(file));
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, LD_LIBRARY_PATH: libraryPath(prefix) });
  const current = unpacked();
  if (current === undefined || !loads(current, env()).ok)
    provisionDebianPackages('librdkafka', RDKAFKA_DEBIAN_PACKAGES, prefix);
  const library = unpacked();
  if (library === undefined) throw new Error(`librdkafka unpacked into ${prefix} has no ${LIBRARY}`);
  const check = loads(library, env());
  if (!check.ok) throw new Error(`librdkafka unpacked into ${prefix} does not load:\n${check.output}`);
  return { source: 'provisioned', library, env: env() };
}

/** Kafka protocol numbers the tests use. */
export const API = { offsetCommit: 8, heartbeat: 12 } as const;
export const ERROR = { rebalanceInProgress: 27 } as const;

export interface MockCluster {
  readonly brokers: string[];
  createTopic(name: string, partitions: number): Promise<void>;
  /** The next `count` requests of API `apiKey` fail with Kafka error `code`. */
  failNext(apiKey: number, code: number, count: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startMockCluster(brokerCount = 1): Promise<MockCluster> {
  const { library, env } = ensureRdkafka();
  const child: ChildProcessWithoutNullStreams = spawn('python3', [PROGRAM, library, String(brokerCount)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the mock cluster exited: ${stderr}`);
    return value as string;
  };
  const bootstrap = await nextLine();
  if (!/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)*$/.test(bootstrap))
    throw new Error(`unexpected mock cluster bootstrap line ${JSON.stringify(bootstrap)}`);
  // Commands are answered in order; one at a time keeps it that way.
  let queue = Promise.resolve();
  const command = (line: string): Promise<void> => {
    const run = queue.then(async () => {
      child.stdin.write(`${line}\n`);
      const answer = await nextLine();
      if (answer !== 'ok') throw new Error(`mock cluster: ${line}: ${answer}`);
    });
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    brokers: bootstrap.split(','),
    createTopic: (name, partitions) => command(`topic ${name} ${partitions}`),
    failNext: (apiKey, code, count) => command(`error ${apiKey} ${code} ${count}`),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin.end();
        await exited;
      }
    },
  };
}

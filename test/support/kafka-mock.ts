/**
 * librdkafka's built-in mock cluster for the broker layer: test/support/kafka-mock/mock-cluster.c is compiled with
 * `cc` at test time (needs librdkafka's headers: Debian librdkafka-dev) and run as a child process whose brokers
 * listen on 127.0.0.1. Commands go over its stdin (create a topic, make the next requests of an API fail). Fails
 * loudly when the compiler or the library is missing.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('./kafka-mock/mock-cluster.c', import.meta.url));

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
  const dir = mkdtempSync(join(tmpdir(), 'quickwins-kafka-mock-'));
  const binary = join(dir, 'mock-cluster');
  const compiled = spawnSync('cc', ['-O1', '-o', binary, SOURCE, '-lrdkafka'], { encoding: 'utf8' });
  if (compiled.error || compiled.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `cannot build the librdkafka mock cluster (needs cc and librdkafka-dev: apt-get install -y gcc librdkafka-dev): ${compiled.error?.message ?? compiled.stderr}`,
    );
  }
  const child: ChildProcessWithoutNullStreams = spawn(binary, [String(brokerCount)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the mock cluster exited: ${stderr}`);
    return value as string;
  };
  const bootstrap = await nextLine();
  if (!/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)*$/.test(bootstrap)) throw new Error(`unexpected mock cluster bootstrap line ${JSON.stringify(bootstrap)}`);
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
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A throwaway redis-server on 127.0.0.1 for the redis store tests, and the smallest RESP client that gives the store
 * its `sendCommand(args)` (the project has no redis client dependency).
 *
 * redis-server from PATH, else unpacked from Debian's packages into node_modules/.cache (test/support/debian.ts),
 * with its shared libraries; `QUICKWINS_TEST_REDIS=provisioned` asks for the cache. Fails loudly when neither runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createServer, Socket } from 'node:net';
import { cacheFolder, libraryPath, provisionDebianPackages, runQuiet } from './debian.js';

/** redis-server's binary and the libraries a Node-only Debian may lack (bookworm names). */
export const REDIS_DEBIAN_PACKAGES = ['redis-server', 'redis-tools', 'liblzf1', 'libjemalloc2', 'libatomic1'];

export interface RedisProgram {
  source: 'path' | 'provisioned';
  command: string;
  env: NodeJS.ProcessEnv;
}

/** redis-server from PATH, else from the cache (filled on first use). Throws when it cannot get a working one. */
export function ensureRedisServer(cacheRoot = cacheFolder('quickwins-redis')): RedisProgram {
  if (process.env.QUICKWINS_TEST_REDIS !== 'provisioned' && runQuiet('redis-server', ['--version']).ok) {
    return { source: 'path', command: 'redis-server', env: process.env };
  }
  const prefix = join(cacheRoot, 'debian');
  const command = join(prefix, 'usr', 'bin', 'redis-server');
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, LD_LIBRARY_PATH: libraryPath(prefix) });
  if (!runQuiet(command, ['--version'], { env: env() }).ok)
    provisionDebianPackages('redis-server', REDIS_DEBIAN_PACKAGES, prefix);
  const check = runQuiet(command, ['--version'], { env: env() });
  if (!check.ok) throw new Error(`redis-server unpacked into ${prefix} does not run:\n${check.output}`);
  return { source: 'provisioned', command, env: env() };
}

export interface RedisServer {
  readonly port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRedis(): Promise<RedisServer> {
  const redis = ensureRedisServer();
  const port = await freePort();
  const child: ChildProcess = spawn(
    redis.command,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
      env: redis.env,
    },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new RespClient(port);
    try {
      if ((await client.sendCommand(['PING'])) === 'PONG') break;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on 127.0.0.1:${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.close();
    }
  }
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

type Reply = string | number | null | Reply[];

/** RESP2 over one socket; commands are answered in order. */
export class RespClient {
  private readonly socket: Socket;
  private buffer = Buffer.alloc(0);
  private readonly waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = [];
  commands = 0;

  constructor(port: number) {
    this.socket = new Socket();
    this.socket.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (let parsed = parse(this.buffer, 0); parsed !== undefined; parsed = parse(this.buffer, 0)) {
        this.buffer = this.buffer.subarray(parsed.end);
        const waiter = this.waiting.shift();
        if (parsed.reply instanceof Error) waiter?.reject(parsed.reply);
        else waiter?.resolve(parsed.reply);
      }
    });
    this.socket.on('error', (error) => {
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    });
  }

  sendCommand(args: string[]): Promise<unknown> {
    this.commands++;
    const encoded = `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(encoded);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function parse(buffer: Buffer, start: number): { reply: Reply | Error; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[start]!);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: line, end: next };
    case '-':
      return { reply: new Error(line), end: next };
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: Reply[] = [];
      let position = next;
      for (let index = 0; index < count; index++) {
        const item = parse(buffer, position);
        if (item === undefined) return undefined;
        if (item.reply instanceof Error) return item;
        items.push(item.reply);
        position = item.end;
      }
      return { reply: items, end: position };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}

import express from 'express';
import { createRequire } from 'node:module';
import { withAuthLogging } from '../src/index.js';
// @ts-expect-error probe build
import { withAuthLogging as distWrap } from '../node_modules/.qw-probe/index.js';
import { correlationOf } from '../src/runtime/auth/context.js';
import { identifierFrom } from '../src/runtime/auth/email.js';
const noop = { info() {}, warn() {}, error() {} };
const app = express(); app.use(express.json());
const h = (req: any, res: any) => { if (req.body.password !== 'x') return res.status(401).json({}); res.json({ user: { id: 'u-1' } }); };
function onClose() {}
const wm = new WeakMap();
const opts = { email: 'mask' } as never;
const V: Record<string, any> = {
  bare: h,
  full: withAuthLogging('login', h, { logger: noop }),
  dist: distWrap('login', h, { logger: noop }),
};
for (const [k, f] of Object.entries(V)) app.post('/' + k, f);
const ac = createRequire(import.meta.url)('autocannon');
const server = app.listen(0, '127.0.0.1', async () => {
  const port = (server.address() as any).port;
  const res: Record<string, number[]> = Object.fromEntries(Object.keys(V).map((k) => [k, []]));
  const one = async (p: string, d: number) => { const c0 = process.cpuUsage(); const r = await ac({ url: `http://127.0.0.1:${port}/${p}`, method: 'POST', connections: 4, duration: d, headers: { 'content-type': 'application/json' }, body: '{"email":"alice@example.com","password":"x"}' }); const c = process.cpuUsage(c0); return (c.user + c.system) / r.requests.total; };
  const keys = Object.keys(V);
  for (const p of keys) await one(p, 1);
  for (let i = 0; i < 5; i++) for (const p of (i % 2 ? [...keys].reverse() : keys)) res[p]!.push(await one(p, 1));
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  for (const p of keys) console.log(p.padEnd(9), med(res[p]!).toFixed(1), res[p]!.map((x) => x.toFixed(0)).join(' '));
  server.close();
});

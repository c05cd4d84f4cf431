import express from 'express';
import { createRequire } from 'node:module';
import { withAuthLogging } from '../src/index.js';
const noop = { info() {}, warn() {}, error() {} };
const app = express(); app.use(express.json());
const h = (req: any, res: any) => { if (req.body.password !== 'x') return res.status(401).json({}); res.json({ user: { id: 'u-1' } }); };
const route = process.env.ROUTE!;
app.post('/r', route === 'full' ? withAuthLogging('login', h, { logger: noop }) : h);
const ac = createRequire(import.meta.url)('autocannon');
const server = app.listen(0, '127.0.0.1', async () => {
  const port = (server.address() as any).port;
  const r = await ac({ url: `http://127.0.0.1:${port}/r`, method: 'POST', connections: 4, duration: 5, headers: { 'content-type': 'application/json' }, body: '{"email":"alice@example.com","password":"x"}' });
  console.log(route, r.requests.total);
  server.close();
});

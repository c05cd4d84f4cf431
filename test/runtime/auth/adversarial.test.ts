// The auth line never carries a secret, whatever the request or the handler does: a table of attacks (six classes,
// several forms each) driven over real HTTP on loopback through every framework adapter (Express, Express with
// pino-http, Fastify with its own logger as the request logger, Koa, NestJS, Next.js route handlers) and through plain
// functions. For every attack: exactly one outcome line, and no secret, raw email or foreign user's data in any line
// the library writes. Then the same table with `freeText: true` (reasons and error texts written, scrubbed).
import 'reflect-metadata';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Router from '@koa/router';
import { Controller, HttpCode, Module, Post, Req, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express5 from 'express';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import Koa, { type Context } from 'koa';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthLogged,
  configureAuthLogging,
  resetAuthLoggingConfig,
  setAuthFailure,
  setAuthUser,
  withAuthLogging,
} from '../../../runtime/src/index.js';
import { ALICE_JWT, baseUrlOf, LogCapture, send, sleep } from './support.js';

// ---- the attacks ----

const VICTIM = 'victim.person@example.com';
const JWT = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"sub":"admin","email":"jwt-owner@example.com"}').toString('base64url')}.c2lnLXNlY3JldC0xMjM0NTY`;
const PASSWORD = 'Corr3ct-H0rse-Battery';

/** What the handler does for an attack: its effect on the response and the log-facing calls it makes. */
type Act =
  | { kind: 'ok'; user?: unknown }
  | { kind: 'throw'; error: () => unknown; status?: number }
  | { kind: 'reason'; reason: unknown; status: number }
  | { kind: 'body'; status: number; body: unknown };

interface Attack {
  id: string;
  /** The class: 1 request logger, 2 error texts, 3 reasons, 4 setAuthUser, 5 request id, 6 lines lost. */
  cls: 1 | 2 | 3 | 4 | 5 | 6;
  act: Act;
  /** What the request carries beyond the login body. */
  path?: string;
  headers?: Record<string, string>;
  requestId?: string;
  body?: Record<string, unknown>;
  /** Strings that must appear in no line (checked case-insensitively). */
  secrets: string[];
}

function error(message: unknown, extra: Record<string, unknown> = {}): () => Error {
  return () =>
    Object.assign(
      new Error(typeof message === 'string' ? message : 'x'),
      typeof message === 'string' ? {} : { message },
      extra,
    );
}

const ATTACKS: Attack[] = [
  // 1. what a request logger would carry: URL tokens, query strings, identity headers set by proxies
  {
    id: 'path-token',
    cls: 1,
    act: { kind: 'ok', user: 'u-1' },
    path: '/login/reset/RST-t0k3n-abcdef0123456789?token=QRY-s3cret-77&sso_ticket=ST-9f8e7d6c5b4a&email=victim.person%40example.com',
    secrets: ['RST-t0k3n-abcdef0123456789', 'QRY-s3cret-77', 'ST-9f8e7d6c5b4a', VICTIM, 'victim.person%40'],
  },
  {
    id: 'proxy-identity',
    cls: 1,
    act: { kind: 'ok', user: 'u-1' },
    headers: {
      'x-forwarded-email': 'proxied.user@corp.example',
      'x-amzn-oidc-data': JWT,
      'x-goog-authenticated-user-email': 'accounts.google.com:goog.user@gmail.com',
      'x-ms-client-principal': Buffer.from('{"userDetails":"ms.user@contoso.com"}').toString('base64'),
    },
    secrets: [
      'proxied.user',
      'goog.user',
      'eyJzdWIiOiJhZG1pbiIs',
      Buffer.from('{"userDetails":"ms.user@contoso.com"}').toString('base64').slice(0, 24),
    ],
  },
  // 2. error messages, stacks, types and codes
  { id: 'err-password', cls: 2, act: { kind: 'throw', error: error(`bad password ${PASSWORD}`) }, secrets: [PASSWORD] },
  {
    id: 'err-otp',
    cls: 2,
    act: { kind: 'throw', error: error('Invalid OTP 834201') },
    body: { otp: '834201' },
    secrets: ['834201'],
  },
  {
    id: 'err-apikey',
    cls: 2,
    act: { kind: 'throw', error: error('API key sk_live_51HxYzAbCdEfGh is revoked') },
    secrets: ['sk_live_51HxYzAbCdEfGh'],
  },
  {
    id: 'err-code-type',
    cls: 2,
    act: { kind: 'throw', error: error('lookup failed', { code: `user ${VICTIM}`, name: `Err for ${VICTIM}` }) },
    secrets: [VICTIM, 'victim.person'],
  },
  {
    id: 'err-body-dump',
    cls: 2,
    act: {
      kind: 'throw',
      error: () =>
        new Error(
          `cannot parse ${JSON.stringify({ pin: '4711', ssn: '078-05-1120', privateKey: 'PK-abcdefgh', sessionId: 'SESS-qwertyuiop', backup_codes: ['BK-11112222'], passwort: 'Geheim-Passwort-1', pa55word: 'Look-Alike-Pw-2' })}`,
        ),
    },
    body: {
      pin: '4711',
      ssn: '078-05-1120',
      privateKey: 'PK-abcdefgh',
      sessionId: 'SESS-qwertyuiop',
      backup_codes: ['BK-11112222'],
      passwort: 'Geheim-Passwort-1',
      pa55word: 'Look-Alike-Pw-2',
    },
    secrets: [
      '4711',
      '078-05-1120',
      'PK-abcdefgh',
      'SESS-qwertyuiop',
      'BK-11112222',
      'Geheim-Passwort-1',
      'Look-Alike-Pw-2',
    ],
  },
  {
    id: 'err-stack',
    cls: 2,
    act: { kind: 'throw', error: error(`token\n${PASSWORD}\nsplit over lines`) },
    secrets: [PASSWORD],
  },
  // 3. reasons: setAuthFailure text and 4xx bodies
  {
    id: 'reason-token',
    cls: 3,
    act: { kind: 'reason', reason: 'token tk_9a8b7c6d5e4f3a2b1c0d rejected', status: 401 },
    secrets: ['tk_9a8b7c6d5e4f3a2b1c0d'],
  },
  {
    id: 'reason-code',
    cls: 3,
    act: { kind: 'body', status: 401, body: { error: 'code 482913 is invalid' } },
    secrets: ['482913'],
  },
  {
    id: 'reason-passphrase',
    cls: 3,
    act: { kind: 'reason', reason: 'passphrase "purple monkey dishwasher" wrong', status: 401 },
    secrets: ['purple monkey dishwasher', 'monkey'],
  },
  {
    id: 'reason-url-creds',
    cls: 3,
    act: {
      kind: 'body',
      status: 403,
      body: { message: 'cannot reach postgres://admin:pg-Pass-7781@db/app via https://bob:bobs-Pass-99@idp.example' },
    },
    secrets: ['pg-Pass-7781', 'bobs-Pass-99'],
  },
  {
    id: 'reason-base64',
    cls: 3,
    act: { kind: 'reason', reason: 'refresh dGhpcy1pcy1hLXNlY3JldC10b2tlbg+/== denied', status: 401 },
    secrets: ['dGhpcy1pcy1hLXNlY3JldC10b2tlbg'],
  },
  {
    id: 'reason-magic-link',
    cls: 3,
    act: { kind: 'body', status: 410, body: { error: 'link /magic/ML-abcdef0123456789 expired' } },
    secrets: ['ML-abcdef0123456789'],
  },
  {
    id: 'reason-emails',
    cls: 3,
    act: {
      kind: 'reason',
      reason: 'no account for jürgen.müller@beispiel.de, admin@localhost or victim.person%40example.com',
      status: 401,
    },
    secrets: ['jürgen', 'müller', 'admin@localhost', 'victim.person'],
  },
  { id: 'reason-own-password', cls: 3, act: { kind: 'reason', reason: PASSWORD, status: 401 }, secrets: [PASSWORD] },
  // 4. setAuthUser values
  { id: 'user-email', cls: 4, act: { kind: 'ok', user: VICTIM }, secrets: [VICTIM, 'victim.person'] },
  {
    id: 'user-object',
    cls: 4,
    act: {
      kind: 'ok',
      user: { id: 'u-42', email: VICTIM, passwordHash: '$2b$10$HASHhashHASHhash', resetToken: 'RESET-abcdefghij' },
    },
    secrets: ['HASHhashHASHhash', 'RESET-abcdefghij', 'victim.person'],
  },
  { id: 'user-jwt', cls: 4, act: { kind: 'ok', user: JWT }, secrets: [JWT.split('.')[1]!, JWT.split('.')[2]!] },
  { id: 'user-huge', cls: 4, act: { kind: 'ok', user: 'H'.repeat(1_000_000) }, secrets: ['H'.repeat(200)] },
  // 5. request ids
  { id: 'rid-email', cls: 5, act: { kind: 'ok', user: 'u-1' }, requestId: VICTIM, secrets: [VICTIM, 'victim.person'] },
  {
    id: 'rid-jwt',
    cls: 5,
    act: { kind: 'ok', user: 'u-1' },
    requestId: ALICE_JWT,
    secrets: [ALICE_JWT.split('.')[1]!],
  },
  {
    id: 'rid-bearer',
    cls: 5,
    act: { kind: 'ok', user: 'u-1' },
    requestId: 'Bearer_tok-XYZ12345678',
    secrets: ['tok-XYZ12345678'],
  },
  // 6. values that used to cost the line
  { id: 'reason-number', cls: 6, act: { kind: 'reason', reason: 42, status: 401 }, secrets: [] },
  {
    id: 'reason-object',
    cls: 6,
    act: { kind: 'reason', reason: { secret: 'OBJ-secret-1' }, status: 401 },
    secrets: ['OBJ-secret-1'],
  },
  {
    id: 'err-hostile',
    cls: 6,
    act: {
      kind: 'throw',
      error: () => {
        const hostile = new Error('x');
        Object.defineProperty(hostile, 'message', {
          get: () => {
            throw new Error('getter');
          },
        });
        Object.defineProperty(hostile, 'name', { value: Symbol('not a string') });
        return hostile;
      },
    },
    secrets: [],
  },
  {
    id: 'err-nonstring',
    cls: 6,
    act: { kind: 'throw', error: () => Object.assign(new Error('x'), { message: { pw: PASSWORD }, name: 12 }) },
    secrets: [PASSWORD],
  },
];

const BY_ID = new Map(ATTACKS.map((attack) => [attack.id, attack]));

/** Runs the attack's act on the handler's objects; returns the response to send, or throws. */
function perform(attackId: unknown, targets: object[]): { status: number; body: unknown } {
  const attack = BY_ID.get(String(attackId));
  if (attack === undefined) return { status: 400, body: { error: 'unknown_attack' } };
  const act = attack.act;
  switch (act.kind) {
    case 'ok':
      if (act.user !== undefined) setAuthUser(targets[0]!, act.user as string);
      return { status: 200, body: { ok: true } };
    case 'throw':
      throw act.error();
    case 'reason':
      setAuthFailure(targets[0]!, act.reason as string);
      return { status: act.status, body: { error: 'denied' } };
    case 'body':
      return { status: act.status, body: act.body };
  }
}

// ---- one app per adapter, each with POST /login and POST /login/* ----

interface Running {
  baseUrl: string;
  /** Lines the library wrote (the framework's own lines filtered out). */
  capture: LogCapture;
  close(): Promise<void>;
}

const listen = (server: Server): Promise<void> => new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const closeServer = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

async function expressApp(withPinoHttp: boolean): Promise<Running> {
  const capture = new LogCapture();
  configureAuthLogging({ logger: pino(capture) });
  const app = express5();
  app.use(express5.json());
  if (withPinoHttp) app.use(pinoHttp({ logger: pino(capture), autoLogging: false }));
  const handler = withAuthLogging('login', (req: express5.Request, res: express5.Response) => {
    const { status, body } = perform(req.headers['x-attack'], [req]);
    res.status(status).json(body);
  });
  app.post('/login', handler);
  app.post('/login/*rest', handler);
  app.use(
    (_error: unknown, _req: express5.Request, res: express5.Response, _next: express5.NextFunction) =>
      void res.status(500).json({ error: 'internal' }),
  );
  const server = createServer(app);
  await listen(server);
  return { baseUrl: baseUrlOf(server.address()), capture, close: () => closeServer(server) };
}

async function fastifyApp(): Promise<Running> {
  const capture = new LogCapture();
  // Fastify's own logger is the request logger (`request.log`, bindings `{ reqId }`): the line goes through it.
  const app = Fastify({ loggerInstance: pino(capture), disableRequestLogging: true });
  const handler = withAuthLogging('login', async (request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = perform(request.headers['x-attack'], [request]);
    return reply.code(status).send(body);
  });
  app.post('/login', handler);
  app.post('/login/*', handler);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl: baseUrlOf(app.server.address()), capture, close: () => app.close() };
}

async function koaApp(): Promise<Running> {
  const capture = new LogCapture();
  configureAuthLogging({ logger: pino(capture) });
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    (ctx.request as { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    await next();
  });
  const router = new Router();
  const handler = withAuthLogging('login', (ctx: Context) => {
    const { status, body } = perform(ctx.get('x-attack'), [ctx]);
    ctx.status = status;
    ctx.body = body;
  });
  router.post('/login', handler);
  router.post('/login/{*rest}', handler);
  app.use(router.routes());
  const server = createServer(app.callback());
  await listen(server);
  return { baseUrl: baseUrlOf(server.address()), capture, close: () => closeServer(server) };
}

@Controller()
class AttackController {
  @Post(['login', 'login/*rest'])
  @HttpCode(200)
  @AuthLogged('login')
  login(@Req() req: { headers: Record<string, string>; res: { status(code: number): void } }): unknown {
    const { status, body } = perform(req.headers['x-attack'], [req]);
    req.res.status(status);
    return body;
  }
}

@Module({ controllers: [AttackController] })
class AttackModule {}

async function nestApp(): Promise<Running> {
  const capture = new LogCapture();
  configureAuthLogging({ logger: pino(capture) });
  const app: INestApplication = await NestFactory.create(AttackModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { baseUrl: baseUrlOf((app.getHttpServer() as Server).address()), capture, close: () => app.close() };
}

async function nextApp(): Promise<Running> {
  const capture = new LogCapture();
  configureAuthLogging({ logger: pino(capture) });
  const POST = withAuthLogging('login', async (request: Request) => {
    const { status, body } = perform(request.headers.get('x-attack'), [request]);
    return Response.json(body, { status });
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
      let response: Response;
      try {
        response = await POST(
          new Request(`http://127.0.0.1${req.url}`, { method: 'POST', headers, body: Buffer.concat(chunks) }),
        );
      } catch {
        response = new Response(null, { status: 500 }); // what Next answers to a throwing route handler
      }
      res.writeHead(response.status, { 'content-type': 'application/json' });
      res.end(Buffer.from(await response.arrayBuffer()));
    })();
  });
  await listen(server);
  return { baseUrl: baseUrlOf(server.address()), capture, close: () => closeServer(server) };
}

const ADAPTERS: Record<string, () => Promise<Running>> = {
  express: () => expressApp(false),
  'express + pino-http': () => expressApp(true),
  'fastify (its own logger)': fastifyApp,
  koa: koaApp,
  nestjs: nestApp,
  'next.js route handler': nextApp,
};

// ---- assertions ----

const RAW_EMAILS = [
  VICTIM,
  'proxied.user@corp.example',
  'goog.user@gmail.com',
  'ms.user@contoso.com',
  'jwt-owner@example.com',
  'victim.person@example.com',
];

function expectClean(text: string, attack: Attack): void {
  const lower = text.toLowerCase();
  for (const secret of [...attack.secrets, PASSWORD, ...RAW_EMAILS]) {
    expect(
      lower.includes(secret.toLowerCase()),
      `${attack.id}: a line holds ${secret.slice(0, 60)}:\n${text.slice(0, 2000)}`,
    ).toBe(false);
  }
}

function outcomeLines(capture: LogCapture): Record<string, unknown>[] {
  return capture.outcomes().filter((line) => line.action === 'login');
}

async function runTable(running: Running): Promise<void> {
  for (const attack of ATTACKS) {
    const before = outcomeLines(running.capture).length;
    const textBefore = running.capture.text.length;
    await send(running.baseUrl, attack.path ?? '/login', {
      body: { email: 'attacker@example.com', password: PASSWORD, ...attack.body },
      requestId: attack.requestId ?? `atk-${attack.id}`,
      headers: { 'x-attack': attack.id, ...attack.headers },
    });
    await running.capture.waitFor(() => outcomeLines(running.capture).length > before, 3000);
    const text = running.capture.text.slice(textBefore);
    expectClean(text, attack);
    expect(outcomeLines(running.capture).length, `${attack.id}: exactly one line`).toBe(before + 1);
    for (const line of text.split('\n').filter(Boolean))
      expect(line.length, `${attack.id}: a line of ${line.length} characters`).toBeLessThan(4096);
  }
  await sleep(50); // a late second line would show here
  expect(outcomeLines(running.capture)).toHaveLength(ATTACKS.length);
}

const running: Running[] = [];
afterEach(async () => {
  resetAuthLoggingConfig();
  await Promise.all(running.splice(0).map((app) => app.close()));
});

describe.each(Object.keys(ADAPTERS))('auth lines under attack: %s', (name) => {
  it('one line per request, no secret, no raw email, whatever the request and handler do', async () => {
    const app = await ADAPTERS[name]!();
    running.push(app);
    await runTable(app);
    const lines = outcomeLines(app.capture);
    // The defaults: a reason is a code or the status's name; errors carry their type only.
    for (const line of lines) {
      if (line.reason !== undefined) expect(line.reason).toMatch(/^[A-Za-z][A-Za-z0-9_.:-]*$/);
      const err = line.error as Record<string, unknown> | undefined;
      if (err !== undefined) expect(Object.keys(err).sort()).toEqual(expect.arrayContaining(['type']));
      if (err !== undefined) expect(err).not.toHaveProperty('message');
    }
  });

  it('with freeText: reasons and error texts are written, scrubbed, and still hold no secret', async () => {
    const app = await ADAPTERS[name]!();
    running.push(app);
    configureAuthLogging({ freeText: true });
    await runTable(app);
    const lines = outcomeLines(app.capture);
    expect(lines.some((line) => typeof line.reason === 'string' && line.reason.includes('[Redacted]'))).toBe(true);
    expect(lines.some((line) => typeof (line.error as { message?: unknown } | undefined)?.message === 'string')).toBe(
      true,
    );
  });
});

describe('auth lines under attack: plain functions', () => {
  it('one line per call, no secret, no raw email', () => {
    const capture = new LogCapture();
    configureAuthLogging({ logger: pino({}, capture) });
    const login = withAuthLogging('login', (input: { attack: string; email: string; password: string }) => {
      const { status } = perform(input.attack, [input]);
      return status < 400;
    });
    for (const attack of ATTACKS) {
      const before = outcomeLines(capture).length;
      const textBefore = capture.text.length;
      try {
        login({ attack: attack.id, email: 'attacker@example.com', password: PASSWORD, ...attack.body });
      } catch {
        // the thrown attacks reach the caller, as they would without the wrapper
      }
      expect(outcomeLines(capture).length, `${attack.id}: exactly one line`).toBe(before + 1);
      expectClean(capture.text.slice(textBefore), attack);
    }
  });
});

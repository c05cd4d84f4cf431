// NestJS 11 on platform-express: @AuthLogged on controller methods, including guards that refuse (guards run before
// interceptors: the decorator's own guard, first among the method's, starts the call), and the opt-in exception filter
// for guards that run before the method's (controller and global guards).
import 'reflect-metadata';
import type { Server } from 'node:http';
import {
  Body,
  Catch,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Injectable,
  Module,
  Post,
  Req,
  UseGuards,
  type ArgumentsHost,
  type CanActivate,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthLogged,
  configureAuthLogging,
  resetAuthLoggingConfig,
  setAuthFailure,
} from '../../../runtime/src/index.js';
import {
  ALICE,
  baseUrlOf,
  decideLogin,
  expectNoSecrets,
  LogCapture,
  runLoginScenario,
  send,
  sleep,
  SLOW_MS,
} from './support.js';

@Injectable()
class RefuseGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Injectable()
class UnauthorizedGuard implements CanActivate {
  canActivate(): boolean {
    throw new HttpException({ statusCode: 401, message: 'session expired' }, 401);
  }
}

/** The application's own global filter: it must still answer for the handler's HttpExceptions. */
@Catch(HttpException)
class HouseStyleFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void } }>();
    res.status(exception.getStatus()).json({ house: true, detail: exception.getResponse() });
  }
}

@Controller()
class AuthController {
  @Get('health')
  health(): object {
    return { ok: true };
  }

  @Post('login')
  @HttpCode(200)
  @AuthLogged('login')
  async login(
    @Body() body: unknown,
    @Req() req: { res: { setHeader(name: string, value: string): void } },
  ): Promise<object> {
    const decision = decideLogin(body);
    if (decision.kind === 'invalid') {
      if (decision.logReason) setAuthFailure(req, decision.logReason);
      throw new HttpException({ statusCode: decision.status, error: decision.error }, decision.status);
    }
    if (decision.kind === 'explode') throw decision.error;
    if (decision.kind === 'slow') {
      await sleep(SLOW_MS);
      return { user: { id: ALICE.id } };
    }
    req.res.setHeader('set-cookie', 'session=session-cookie-secret');
    return { user: { id: decision.userId }, token: decision.token };
  }

  @Post('mfa')
  @UseGuards(RefuseGuard)
  @AuthLogged('mfa')
  mfa(): object {
    return { ok: true };
  }

  @Post('session')
  @UseGuards(UnauthorizedGuard)
  @AuthLogged('session')
  session(): object {
    return { ok: true };
  }

  // Placed by hand above the guard: the decorator still puts its own guard first.
  @Post('refresh')
  @AuthLogged('refresh')
  @UseGuards(UnauthorizedGuard)
  refresh(): object {
    return { ok: true };
  }
}

// A guard on the whole controller runs before the method's guards: only the opt-in filter sees its failures.
@Controller('admin')
@UseGuards(RefuseGuard)
class AdminAuthController {
  @Post('login')
  @AuthLogged('login', { nestExceptionFilter: true })
  login(): object {
    return { ok: true };
  }

  @Post('token')
  @AuthLogged('token')
  token(): object {
    return { ok: true };
  }
}

@Module({ controllers: [AuthController, AdminAuthController], providers: [RefuseGuard, UnauthorizedGuard] })
class AppModule {}

const apps: INestApplication[] = [];
afterEach(async () => {
  resetAuthLoggingConfig();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(): Promise<{ baseUrl: string; capture: LogCapture }> {
  const capture = new LogCapture();
  configureAuthLogging({ logger: pino(capture) });
  const app = await NestFactory.create(AppModule, { logger: false });
  app.useGlobalFilters(new HouseStyleFilter());
  apps.push(app);
  await app.listen(0, '127.0.0.1');
  return { baseUrl: baseUrlOf((app.getHttpServer() as Server).address()), capture };
}

describe('AuthLogged on NestJS (platform-express)', () => {
  it('writes one outcome line per login request with the right fields and no secret', async () => {
    const { baseUrl, capture } = await start();
    const lines = await runLoginScenario({ baseUrl, capture });
    expect(lines.success!.route).toBe('/login');
  });

  it("leaves the handler's exceptions to the application's global filter", async () => {
    const { baseUrl, capture } = await start();
    const wrong = await send(baseUrl, '/login', {
      body: { email: ALICE.email, password: 'wrong-horse' },
      requestId: 'house-1',
    });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body ?? '{}')).toMatchObject({ house: true, detail: { error: 'invalid_credentials' } });
    await capture.waitFor((lines) => lines.length >= 1);
    expect(capture.byRequestId('house-1')).toMatchObject([
      { outcome: 'failure', status_code: 401, reason: 'invalid_credentials' },
    ]);
  });

  it("logs the failures of the method's guards, answered by the application's own filter", async () => {
    const { baseUrl, capture } = await start();
    const refused = await send(baseUrl, '/mfa', { body: { code: '654321' }, requestId: 'mfa-guard' });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body ?? '{}')).toMatchObject({
      house: true,
      detail: { statusCode: 403, message: 'Forbidden resource' },
    });
    const expired = await send(baseUrl, '/session', { requestId: 'session-guard' });
    expect(expired.status).toBe(401);
    expect(JSON.parse(expired.body ?? '{}')).toMatchObject({ house: true, detail: { message: 'session expired' } });
    const handPlaced = await send(baseUrl, '/refresh', { requestId: 'refresh-guard' });
    expect(handPlaced.status).toBe(401);
    await capture.waitFor((lines) => lines.length >= 3);
    expect(capture.byRequestId('mfa-guard')).toMatchObject([
      { level: 40, event: 'authn_mfa_fail', outcome: 'failure', status_code: 403, reason: 'forbidden' },
    ]);
    expect(capture.byRequestId('session-guard')).toMatchObject([
      { level: 40, event: 'authn_session_fail', status_code: 401, reason: 'unauthorized' },
    ]);
    expect(capture.byRequestId('refresh-guard')).toMatchObject([
      { level: 40, outcome: 'failure', status_code: 401, route: '/refresh' },
    ]);
    expect(capture.text).not.toContain('654321');
    expectNoSecrets(capture.text);
  });

  it("logs a controller guard's failure only with nestExceptionFilter, which answers it as Nest does by default", async () => {
    const { baseUrl, capture } = await start();
    const withFilter = await send(baseUrl, '/admin/login', {
      body: { email: ALICE.email, password: ALICE.password },
      requestId: 'admin-filter',
    });
    expect(withFilter.status).toBe(403);
    expect(JSON.parse(withFilter.body ?? '{}')).toMatchObject({ statusCode: 403, message: 'Forbidden resource' });
    const withoutFilter = await send(baseUrl, '/admin/token', { requestId: 'admin-plain' });
    expect(withoutFilter.status).toBe(403);
    expect(JSON.parse(withoutFilter.body ?? '{}')).toMatchObject({ house: true });
    await capture.waitFor((lines) => lines.length >= 1);
    await sleep(50);
    expect(capture.byRequestId('admin-filter')).toMatchObject([
      { event: 'authn_login_fail', status_code: 403, reason: 'forbidden', email: 'a***@example.com' },
    ]);
    expect(capture.byRequestId('admin-plain')).toEqual([]);
  });
});

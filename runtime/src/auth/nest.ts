// NestJS: `@AuthLogged('login')` on a controller method. Nest is loaded lazily when the decorator is applied (the
// package root never imports it: most apps have no Nest).
//
// The decorator applies, through Nest's own applyDecorators:
// - a guard, moved to the front of the method's guards: guards run before interceptors, and a guard failure never
//   reaches an interceptor, so the call starts here. It always lets the request through. A later guard's failure is
//   answered by the application's own exception filters, untouched, and the line carries the status they sent;
// - an interceptor: sees the handler's return value (user id) and its errors;
// - only with `nestExceptionFilter: true`, a method-scoped exception filter (a class, so Nest injects
//   HttpAdapterHost, as Nest's docs require for filters extending BaseExceptionFilter) for the failures of guards
//   that run before the method's own (global and controller guards). Method filters are consulted first, so it
//   claims ONLY exceptions the interceptor did not see (its @Catch type answers `instanceof` from that set), records
//   the exception and lets BaseExceptionFilter answer as Nest would by default: for those failures, the application's
//   own filters no longer answer, which is why it is opt-in.
// The line is written when the raw response is done, so the status is the one the client got.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { optionsGetter } from './config.js';
import { correlationOf } from './context.js';
import { identifierFrom } from './email.js';
import { nodeResponseEnd, onResponseDone } from './node-response.js';
import { activateCall, finishAuthCall, startAuthCall, type AuthCall } from './record.js';
import type { AuthAction, AuthLoggingOptions, ResolvedAuthOptions } from './types.js';
import { assertAuthAction } from './wrap.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- Nest's types are not imported: the runtime must not need them */
type NestCommon = {
  applyDecorators: (...decorators: any[]) => any;
  Catch: (...types: any[]) => ClassDecorator;
  UseGuards: (...guards: any[]) => any;
  UseInterceptors: (...interceptors: any[]) => any;
  UseFilters: (...filters: any[]) => any;
};
type NestCore = { BaseExceptionFilter: new (...args: any[]) => { catch(exception: unknown, host: any): void } };
type Rxjs = { tap: (observer: { next?: (value: unknown) => void; error?: (error: unknown) => void }) => any };

interface NestModules {
  common: NestCommon;
  core: NestCore;
  rxjs: Rxjs;
}

let nestModules: NestModules | undefined;

function requireFromApp(): (id: string) => unknown {
  // CommonJS build: the ordinary require. ESM build: a require rooted at the application (its entry script, then the
  // working directory), which is where its Nest lives; `import.meta` is avoided so the CommonJS build stays clean.
  const bases = [process.argv[1], join(process.cwd(), 'package.json')].filter(
    (base): base is string => typeof base === 'string' && base !== '',
  );
  const loaders = [...(typeof require === 'function' ? [require] : []), ...bases.map((base) => createRequire(base))];
  return (id) => {
    let lastError: unknown;
    for (const load of loaders) {
      try {
        return load(id);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };
}

function loadNest(): NestModules {
  if (nestModules) return nestModules;
  const load = requireFromApp();
  try {
    nestModules = {
      common: load('@nestjs/common') as NestCommon,
      core: load('@nestjs/core') as NestCore,
      rxjs: load('rxjs') as Rxjs,
    };
  } catch (error) {
    throw new Error('AuthLogged: @nestjs/common, @nestjs/core and rxjs must be installed to use the NestJS decorator', {
      cause: error,
    });
  }
  return nestModules;
}

interface HttpRequestLike {
  raw?: IncomingMessage;
  headers?: IncomingMessage['headers'];
  body?: unknown;
  user?: unknown;
  id?: unknown;
  log?: unknown;
  method?: string;
  route?: { path?: unknown };
  routeOptions?: { url?: unknown };
}

interface HttpResponseLike {
  raw?: ServerResponse;
  locals?: { user?: unknown };
}

// Per request, under a symbol rather than in a WeakMap (the state references the request: see record.ts).
const kNestCall = Symbol('quickwins.nestAuthCall');

// Exceptions the interceptor saw (thrown by the handler, a pipe or an inner interceptor): not the filter's to answer.
const seenByInterceptor = new WeakSet<object>();

/** The filter's @Catch type: `exception instanceof NotSeenByInterceptor` is true only for exceptions thrown before
 *  the interceptor ran (guards). */
class NotSeenByInterceptor {
  static [Symbol.hasInstance](exception: unknown): boolean {
    return !(exception !== null && typeof exception === 'object' && seenByInterceptor.has(exception));
  }
}

function rawResponse(res: HttpResponseLike): ServerResponse {
  return (res.raw ?? res) as ServerResponse;
}

/** The call of this request: created by whichever of guard / interceptor / filter sees the request first (the guard,
 *  unless a guard before it refused). Errors and the handler's value are kept on the call itself. */
function nestCall(
  action: AuthAction,
  options: ResolvedAuthOptions,
  req: HttpRequestLike,
  res: HttpResponseLike,
): AuthCall {
  const existing = (req as { [kNestCall]?: AuthCall })[kNestCall];
  if (existing) return existing;
  const headers = req.headers ?? req.raw?.headers;
  const route = req.route?.path ?? req.routeOptions?.url;
  const call = startAuthCall({
    action,
    options,
    targets: [req, res, req.raw, res.raw],
    correlation: correlationOf(headers, req.id),
    email: identifierFrom(req.body, options),
    method: req.method ?? req.raw?.method,
    route: typeof route === 'string' ? route : undefined,
    requestLogger: req.log,
    userAtEntry: req.user ?? res.locals?.user,
  });
  (req as { [kNestCall]?: AuthCall })[kNestCall] = call;
  // So that a wrapped `login(req)` called by the controller joins this line instead of writing its own.
  activateCall(req, call);
  const raw = rawResponse(res);
  if (raw.writableFinished) {
    // The filter ran after the response was already sent (cannot normally happen): log now.
    finishAuthCall(call, { statusCode: raw.statusCode, threw: call.threw, error: call.error });
    return call;
  }
  onResponseDone(raw, (finishedAt) => {
    finishAuthCall(call, nodeResponseEnd(raw, call, call.body, req.user ?? res.locals?.user), finishedAt);
  });
  return call;
}

// The metadata key @UseGuards writes (GUARDS_METADATA in @nestjs/common/constants).
const GUARDS_METADATA = '__guards__';

interface ReflectMetadata {
  getMetadata?: (key: string, target: object) => unknown;
  defineMetadata?: (key: string, value: unknown, target: object) => void;
}

/** Our guard first among the method's guards, wherever @AuthLogged sits among its decorators: decorators below it ran
 *  before it (their guards are already listed), those above it append theirs after. */
function putGuardFirst(method: object, guard: object): void {
  const reflect = Reflect as unknown as ReflectMetadata;
  if (typeof reflect.getMetadata !== 'function' || typeof reflect.defineMetadata !== 'function') return;
  const guards = reflect.getMetadata(GUARDS_METADATA, method);
  if (!Array.isArray(guards) || guards[0] === guard) return;
  reflect.defineMetadata(GUARDS_METADATA, [guard, ...guards.filter((other) => other !== guard)], method);
}

/** NestJS: method decorator for controller handlers (`@AuthLogged('login')`), failures of the method's guards included. */
export function AuthLogged(action: AuthAction, options?: AuthLoggingOptions): MethodDecorator {
  assertAuthAction(action, 'AuthLogged');
  const getOptions = optionsGetter(options, 'AuthLogged');
  const resolved = getOptions();
  return (target, propertyKey, descriptor) => {
    const nest = loadNest();
    // The call of an HTTP execution context (guard, interceptor and filter all get one).
    const callOf = (context: any): AuthCall => {
      const http = context.switchToHttp();
      return nestCall(action, getOptions(), http.getRequest(), http.getResponse());
    };
    const interceptor = {
      intercept(context: any, next: any): unknown {
        if (context.getType() !== 'http') return next.handle();
        const call = callOf(context);
        return next.handle().pipe(
          nest.rxjs.tap({
            next: (value) => call.captureBody(value),
            error: (error) => {
              if (error !== null && typeof error === 'object') seenByInterceptor.add(error);
              call.recordError(error);
            },
          }),
        );
      },
    };
    // Starts the call before the method's other guards run; never refuses.
    const guard = {
      canActivate(context: any): boolean {
        if (context.getType() === 'http') callOf(context);
        return true;
      },
    };
    const decorators: unknown[] = [nest.common.UseGuards(guard), nest.common.UseInterceptors(interceptor)];
    if (resolved.nestExceptionFilter) {
      const Base = nest.core.BaseExceptionFilter;
      // One class per decorated method: Nest instantiates it (injecting HttpAdapterHost) and it knows its action.
      class AuthLoggingExceptionFilter extends Base {
        override catch(exception: unknown, host: any): void {
          if (host.getType() === 'http') callOf(host).recordError(exception);
          super.catch(exception, host);
        }
      }
      nest.common.Catch(NotSeenByInterceptor)(AuthLoggingExceptionFilter);
      decorators.push(nest.common.UseFilters(AuthLoggingExceptionFilter));
    }
    const applied = nest.common.applyDecorators(...decorators)(target, propertyKey, descriptor);
    if (descriptor?.value !== undefined) putGuardFirst(descriptor.value as object, guard);
    return applied;
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

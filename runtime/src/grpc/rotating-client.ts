// A generated grpc-js client whose TCP connection is replaced every `maxAgeMs`, so a client behind an L4 balancer
// (a Kubernetes ClusterIP Service) is spread over the backends, and pods added by a scale-out get traffic.
//
// Creating a new client is not enough: grpc-js shares subchannels (and so the TCP connection) between channels with
// the same target and options. Every member here gets `grpc.use_local_subchannel_pool`, so its connection is its own.
//
// State, pg-pool style: `members` are the clients calls are sent to (round-robin when poolSize > 1); `draining` are
// replaced members that still have calls in flight. A member moves from members to draining only after its
// replacement is READY; a call is only ever started on a member in `members`; a draining member is closed when its
// last call ends, or after `drainMs` whatever is left. A replacement that does not become READY (the backend is down)
// is closed, the old member stays, and the rotation is tried again after `retryMs`.
import type {
  CallInvocationTransformer,
  CallProperties,
  ChannelCredentials,
  ChannelOptions,
  Client,
} from '@grpc/grpc-js';

export interface RotationOptions {
  /** Age of a member's connection before it is replaced. Default 5 minutes. */
  maxAgeMs?: number;
  /** Spread of the age, as a fraction (0.1 → ±10 %), so clients started together do not rotate together. Default 0.1. */
  jitter?: number;
  /** How long a replaced member may finish its calls before it is closed (calls still open then are cancelled).
   *  Default 30 seconds. */
  drainMs?: number;
  /** Members in use at once, each its own connection, calls spread round-robin. Default 1. */
  poolSize?: number;
  /** How long a replacement may take to become READY before the rotation is given up for now. Default 10 seconds. */
  readyTimeoutMs?: number;
  /** Wait before a failed rotation is tried again. Default min(maxAgeMs, 30 seconds). */
  retryMs?: number;
}

export interface RotationStats {
  /** Replacements that became READY and took over. */
  rotations: number;
  /** Replacements given up (not READY in time): the old member kept its place. */
  failedRotations: number;
  /** Clients created and clients closed so far (equal after `close()`: nothing leaked). */
  created: number;
  closed: number;
  /** Calls in flight on all members. */
  inFlight: number;
  draining: number;
}

/** What a rotating client adds to the generated client's methods. */
export interface RotatingClientControls {
  /** Counters: rotations, clients created and closed, calls in flight. */
  rotationStats(): RotationStats;
  /** Replaces every member now (the same path as the age timer). Resolves when the replacements took over or failed. */
  rotateNow(): Promise<void>;
}

type ClientConstructor<C extends Client> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: ChannelOptions,
) => C;

interface Member<C> {
  readonly client: C;
  inFlight: number;
  timer: NodeJS.Timeout | undefined;
  drainTimer: NodeJS.Timeout | undefined;
  closed: boolean;
}

interface Resolved {
  maxAgeMs: number;
  jitter: number;
  drainMs: number;
  poolSize: number;
  readyTimeoutMs: number;
  retryMs: number;
}

function resolveOptions(options: RotationOptions): Resolved {
  const positive = (value: number | undefined, fallback: number, name: string): number => {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`rotatingClient: ${name} must be a positive number, got ${String(value)}`);
    return value;
  };
  const maxAgeMs = positive(options.maxAgeMs, 5 * 60_000, 'maxAgeMs');
  const jitter = options.jitter ?? 0.1;
  if (!(jitter >= 0 && jitter < 1))
    throw new RangeError(`rotatingClient: jitter must be in [0, 1), got ${String(jitter)}`);
  const poolSize = positive(options.poolSize, 1, 'poolSize');
  if (!Number.isInteger(poolSize))
    throw new RangeError(`rotatingClient: poolSize must be a whole number, got ${poolSize}`);
  return {
    maxAgeMs,
    jitter,
    poolSize,
    drainMs: positive(options.drainMs, 30_000, 'drainMs'),
    readyTimeoutMs: positive(options.readyTimeoutMs, 10_000, 'readyTimeoutMs'),
    retryMs: positive(options.retryMs, Math.min(maxAgeMs, 30_000), 'retryMs'),
  };
}

/**
 * Settles a call when it ends: at its status (every grpc-js call emits one), and also at the response callback or the
 * end of a response stream, which come first and still come when a listener of the call throws before the status.
 * Not at 'error' (a listener would swallow errors nobody handles) nor 'close' (a request stream closes when the caller
 * ends its side, before the answer).
 */
function watchCall(properties: CallProperties<unknown, unknown>, settle: () => void): CallProperties<unknown, unknown> {
  properties.call.once('status', settle);
  if (properties.methodDefinition.responseStream) properties.call.once('end', settle);
  const callback = properties.callback;
  if (callback === undefined) return properties;
  return {
    ...properties,
    callback: (error, value) => {
      settle();
      callback(error, value);
    },
  };
}

// Methods of grpc.Client itself that are not calls: answered by the current member (or by all members, for close).
const CHANNEL_METHODS = new Set(['getChannel', 'waitForReady', 'close']);

/**
 * `rotatingClient(GreeterClient, 'greeter:50051', grpc.credentials.createInsecure())`: the generated client's methods
 * (unary, streaming, their promisified forms if the caller makes them), each call sent to a member whose connection
 * is younger than `maxAgeMs`.
 */
export function rotatingClient<C extends Client>(
  ServiceClient: ClientConstructor<C>,
  target: string,
  credentials: ChannelCredentials,
  channelOptions: ChannelOptions = {},
  rotation: RotationOptions = {},
): C & RotatingClientControls {
  const settings = resolveOptions(rotation);
  // The settle function of the call being started: grpc-js hands the call to the transformer before any interceptor
  // runs, so the call is watched even when an interceptor answers during the method call itself.
  let starting: (() => void) | undefined;
  const userTransformer = (channelOptions as { callInvocationTransformer?: CallInvocationTransformer })
    .callInvocationTransformer;
  const callInvocationTransformer: CallInvocationTransformer = (properties) => {
    const transformed = userTransformer === undefined ? properties : userTransformer(properties);
    const settle = starting;
    starting = undefined;
    return settle === undefined ? transformed : watchCall(transformed, settle);
  };
  const memberOptions: ChannelOptions = {
    ...channelOptions,
    'grpc.use_local_subchannel_pool': 1,
    callInvocationTransformer,
  };
  const members: Member<C>[] = [];
  const draining = new Set<Member<C>>();
  const pending = new Set<C>();
  const stats = { rotations: 0, failedRotations: 0, created: 0, closed: 0 };
  let next = 0;
  let closed = false;

  const create = (): C => {
    stats.created += 1;
    return new ServiceClient(target, credentials, memberOptions);
  };
  const closeClient = (client: C): void => {
    stats.closed += 1;
    client.close();
  };
  const closeMember = (member: Member<C>): void => {
    if (member.closed) return;
    member.closed = true;
    clearTimeout(member.timer);
    clearTimeout(member.drainTimer);
    draining.delete(member);
    closeClient(member.client);
  };
  const ageOf = (): number => settings.maxAgeMs * (1 + (Math.random() * 2 - 1) * settings.jitter);
  const schedule = (member: Member<C>, delayMs: number): void => {
    clearTimeout(member.timer);
    member.timer = setTimeout(() => void replace(member), delayMs);
    member.timer.unref();
  };
  const adopt = (client: C): Member<C> => {
    const member: Member<C> = { client, inFlight: 0, timer: undefined, drainTimer: undefined, closed: false };
    schedule(member, ageOf());
    return member;
  };
  const retire = (member: Member<C>): void => {
    clearTimeout(member.timer);
    if (member.inFlight === 0) return closeMember(member);
    draining.add(member);
    member.drainTimer = setTimeout(() => closeMember(member), settings.drainMs);
    member.drainTimer.unref();
  };

  /** Opens a replacement, waits for READY, then swaps it in; on failure keeps `old` and tries again later. */
  function replace(old: Member<C>): Promise<void> {
    if (closed || old.closed || !members.includes(old)) return Promise.resolve();
    const fresh = create();
    pending.add(fresh);
    return new Promise((resolve) => {
      fresh.waitForReady(Date.now() + settings.readyTimeoutMs, (error) => {
        pending.delete(fresh);
        const slot = members.indexOf(old);
        if (error !== undefined || closed || slot === -1) {
          closeClient(fresh);
          if (error !== undefined && !closed && slot !== -1) {
            stats.failedRotations += 1;
            schedule(old, settings.retryMs);
          }
          return resolve();
        }
        members[slot] = adopt(fresh);
        stats.rotations += 1;
        retire(old);
        resolve();
      });
    });
  }

  for (let index = 0; index < settings.poolSize; index += 1) members.push(adopt(create()));

  const pick = (): Member<C> => {
    if (closed) throw new Error('rotatingClient: the client is closed');
    const member = members[next % members.length]!;
    next = (next + 1) % members.length;
    return member;
  };

  /** Runs one call on a member, counting it in flight until it ends (see watchCall). */
  const callOn = (member: Member<C>, method: string, args: unknown[]): unknown => {
    const fn = (member.client as unknown as Record<string, (...callArgs: unknown[]) => unknown>)[method]!;
    member.inFlight += 1;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      member.inFlight -= 1;
      if (member.inFlight === 0 && draining.has(member)) closeMember(member);
    };
    let call: unknown;
    starting = settle;
    try {
      call = fn.apply(member.client, args);
    } catch (error) {
      starting = undefined;
      settle();
      throw error;
    }
    const watchedByTransformer = starting === undefined;
    starting = undefined;
    if (!watchedByTransformer) {
      // A method grpc-js did not start as a call (an own helper on the client class): settle on a status if it has one.
      const emitter = call as { once?: (event: string, listener: () => void) => void } | undefined;
      if (typeof emitter?.once === 'function') emitter.once('status', settle);
      else settle();
    }
    return call;
  };

  const controls: RotatingClientControls = {
    rotationStats: () => ({
      ...stats,
      inFlight: [...members, ...draining].reduce((sum, member) => sum + member.inFlight, 0),
      draining: draining.size,
    }),
    rotateNow: async () => {
      await Promise.all([...members].map((member) => replace(member)));
    },
  };

  const closeAll = (): void => {
    if (closed) return;
    closed = true;
    for (const member of members.splice(0)) closeMember(member);
    for (const member of [...draining]) closeMember(member);
    for (const client of pending) closeClient(client);
    pending.clear();
  };

  const prototype = ServiceClient.prototype as Record<string | symbol, unknown>;
  const wrappers = new Map<string, (...args: unknown[]) => unknown>();
  /** A call method that picks its member when called, with the generated method's own properties (path, requestStream,
   *  responseStream, originalName, serializers, name, length) for libraries that read them to choose the call type. */
  const wrapperOf = (property: string, method: object): ((...args: unknown[]) => unknown) => {
    let wrapper = wrappers.get(property);
    if (wrapper === undefined) {
      wrapper = (...args: unknown[]) => callOn(pick(), property, args);
      Object.defineProperties(wrapper, Object.getOwnPropertyDescriptors(method));
      wrappers.set(property, wrapper);
    }
    return wrapper;
  };
  return new Proxy(members[0]!.client as C & RotatingClientControls, {
    get(_target, property) {
      if (property === 'rotationStats' || property === 'rotateNow') return controls[property];
      if (property === 'close') return closeAll;
      // Channel methods and plain properties are answered by the first member; a call picks its member when made.
      const sample = members[0]?.client as unknown as Record<string | symbol, unknown> | undefined;
      const value = prototype[property] ?? sample?.[property];
      if (typeof value !== 'function') return sample?.[property];
      if (typeof property === 'symbol' || CHANNEL_METHODS.has(property))
        return sample === undefined ? value : (value as (...args: unknown[]) => unknown).bind(sample);
      return wrapperOf(property, value);
    },
  });
}

// Channel options for the two sides of gRPC connection rotation that need no code of ours at call time.
//
// A grpc-js channel keeps one long-lived HTTP/2 connection; behind an L4 balancer (a Kubernetes ClusterIP Service)
// the backend is chosen once per TCP connection, so a client stays pinned to one pod. A server we own can bound the
// life of every connection: after `grpc.max_connection_age_ms` (grpc-js adds ±10 % jitter itself) it sends GOAWAY,
// in-flight calls get `grpc.max_connection_age_grace_ms` to finish, and the client reconnects, through the balancer,
// possibly to another pod. The grace must outlast the longest call: a shorter one fails the calls still running.

export interface ServerConnectionAgeOptions {
  /** Age after which the server sends GOAWAY (grpc-js jitters it by ±10 %). Default 5 minutes. */
  maxAgeMs?: number;
  /** Time in-flight calls get after GOAWAY before the connection is closed. Must outlast the longest call
   *  (streams included). Default 30 seconds. */
  graceMs?: number;
}

export const DEFAULT_MAX_CONNECTION_AGE_MS = 5 * 60_000;
export const DEFAULT_MAX_CONNECTION_AGE_GRACE_MS = 30_000;

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0)
    throw new RangeError(`serverConnectionAge: ${name} must be a positive integer (ms), got ${String(value)}`);
  return value;
}

/** Server options (`new grpc.Server({ ...serverConnectionAge() })`) that bound every connection's life. */
export function serverConnectionAge(options: ServerConnectionAgeOptions = {}): {
  'grpc.max_connection_age_ms': number;
  'grpc.max_connection_age_grace_ms': number;
} {
  return {
    'grpc.max_connection_age_ms': positiveInteger(options.maxAgeMs, DEFAULT_MAX_CONNECTION_AGE_MS, 'maxAgeMs'),
    'grpc.max_connection_age_grace_ms': positiveInteger(
      options.graceMs,
      DEFAULT_MAX_CONNECTION_AGE_GRACE_MS,
      'graceMs',
    ),
  };
}

/** Client options for `dns:///` targets over a headless Service: one subchannel per resolved address, calls spread
 *  round-robin over them (grpc-js's default, pick_first, uses one address). */
export function roundRobinOptions(): { 'grpc.service_config': string } {
  return { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) };
}

// gRPC connection rotation (quick win #7): `@quickwins/runtime/grpc`, with @grpc/grpc-js as a peer.
export {
  serverConnectionAge,
  roundRobinOptions,
  DEFAULT_MAX_CONNECTION_AGE_MS,
  DEFAULT_MAX_CONNECTION_AGE_GRACE_MS,
} from './options.js';
export type { ServerConnectionAgeOptions } from './options.js';
export { rotatingClient } from './rotating-client.js';
export type { RotationOptions, RotationStats, RotatingClientControls } from './rotating-client.js';

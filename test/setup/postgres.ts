// Placeholder until the runtime work lands: the real global setup starts a throwaway PostgreSQL cluster.
export default function setup(): void {}

/** What the Invoke API grants its clients (users, SDKs, load tests), whatever they send. */
export interface InvokeApiLimits {
  /** Open connections; past this, new sockets are closed as soon as they are accepted. */
  maxConnections: number;
  /** A request's headers must be in by then. */
  headersTimeoutMs: number;
  /** A request's headers and body must be in by then (answering may take the function's 900 s). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (the SDK's agents reuse theirs sooner). */
  keepAliveTimeoutMs: number;
}

export const INVOKE_API_LIMITS: InvokeApiLimits = {
  // Well under a default `ulimit -n` of 1024, leaving room for the contexts' own sockets.
  maxConnections: 256,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 65_000,
};

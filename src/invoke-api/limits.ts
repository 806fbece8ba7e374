/** What the Invoke API grants its clients (users, SDKs, load tests), whatever they send. */
export interface InvokeApiLimits {
  /** Open connections; past this, a new one takes the place of the oldest idle one (none idle: it is closed). */
  maxConnections: number;
  /** A new connection's first request headers must be in by then (an idle socket holds nothing longer). */
  firstRequestTimeoutMs: number;
  /** A request's headers must be in by then. */
  headersTimeoutMs: number;
  /** A request's headers and body must be in by then (answering may take the function's 900 s). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (the SDK's agents reuse theirs sooner). */
  keepAliveTimeoutMs: number;
  /** Header lines per request; past this, 431. */
  maxHeaders: number;
}

export const INVOKE_API_LIMITS: InvokeApiLimits = {
  // Well under a default `ulimit -n` of 1024, leaving room for the contexts' own sockets.
  maxConnections: 256,
  firstRequestTimeoutMs: 5_000,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 65_000,
  // Node keeps about a thousand and drops the rest without a word: past that, the client is told.
  maxHeaders: 1_000,
};

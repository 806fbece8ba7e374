/** What one context's Runtime API grants a client, whatever the function inside does. */
export interface RuntimeApiLimits {
  /** A runtime needs one or two; past this, new sockets are closed as soon as they are accepted. */
  maxConnections: number;
  /** Headers of any request (and the first request of a silent new connection) must be in by then. */
  headersTimeoutMs: number;
  /** A POST body must be in by then; the held GET /next has no body and no timeout. */
  bodyTimeoutMs: number;
}

export const RUNTIME_API_LIMITS: RuntimeApiLimits = {
  // The runtime uses one or two, the launcher one while it waits, each of up to 10 extensions one in /event/next.
  maxConnections: 32,
  headersTimeoutMs: 20_000,
  // Generous: a function at 128 MB gets 7% of a CPU to write its 6 MB answer.
  bodyTimeoutMs: 60_000,
};

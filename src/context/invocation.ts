/** One invocation as the context layer sees it, and what comes back. */
export interface InvocationRequest {
  requestId: string;
  payload: Buffer;
  /** JSON text of the client context, decoded. */
  clientContext?: string;
  /** Wait for the invocation's END/REPORT lines before answering (X-Amz-Log-Type: Tail). */
  tail: boolean;
}

export interface InvocationResult {
  requestId: string;
  /** The function's response, or Lambda's error JSON when `errorType` is set. */
  payload: Buffer;
  errorType?: string;
  /** Base64 of the last 4 KB of the log, when the request asked for the tail. */
  logTail?: string;
  coldStart: boolean;
  durationMs: number;
  initDurationMs?: number;
  contextId: string;
}

/** The context was lost before the invocation reached it: safe to retry on a fresh one. */
export class ContextLost extends Error {
  override readonly name = 'ContextLost';
}

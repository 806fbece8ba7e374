/** One invocation as the context layer sees it, and what comes back. */
export interface InvocationRequest {
  requestId: string;
  payload: Buffer;
  /** JSON text of the client context, decoded. */
  clientContext?: string;
  /** Wait for the invocation's END/REPORT lines before answering (X-Amz-Log-Type: Tail). */
  tail: boolean;
  /**
   * Takes a streamed response as the function writes it (InvokeWithResponseStream, a function URL
   * in RESPONSE_STREAM mode). Without it, a streamed response arrives whole, as a plain Invoke.
   */
  responseSink?: ResponseSink;
}

/** Where a streamed response goes, chunk by chunk. */
export interface ResponseSink {
  /** The runtime started streaming (its content type, as it declared it). */
  start(contentType: string | undefined): void;
  /** A chunk; a returned promise holds the next one back (backpressure). */
  write(chunk: Buffer): void | Promise<void>;
  /** The end: `error` when the function failed mid-stream, the timeout ended it, or the context died. */
  end(error?: { errorType: string; errorMessage: string }): void;
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

/** What the orchestrator hands a runtime through GET /invocation/next. */
export interface RuntimeInvocation {
  requestId: string;
  payload: Buffer;
  deadlineMs: number;
  functionArn: string;
  traceId: string;
  /** JSON text of the client context (already decoded from X-Amz-Client-Context's base64). */
  clientContext?: string;
  cognitoIdentity?: string;
}

/** What the runtime answered for one invocation. */
export type RuntimeOutcome =
  | { kind: 'response'; body: Buffer; runtimeMs?: number }
  | { kind: 'error'; errorType: string; body: Buffer; runtimeMs?: number }
  | { kind: 'too-large'; bytes: number };

/**
 * Ours, not Lambda's wire: how long our Node.js runtime held the event, ms, sent with its result
 * (a context may get its event while it is still being thawed; see ExecutionContext.invoke).
 */
export const RUNTIME_DURATION_HEADER = 'lambda-runtime-orchestrator-duration-ms';

export interface RuntimeApiListener {
  /** The runtime asked for work: init is done, or the last invocation is answered. */
  onNext(): void;
  /** The runtime reported a failed init (POST /init/error). */
  onInitError(errorType: string, body: Buffer): void;
  /** A stem's runtime waits to be claimed (GET /orchestrator/claim). */
  onClaimWait?(): void;
}

/** Lambda's limit on a synchronous response payload. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;

/** Lambda's limit on a streamed response (Lambda-Runtime-Function-Response-Mode: streaming). */
export const MAX_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024;

/** How a streamed response ended (its body Readable itself never emits 'error'). */
export type StreamEnd =
  | { kind: 'complete'; bytes: number }
  /** The runtime's trailers Lambda-Runtime-Function-Error-Type and -Body (base64, decoded here). */
  | { kind: 'error'; errorType: string; errorBody: Buffer; bytes: number }
  /** Past MAX_STREAMED_RESPONSE_BYTES: the body ends there, the rest is discarded. */
  | { kind: 'too-large'; bytes: number }
  /** The runtime went away mid-stream, or the invocation was abandoned (timeout). */
  | { kind: 'aborted'; bytes: number };

/**
 * A response the runtime streams, handed over as soon as it starts: the invocation is over
 * when `end` resolves. Only given to a deliver(..., { streaming: true }) caller; any other
 * gets a streamed response as a buffered outcome, as Lambda does for a plain Invoke.
 */
export interface StreamedOutcome {
  kind: 'streaming';
  /** As the runtime declared it (application/vnd.awslambda.http-integration-response for HttpResponseStream.from). */
  contentType: string | undefined;
  body: import('node:stream').Readable;
  end: Promise<StreamEnd>;
}

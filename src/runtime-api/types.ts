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
  | { kind: 'response'; body: Buffer }
  | { kind: 'error'; errorType: string; body: Buffer }
  | { kind: 'too-large'; bytes: number };

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

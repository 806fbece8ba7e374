/** Lambda's Extensions API (2020-01-01): what an extension registers for and receives. */

export const EXTENSION_EVENT_TYPES = ['INVOKE', 'SHUTDOWN'] as const;
export type ExtensionEventType = (typeof EXTENSION_EVENT_TYPES)[number];

export type ShutdownReason = 'spindown' | 'timeout' | 'failure';

/** GET /event/next's body for an invocation (deadlineMs: epoch milliseconds, as the runtime's). */
export interface InvokeEvent {
  eventType: 'INVOKE';
  deadlineMs: number;
  requestId: string;
  invokedFunctionArn: string;
  tracing: { type: 'X-Amzn-Trace-Id'; value: string };
}

export interface ShutdownEvent {
  eventType: 'SHUTDOWN';
  shutdownReason: ShutdownReason;
  deadlineMs: number;
}

export type ExtensionEvent = InvokeEvent | ShutdownEvent;

/** What the context hands `invoke()`: the fields of the runtime's invocation that extensions see. */
export interface InvokeInput {
  requestId: string;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string;
}

/** The register answer's body (accountId only for `Lambda-Extension-Accept-Feature: accountId`). */
export interface FunctionMetadata {
  functionName: string;
  functionVersion: string;
  handler: string;
  accountId: string;
}

/** One registered extension, as `registered()` lists it. */
export interface RegisteredExtension {
  id: string;
  name: string;
  external: boolean;
  events: ExtensionEventType[];
  state: ExtensionState;
}

/**
 * registered: waiting for its first /next; ready: waiting in /next; running: handling an event;
 * shut-down: received SHUTDOWN (its next /next is never answered); init-error / exit-error: it
 * reported a failure, and no further call of it succeeds.
 */
export type ExtensionState = 'registered' | 'ready' | 'running' | 'shut-down' | 'init-error' | 'exit-error';

/** What the context hears of extensions besides the phases' promises (for logs and the init's fate). */
export type ExtensionsApiEvent =
  | { kind: 'registered'; name: string; id: string; external: boolean; events: ExtensionEventType[] }
  | { kind: 'init-error' | 'exit-error'; name: string; errorType: string; body: Buffer }
  | { kind: 'exited'; name: string; status: number };

import type Docker from 'dockerode';
import type { Clock } from '../clock';
import type { InstanceIdentity } from '../engine/labels';
import type { LogSink } from '../logging/log-sink';

export interface OrchestratorOptions {
  /**
   * A functions.yaml path (relative to `baseDir`; code paths relative to the file), or an object
   * of the same shape (code paths relative to `baseDir`).
   */
  config: string | Record<string, unknown>;
  /** For an AWS SAM / CloudFormation template: values of its Parameters (as `--parameter-overrides`). */
  parameterOverrides?: Record<string, string>;
  /** Defaults to the current directory. */
  baseDir?: string;
  /** Invoke API address; port 0 (the default) picks a free port. */
  host?: string;
  port?: number;
  /** The engine to use; by default the one DOCKER_HOST names, as the Docker CLI reads it. */
  docker?: Docker;
  /** Lambda's log lines (START, function output, END, REPORT); silent by default. */
  logSink?: LogSink;
  /** Image build progress and notices. */
  onProgress?: (line: string) => void;
  clock?: Clock;
}

/** Lambda's error body, as a failed invocation answers it (`Sandbox.Timedout`, `Runtime.ExitError`, ...). */
export interface FunctionErrorBody {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export interface InvokeCallOptions {
  /** Passed to the function as `context.clientContext` (X-Amz-Client-Context). */
  clientContext?: object;
}

/** `T` types the payload for the caller (`orch.invoke<{ count: number }>(...)`); nothing checks it. */
export interface InvokeOutput<T = unknown> {
  requestId: string;
  /** The function's response, parsed from JSON (raw text if it is not JSON); undefined on a function error. */
  payload: T;
  /** Set when the invocation failed: Lambda's error body. */
  functionError?: FunctionErrorBody;
  /** START..REPORT of this invocation (last 4 KB). */
  logTail: string;
  coldStart: boolean;
  durationMs: number;
  initDurationMs?: number;
  contextId: string;
}

/** `invoke()` or `reload()` on an orchestrator that was stopped. */
export class OrchestratorStoppedError extends Error {
  override readonly name = 'OrchestratorStoppedError';
}

/** What `stop()` resolves to: who it was, and nothing that could start a context again. */
export class StoppedOrchestrator {
  constructor(
    readonly url: string,
    readonly instance: InstanceIdentity,
  ) {}
}

import type { FunctionConfig } from '../../config/types';
import type { ShutdownReason } from '../../extensions/types';
import type { ContainerExit } from '../context-container';
import type { ContextOutput } from '../context-output';
import type { InitPhase } from '../init-phase';
import type { PlatformLines } from '../platform-lines';
import type { ContextDeps } from './context-deps';
import type { Sandbox } from './phase';

/**
 * What the rooms of an execution context (boot, init, the run of an invocation, the Shutdown phase)
 * share: its fixed parts, and the few ways back into it. The phase itself is the context's alone.
 */
export interface ContextParts {
  readonly id: string;
  readonly fn: FunctionConfig;
  readonly deps: ContextDeps;
  /** Invocations in flight at once (ContextDeps.maxConcurrency, 1 by default). */
  readonly maxConcurrency: number;
  readonly output: ContextOutput;
  /** START, END and REPORT as the function's loggingConfig asks: Text lines or JSON records. */
  readonly lines: PlatformLines;
  readonly init: InitPhase;
  /** Settles when the container stops, for any reason. */
  readonly exit: Promise<ContainerExit>;
  /** The sandbox of a context that serves (or initializes); ContextLost once it is gone. */
  live(): Sandbox;
  /** Ends the context (idempotent): see ExecutionContext.destroy. */
  destroy(reason?: ShutdownReason): Promise<void>;
  maxMemoryUsedMb(): Promise<number | undefined>;
}

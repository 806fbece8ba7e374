import { randomUUID } from 'node:crypto';
import type { FunctionConfig, ProjectConfig } from '../config/types';
import { findFunction } from '../config/lookup';
import { ResourceNotFoundException, ServiceError, ServiceException } from '../errors';
import { ContextLost, type InvocationRequest, type InvocationResult } from '../context/invocation';
import type { ExecutionContext } from '../context/execution-context';
import type { ContextPool } from '../context/pool';

/**
 * What the invoker is asked to run: the pool's InvocationRequest itself (the Invoke API builds it
 * once), its request id made up here when the caller has none (the library API).
 */
export type InvokeRequest = Omit<InvocationRequest, 'requestId'> & { requestId?: string };

/** Lambda retries a failed asynchronous invocation twice; locally the waits are seconds, not minutes. */
export const EVENT_RETRY_DELAYS_MS = [1000, 2000];
/** A context lost before the event reached it (rm -f, failed unpause) is replaced this many times. */
const LOST_CONTEXT_RETRIES = 2;

/** Runs invocations on the pool: picks or starts a context, and replaces lost ones. */
export class Invoker {
  /** Event retries waiting for their turn: dropped (and said so) at stop. */
  private readonly retries = new Map<NodeJS.Timeout, string>();
  private closed = false;

  constructor(
    /** The configuration served now: functions by name, and their other names (a template's FunctionName). */
    private readonly config: () => Pick<ProjectConfig, 'functions' | 'aliases'>,
    private readonly pool: ContextPool<ExecutionContext>,
    private readonly onBackgroundError: (line: string) => void,
    private readonly onServed: (functionName: string, coldStart: boolean) => void = () => undefined,
  ) {}

  all(): Iterable<FunctionConfig> {
    return this.config().functions.values();
  }

  /** The function a name (or another name of it) stands for, as served now; unknown: ResourceNotFoundException. */
  fn(name: string): FunctionConfig {
    const fn = findFunction(this.config(), name);
    if (!fn) throw new ResourceNotFoundException(name);
    return fn;
  }

  /** Runs `fn` (resolved by the caller: the invoker does not look it up again) on a context of the pool. */
  async invoke(fn: FunctionConfig, request: InvokeRequest): Promise<InvocationResult> {
    const req: InvocationRequest = { ...request, requestId: request.requestId ?? randomUUID() };
    for (let attempt = 0; ; attempt++) {
      const lease = this.pool.acquire(fn);
      try {
        if (lease.started) await lease.started;
        const result = await lease.ctx.invoke(req);
        this.onServed(fn.name, result.coldStart);
        return result;
      } catch (err) {
        // A context lost because the engine is unreachable says so (ServiceException): no retry.
        if (err instanceof ContextLost && err.cause instanceof ServiceError) throw err.cause;
        if (err instanceof ContextLost && attempt < LOST_CONTEXT_RETRIES) continue;
        throw asServiceError(err);
      }
    }
  }

  /** X-Amz-Invocation-Type: Event: runs in the background, retried twice on a function error. */
  invokeEvent(fn: FunctionConfig, request: InvokeRequest): string {
    const requestId = request.requestId ?? randomUUID();
    void this.runEvent(fn, { ...request, requestId, tail: false });
    return requestId;
  }

  /** Stops for good: Event retries still waiting are dropped and logged. */
  close(): void {
    this.closed = true;
    for (const [timer, requestId] of this.retries) {
      clearTimeout(timer);
      this.onBackgroundError(`async invocation ${requestId}: retry dropped, the orchestrator stopped`);
    }
    this.retries.clear();
  }

  private async runEvent(fn: FunctionConfig, req: InvocationRequest): Promise<void> {
    for (let attempt = 0; attempt <= EVENT_RETRY_DELAYS_MS.length; attempt++) {
      if (this.closed) return;
      try {
        const result = await this.invoke(fn, req);
        if (!result.errorType) return;
        this.onBackgroundError(
          `async invocation ${req.requestId} failed (attempt ${attempt + 1}/3): ${result.errorType}: ${result.payload.toString('utf8').slice(0, 500)}`,
        );
      } catch (err) {
        this.onBackgroundError(`async invocation ${req.requestId} not run (attempt ${attempt + 1}/3): ${(err as Error).message}`);
      }
      const delay = EVENT_RETRY_DELAYS_MS[attempt];
      if (delay === undefined || this.closed) return;
      // A retry dropped by close() never resolves: this invocation simply ends there.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.retries.delete(timer);
          resolve();
        }, delay);
        timer.unref();
        this.retries.set(timer, req.requestId);
      });
    }
  }
}

/** An unreachable engine already arrives as a ServiceException (engine/engine-errors.ts). */
function asServiceError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  return new ServiceException(`could not run the invocation: ${(err as Error | undefined)?.message ?? String(err)}`);
}

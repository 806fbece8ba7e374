import { randomBytes } from 'node:crypto';
import type { FunctionConfig } from '../config/types';
import { FunctionError, RuntimeExitError } from '../errors';
import { lineSplitter } from '../logging/line-splitter';
import type { LogSink } from '../logging/log-sink';
import { endLine, reportLine, startLine } from '../logging/report-lines';
import type { MemoryPeakReader } from '../docker/memory-peak';
import { RuntimeApiServer } from '../runtime-api/server';
import type { ContainerExit, ContainerIo, ContextContainer } from './context-container';
import { ContextLost, type InvocationRequest, type InvocationResult } from './invocation';
import type { InitializationType } from './lambda-env';
import { deferred, type Deferred } from './deferred';
import { ContextOutput, type InvocationOutput } from './context-output';
import { errorPayload, exitDetail, InitExited, outcomePayload, parseFunctionError, type InvocationOutcome } from './outcome';

export type ContextState = 'initializing' | 'busy' | 'idle' | 'frozen' | 'dead';

/** How long END/REPORT wait for late log lines when the runtime sends no marker (custom runtimes). */
const UNMARKED_FLUSH_MS = 20;
const MARKED_FLUSH_CAP_MS = 500;

/** What an execution context needs from outside; built by the context factory. */
export interface ContextDeps {
  startContainer(api: RuntimeApiServer, io: ContainerIo): Promise<{
    container: ContextContainer;
    memory: MemoryPeakReader;
  }>;
  runtimeApiBind: string;
  sink: LogSink;
  now(): number;
  functionArn: string;
  initTimeoutMs: number;
  freezeDelayMs: number;
}

/**
 * One execution context: a container, its Runtime API and its log stream, frozen (docker pause)
 * whenever no invocation is in flight. The pool claims it synchronously (`claim`) and hands it
 * invocations one at a time; any failure of the container ends it for good (`dead`).
 */
export class ExecutionContext {
  readonly id = randomBytes(6).toString('hex');
  readonly createdAt: number;
  state: ContextState = 'initializing';
  lastUsedAt: number;
  invocations = 0;
  containerId: string | undefined;
  initDurationMs: number | undefined;
  lastMaxMemoryMb: number | undefined;

  private container: ContextContainer | undefined;
  private memory: MemoryPeakReader | undefined;
  private api: RuntimeApiServer | undefined;
  private readonly ready = deferred<void>();
  private initDone = false;
  private initStartedAt = 0;
  private paused = false;
  /** The runtime sits in GET /next: the moment it may be frozen. */
  private runtimeWaiting = false;
  private freezing: Promise<void> | undefined;
  private freezeTimer: NodeJS.Timeout | undefined;
  private readonly output: ContextOutput;
  private finalizing: Promise<void> = Promise.resolve();
  private destroyed: Promise<void> | undefined;
  private exited = false;
  private readonly deathListeners: Array<(ctx: ExecutionContext) => void> = [];
  private exitInfo = deferred<ContainerExit>();
  /** Set while a claimed invocation waits for the runtime's next GET /next. */
  private nextAsked: Deferred<void> | undefined;

  constructor(
    readonly fn: FunctionConfig,
    readonly initType: InitializationType,
    private readonly deps: ContextDeps,
  ) {
    this.output = new ContextOutput(fn.name, deps.sink);
    this.createdAt = deps.now();
    this.lastUsedAt = this.createdAt;
    this.ready.promise.catch(() => undefined);
  }

  get provisioned(): boolean {
    return this.initType === 'provisioned-concurrency';
  }

  /** Free for an invocation: initialised and waiting (frozen, or about to be). */
  get available(): boolean {
    return this.state === 'idle' || this.state === 'frozen';
  }

  /** Marks the context busy in the same step that picks it; false if it was not free. */
  claim(): boolean {
    if (!this.available) return false;
    this.state = 'busy';
    if (this.freezeTimer) clearTimeout(this.freezeTimer);
    this.freezeTimer = undefined;
    return true;
  }

  onDeath(listener: (ctx: ExecutionContext) => void): void {
    this.deathListeners.push(listener);
  }

  /** Starts the container and its Runtime API; init runs in the background (see `initialized`). */
  async start(): Promise<void> {
    this.initStartedAt = this.deps.now();
    this.api = await RuntimeApiServer.start(this.deps.runtimeApiBind, {
      onNext: () => this.onRuntimeNext(),
      onInitError: (type, body) => this.onInitError(type, body),
    });
    try {
      const started = await this.deps.startContainer(this.api, {
        stdout: lineSplitter((l) => this.output.onLine(l)),
        stderr: lineSplitter((l) => this.output.onLine(l)),
        onStart: () => {
          this.initStartedAt = this.deps.now();
        },
      });
      this.container = started.container;
      this.memory = started.memory;
      this.containerId = started.container.id;
    } catch (err) {
      await this.api.close();
      this.state = 'dead';
      throw err;
    }
    if (this.state === 'dead') {
      // Destroyed (shutdown, eviction) while the container was being created.
      await this.container.remove();
      return;
    }
    this.container.exited.then((exit) => this.onExit(exit));
    // A provisioned runtime that finished init before start() returned could not be frozen then.
    if (this.state === 'idle' && this.runtimeWaiting) this.scheduleFreeze();
    const timer = setTimeout(
      () => this.failInit(new FunctionError('Sandbox.Timedout', `Init phase timed out after ${(this.deps.initTimeoutMs / 1000).toFixed(2)} seconds`)),
      this.deps.initTimeoutMs,
    );
    this.ready.promise.finally(() => clearTimeout(timer)).catch(() => undefined);
  }

  /** Resolves once init is done (the runtime's first /next); rejects with the init's FunctionError. */
  initialized(): Promise<void> {
    return this.ready.promise;
  }

  /** Runs one invocation; the context must have been claimed (or be initializing for this call). */
  async invoke(req: InvocationRequest): Promise<InvocationResult> {
    // Still 'initializing' with init done: the runtime's first /next came before start() returned
    // (a busy engine answers the start call late). That is this context's first, cold invocation
    // too; taken for a warm one, it would never leave 'initializing': never frozen, never reused.
    const cold = !this.initDone || this.state === 'initializing';
    if (cold) {
      this.state = 'initializing';
      try {
        await this.ready.promise;
      } catch (err) {
        return this.initFailureResult(req, err);
      }
      this.state = 'busy';
    } else {
      this.output.beginThaw();
      try {
        await this.thaw();
        await this.runtimeTakesWork();
      } catch (err) {
        this.output.abortThaw();
        throw err;
      }
    }
    await this.finalizing; // the previous invocation's END/REPORT come before this START
    const current = this.output.begin(req.requestId, startLine(req.requestId));
    const startedAt = this.deps.now();
    const startedHr = process.hrtime.bigint();
    const outcome = await this.runOnRuntime(req, startedAt);
    const durationMs = Number(process.hrtime.bigint() - startedHr) / 1e6;
    this.invocations++;
    this.lastUsedAt = this.deps.now();

    const ended = outcome.kind !== 'response' && outcome.kind !== 'error' && outcome.kind !== 'too-large';
    if (!ended && this.state === 'busy') this.state = 'idle';
    if (this.state === 'idle' && this.runtimeWaiting) this.scheduleFreeze();

    const finalize = this.finalize(current, outcome, durationMs, cold);
    this.finalizing = finalize.catch(() => undefined);
    if (req.tail || ended) await finalize;
    const { payload, errorType } = outcomePayload(outcome, req.requestId, this.fn.timeout);
    return {
      requestId: req.requestId,
      payload,
      errorType,
      logTail: req.tail ? current.log.tailBase64() : undefined,
      coldStart: cold,
      durationMs,
      initDurationMs: cold ? this.initDurationMs : undefined,
      contextId: this.id,
    };
  }

  /** Removes the container and closes the Runtime API; idempotent. */
  destroy(): Promise<void> {
    this.destroyed ??= this.doDestroy();
    return this.destroyed;
  }

  async maxMemoryUsedMb(): Promise<number | undefined> {
    const bytes = await this.memory?.peakBytes();
    if (bytes !== undefined && Number.isFinite(bytes)) this.lastMaxMemoryMb = Math.ceil(bytes / (1024 * 1024));
    return this.lastMaxMemoryMb;
  }

  private async doDestroy(): Promise<void> {
    if (!this.exited) this.output.silence();
    this.markDead();
    if (this.freezeTimer) clearTimeout(this.freezeTimer);
    this.ready.reject(new FunctionError('Runtime.ExitError', 'execution context was shut down during init'));
    // The container goes first: a runtime that loses its Runtime API would log a spurious error.
    try {
      await this.container?.remove();
    } finally {
      await this.api?.close();
    }
  }

  private markDead(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    for (const l of this.deathListeners) l(this);
  }

  private async thaw(): Promise<void> {
    if (this.freezing) await this.freezing;
    if (this.state === 'dead' || !this.container) throw new ContextLost(`context ${this.id} is gone`);
    if (!this.paused) return;
    try {
      await this.container.unpause();
      this.paused = false;
    } catch (err) {
      void this.destroy();
      throw new ContextLost(`unpause of context ${this.id} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * The runtime answered its last invocation but has not asked for the next one yet: wait until
   * it does. A runtime that exits instead (it crashed after answering) never got this invocation,
   * which is then safe to run on a fresh context (ContextLost).
   */
  private async runtimeTakesWork(): Promise<void> {
    if (this.runtimeWaiting) return;
    this.nextAsked = deferred<void>();
    const outcome = await Promise.race([
      this.nextAsked.promise.then(() => 'asked' as const),
      this.exitInfo.promise.then(() => 'exited' as const),
      sleep(this.fn.timeout * 1000).then(() => 'slow' as const), // left to the invocation's timeout
    ]);
    this.nextAsked = undefined;
    if (outcome === 'exited') throw new ContextLost(`context ${this.id} exited before it took the invocation`);
  }

  private runOnRuntime(req: InvocationRequest, startedAt: number): Promise<InvocationOutcome> {
    const api = this.api!;
    this.runtimeWaiting = false;
    const timeoutMs = this.fn.timeout * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<{ kind: 'timeout' }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
    });
    const exited = this.exitInfo.promise.then((exit) => ({ kind: 'exit' as const, exit }));
    const delivered = api.deliver({
      requestId: req.requestId,
      payload: req.payload,
      deadlineMs: startedAt + timeoutMs,
      functionArn: this.deps.functionArn,
      traceId: `Root=1-${Math.floor(startedAt / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`,
      clientContext: req.clientContext,
    });
    return Promise.race([delivered, timedOut, exited]).then((outcome) => {
      clearTimeout(timer);
      if (outcome.kind === 'timeout' || outcome.kind === 'exit') {
        api.abandon();
        void this.destroy();
      }
      return outcome;
    });
  }

  /** END and REPORT, once the invocation's own lines are all out. */
  private async finalize(
    current: InvocationOutput,
    outcome: InvocationOutcome,
    durationMs: number,
    cold: boolean,
  ): Promise<void> {
    if (outcome.kind === 'response' || outcome.kind === 'error') {
      const cap = this.fn.runtime === 'nodejs20.x' ? MARKED_FLUSH_CAP_MS : UNMARKED_FLUSH_MS;
      await Promise.race([current.flushed.promise, sleep(cap)]);
    }
    this.output.end(current);
    // Stopped by the cgroup OOM killer: the peak was the limit (and the cgroup is gone by now).
    const oom = outcome.kind === 'exit' && outcome.exit.oomKilled;
    const maxMemoryUsedMb = oom ? this.fn.memorySize : await this.maxMemoryUsedMb();
    this.output.emit(endLine(current.requestId), current.log);
    this.output.emit(
      reportLine({
        requestId: current.requestId,
        durationMs,
        memorySizeMb: this.fn.memorySize,
        maxMemoryUsedMb,
        initDurationMs: cold ? this.initDurationMs : undefined,
        status: outcome.kind === 'timeout' ? 'timeout' : outcome.kind === 'exit' ? 'error' : undefined,
      }),
      current.log,
    );
  }

  private onRuntimeNext(): void {
    this.runtimeWaiting = true;
    this.nextAsked?.resolve();
    if (!this.initDone) {
      this.initDone = true;
      this.output.endInit();
      this.initDurationMs = this.deps.now() - this.initStartedAt;
      if (this.state === 'initializing' && this.provisioned) {
        this.state = 'idle';
        this.lastUsedAt = this.deps.now();
      }
      this.ready.resolve();
    }
    if (this.state === 'idle') this.scheduleFreeze();
  }

  private scheduleFreeze(): void {
    if (this.freezing || this.paused || this.freezeTimer) return;
    if (this.deps.freezeDelayMs > 0) {
      this.freezeTimer = setTimeout(() => {
        this.freezeTimer = undefined;
        this.freeze();
      }, this.deps.freezeDelayMs);
      this.freezeTimer.unref();
    } else {
      this.freeze();
    }
  }

  private freeze(): void {
    if (this.state !== 'idle' || !this.container || this.freezing || this.paused) return;
    this.freezing = this.container
      .pause()
      .then(
        () => {
          this.paused = true;
          if (this.state === 'idle') this.state = 'frozen';
        },
        () => void this.destroy(), // a context that cannot be frozen is not reused
      )
      .finally(() => {
        this.freezing = undefined;
      });
  }

  private onInitError(errorType: string, body: Buffer): void {
    this.failInit(parseFunctionError(errorType, body));
  }

  private failInit(err: FunctionError | InitExited): void {
    if (this.initDone) return;
    this.initDone = true;
    this.initDurationMs = this.deps.now() - this.initStartedAt;
    this.ready.reject(err);
    void this.destroy();
  }

  private onExit(exit: ContainerExit): void {
    this.exited = true;
    this.exitInfo.resolve(exit);
    if (!this.initDone) {
      this.failInit(new InitExited(exit));
    }
    void this.destroy();
  }

  private async initFailureResult(req: InvocationRequest, err: unknown): Promise<InvocationResult> {
    const fe =
      err instanceof InitExited
        ? new RuntimeExitError(req.requestId, exitDetail(err.exit))
        : err instanceof FunctionError
          ? err
          : new FunctionError('Runtime.Unknown', String(err));
    const current = this.output.begin(req.requestId, startLine(req.requestId));
    await this.finalize(current, { kind: 'exit', exit: { statusCode: 1, oomKilled: false } }, this.initDurationMs ?? 0, false);
    return {
      requestId: req.requestId,
      ...errorPayload(fe),
      logTail: req.tail ? current.log.tailBase64() : undefined,
      coldStart: true,
      durationMs: 0,
      initDurationMs: this.initDurationMs,
      contextId: this.id,
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

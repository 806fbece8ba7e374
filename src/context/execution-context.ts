import { randomBytes } from 'node:crypto';
import { traceHeader } from './trace-id';
import { runtimeFamily, type FunctionConfig } from '../config/types';
import { FunctionError, RuntimeExitError } from '../errors';
import { lineSplitter } from '../logging/line-splitter';
import type { LogSink } from '../logging/log-sink';
import type { CgroupReader } from '../engine/cgroup-reader';
import type { ContainerExit, ContainerIo, ContextContainer } from './context-container';
import { ContextLost, type InvocationRequest, type InvocationResult } from './invocation';
import type { InitializationType } from './lambda-env';
import { deferred } from './deferred';
import { ContextOutput } from './context-output';
import { errorPayload, exitDetail, InitExited, outcomePayload, parseFunctionError, type InvocationOutcome } from './outcome';
import { Freezer, type ThawOutcome } from './freezer';
import type { FreezeTiming } from './freeze-timing';
import { InitPhase } from './init-phase';
import { RuntimeSession } from './runtime-session';
import { reportInvocation, sleep } from './invocation-report';
import { relayStream, streamRate } from './relay-stream';
import { ContextExtensions } from './context-extensions';
import { platformEvents } from '../extensions/telemetry-events';
import type { MergedLayers } from '../images/layers';
import type { ShutdownReason } from '../extensions/types';
import { platformLines, type PlatformLines } from './platform-lines';

/** What `orchestrator ps` and the pool see of a context. */
export type ContextState = 'stem' | 'initializing' | 'busy' | 'idle' | 'frozen' | 'dead';

/** What an execution context needs from outside; built by the context factory. */
export interface ContextDeps {
  /** The function's layers merged for /opt, with the extensions they hold (none without layers). */
  layers(): Promise<MergedLayers | undefined>;
  /** Creates and starts the container whose runtime talks to the Runtime API on `port`. */
  startContainer(port: number, io: ContainerIo, layers: MergedLayers | undefined): Promise<{ container: ContextContainer; memory: CgroupReader }>;
  runtimeApiBind: string;
  /** Only the container's own address may use its Runtime API (where the engine shows it). */
  checkPeer: boolean;
  /** The function's CPU quota, applied once the init is over (the init runs at full speed). */
  cpuNanos: number;
  sink: LogSink;
  now(): number;
  functionArn: string;
  initTimeoutMs: number;
  /** How long a free context stays thawed before the pause (CONTRACT section 4 allows 100 ms). */
  freezeTiming: FreezeTiming;
  /** settings.thawAhead: a frozen context's event may go in while it is being thawed. */
  thawAhead: boolean;
  /** Bytes/s of a streamed response past its first 6 MB (settings.streamRate). */
  streamRate: number;
}

/** The container, once it exists, and what works on it. */
interface Box {
  container: ContextContainer;
  memory: CgroupReader;
  freezer: Freezer;
}

/**
 * A context's lifecycle. The Runtime API session exists from `creating` on, the container from
 * `parked` (a stem, booted ahead of demand, its function not loaded) or `initializing` on; `busy`
 * is held by exactly one invocation (the cold one from creation, or from the stem's claim).
 */
type Phase =
  | { kind: 'new' }
  | { kind: 'creating'; session: RuntimeSession }
  | { kind: 'parked'; session: RuntimeSession; box: Box }
  | { kind: 'initializing'; session: RuntimeSession; box: Box }
  | { kind: 'idle'; session: RuntimeSession; box: Box }
  | { kind: 'busy'; session: RuntimeSession; box: Box }
  | { kind: 'dead' };

type Live = Exclude<Extract<Phase, { box: Box }>, { kind: 'parked' }>;

/**
 * One execution context: a container, its Runtime API session and its log stream, frozen (docker
 * pause) whenever no invocation is in flight. The pool claims it synchronously (`claim`) and hands
 * it invocations one at a time; any failure of the container ends it for good (`dead`).
 */
export class ExecutionContext {
  readonly id = randomBytes(6).toString('hex');
  readonly createdAt: number;
  lastUsedAt: number;
  invocations = 0;
  containerId: string | undefined;
  lastMaxMemoryMb: number | undefined;

  private phase: Phase = { kind: 'new' };
  private readonly init: InitPhase;
  private readonly output: ContextOutput;
  /** START, END and REPORT as the function's loggingConfig asks: Text lines or JSON records. */
  private readonly lines: PlatformLines;
  /** The on-demand context's first invocation is its cold start. */
  private coldPending: boolean;
  private claimedStem = false;
  /** The stem's runtime has booted and waits to be claimed. */
  private readonly booted = deferred<void>();
  private finalizing: Promise<void> = Promise.resolve();
  private destroyed: Promise<void> | undefined;
  private readonly exit = deferred<ContainerExit>();
  private exited = false;
  private readonly deathListeners: Array<(ctx: ExecutionContext) => void> = [];
  /** Extensions and Telemetry API subscribers: the other parties of the lifecycle (set in start). */
  private extensions: ContextExtensions | undefined;
  /** The extensions' INVOKE round of the invocation in flight. */
  private extensionsWork: Promise<void> | undefined;
  /** start() in progress or done: destroy() waits for it (a container being created is removed then). */
  private startup: Promise<void> | undefined;

  constructor(
    readonly fn: FunctionConfig,
    readonly initType: InitializationType,
    private readonly deps: ContextDeps,
    /** A stem: its runtime boots now, its init runs when a cold start claims it. */
    readonly stem = false,
  ) {
    this.output = new ContextOutput(fn.name, deps.sink);
    this.lines = platformLines(fn.loggingConfig.logFormat);
    this.createdAt = deps.now();
    this.lastUsedAt = this.createdAt;
    this.coldPending = initType === 'on-demand' && !stem;
    this.booted.promise.catch(() => undefined);
    this.init = new InitPhase(deps.now, deps.initTimeoutMs, (err) => this.failInit(err));
  }

  get provisioned(): boolean {
    return this.initType === 'provisioned-concurrency';
  }

  get state(): ContextState {
    switch (this.phase.kind) {
      case 'new':
      case 'creating':
        return this.stem && !this.claimedStem ? 'stem' : 'initializing';
      case 'parked':
        return 'stem';
      case 'initializing':
        return 'initializing';
      case 'idle':
        return this.phase.box.freezer.isFrozen ? 'frozen' : 'idle';
      default:
        return this.phase.kind;
    }
  }

  get initDurationMs(): number | undefined {
    return this.init.durationMs;
  }

  /** Free for an invocation: initialised and waiting (frozen, or about to be). */
  get available(): boolean {
    return this.phase.kind === 'idle';
  }

  /** An unclaimed stem (booting, or booted and frozen). */
  get parked(): boolean {
    const k = this.phase.kind;
    return this.stem && !this.claimedStem && (k === 'new' || k === 'creating' || k === 'parked');
  }

  /** Takes the stem for a cold start (its init runs in `invoke`); false if it is not a free stem. */
  claimStem(): boolean {
    if (!this.parked) return false;
    this.claimedStem = true;
    this.coldPending = true;
    if (this.phase.kind === 'parked') {
      this.phase.box.freezer.hold();
      this.phase = { ...this.phase, kind: 'initializing' };
    }
    return true;
  }

  /** Resolves once a stem's runtime has booted and waits to be claimed. */
  whenBooted(): Promise<void> {
    return this.booted.promise;
  }

  /** Marks the context busy in the same step that picks it; false if it was not free. */
  claim(): boolean {
    if (this.phase.kind !== 'idle') return false;
    this.phase.box.freezer.hold();
    this.phase = { ...this.phase, kind: 'busy' };
    return true;
  }

  onDeath(listener: (ctx: ExecutionContext) => void): void {
    this.deathListeners.push(listener);
  }

  /**
   * Opens the Runtime API and starts the container; the init goes on in the background
   * (`initialized`). A destroy() meanwhile waits for it, so no container is left being created.
   */
  start(): Promise<void> {
    this.startup ??= this.doStart();
    return this.startup;
  }

  private async doStart(): Promise<void> {
    const peer = deferred<string>();
    const layers = await this.deps.layers();
    const extensions = new ContextExtensions(this.fn, layers?.extensions ?? []);
    this.extensions = extensions;
    const format = this.fn.loggingConfig.logFormat;
    this.output.tap = (kind, line) => (kind === 'function' ? extensions.functionLine(line, format) : extensions.extensionLine(line, format));
    const session = await RuntimeSession.open(
      this.deps.runtimeApiBind,
      {
        onNext: () => this.onRuntimeNext(),
        // The runtime exits right after reporting: its last lines are still on their way.
        onInitError: (type, body) => this.failInit(parseFunctionError(type, body), { untilExit: true }),
        onClaimWait: () => this.onParked(),
      },
      this.deps.checkPeer ? peer.promise : undefined,
      extensions.api,
    );
    if (this.isDead()) return void (await session.close());
    this.phase = { kind: 'creating', session };
    let started: { container: ContextContainer; memory: CgroupReader };
    try {
      started = await this.deps.startContainer(session.port, {
        stdout: lineSplitter((l) => this.output.onLine(l)),
        stderr: lineSplitter((l) => this.output.onLine(l)),
        // A stem's init begins when it is claimed, whatever its boot takes before that.
        onStart: () => {
          if (!this.stem) this.init.begin();
        },
        onAddress: (address) => {
          peer.resolve(address);
          extensions.telemetry.setSandboxAddress(address); // sandbox.localdomain in subscriptions
        },
      }, layers);
    } catch (err) {
      this.markDead();
      await session.close();
      throw err;
    }
    const { container, memory } = started;
    this.containerId = container.id;
    if (this.isDead()) return void (await container.remove()); // destroyed while it was created
    const freezer = new Freezer(container, this.deps.freezeTiming, () => void this.destroy('failure'));
    const box = { container, memory, freezer };
    this.phase = this.parked ? { kind: 'parked', session, box } : { kind: 'initializing', session, box };
    void container.exited.then((exit) => this.onExit(exit));
    // The runtime may have asked for work (or a claim) before the engine answered the start call.
    if (session.waiting) void this.completeInit();
    this.settle();
  }

  /** Resolves once init is done (the runtime's first /next); rejects with the init's FunctionError. */
  initialized(): Promise<void> {
    return this.init.ready;
  }

  /** Runs one invocation: the cold one of an on-demand context, or one that claimed it. */
  async invoke(req: InvocationRequest): Promise<InvocationResult> {
    const cold = this.coldPending;
    this.coldPending = false;
    if (cold) {
      if (this.stem) await this.releaseStem();
      try {
        await this.init.ready;
      } catch (err) {
        return this.initFailureResult(req, err);
      }
    }
    const thaw = cold ? undefined : await this.thawForWork(this.mayThawAhead(req));
    const live = this.live();
    await this.finalizing; // the previous invocation's END/REPORT come before this START
    const current = this.output.begin(req.requestId, this.lines.start(req.requestId));
    this.extensions?.emit(() => platformEvents.start(Date.now(), { requestId: req.requestId, version: '$LATEST' }));
    const startedAt = this.deps.now();
    const startedHr = process.hrtime.bigint();
    // An event written ahead of the thaw: the function's time (and its timeout) starts once the unpause is done.
    const functionStartHr = thaw?.ahead ? thaw.done.then(() => process.hrtime.bigint(), () => startedHr) : startedHr;
    const outcome = await this.runOnRuntime(live.session, req, startedAt, thaw);
    // Lambda's Duration is the handler's time: the runtime's own clock when it tells (ours for Node.js
    // does), which leaves out the hops and the thaw; else ours, from the function's start (awaited only
    // here: a timeout is armed once the thaw is done, so a timed-out call never waits for it).
    const durationMs =
      (outcome.kind === 'response' || outcome.kind === 'error') && outcome.runtimeMs !== undefined
        ? outcome.runtimeMs
        : Number(process.hrtime.bigint() - (await functionStartHr)) / 1e6;
    this.extensions?.emit(() =>
      platformEvents.runtimeDone(Date.now(), { requestId: req.requestId, status: telemetryStatus(outcome), durationMs: Math.round(durationMs * 100) / 100 }),
    );
    this.invocations++;
    this.lastUsedAt = this.deps.now();

    const ended = outcome.kind === 'timeout' || outcome.kind === 'exit';
    // The caller has its answer now; the context is free (and reported) once the extensions have
    // asked for their next event too: that time counts in the REPORT, under the function's timeout.
    const work = ended ? undefined : this.extensionsWork;
    this.extensionsWork = undefined;
    const afterExtensions = work ? this.afterExtensions(work, startedAt + this.fn.timeout * 1000, startedHr) : Promise.resolve(0);
    const finalize = afterExtensions.then((extensionsMs) => {
      if (!ended && this.phase.kind === 'busy') this.phase = { ...this.phase, kind: 'idle' };
      this.settle();
      return reportInvocation({
        output: this.output,
        lines: this.lines,
        current,
        outcome,
        durationMs: Math.max(durationMs, extensionsMs),
        memorySizeMb: this.fn.memorySize,
        runtimeMarksEnd: marksEnd(this.fn),
        initDurationMs: cold ? this.init.durationMs : undefined,
        maxMemoryUsedMb: () => this.maxMemoryUsedMb(),
        telemetry: this.extensions,
      });
    });
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
      initDurationMs: cold ? this.init.durationMs : undefined,
      contextId: this.id,
    };
  }

  /**
   * Ends the context (idempotent): Lambda's Shutdown phase first when extensions are registered
   * (SHUTDOWN with `reason`, SIGTERM to the runtime, 500 or 2,000 ms), then the container is
   * removed and the Runtime API closed.
   */
  destroy(reason: ShutdownReason = 'spindown'): Promise<void> {
    this.destroyed ??= this.doDestroy(reason);
    return this.destroyed;
  }

  async maxMemoryUsedMb(): Promise<number | undefined> {
    const memory = 'box' in this.phase ? this.phase.box.memory : undefined;
    const bytes = await memory?.peakBytes();
    if (bytes !== undefined && Number.isFinite(bytes)) this.lastMaxMemoryMb = Math.ceil(bytes / (1024 * 1024));
    return this.lastMaxMemoryMb;
  }

  /** Processes and threads the context runs (its limit is 1024, as Lambda's). */
  async pidsInUse(): Promise<number | undefined> {
    return 'box' in this.phase ? this.phase.box.memory.pids() : undefined;
  }

  /**
   * The one place that decides the freeze: a context is frozen when it is free and its runtime
   * waits for work. Called whenever either of those changes.
   */
  private settle(): void {
    const p = this.phase;
    if ((p.kind === 'idle' && p.session.waiting) || (p.kind === 'parked' && p.session.parked)) p.box.freezer.freeze();
  }

  private onParked(): void {
    this.booted.resolve();
    this.settle();
  }

  private live(): Live {
    const p = this.phase;
    if (p.kind === 'initializing' || p.kind === 'idle' || p.kind === 'busy') return p;
    throw new ContextLost(`context ${this.id} is gone`);
  }

  /**
   * A claimed stem: its init begins now (a boot still under way counts in it); once the runtime
   * waits to be claimed it is thawed and told to load the function. Failures end the init, which
   * the caller reports as any cold start's.
   */
  private async releaseStem(): Promise<void> {
    this.init.begin();
    try {
      await Promise.race([this.booted.promise, this.init.ready]);
    } catch {
      return; // the init failed (the runtime exited, the init timed out): init.ready says how
    }
    const p = this.phase;
    if (p.kind !== 'initializing') return;
    const thawed = p.box.freezer.thaw();
    // With thawAhead the claim's answer goes into the frozen runtime's socket as the unpause starts
    // (as a warm call's event does): it loads the function the moment the kernel thaws it.
    if (this.deps.thawAhead) p.session.releaseClaim();
    try {
      await thawed;
    } catch (err) {
      return this.failInit(new FunctionError('Runtime.Unknown', `could not thaw the stem: ${(err as Error).message}`));
    }
    if (!this.deps.thawAhead) p.session.releaseClaim();
  }

  /**
   * Our Node.js runtime says how long it held an event (RUNTIME_DURATION_HEADER), so its event may
   * go in ahead of the thaw (settings.thawAhead); with a stream or extensions, the orchestrator's
   * clock and their own events stay as they are.
   */
  private mayThawAhead(req: InvocationRequest): boolean {
    return this.deps.thawAhead && runtimeFamily(this.fn.runtime) === 'nodejs' && req.responseSink === undefined && !this.extensions?.any;
  }

  /**
   * A claimed warm context: unpaused, and its runtime waiting in /next. With `early`, a runtime
   * already waiting gets its event while the unpause is still under way (returned, not awaited):
   * the kernel keeps the event in the frozen runtime's socket, and the runtime reads it the moment
   * its cgroup thaws, some ms before Docker answers the unpause. Nothing of it runs before the thaw,
   * and its answer is the caller's as soon as it comes (see runOnRuntime).
   */
  private async thawForWork(early: boolean): Promise<Thaw> {
    this.output.beginThaw();
    try {
      const { box, session } = this.live();
      const thawed = box.freezer.thaw().catch((err: unknown) => {
        void this.destroy();
        throw new ContextLost(`unpause of context ${this.id} failed: ${(err as Error).message}`, { cause: err });
      });
      if (early && session.waiting) {
        thawed.catch(() => undefined); // awaited by runOnRuntime, after the event is written
        return { done: thawed, ahead: true };
      }
      await thawed;
      // It answered its last invocation but may not have asked for the next one yet. A runtime
      // that exits instead never got this invocation, which is then safe to rerun elsewhere.
      const taken = await session.takesWork(this.exit.promise, this.fn.timeout * 1000);
      if (taken === 'gone') throw new ContextLost(`context ${this.id} exited before it took the invocation`);
      this.live();
      return { done: thawed, ahead: false };
    } catch (err) {
      this.output.abortThaw();
      throw err;
    }
  }

  /** `thaw`: how the context was thawed for this call; with `ahead`, still under way (the function's time starts after it). */
  private runOnRuntime(session: RuntimeSession, req: InvocationRequest, startedAt: number, thaw?: Thaw): Promise<InvocationOutcome> {
    const thawing = thaw?.ahead ? thaw.done : undefined;
    const timeoutMs = this.fn.timeout * 1000;
    let timer: NodeJS.Timeout | undefined;
    let over = false;
    const timedOut = new Promise<{ kind: 'timeout' }>((resolve) => {
      const arm = () => {
        if (!over) timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
      };
      if (thawing) thawing.then(arm, () => undefined);
      else arm();
    });
    const exited = this.exit.promise.then((exit) => ({ kind: 'exit' as const, exit }));
    this.extensionsWork = this.extensions?.invoke({
      requestId: req.requestId,
      deadlineMs: startedAt + timeoutMs,
      invokedFunctionArn: this.deps.functionArn,
      traceId: '',
    });
    const delivered = session.deliver(
      {
      requestId: req.requestId,
      payload: req.payload,
      deadlineMs: startedAt + timeoutMs,
      functionArn: this.deps.functionArn,
      traceId: traceHeader(startedAt),
      clientContext: req.clientContext,
      },
      req.responseSink !== undefined,
    );
    // A failed unpause ends the wait: the runtime will never thaw to answer (nor be stopped, with the engine away).
    const thawFailed = thawing?.then(() => new Promise<never>(() => undefined));
    return Promise.race([delivered, timedOut, exited, ...(thawFailed ? [thawFailed] : [])]).then(async (first) => {
      let outcome: InvocationOutcome;
      if (first.kind === 'streaming') {
        // Relayed as the function writes it; the timeout and the container's end still apply.
        const relay = relayStream(first, req.responseSink!, streamRate(this.deps.streamRate));
        outcome = await Promise.race([relay.done, timedOut, exited]);
        if (outcome.kind === 'timeout' || outcome.kind === 'exit') relay.cut(outcome);
      } else {
        outcome = first;
      }
      over = true;
      clearTimeout(timer);
      if (thaw && outcome.kind === 'exit') {
        // Gone while being thawed (killed while frozen): the unpause fails, and the event never ran.
        const how = await thaw.done.catch((err: unknown) => {
          session.abandon();
          throw err;
        });
        // Or the killer resumed it first (docker kill, stop and rm -f do, to deliver their signal):
        // it died of that signal on waking, before reading the event. Rerun elsewhere, as above.
        if (how === 'resumed-elsewhere' && outcome.exit.statusCode > 128 && !outcome.exit.oomKilled) {
          session.abandon();
          void this.destroy('failure');
          throw new ContextLost(`context ${this.id} was killed while frozen (exit ${outcome.exit.statusCode})`);
        }
      }
      if (outcome.kind === 'timeout' || outcome.kind === 'exit') {
        session.abandon();
        void this.destroy(outcome.kind === 'timeout' ? 'timeout' : 'failure');
      }
      // Not waiting for Docker's answer to the unpause: the runtime has answered, so it was thawed
      // (Docker lags the kernel by some ms, and shows Paused meanwhile). The freezer orders the
      // next pause after it; an unpause that fails now ends the context, the answer stands.
      return outcome;
    }, (err: unknown) => {
      over = true;
      session.abandon();
      throw err;
    });
  }

  private onRuntimeNext(): void {
    if (!this.init.done && this.phase.kind === 'initializing') void this.completeInit();
    this.settle();
  }

  /** The runtime's first /next: the function's CPU quota applies from here, then the context serves. */
  private async completeInit(): Promise<void> {
    if (!this.init.finish()) return;
    this.output.endInit();
    try {
      if (this.deps.cpuNanos > 0) await this.live().box.container.limitCpu(this.deps.cpuNanos);
    } catch (err) {
      return this.failInit(new FunctionError('Runtime.Unknown', `could not apply the CPU quota: ${(err as Error).message}`));
    }
    try {
      // The init ends when the runtime and every registered extension have asked for their next event.
      await Promise.race([this.extensions?.initDone(), this.init.ready]);
    } catch (err) {
      return this.failInit(err instanceof FunctionError ? err : new FunctionError('Extension.InitError', String(err)));
    }
    const p = this.phase;
    if (p.kind !== 'initializing') return;
    // An on-demand context is its creator's; a provisioned one waits for any invocation.
    this.phase = { ...p, kind: this.provisioned ? 'idle' : 'busy' };
    this.lastUsedAt = this.deps.now();
    const initType = this.initType;
    this.extensions?.emit(() => platformEvents.initRuntimeDone(Date.now(), { initializationType: initType, phase: 'init', status: 'success' }));
    this.extensions?.emit(() => platformEvents.initReport(Date.now(), { initializationType: initType, phase: 'init', status: 'success', durationMs: this.init.durationMs ?? 0 }));
    this.init.succeed();
    this.settle();
  }

  /** Ends the init with `err`; `untilExit` lets a runtime that is exiting anyway finish its output. */
  private failInit(err: FunctionError | InitExited, opts: { untilExit?: boolean } = {}): void {
    this.init.fail(err);
    if (!opts.untilExit) return void this.destroy('failure');
    void Promise.race([this.exit.promise, sleep(INIT_EXIT_WAIT_MS)]).then(() => this.destroy('failure'));
  }

  private onExit(exit: ContainerExit): void {
    this.exited = true;
    this.exit.resolve(exit);
    // An extension that died during the init took the launcher down with it: its error is the init's.
    if (!this.init.done) this.failInit(this.extensions?.api.failure ?? new InitExited(exit));
    void this.destroy('failure');
  }

  private async doDestroy(reason: ShutdownReason): Promise<void> {
    const p = this.phase;
    this.markDead();
    this.init.fail(new FunctionError('Runtime.ExitError', 'execution context was shut down during init'));
    this.booted.reject(new Error('the stem was removed before it booted'));
    const shutDown = 'box' in p && !this.exited && (await this.shutdownPhase(p.box, p.session, reason));
    // Without a Shutdown phase the runtime's last words while we remove it are noise; after one,
    // what the runtime and the extensions said is theirs (their last lines may still be on the way).
    if (shutDown) await sleep(SHUTDOWN_OUTPUT_MS);
    else if (!this.exited) this.output.silence();
    this.extensions?.close();
    // A start() under way removes its container itself once it sees the context dead: wait for it.
    await this.startup?.catch(() => undefined);
    if (!('session' in p)) return;
    // The container goes first: a runtime that loses its Runtime API would log a spurious error.
    try {
      if ('box' in p) await p.box.container.remove();
    } finally {
      if ('box' in p) p.box.memory.close();
      await p.session.close();
    }
  }

  /**
   * Lambda's Shutdown phase, with extensions registered (0 ms without): thawed, SHUTDOWN with the
   * reason to the extensions, SIGTERM to the runtime (docker-init passes it on), then its budget.
   */
  private async shutdownPhase(box: Box, session: RuntimeSession, reason: ShutdownReason): Promise<boolean> {
    const limitMs = this.extensions?.shutdownLimitMs() ?? 0;
    if (limitMs === 0) return false;
    try {
      await box.freezer.thaw();
      // Node.js waits for events with its main thread blocked: release it, so its SIGTERM handler can run.
      if (runtimeFamily(this.fn.runtime) === 'nodejs') session.releaseForShutdown();
      await box.container.signal('SIGTERM');
    } catch {
      return false; // gone already, or cannot be thawed: nothing left to shut down gracefully
    }
    await this.extensions!.shutdown(reason, limitMs);
    return true;
  }

  /**
   * Waits for the extensions' INVOKE round until the invocation's deadline; returns the time since
   * `startedHr`. An extension that fails or overruns ends the context.
   */
  private async afterExtensions(work: Promise<void>, deadlineMs: number, startedHr: bigint): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const over = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(0, deadlineMs - this.deps.now()))));
    const ended = await Promise.race([work.then(() => 'ok' as const, () => 'failure' as const), over]);
    clearTimeout(timer);
    if (ended !== 'ok') void this.destroy(ended);
    return Number(process.hrtime.bigint() - startedHr) / 1e6;
  }

  /** Read through a call: the phase changes behind every await. */
  private isDead(): boolean {
    return this.phase.kind === 'dead';
  }

  private markDead(): void {
    if (this.phase.kind === 'dead') return;
    if ('box' in this.phase) this.phase.box.freezer.hold();
    this.phase = { kind: 'dead' };
    for (const l of this.deathListeners) l(this);
  }

  private async initFailureResult(req: InvocationRequest, err: unknown): Promise<InvocationResult> {
    const fe =
      err instanceof InitExited
        ? new RuntimeExitError(req.requestId, exitDetail(err.exit))
        : err instanceof FunctionError
          ? err
          : new FunctionError('Runtime.Unknown', String(err));
    // The init's last lines (its error, as the runtime logged it) come before its exit.
    await Promise.race([this.exit.promise, sleep(INIT_EXIT_WAIT_MS)]);
    await sleep(OUTPUT_SETTLE_MS);
    // Lambda's line for a failed init, then the invocation's own START..REPORT.
    const status = fe.errorType === 'Sandbox.Timedout' ? 'timeout' : 'error';
    this.output.initLine(initReportLine(this.init.durationMs ?? 0, status, status === 'error' ? fe.errorType : undefined));
    const current = this.output.begin(req.requestId, this.lines.start(req.requestId));
    await reportInvocation({
      output: this.output,
      lines: this.lines,
      current,
      outcome: { kind: 'exit', exit: { statusCode: 1, oomKilled: false } },
      durationMs: this.init.durationMs ?? 0,
      memorySizeMb: this.fn.memorySize,
      runtimeMarksEnd: marksEnd(this.fn),
      initDurationMs: undefined,
      maxMemoryUsedMb: () => this.maxMemoryUsedMb(),
    });
    return {
      requestId: req.requestId,
      ...errorPayload(fe),
      logTail: req.tail ? current.log.tailBase64() : undefined,
      coldStart: true,
      durationMs: 0,
      initDurationMs: this.init.durationMs,
      contextId: this.id,
    };
  }
}

/** How a warm context was thawed for an invocation; `ahead`: its event goes in while the unpause is under way. */
type Thaw = { done: Promise<ThawOutcome>; ahead: boolean };

/** INIT_REPORT, as Lambda prints it for an init that failed or timed out. */
function initReportLine(durationMs: number, status: 'error' | 'timeout', errorType?: string): string {
  return `INIT_REPORT Init Duration: ${durationMs.toFixed(2)} ms\tPhase: init\tStatus: ${status}${errorType ? `\tError Type: ${errorType}` : ''}`;
}

/** The Telemetry API's status of an invocation's outcome. */
function telemetryStatus(outcome: InvocationOutcome): 'success' | 'error' | 'timeout' | 'failure' {
  switch (outcome.kind) {
    case 'response':
      return 'success';
    case 'timeout':
      return 'timeout';
    case 'exit':
      return 'failure';
    default:
      return 'error';
  }
}

/** How long a runtime that reported its failed init may take to exit before it is removed. */
const INIT_EXIT_WAIT_MS = 2000;
/** After an exit, for the last lines still in the output stream. */
const OUTPUT_SETTLE_MS = 20;
/** After a Shutdown phase, for the extensions' last lines (they come through a pipe and docker attach). */
const SHUTDOWN_OUTPUT_MS = 100;

/** Our Node.js and Python runtimes mark the end of an invocation's output; `provided` ones may not. */
function marksEnd(fn: FunctionConfig): boolean {
  return runtimeFamily(fn.runtime) !== 'provided';
}

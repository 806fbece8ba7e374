import { randomBytes } from 'node:crypto';
import type { FunctionConfig } from '../config/types';
import type { CgroupReader } from '../engine/cgroup-reader';
import { FunctionError } from '../errors';
import type { ShutdownReason } from '../extensions/types';
import type { ContainerExit } from './context-container';
import { ContextOutput } from './context-output';
import { deferred } from './deferred';
import { InitPhase } from './init-phase';
import { ContextLost, type InvocationRequest, type InvocationResult } from './invocation';
import type { InitializationType } from './lambda-env';
import { InitExited, parseFunctionError } from './outcome';
import { platformLines } from './platform-lines';
import { boot } from './execution/boot';
import type { ContextDeps } from './execution/context-deps';
import { holdFreeze, settle } from './execution/freeze-decision';
import { announceInit, completeInit, failInit, initFailureResult, releaseStem } from './execution/init';
import type { ContextParts } from './execution/parts';
import { contextState, freeSlots, isGone, isLive, sandboxOf } from './execution/phase';
import type { ContextState, Live, Phase, Sandbox } from './execution/phase';
import { ReportOrder, runInvocation } from './execution/run';
import { shutDown } from './execution/shutdown';

export type { ContextDeps } from './execution/context-deps';
export type { ContextState } from './execution/phase';

/**
 * One execution context: a container, its Runtime API session and its log stream, frozen (docker
 * pause) whenever no invocation is in flight. It has maxConcurrency slots (1 for every function
 * today); the pool claims one synchronously (`claim`) for each invocation it hands it. Any failure
 * of the container ends it for good. Its phase (./execution/phase.ts) is its own; its rooms (the
 * boot, the init, the run of an invocation, the Shutdown phase) are in ./execution/.
 */
export class ExecutionContext {
  readonly id = randomBytes(6).toString('hex');
  readonly createdAt: number;
  lastUsedAt: number;
  invocations = 0;
  containerId: string | undefined;
  lastMaxMemoryMb: number | undefined;

  private phase: Phase;
  private readonly parts: ContextParts;
  /** The stem's runtime has booted and waits to be claimed. */
  private readonly booted = deferred<void>();
  private readonly exit = deferred<ContainerExit>();
  private readonly reports = new ReportOrder();
  private readonly deathListeners: Array<(ctx: ExecutionContext) => void> = [];
  /** start() in progress or done: destroy() waits for it (a container being created is removed then). */
  private startup: Promise<void> | undefined;
  private destroyed: Promise<void> | undefined;

  constructor(
    readonly fn: FunctionConfig,
    readonly initType: InitializationType,
    deps: ContextDeps,
    /** A stem: its runtime boots now, its init runs when a cold start claims it. */
    readonly stem = false,
  ) {
    this.lastUsedAt = this.createdAt = deps.now();
    this.phase = stem ? { kind: 'stem' } : { kind: 'booting' };
    this.booted.promise.catch(() => undefined);
    this.parts = {
      id: this.id,
      fn,
      deps,
      maxConcurrency: Math.max(1, deps.maxConcurrency ?? 1),
      output: new ContextOutput(fn.name, deps.sink),
      lines: platformLines(fn.loggingConfig.logFormat),
      init: new InitPhase(deps.now, deps.initTimeoutMs, (err) => failInit(this.parts, err)),
      exit: this.exit.promise,
      live: () => this.live().sandbox,
      destroy: (reason) => this.destroy(reason),
      maxMemoryUsedMb: () => this.maxMemoryUsedMb(),
    };
  }

  get provisioned(): boolean {
    return this.initType === 'provisioned-concurrency';
  }

  get state(): ContextState {
    return contextState(this.phase);
  }

  get initDurationMs(): number | undefined {
    return this.parts.init.durationMs;
  }

  /** Initialised with no invocation in flight (frozen, or about to be). */
  get available(): boolean {
    return this.phase.kind === 'idle';
  }

  /** Slots an invocation may claim now (maxConcurrency when idle, fewer when busy, none before the init is over). */
  get freeSlots(): number {
    return freeSlots(this.phase, this.parts.maxConcurrency);
  }

  /** An unclaimed stem (booting, or booted and frozen). */
  get parked(): boolean {
    return this.phase.kind === 'stem';
  }

  /** Takes the stem for a cold start (its init runs in `invoke`); false if it is not a free stem. */
  claimStem(): boolean {
    const p = this.phase;
    if (p.kind !== 'stem') return false;
    holdFreeze(p);
    this.phase = { kind: 'claimed', sandbox: p.sandbox };
    return true;
  }

  /** Resolves once a stem's runtime has booted and waits to be claimed. */
  whenBooted(): Promise<void> {
    return this.booted.promise;
  }

  /** Takes a slot for an invocation in the same step that picks the context; false if none is free. */
  claim(): boolean {
    const p = this.phase;
    if (p.kind === 'idle') {
      holdFreeze(p);
      this.phase = { kind: 'busy', sandbox: p.sandbox, inFlight: 1 };
      return true;
    }
    if (p.kind !== 'busy' || p.inFlight >= this.parts.maxConcurrency) return false;
    this.phase = { ...p, inFlight: p.inFlight + 1 };
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
    this.startup ??= boot(this.parts, {
      events: {
        onNext: () => this.onRuntimeNext(),
        // The runtime exits right after reporting: its last lines are still on their way.
        onInitError: (type, body) => failInit(this.parts, parseFunctionError(type, body), { untilExit: true }),
        onClaimWait: () => (this.booted.resolve(), this.settle()),
      },
      // A stem's init begins when it is claimed, whatever its boot takes before that.
      onStart: this.stem ? () => undefined : () => this.parts.init.begin(),
      onContainer: (id) => (this.containerId = id),
      onFreezeFailed: () => void this.destroy('failure'),
      onStartFailed: () => this.markGone(),
      gone: () => isGone(this.phase),
      adopt: (sandbox) => this.adopt(sandbox),
    });
    return this.startup;
  }

  /** Resolves once init is done (the runtime's first /next); rejects with the init's FunctionError. */
  initialized(): Promise<void> {
    return this.parts.init.ready;
  }

  /** Runs one invocation in a slot: the cold one of an on-demand context or a claimed stem, or one that claimed a slot. */
  async invoke(req: InvocationRequest): Promise<InvocationResult> {
    // Only a claimed slot makes the context busy: any other phase here is its cold start's.
    const cold = this.phase.kind !== 'busy';
    if (cold) {
      if (this.phase.kind === 'claimed') {
        await releaseStem(this.parts, { booted: this.booted.promise, boot: this.startup, toInit: () => this.stemToInit() });
      }
      try {
        await this.parts.init.ready;
      } catch (err) {
        return initFailureResult(this.parts, req, err);
      }
      const p = this.live();
      if (p.kind === 'initializing') this.phase = { kind: 'busy', sandbox: p.sandbox, inFlight: 1 };
    }
    const slot = { cold, reports: this.reports, answered: () => this.counted(), release: () => this.releaseSlot() };
    try {
      return await runInvocation(this.parts, req, slot);
    } catch (err) {
      this.releaseSlot(); // a context that lost an invocation is gone already: this changes nothing then
      throw err;
    }
  }

  /** Ends the context (idempotent): Lambda's Shutdown phase with `reason`, then the removal (./execution/shutdown.ts). */
  destroy(reason: ShutdownReason = 'spindown'): Promise<void> {
    this.destroyed ??= this.doDestroy(reason);
    return this.destroyed;
  }

  /** The cgroup's peak; once the context is gone, the last one read (the REPORT of a call that ended it). */
  async maxMemoryUsedMb(): Promise<number | undefined> {
    const bytes = await this.memory()?.peakBytes();
    if (bytes !== undefined && Number.isFinite(bytes)) this.lastMaxMemoryMb = Math.ceil(bytes / (1024 * 1024));
    return this.lastMaxMemoryMb;
  }

  /** Processes and threads the context runs (its limit is 1024, as Lambda's). */
  async pidsInUse(): Promise<number | undefined> {
    return this.memory()?.pids();
  }

  private memory(): CgroupReader | undefined {
    return isGone(this.phase) ? undefined : sandboxOf(this.phase)?.memory;
  }

  /** The boot's sandbox, taken in the step that made it; false when the context ended meanwhile. */
  private adopt(sandbox: Sandbox): boolean {
    const p = this.phase;
    if (isGone(p)) return false;
    if (p.kind === 'stem') this.phase = { kind: 'stem', sandbox };
    else if (p.kind === 'claimed') this.phase = { kind: 'claimed', sandbox };
    else this.phase = { kind: 'initializing', sandbox };
    void sandbox.container.exited.then((exit) => this.onExit(exit));
    // The runtime may have asked for work (or a claim) before the engine answered the start call.
    if (sandbox.session.waiting > 0) void this.completeInit();
    this.settle();
    return true;
  }

  private settle(): void {
    settle(this.phase, this.parts.maxConcurrency);
  }

  /** The runtime answered an invocation (ps's count, the pool's most recently used). */
  private counted(): void {
    this.invocations++;
    this.lastUsedAt = this.parts.deps.now();
  }

  /** An invocation is over for the context: its slot is free, and with none in flight it may freeze. */
  private releaseSlot(): void {
    const p = this.phase;
    if (p.kind !== 'busy') return;
    this.phase = p.inFlight > 1 ? { ...p, inFlight: p.inFlight - 1 } : { kind: 'idle', sandbox: p.sandbox };
    this.settle();
  }

  private live(): Live {
    const p = this.phase;
    if (isLive(p)) return p;
    throw new ContextLost(`context ${this.id} is gone`);
  }

  private onRuntimeNext(): void {
    if (!this.parts.init.done && this.phase.kind === 'initializing') void this.completeInit();
    this.settle();
  }

  /** The init is over: an on-demand context waits for its cold invocation, a provisioned one for any. */
  private async completeInit(): Promise<void> {
    if (!(await completeInit(this.parts))) return;
    const p = this.phase;
    if (p.kind !== 'initializing') return;
    if (this.provisioned) this.phase = { kind: 'idle', sandbox: p.sandbox };
    this.lastUsedAt = this.parts.deps.now();
    announceInit(this.parts, p.sandbox, this.initType);
    this.settle();
  }

  /** A claimed and booted stem moves on to its init (its runtime's first /next ends it); false if it is not one. */
  private stemToInit(): Sandbox | undefined {
    const p = this.phase;
    if (p.kind !== 'claimed' || !p.sandbox) return undefined;
    this.phase = { kind: 'initializing', sandbox: p.sandbox };
    return p.sandbox;
  }

  private onExit(exit: ContainerExit): void {
    this.exit.resolve(exit);
    // An extension that died during the init took the launcher down with it: its error is the init's.
    if (!this.parts.init.done) failInit(this.parts, sandboxOf(this.phase)?.extensions.api.failure ?? new InitExited(exit));
    void this.destroy('failure');
  }

  /** The pool lets the context go now (its death listeners), whatever the shutdown takes. */
  private markGone(): void {
    const p = this.phase;
    if (isGone(p)) return;
    holdFreeze(p);
    this.phase = { kind: 'shutting-down', sandbox: sandboxOf(p) };
    for (const l of this.deathListeners) l(this);
  }

  private async doDestroy(reason: ShutdownReason): Promise<void> {
    const sandbox = sandboxOf(this.phase);
    this.markGone();
    this.parts.init.fail(new FunctionError('Runtime.ExitError', 'execution context was shut down during init'));
    this.booted.reject(new Error('the stem was removed before it booted'));
    try {
      await shutDown(this.parts, { sandbox, reason, exited: () => this.exit.settled, boot: this.startup });
    } finally {
      this.phase = { kind: 'dead' };
    }
  }
}

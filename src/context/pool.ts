import type { FunctionConfig } from '../config/types';
import { TooManyRequestsException } from '../errors';
import type { ContextState } from './execution-context';
import type { InitializationType } from './lambda-env';

/** What the pool needs of a context; ExecutionContext is one, tests use fakes. */
export interface PoolMember {
  readonly id: string;
  readonly fn: Pick<FunctionConfig, 'name' | 'memorySize'>;
  readonly provisioned: boolean;
  readonly state: ContextState;
  readonly lastUsedAt: number;
  /** Initialised with no invocation in flight: what may be evicted or reaped. */
  readonly available: boolean;
  /** Invocations it may take now, besides those in flight (its slots: 1 for every function today). */
  readonly freeSlots: number;
  /** A stem: booted ahead of demand, its function not loaded yet; a cold start may claim it. */
  readonly parked: boolean;
  /** Takes one of its free slots, in the same step that picks it; false if it has none. */
  claim(): boolean;
  /** Takes a stem for a cold start, in the same step that picks it; false if it is not one. */
  claimStem(): boolean;
  start(): Promise<void>;
  destroy(): Promise<void>;
  onDeath(listener: () => void): void;
}

export interface PoolHooks<M> {
  /** A context's removal failed (engine unreachable, ...): its container may still exist. */
  onRemovalFailed?(m: M, err: unknown): void;
}

export interface Lease<M> {
  ctx: M;
  /** Set on a cold start: settles when the container runs (init goes on after). */
  started?: Promise<void>;
}

/** The pool was drained (the orchestrator stopped): nothing starts any more. */
export class PoolClosed extends Error {
  override readonly name = 'PoolClosed';
}

/**
 * Every live context of every function. All decisions are synchronous, so picking a context and
 * taking one of its slots is one step: two concurrent calls can never overfill a context.
 */
export class ContextPool<M extends PoolMember> {
  private readonly live = new Set<M>();
  /** Each function's configuration generation; a reload (new code or settings) bumps it. */
  private readonly generations = new Map<string, number>();
  private readonly generationOf = new WeakMap<M, number>();
  private readonly removals = new WeakMap<M, Promise<void>>();
  private closed = false;
  private readonly stemClaimedListeners: Array<(fn: FunctionConfig) => void> = [];

  constructor(
    private readonly create: (fn: FunctionConfig, initType: InitializationType, stem: boolean) => M,
    private budgetMb: number,
    private readonly hooks: PoolHooks<M> = {},
  ) {}

  /** A context of `fn` with a free slot (most recently used first), else a new one; 429 when capped. */
  acquire(fn: FunctionConfig): Lease<M> {
    this.assertOpen();
    const warm = this.ofFunction(fn.name)
      .filter((m) => m.freeSlots > 0 && this.isCurrent(m))
      .sort((a, b) => b.lastUsedAt - a.lastUsedAt);
    for (const m of warm) if (m.claim()) return { ctx: m };
    // A cold start: a stem booted ahead of demand if there is one (its init runs now), else a new one.
    const stem = this.ofFunction(fn.name).find((m) => m.parked && this.isCurrent(m) && m.claimStem());
    if (stem) {
      for (const listener of this.stemClaimedListeners) listener(fn);
      return { ctx: stem };
    }

    if (fn.reservedConcurrency !== undefined && this.ofFunction(fn.name).length >= fn.reservedConcurrency) {
      throw new TooManyRequestsException('Rate Exceeded.', 'ReservedFunctionConcurrentInvocationLimitExceeded');
    }
    this.makeRoom(fn.memorySize);
    return this.add(fn, 'on-demand');
  }

  /** A context initialised ahead of use (provisioned concurrency); never reaped or evicted. */
  provision(fn: FunctionConfig): Lease<M> {
    this.assertOpen();
    this.makeRoom(fn.memorySize);
    return this.add(fn, 'provisioned-concurrency');
  }

  /**
   * A stem: a context whose runtime boots now and waits, frozen, for a cold start to claim it.
   * It counts against the budget and reservedConcurrency, and is reaped like a free context.
   */
  addStem(fn: FunctionConfig): Lease<M> {
    this.assertOpen();
    if (fn.reservedConcurrency !== undefined && this.ofFunction(fn.name).length >= fn.reservedConcurrency) {
      throw new TooManyRequestsException(
        'no room for a stem under reservedConcurrency',
        'ReservedFunctionConcurrentInvocationLimitExceeded',
      );
    }
    this.makeRoom(fn.memorySize);
    return this.add(fn, 'on-demand', true);
  }

  /** A cold start took a stem of `fn`: time to boot the next one (the replenisher, built after the pool, listens). */
  onStemClaimed(listener: (fn: FunctionConfig) => void): void {
    this.stemClaimedListeners.push(listener);
  }

  members(): M[] {
    return [...this.live];
  }

  ofFunction(name: string): M[] {
    return this.members().filter((m) => m.fn.name === name);
  }

  usedMb(): number {
    let sum = 0;
    for (const m of this.live) sum += m.fn.memorySize;
    return sum;
  }

  /** Takes a context out of service now and removes it in the background. */
  evict(m: M): Promise<void> {
    this.live.delete(m);
    return this.removal(m);
  }

  get budget(): number {
    return this.budgetMb;
  }

  /** A new memory budget applies to the next context started (live ones are not evicted for it). */
  setBudget(mb: number): void {
    this.budgetMb = mb;
  }

  /** Whether `m` runs its function's current configuration (only those are handed out). */
  isCurrent(m: M): boolean {
    return (this.generationOf.get(m) ?? 0) === (this.generations.get(m.fn.name) ?? 0);
  }

  /**
   * The function's configuration changed (or it is gone): its live contexts are never handed out
   * again; free ones are removed now, busy ones once they are free (`evictRetired`, on every upkeep
   * tick: not at once, so that the last invocation's END and REPORT lines come out first).
   */
  retire(name: string): void {
    this.generations.set(name, (this.generations.get(name) ?? 0) + 1);
    this.evictRetired();
  }

  /** Removes every free context (or stem) of an old generation; returns how many. */
  evictRetired(): number {
    const doomed = this.members().filter((m) => (m.available || m.parked) && !this.isCurrent(m));
    for (const m of doomed) void this.evict(m).catch(() => undefined);
    return doomed.length;
  }

  /**
   * Closes the pool for good and removes every context, those still being created included;
   * resolves when all are gone (or failed to go).
   */
  async drain(): Promise<PromiseSettledResult<void>[]> {
    this.closed = true;
    return Promise.allSettled(this.members().map((m) => this.evict(m)));
  }

  /** drain() was called: the orchestrator is stopping or stopped. */
  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw new PoolClosed('the orchestrator is stopped: no new execution context can start');
  }

  private add(fn: FunctionConfig, initType: InitializationType, stem = false): Lease<M> {
    const ctx = this.create(fn, initType, stem);
    this.live.add(ctx);
    this.generationOf.set(ctx, this.generations.get(fn.name) ?? 0);
    ctx.onDeath(() => {
      this.live.delete(ctx);
      // A context that ended by itself (crash, timeout, docker rm) is removed by its own destroy();
      // watch that removal too, after this call stack (destroy() is what called us).
      queueMicrotask(() => void this.removal(ctx).catch(() => undefined));
    });
    const started = ctx.start();
    started.catch(() => this.live.delete(ctx));
    return { ctx, started };
  }

  /** `m.destroy()`, once, with a failure reported to the hooks (the container may be left behind). */
  private removal(m: M): Promise<void> {
    let p = this.removals.get(m);
    if (!p) {
      p = m.destroy().catch((err: unknown) => {
        this.hooks.onRemovalFailed?.(m, err);
        throw err;
      });
      this.removals.set(m, p);
    }
    return p;
  }

  /** Evicts least recently used free contexts until `mb` more fits in the budget. */
  private makeRoom(mb: number): void {
    if (this.usedMb() + mb <= this.budgetMb) return;
    const evictable = this.members()
      .filter((m) => (m.available || m.parked) && !m.provisioned)
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    let used = this.usedMb();
    const victims: M[] = [];
    for (const m of evictable) {
      if (used + mb <= this.budgetMb) break;
      victims.push(m);
      used -= m.fn.memorySize;
    }
    if (used + mb > this.budgetMb) {
      throw new TooManyRequestsException(
        `Rate Exceeded: the memory budget of ${this.budgetMb} MB is in use by busy contexts.`,
        'ConcurrentInvocationLimitExceeded',
      );
    }
    for (const m of victims) void this.evict(m).catch(() => undefined);
  }
}

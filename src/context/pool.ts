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
  readonly available: boolean;
  claim(): boolean;
  start(): Promise<void>;
  destroy(): Promise<void>;
  onDeath(listener: () => void): void;
}

export interface Lease<M> {
  ctx: M;
  /** Set on a cold start: settles when the container runs (init goes on after). */
  started?: Promise<void>;
}

/**
 * Every live context of every function. All decisions are synchronous, so picking a context
 * and marking it busy is one step: two concurrent calls can never get the same context.
 */
export class ContextPool<M extends PoolMember> {
  private readonly live = new Set<M>();

  constructor(
    private readonly create: (fn: FunctionConfig, initType: InitializationType) => M,
    private readonly budgetMb: number,
  ) {}

  /** A free context of `fn` (most recently used first), else a new one; 429 when capped. */
  acquire(fn: FunctionConfig): Lease<M> {
    const warm = this.ofFunction(fn.name)
      .filter((m) => m.available)
      .sort((a, b) => b.lastUsedAt - a.lastUsedAt);
    for (const m of warm) if (m.claim()) return { ctx: m };

    if (fn.reservedConcurrency !== undefined && this.ofFunction(fn.name).length >= fn.reservedConcurrency) {
      throw new TooManyRequestsException('Rate Exceeded.', 'ReservedFunctionConcurrentInvocationLimitExceeded');
    }
    this.makeRoom(fn.memorySize);
    return this.add(fn, 'on-demand');
  }

  /** A context initialised ahead of use (provisioned concurrency); never reaped or evicted. */
  provision(fn: FunctionConfig): Lease<M> {
    this.makeRoom(fn.memorySize);
    return this.add(fn, 'provisioned-concurrency');
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
    return m.destroy();
  }

  /** Removes every context; resolves when all are gone (or failed to go). */
  async drain(): Promise<PromiseSettledResult<void>[]> {
    return Promise.allSettled(this.members().map((m) => this.evict(m)));
  }

  private add(fn: FunctionConfig, initType: InitializationType): Lease<M> {
    const ctx = this.create(fn, initType);
    this.live.add(ctx);
    ctx.onDeath(() => this.live.delete(ctx));
    const started = ctx.start();
    started.catch(() => this.live.delete(ctx));
    return { ctx, started };
  }

  /** Evicts least recently used free contexts until `mb` more fits in the budget. */
  private makeRoom(mb: number): void {
    if (this.usedMb() + mb <= this.budgetMb) return;
    const evictable = this.members()
      .filter((m) => m.available && !m.provisioned)
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

import { runtimeFamily, type FunctionConfig } from '../config/types';
import type { ContextPool, Lease, PoolMember } from './pool';

export interface StemDeps<M extends PoolMember> {
  pool: ContextPool<M>;
  /** Settles once the lease's stem has booted and waits to be claimed. */
  ready(lease: Lease<M>): Promise<void>;
  /** Stems to keep per function (settings.stemContexts); 0 turns them off. */
  count(): number;
  onError(fn: string, err: unknown): void;
}

/**
 * The replenisher's policy for stems: a few per function, contexts whose runtime has booted and
 * waits, frozen, for a cold start to claim it; only then does the function's init run. Only our
 * Node.js and Python runtimes can wait so (a `provided` bootstrap is the function's own code).
 */
export class StemContexts<M extends PoolMember> {
  constructor(private readonly deps: StemDeps<M>) {}

  missing(fn: FunctionConfig): number {
    if (runtimeFamily(fn.runtime) === 'provided') return 0;
    const { pool } = this.deps;
    const have = pool.ofFunction(fn.name).filter((m) => m.parked && pool.isCurrent(m)).length;
    return Math.max(0, this.deps.count() - have);
  }

  /** Starts the missing stems; resolves once they have booted (or failed to), never rejects. */
  async topUp(functions: Iterable<FunctionConfig>): Promise<void> {
    const booting: Promise<unknown>[] = [];
    for (const fn of functions) {
      for (let i = this.missing(fn); i > 0; i--) {
        try {
          const lease = this.deps.pool.addStem(fn);
          booting.push(this.deps.ready(lease).catch((err: unknown) => this.deps.onError(fn.name, err)));
        } catch {
          break; // no room (memory budget, reservedConcurrency): a stem is only ever a bonus
        }
      }
    }
    await Promise.all(booting);
  }
}

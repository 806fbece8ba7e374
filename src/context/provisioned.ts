import type { FunctionConfig } from '../config/types';
import type { ContextPool, Lease, PoolMember } from './pool';

export interface ProvisionedDeps<M extends PoolMember> {
  pool: ContextPool<M>;
  /** Settles when the lease's context has finished its init (rejects with the init's error). */
  ready(lease: Lease<M>): Promise<void>;
  now(): number;
  onError(fn: string, err: unknown): void;
}

/** Waits after failed provisioned inits: 1 s, doubling, at most a minute. */
export function provisionBackoffMs(failures: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));
}

/**
 * The replenisher's policy for provisioned concurrency: each function's provisionedConcurrency of
 * contexts of its current configuration (one that died is replaced on the next top-up). A function
 * whose provisioned init fails is retried after a growing delay.
 */
export class ProvisionedConcurrency<M extends PoolMember> {
  private readonly failures = new Map<string, { count: number; retryAt: number }>();

  constructor(private readonly deps: ProvisionedDeps<M>) {}

  /** How many more provisioned contexts `fn` needs now (initialising ones count as there). */
  missing(fn: FunctionConfig): number {
    const { pool } = this.deps;
    const have = pool.ofFunction(fn.name).filter((m) => m.provisioned && pool.isCurrent(m)).length;
    return Math.max(0, (fn.provisionedConcurrency ?? 0) - have);
  }

  /**
   * Starts the missing contexts of every function not in its back-off delay; resolves (never
   * rejects) once their init is over, with how many were started and the errors.
   */
  async topUp(functions: Iterable<FunctionConfig>): Promise<{ started: number; errors: unknown[] }> {
    const now = this.deps.now();
    const outcomes: Promise<unknown>[] = [];
    for (const fn of functions) {
      const backoff = this.failures.get(fn.name);
      if (backoff && now < backoff.retryAt) continue;
      for (let i = this.missing(fn); i > 0; i--) {
        let lease: Lease<M>;
        try {
          lease = this.deps.pool.provision(fn);
        } catch (err) {
          outcomes.push(Promise.resolve(this.failed(fn, err))); // no room in the memory budget
          break;
        }
        outcomes.push(
          this.deps.ready(lease).then(
            () => {
              this.failures.delete(fn.name);
              return undefined;
            },
            (err: unknown) => this.failed(fn, err),
          ),
        );
      }
    }
    const results = await Promise.all(outcomes);
    return { started: outcomes.length, errors: results.filter((r) => r !== undefined) };
  }

  private failed(fn: FunctionConfig, err: unknown): unknown {
    const count = (this.failures.get(fn.name)?.count ?? 0) + 1;
    this.failures.set(fn.name, { count, retryAt: this.deps.now() + provisionBackoffMs(count) });
    this.deps.onError(fn.name, err);
    return err ?? new Error('provisioned init failed');
  }
}

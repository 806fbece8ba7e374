import type { Phase } from './phase';

/**
 * The one place that decides the freeze (docs/execution-context.md): a context is frozen once no
 * invocation is in flight and its runtime waits for work in every slot's GET /next, and a stem
 * once its runtime waits to be claimed. Called whenever either of those changes. When the pause
 * starts (the grace, learnt from the engine's pause latency) is the Freezer's and FreezeTiming's.
 */
export function settle(p: Phase, maxConcurrency: number): void {
  if (p.kind === 'idle' && p.sandbox.session.waiting >= maxConcurrency) p.sandbox.freezer.freeze();
  else if (p.kind === 'stem' && p.sandbox?.session.parked) p.sandbox.freezer.freeze();
}

/** An invocation (or a cold start, or the end) takes the context: a freeze not started yet is off. */
export function holdFreeze(p: Phase): void {
  if ('sandbox' in p) p.sandbox?.freezer.hold();
}

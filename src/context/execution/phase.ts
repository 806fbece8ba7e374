import type { CgroupReader } from '../../engine/cgroup-reader';
import type { ContextContainer } from '../context-container';
import type { ContextExtensions } from '../context-extensions';
import type { Freezer } from '../freezer';
import type { RuntimeSession } from '../runtime-session';

/** What `orchestrator ps` and the pool see of a context. */
export type ContextState = 'stem' | 'initializing' | 'busy' | 'idle' | 'frozen' | 'dead';

/**
 * What a booted context is made of: its Runtime API session, its container and what works on it,
 * and the other parties of its lifecycle (extensions, Telemetry API subscribers).
 */
export interface Sandbox {
  session: RuntimeSession;
  container: ContextContainer;
  memory: CgroupReader;
  freezer: Freezer;
  extensions: ContextExtensions;
}

/**
 * A context's lifecycle, each phase with what exists in it. An on-demand or provisioned context
 * boots (`booting`, its init counting from the container's start) and initializes; a stem boots
 * ahead of demand and waits, frozen, to be claimed (`stem`; no sandbox while it boots), then its
 * runtime is released to load the function (`claimed`, then `initializing`). The cold invocation
 * of an on-demand context or of a claimed stem takes the first slot once the init is over. `busy`
 * holds 1..maxConcurrency invocations in flight; `idle` none (frozen, or about to be). `shutting-down`
 * is destroy() at work (the pool has let the context go); `dead` is the end.
 */
export type Phase =
  | { kind: 'booting' }
  | { kind: 'stem'; sandbox?: Sandbox }
  | { kind: 'claimed'; sandbox?: Sandbox }
  | { kind: 'initializing'; sandbox: Sandbox }
  | { kind: 'idle'; sandbox: Sandbox }
  | { kind: 'busy'; sandbox: Sandbox; inFlight: number }
  | { kind: 'shutting-down'; sandbox?: Sandbox }
  | { kind: 'dead' };

/** The phases of a context that serves (or is about to): its sandbox is there. */
export type Live = Extract<Phase, { kind: 'initializing' | 'idle' | 'busy' }>;

export function isLive(p: Phase): p is Live {
  return p.kind === 'initializing' || p.kind === 'idle' || p.kind === 'busy';
}

/** Ended, or ending: a context that no invocation may use any more. */
export function isGone(p: Phase): boolean {
  return p.kind === 'shutting-down' || p.kind === 'dead';
}

export function sandboxOf(p: Phase): Sandbox | undefined {
  return 'sandbox' in p ? p.sandbox : undefined;
}

/** The state `ps` shows. */
export function contextState(p: Phase): ContextState {
  switch (p.kind) {
    case 'booting':
    case 'claimed':
      return 'initializing';
    case 'idle':
      return p.sandbox.freezer.isFrozen ? 'frozen' : 'idle';
    case 'shutting-down':
      return 'dead';
    default:
      return p.kind;
  }
}

/** Slots an invocation may claim now: only a context whose init is over has any. */
export function freeSlots(p: Phase, maxConcurrency: number): number {
  if (p.kind === 'idle') return maxConcurrency;
  if (p.kind === 'busy') return Math.max(0, maxConcurrency - p.inFlight);
  return 0;
}

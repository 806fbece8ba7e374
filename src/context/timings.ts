import { runtimeFamily, type FunctionConfig, type Settings } from '../config/types';
import { fixedTiming, type FreezeTiming, type PauseLatency } from './freeze-timing';

/**
 * Every duration the orchestrator derives from its settings, in milliseconds, worked out here and
 * nowhere else (docs/settings.md says what each setting means).
 */

export interface ReaperTiming {
  /** A free context or stem unused for longer than this is removed (settings.idleTimeout). */
  idleTimeoutMs: number;
  /** Between two sweeps (settings.reaperInterval, else derived from idleTimeout). */
  intervalMs: number;
}

export function reaperTiming(s: Pick<Settings, 'idleTimeout' | 'reaperInterval'>): ReaperTiming {
  const idleTimeoutMs = s.idleTimeout * 1000;
  return { idleTimeoutMs, intervalMs: s.reaperInterval !== null ? s.reaperInterval * 1000 : defaultReaperIntervalMs(idleTimeoutMs) };
}

/** Sweep often enough that a context is gone by idleTimeout × 1.25 + 1 s (docs/execution-context.md). */
export function defaultReaperIntervalMs(idleTimeoutMs: number): number {
  return Math.min(60_000, Math.max(250, idleTimeoutMs / 4));
}

/** Upkeep (removals to retry, retired contexts, contexts to replenish) runs at least this often. */
const UPKEEP_MAX_INTERVAL_MS = 2000;

/** The upkeep tick: every 2 s, or as often as the reaper sweeps when that is more often. */
export function upkeepIntervalMs(s: Pick<Settings, 'idleTimeout' | 'reaperInterval'>): number {
  return Math.min(UPKEEP_MAX_INTERVAL_MS, reaperTiming(s).intervalMs);
}

/** How long a context's init may take (settings.initTimeout). */
export function initTimeoutMs(s: Pick<Settings, 'initTimeout'>): number {
  return s.initTimeout * 1000;
}

/**
 * When a context's `docker pause` starts after a response. The grace is for runtimes whose
 * JavaScript/Python is already stopped at the response (shrunk by `pauses` so that Docker shows
 * `Paused` within 100 ms); a `provided` runtime is paused at once. freezeDelay trades the real
 * freeze for speed, for any runtime, and is waited as set.
 */
export function freezeTiming(
  s: Pick<Settings, 'freezeGrace' | 'freezeDelay'>,
  fn: Pick<FunctionConfig, 'runtime'>,
  pauses: PauseLatency,
): FreezeTiming {
  const grace = runtimeFamily(fn.runtime) === 'provided' ? 0 : s.freezeGrace;
  return s.freezeDelay >= grace ? fixedTiming(s.freezeDelay) : pauses.timing(grace);
}

/**
 * stop(): how long the clients whose calls were cut off get to read their error answer before
 * every socket left is destroyed (docs/cli.md: `up` ends within seconds of SIGINT).
 */
export const STOP_FLUSH_MS = 1000;

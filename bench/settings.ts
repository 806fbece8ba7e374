import { availableParallelism } from 'node:os';
import { FUNCTION_DEFAULTS } from '../src/config/function';
import { MB_PER_VCPU } from '../src/engine/context-spec';
import { summarize } from './stats';

/** The function's defaults (config/defaults.yaml): its memory, with the CPU quota that memory buys. */
export const WARM_SETTINGS = { cpuLimit: true, memorySize: FUNCTION_DEFAULTS.memorySize };

/** The CFS period Docker gives a container with a CPU quota (the daemon's default cpuPeriod), ms. */
export const CFS_PERIOD_MS = 100;

/**
 * The bench's targets, each named once: the scenarios judge against them and the analysis quotes
 * them. What each one measures is in its name and in the scenario that uses it.
 */
export const TARGETS = {
  /** Warm call under steady traffic, median, at most this fraction of the raw unpause + round trip. */
  steadyOfFloor: 0.25,
  /** The orchestrator's own CPU per warm invocation under steady traffic, ms. */
  orchestratorCpuMs: 0.3,
  /** Warm call after idling (a thaw), median, at most this multiple of the raw unpause + round trip. */
  idleOfFloor: 1.15,
  /** Cold start, median, at most this many ms over a raw create + start of the same image. */
  coldOverRawMs: 50,
  /** Cold start with a stem, median, at most this fraction of the raw create + start. */
  coldStemOfRaw: 0.5,
  /** Invocations per second with the freeze policies on, at least this multiple of them off. */
  throughputGain: 4,
  /** Contexts brought up and frozen at once for the density figures. */
  densityContexts: 50,
  /** The orchestrator's RSS with `densityContexts` contexts frozen, below this many MB. */
  orchestratorRssMb: 150,
  /** The warm call after idling, at least this many times faster than one container per invocation. */
  dockerRunSpeedup: 20,
} as const;

/** The CPU share a function of `memorySize` MB gets under the quota (1 = one full CPU). */
export function cpuShare(s: { memorySize: number }): number {
  return s.memorySize / MB_PER_VCPU;
}

/** The cores this bench's machine has (everything on it shares them). */
export function machineCpus(): number {
  return availableParallelism();
}

export function limitsText(s: { cpuLimit: boolean; memorySize: number }): string {
  return `${s.memorySize} MB, ${cpuText(s)}`;
}

export function cpuText(s: { cpuLimit: boolean; memorySize: number }): string {
  return s.cpuLimit ? `CPU quota ${cpuShare(s).toFixed(3)} CPU` : 'no CPU quota';
}

export function piece(label: string, samples: number[], where: string): string[] {
  const s = summarize(samples);
  return [label, s.median.toFixed(2), s.p99.toFixed(2), where];
}

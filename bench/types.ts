import type Docker from 'dockerode';
import type { Baselines } from './baseline';
import type { OrchestratorProcess } from './orchestrator-process';
import type { Summary } from './stats';

/** What every scenario gets: the engine, the orchestrator under test, the raw baselines. */
export interface BenchContext {
  docker: Docker;
  orch: OrchestratorProcess;
  baselines: Baselines;
  /** Iteration counts are multiplied by this (0.2 with --quick). */
  scale: number;
  log(line: string): void;
}

export interface Measured {
  label: string;
  stats: Summary;
}

/** One line of the main table: something of ours against its baseline, and the target if there is one. */
export interface Comparison {
  scenario: string;
  subject: Measured;
  baseline: Measured;
  /** How the target is stated, e.g. "≤ 1.3× floor"; absent when there is none. */
  target?: { text: string; met: boolean };
  /** ratio = subject median / baseline median, unless `ratioInverted` (baseline / subject: "× faster"). */
  ratioInverted?: boolean;
}

export interface Table {
  title: string;
  header: string[];
  rows: string[][];
}

/** A target that is not a ratio of two latency samples (a rate, a bound, a size). */
export interface Target {
  scenario: string;
  text: string;
  got: string;
  met: boolean;
}

export interface ScenarioResult {
  comparisons: Comparison[];
  /** Targets stated on other figures than a comparison's medians. */
  targets?: Target[];
  /** Rows (piece, median, p99, where) for the Machine section: the engine's and the kernel's own floors. */
  machine?: string[][];
  /** Pieces measured separately, throughput and density figures. */
  tables: Table[];
  notes: string[];
  /** Named medians (ms) and other figures for the analysis, e.g. `s1.true.unpause`. */
  facts?: Record<string, number>;
}

export function scaled(ctx: BenchContext, n: number, min = 3): number {
  return Math.max(min, Math.round(n * ctx.scale));
}

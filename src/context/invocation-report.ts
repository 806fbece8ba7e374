import type { PlatformLines } from './platform-lines';
import { platformEvents, type TelemetryEvent } from '../extensions/telemetry-events';
import type { ContextOutput, InvocationOutput } from './context-output';
import type { InvocationOutcome } from './outcome';

/** How long END/REPORT wait for late log lines when the runtime sends no marker (custom runtimes). */
const UNMARKED_FLUSH_MS = 20;
/** With the marker, a cap in case it never comes (the runtime died mid-write). */
const MARKED_FLUSH_CAP_MS = 500;

export interface ReportInput {
  output: ContextOutput;
  lines: PlatformLines;
  current: InvocationOutput;
  outcome: InvocationOutcome;
  durationMs: number;
  memorySizeMb: number;
  /** Our Node.js and Python runtimes write an end marker after an invocation's last line. */
  runtimeMarksEnd: boolean;
  initDurationMs: number | undefined;
  maxMemoryUsedMb: () => Promise<number | undefined>;
  /** Telemetry API subscribers get platform.report with the same metrics. */
  telemetry?: { emit(make: () => TelemetryEvent): void };
}

/** END and REPORT of one invocation, once its own lines are all out. */
export async function reportInvocation(r: ReportInput): Promise<void> {
  const { output, current, outcome } = r;
  if (outcome.kind === 'response' || outcome.kind === 'error') {
    const cap = r.runtimeMarksEnd ? MARKED_FLUSH_CAP_MS : UNMARKED_FLUSH_MS;
    await Promise.race([current.flushed.promise, sleep(cap)]);
  }
  output.end(current);
  // Stopped by the cgroup OOM killer: the peak was the limit (and the cgroup is gone by now).
  const oom = outcome.kind === 'exit' && outcome.exit.oomKilled;
  const maxMemoryUsedMb = oom ? r.memorySizeMb : await r.maxMemoryUsedMb();
  const status = outcome.kind === 'timeout' ? 'timeout' : outcome.kind === 'exit' ? 'error' : undefined;
  r.telemetry?.emit(() =>
    platformEvents.report(Date.now(), {
      requestId: current.requestId,
      status: status ?? 'success',
      durationMs: r.durationMs,
      memorySizeMB: r.memorySizeMb,
      maxMemoryUsedMB: maxMemoryUsedMb ?? 0,
      ...(r.initDurationMs !== undefined ? { initDurationMs: r.initDurationMs } : {}),
    }),
  );
  output.emit(r.lines.end(current.requestId, { durationMs: r.durationMs, status }), current.log);
  output.emit(
    r.lines.report({
      requestId: current.requestId,
      durationMs: r.durationMs,
      memorySizeMb: r.memorySizeMb,
      maxMemoryUsedMb,
      initDurationMs: r.initDurationMs,
      status,
    }),
    current.log,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

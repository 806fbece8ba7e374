import { LATEST_VERSION } from '../lambda-limits';

/** Lambda's platform lines (docs/logs.md). */

export function startLine(requestId: string): string {
  return `START RequestId: ${requestId} Version: ${LATEST_VERSION}`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export interface ReportFields {
  requestId: string;
  durationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number | undefined;
  initDurationMs?: number;
  status?: 'timeout' | 'error';
}

/** Rounds up the Duration as printed (2 decimals), so 2.001 ms reads "2.00 ms", billed 2 ms. */
export function billedDurationMs(durationMs: number): number {
  return Math.max(1, Math.ceil(Number(durationMs.toFixed(2))));
}

export function reportLine(f: ReportFields): string {
  const parts = [
    `REPORT RequestId: ${f.requestId}`,
    `Duration: ${f.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${billedDurationMs(f.durationMs)} ms`,
    `Memory Size: ${f.memorySizeMb} MB`,
    `Max Memory Used: ${f.maxMemoryUsedMb ?? '?'} MB`,
  ];
  if (f.initDurationMs !== undefined) parts.push(`Init Duration: ${f.initDurationMs.toFixed(2)} ms`);
  if (f.status) parts.push(`Status: ${f.status}`);
  return parts.join('\t');
}

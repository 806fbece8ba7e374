import type { LogFormat } from '../config/types';
import { platformEvents, type Status } from '../extensions/telemetry-events';
import { endLine, reportLine, startLine, type ReportFields } from '../logging/report-lines';
import { LATEST_VERSION } from '../lambda-limits';

/** Lambda's platform lines of one invocation: START, END and REPORT, or their JSON records. */
export interface PlatformLines {
  start(requestId: string): string;
  end(requestId: string, f: Pick<ReportFields, 'durationMs' | 'status'>): string;
  report(f: ReportFields): string;
}

const TEXT: PlatformLines = { start: startLine, end: (id) => endLine(id), report: reportLine };

/**
 * With `logFormat: JSON`, Lambda writes its system logs as JSON records with the Telemetry API's
 * schema: platform.start, platform.runtimeDone (END) and platform.report (REPORT).
 */
const JSON_RECORDS: PlatformLines = {
  start: (requestId) => JSON.stringify(platformEvents.start(Date.now(), { requestId, version: LATEST_VERSION })),
  end: (requestId, f) =>
    JSON.stringify(platformEvents.runtimeDone(Date.now(), { requestId, status: status(f.status), durationMs: round(f.durationMs) })),
  report: (f) =>
    JSON.stringify(
      platformEvents.report(Date.now(), {
        requestId: f.requestId,
        status: status(f.status),
        durationMs: round(f.durationMs),
        memorySizeMB: f.memorySizeMb,
        maxMemoryUsedMB: f.maxMemoryUsedMb ?? 0,
        ...(f.initDurationMs !== undefined ? { initDurationMs: round(f.initDurationMs) } : {}),
      }),
    ),
};

export function platformLines(format: LogFormat): PlatformLines {
  return format === 'JSON' ? JSON_RECORDS : TEXT;
}

function status(s: ReportFields['status']): Status {
  return s ?? 'success';
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

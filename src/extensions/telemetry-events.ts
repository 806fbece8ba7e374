import { LATEST_VERSION } from '../lambda-limits';
import { billedDurationMs } from '../logging/report-lines';

/**
 * Lambda's Telemetry API events, schema 2022-12-13 (the Telemetry API `Event` schema reference):
 * `{time, type, record}`, time in ISO 8601 with milliseconds.
 */
export const TELEMETRY_TYPES = ['platform', 'function', 'extension'] as const;
export type TelemetryType = (typeof TELEMETRY_TYPES)[number];

export interface TelemetryEvent {
  time: string;
  type: string;
  record: unknown;
}

export type InitType = 'on-demand' | 'provisioned-concurrency';
export type InitPhase = 'init' | 'invoke';
export type Status = 'success' | 'failure' | 'error' | 'timeout';

export interface TraceContext {
  spanId?: string;
  type: 'X-Amzn-Trace-Id';
  value: string;
}

export interface Span {
  name: string;
  start: string;
  durationMs: number;
}

/** The stream an event belongs to: `platform.*` events are `platform`. */
/** What platform.runtimeDone and platform.report say of the invocation they end. */
interface InvocationEnd {
  requestId: string;
  status: Status;
  errorType?: string;
  durationMs: number;
  spans?: Span[];
  tracing?: TraceContext;
}

export function streamOf(event: TelemetryEvent): TelemetryType {
  return event.type === 'function' || event.type === 'extension' ? event.type : 'platform';
}

function event(type: string, at: number, record: unknown): TelemetryEvent {
  return { time: new Date(at).toISOString(), type, record };
}

/** Milliseconds as our REPORT line prints them (2 decimals), so both agree. */
function ms(value: number): number {
  return Number(value.toFixed(2));
}

/** Leaves out the optional fields that are undefined, as Lambda omits them. */
function defined<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

export const platformEvents = {
  initStart(
    at: number,
    r: {
      initializationType: InitType;
      phase: InitPhase;
      runtimeVersion?: string;
      runtimeVersionArn?: string;
      functionName?: string;
      functionVersion?: string;
    },
  ) {
    return event('platform.initStart', at, defined({ ...r }));
  },
  initRuntimeDone(at: number, r: { initializationType: InitType; phase: InitPhase; status: Status; errorType?: string; spans?: Span[] }) {
    return event('platform.initRuntimeDone', at, defined({ ...r }));
  },
  initReport(
    at: number,
    r: { initializationType: InitType; phase: InitPhase; status: Status; errorType?: string; durationMs: number; spans?: Span[] },
  ) {
    const { durationMs, ...rest } = r;
    return event('platform.initReport', at, defined({ ...rest, metrics: { durationMs: ms(durationMs) } }));
  },
  start(at: number, r: { requestId: string; version?: string; tracing?: TraceContext }) {
    return event('platform.start', at, defined({ requestId: r.requestId, version: r.version ?? LATEST_VERSION, tracing: r.tracing }));
  },
  runtimeDone(at: number, r: InvocationEnd & { producedBytes?: number }) {
    const { durationMs, producedBytes, ...rest } = r;
    return event('platform.runtimeDone', at, defined({ ...rest, metrics: defined({ durationMs: ms(durationMs), producedBytes }) }));
  },
  /** The same figures as the REPORT line (Duration, Billed Duration, Memory Size, Max Memory Used, Init Duration). */
  report(at: number, r: InvocationEnd & { memorySizeMB: number; maxMemoryUsedMB: number; initDurationMs?: number }) {
    const { durationMs, memorySizeMB, maxMemoryUsedMB, initDurationMs, ...rest } = r;
    const metrics = defined({
      durationMs: ms(durationMs),
      billedDurationMs: billedDurationMs(durationMs),
      memorySizeMB,
      maxMemoryUsedMB,
      initDurationMs: initDurationMs === undefined ? undefined : ms(initDurationMs),
    });
    return event('platform.report', at, defined({ ...rest, metrics }));
  },
  extension(at: number, r: { name: string; state: string; events: string[]; errorType?: string }) {
    return event('platform.extension', at, defined({ ...r }));
  },
  telemetrySubscription(at: number, r: { name: string; state: string; types: string[] }) {
    return event('platform.telemetrySubscription', at, { ...r });
  },
  logsDropped(at: number, r: { droppedRecords: number; droppedBytes: number; reason: string }) {
    return event('platform.logsDropped', at, { ...r });
  },
};

/**
 * A log line of the function (`function`) or of an extension (`extension`): a string, or with
 * JSON log format the line's object when it is one (as Lambda forwards structured logs).
 */
export function logEvent(type: 'function' | 'extension', at: number, line: string, format: 'Text' | 'JSON' = 'Text'): TelemetryEvent {
  if (format === 'JSON') {
    const parsed = parseObject(line);
    if (parsed !== undefined) return event(type, at, parsed);
  }
  return event(type, at, line);
}

function parseObject(line: string): object | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

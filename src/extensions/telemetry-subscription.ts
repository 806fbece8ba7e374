import { TELEMETRY_TYPES, type TelemetryType } from './telemetry-events';

export const TELEMETRY_SCHEMA_VERSIONS = ['2022-07-01', '2022-12-13', '2025-01-29'] as const;

/** Lambda's buffering defaults and limits (Telemetry API, "Configuring memory usage and buffering"). */
export const BUFFERING = {
  maxItems: { default: 10_000, min: 1_000, max: 10_000 },
  maxBytes: { default: 262_144, min: 262_144, max: 1_048_576 },
  timeoutMs: { default: 1_000, min: 25, max: 30_000 },
} as const;

export const SANDBOX_HOSTNAME = 'sandbox.localdomain';
/** Lambda reserves 9001 (its Runtime API's port inside the environment). */
const RESERVED_PORT = 9001;

export interface Buffering {
  maxItems: number;
  maxBytes: number;
  timeoutMs: number;
}

export interface Subscription {
  schemaVersion: string;
  types: Set<TelemetryType>;
  buffering: Buffering;
  /** The destination as the extension gave it; its host is `sandbox.localdomain`. */
  uri: URL;
}

export type Parsed = { ok: true; subscription: Subscription } | { ok: false; message: string };

/** Validates a PUT /telemetry body as Lambda does; `message` is its ValidationError's text. */
export function parseSubscription(body: Buffer): Parsed {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return bad(`Invalid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('the body must be a JSON object');
  const o = raw as Record<string, unknown>;
  const problems: string[] = [];

  const schemaVersion = o.schemaVersion;
  if (typeof schemaVersion !== 'string' || !(TELEMETRY_SCHEMA_VERSIONS as readonly string[]).includes(schemaVersion)) {
    problems.push(`schemaVersion must be one of ${TELEMETRY_SCHEMA_VERSIONS.join(', ')}`);
  }
  const types = parseTypes(o.types, problems);
  const uri = parseDestination(o.destination, problems);
  const buffering = parseBuffering(o.buffering, problems);
  if (problems.length > 0 || !uri || !types || !buffering) return bad(problems.join('; '));
  return { ok: true, subscription: { schemaVersion: schemaVersion as string, types, buffering, uri } };
}

function bad(message: string): Parsed {
  return { ok: false, message };
}

function parseTypes(v: unknown, problems: string[]): Set<TelemetryType> | undefined {
  if (!Array.isArray(v) || v.length === 0) {
    problems.push('types should not be empty');
    return undefined;
  }
  for (const t of v) {
    if (!(TELEMETRY_TYPES as readonly unknown[]).includes(t)) {
      problems.push(`types: ${JSON.stringify(t)} is not one of ${TELEMETRY_TYPES.join(', ')}`);
      return undefined;
    }
  }
  return new Set(v as TelemetryType[]);
}

function parseDestination(v: unknown, problems: string[]): URL | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    problems.push('destination is required');
    return undefined;
  }
  const { protocol, URI } = v as { protocol?: unknown; URI?: unknown };
  if (protocol === 'TCP') {
    problems.push('destination.protocol TCP is not supported here; use HTTP');
    return undefined;
  }
  if (protocol !== 'HTTP') {
    problems.push('destination.protocol must be HTTP or TCP');
    return undefined;
  }
  if (typeof URI !== 'string' || URI.length === 0) {
    problems.push('destination.URI is required');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(URI);
  } catch {
    problems.push(`destination.URI is not a URI: ${URI.slice(0, 200)}`);
    return undefined;
  }
  // Lambda delivers only inside the execution environment, over plain HTTP.
  if (url.protocol !== 'http:') problems.push('destination.URI must use http');
  else if (url.hostname.toLowerCase() !== SANDBOX_HOSTNAME) problems.push(`destination.URI host must be ${SANDBOX_HOSTNAME}`);
  else if (url.port === '') problems.push('URI port is not provided');
  else if (Number(url.port) === RESERVED_PORT) problems.push(`destination.URI port ${RESERVED_PORT} is reserved`);
  else return url;
  return undefined;
}

function parseBuffering(v: unknown, problems: string[]): Buffering | undefined {
  if (v === undefined || v === null) return defaults();
  if (typeof v !== 'object' || Array.isArray(v)) {
    problems.push('buffering must be an object');
    return undefined;
  }
  const out = defaults();
  const given = v as Record<string, unknown>;
  for (const key of Object.keys(BUFFERING) as Array<keyof Buffering>) {
    const value = given[key];
    if (value === undefined) continue;
    const { min, max } = BUFFERING[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`buffering.${key} must be an integer from ${min} to ${max}`);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function defaults(): Buffering {
  return { maxItems: BUFFERING.maxItems.default, maxBytes: BUFFERING.maxBytes.default, timeoutMs: BUFFERING.timeoutMs.default };
}

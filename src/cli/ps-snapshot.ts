import type { ContextRow, FunctionStats } from '../context/context-row';

/** What a running `up` answers at /orchestrator/contexts. */
export interface PsSnapshot {
  contexts: ContextRow[];
  functions: Record<string, FunctionStats>;
}

/** The endpoint could not be reached (nothing listens, or it went away). */
export class EndpointUnreachable extends Error {
  constructor(
    readonly endpoint: string,
    readonly why: string,
  ) {
    super(`cannot reach ${endpoint}: ${why} (is \`orchestrator up\` running?)`);
  }
}

/** Reads the live contexts of the `up` serving `endpoint`. */
export async function fetchSnapshot(endpoint: string, timeoutMs = 30_000): Promise<PsSnapshot> {
  const url = `${endpoint.replace(/\/$/, '')}/orchestrator/contexts`;
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).catch((err: Error) => {
    throw new EndpointUnreachable(endpoint, (err.cause as Error | undefined)?.message ?? err.message);
  });
  if (!res.ok) throw new Error(`${endpoint} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as PsSnapshot;
}

import type { ExecutionContext } from './execution-context';

/** One line of `orchestrator ps`. */
export interface ContextRow {
  id: string;
  function: string;
  state: string;
  invocations: number;
  idleForMs: number | null;
  memoryUsedMb: number | null;
  /** Processes and threads in use, of 1024: a context that can no longer spawn shows it here. */
  pids: number | null;
  ageMs: number;
  provisioned: boolean;
  containerId: string | null;
}

export interface FunctionStats {
  coldStarts: number;
  warmStarts: number;
}

export async function contextRow(c: ExecutionContext, now: number): Promise<ContextRow> {
  return {
    id: c.id,
    function: c.fn.name,
    state: c.state === 'idle' ? 'frozen' : c.state,
    invocations: c.invocations,
    idleForMs: c.available ? now - c.lastUsedAt : null,
    memoryUsedMb: (await c.maxMemoryUsedMb()) ?? null,
    pids: (await c.pidsInUse()) ?? null,
    ageMs: now - c.createdAt,
    provisioned: c.provisioned,
    containerId: c.containerId ?? null,
  };
}

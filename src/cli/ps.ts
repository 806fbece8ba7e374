import Table from 'cli-table3';
import type { ContextRow, FunctionStats } from '../context/context-row';

/** A table of the live execution contexts of a running `up`. */
export async function psCommand(o: { endpoint: string }): Promise<void> {
  const res = await fetch(`${o.endpoint.replace(/\/$/, '')}/orchestrator/contexts`).catch((err: Error) => {
    throw new Error(`cannot reach ${o.endpoint}: ${(err.cause as Error | undefined)?.message ?? err.message} (is \`orchestrator up\` running?)`);
  });
  if (!res.ok) throw new Error(`${o.endpoint} answered ${res.status}: ${await res.text()}`);
  const { contexts, functions } = (await res.json()) as { contexts: ContextRow[]; functions: Record<string, FunctionStats> };
  const table = new Table({
    head: ['ID', 'FUNCTION', 'STATE', 'INVOCATIONS', 'IDLE FOR', 'MEMORY USED', 'PIDS', 'AGE'],
    // Colours only on a terminal: piped into grep or a script, the cells are plain text.
    style: process.stdout.isTTY ? {} : { head: [], border: [] },
  });
  for (const c of contexts) {
    table.push([
      c.id,
      c.function + (c.provisioned ? ' (provisioned)' : ''),
      c.state,
      c.invocations,
      c.idleForMs === null ? '-' : seconds(c.idleForMs),
      c.memoryUsedMb === null ? '-' : `${c.memoryUsedMb} MB`,
      c.pids === null ? '-' : `${c.pids}/1024`,
      seconds(c.ageMs),
    ]);
  }
  process.stdout.write(`${table.toString()}\n`);
  for (const [fn, s] of Object.entries(functions)) {
    process.stdout.write(`${fn}: ${s.coldStarts} cold start(s), ${s.warmStarts} warm start(s)\n`);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

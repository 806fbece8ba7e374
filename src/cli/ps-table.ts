import Table from 'cli-table3';
import type { PsSnapshot } from './ps-snapshot';

export const PS_COLUMNS = ['ID', 'FUNCTION', 'STATE', 'INVOCATIONS', 'IDLE FOR', 'MEMORY USED', 'PIDS', 'AGE'];

/** The `ps` table and the cold/warm start counts below it, as text ending in a newline. */
export function renderSnapshot(s: PsSnapshot, o: { color: boolean }): string {
  const table = new Table({
    head: PS_COLUMNS,
    // Colours only on a terminal: piped into grep or a script, the cells are plain text.
    style: o.color ? {} : { head: [], border: [] },
  });
  for (const c of s.contexts) {
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
  let out = `${table.toString()}\n`;
  for (const [fn, st] of Object.entries(s.functions)) {
    out += `${fn}: ${st.coldStarts} cold start(s), ${st.warmStarts} warm start(s)\n`;
  }
  return out;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

import { EndpointUnreachable, fetchSnapshot, type PsSnapshot } from './ps-snapshot';
import { renderSnapshot } from './ps-table';
import { plainScreen, terminalScreen, type Screen } from './screen';

export interface PsWatchDeps {
  fetch(): Promise<PsSnapshot>;
  screen: Screen;
  /** Colours in the table (a terminal). */
  color: boolean;
  intervalMs: number;
  header(): string;
  /** Calls `redraw` when the terminal is resized; returns how to stop listening. */
  onResize(redraw: () => void): () => void;
  /** Calls `stop` on Ctrl-C (SIGINT) or SIGTERM; returns how to stop listening. */
  onStop(stop: () => void): () => void;
}

export type PsWatchEnd = { reason: 'stopped' } | { reason: 'gone'; why: string };

/**
 * Redraws the table every `intervalMs` (after the previous frame is drawn: a slow answer never
 * piles requests up) until stopped or the endpoint goes away. Any other failure (an error answer)
 * is shown in place of the table, and watching goes on.
 */
export function watchPs(d: PsWatchDeps): Promise<PsWatchEnd> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let last = '';
    let done = false;
    const draw = () => d.screen.frame(`${d.header()}\n\n${last}`);
    const finish = (end: PsWatchEnd) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      offResize();
      offStop();
      resolve(end);
    };
    const tick = async () => {
      try {
        last = renderSnapshot(await d.fetch(), { color: d.color });
      } catch (err) {
        if (err instanceof EndpointUnreachable) return finish({ reason: 'gone', why: err.why });
        last = `${(err as Error).message}\n`;
      }
      if (done) return;
      draw();
      timer = setTimeout(() => void tick(), d.intervalMs);
    };
    const offResize = d.onResize(() => done || draw());
    const offStop = d.onStop(() => finish({ reason: 'stopped' }));
    void tick();
  });
}

/** `orchestrator ps --watch`: live on a terminal, repeated plain tables otherwise. */
export async function psWatchCommand(o: { endpoint: string; interval: string }): Promise<void> {
  const intervalMs = Number(o.interval);
  if (!Number.isFinite(intervalMs) || intervalMs < 50) throw new Error(`--interval must be a number of ms, 50 or more (got ${o.interval})`);
  await fetchSnapshot(o.endpoint); // nothing there at all: say so as plain `ps` does, exit 1
  const out = process.stdout;
  const tty = out.isTTY === true;
  const screen = tty ? terminalScreen(out) : plainScreen(out);
  const end = await watchPs({
    fetch: () => fetchSnapshot(o.endpoint),
    screen,
    color: tty,
    intervalMs,
    header: () => `orchestrator ps ${o.endpoint}, every ${intervalMs / 1000}s (Ctrl-C to stop)    ${new Date().toTimeString().slice(0, 8)}`,
    onResize: (redraw) => {
      out.on('resize', redraw);
      return () => out.off('resize', redraw);
    },
    onStop: (stop) => {
      for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, stop);
      return () => ['SIGINT', 'SIGTERM'].forEach((s) => process.off(s, stop));
    },
  });
  screen.close();
  if (end.reason === 'gone') process.stderr.write(`orchestrator: ${o.endpoint} went away, stopped watching (${end.why})\n`);
  // The HTTP client keeps idle connections open for a while: do not wait for them.
  out.write('', () => process.exit(0));
}

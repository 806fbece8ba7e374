import { resolve } from 'node:path';
import { startOrchestrator, type StartedOrchestrator } from '../orchestrator';
import { streamLogSink } from '../logging/log-sink';
import { watchAndReload } from '../watch/watch-reload';

function notice(line: string): void {
  process.stderr.write(`orchestrator: ${line}\n`);
}

/** Serves until SIGINT/SIGTERM, then removes every container it made and exits 0. */
export async function upCommand(o: { file: string; host: string; port: string; watch?: boolean }): Promise<void> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (got ${o.port})`);
  let running: StartedOrchestrator | undefined;
  let starting: Promise<StartedOrchestrator> | undefined;
  let watching: { close(): Promise<void> } | undefined;
  let stopping = false;
  const shutdown = async (why: string, code: number) => {
    if (stopping) {
      notice(`${why} again: exiting without cleanup (run \`orchestrator down\`)`);
      process.exit(1);
    }
    stopping = true;
    notice(`${why}: removing contexts`);
    try {
      await watching?.close();
      // A signal during start-up: let the start finish, then remove what it made.
      await (running ?? (await starting?.catch(() => undefined)))?.stop();
    } catch (err) {
      notice(`cleanup failed: ${(err as Error).message}`);
      code = 1;
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('uncaughtException', (err) => {
    notice(`internal error: ${err.stack ?? err.message}`);
    void shutdown('internal error', 1);
  });

  starting = startOrchestrator({
    config: resolve(o.file),
    host: o.host,
    port,
    logSink: streamLogSink(process.stdout),
    onProgress: notice,
  });
  running = await starting;
  if (stopping) return; // a signal came during start-up; shutdown() handles it
  const names = [...running.config.functions.keys()].join(', ');
  notice(`serving ${running.config.functions.size} function(s) (${names}) on ${running.url}`);
  if (o.watch) {
    watching = await watchAndReload({ file: resolve(o.file), orchestrator: running, report: notice });
    notice(`watching ${o.file} and the functions' code for changes`);
  }
}

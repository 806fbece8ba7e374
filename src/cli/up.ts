import { resolve } from 'node:path';
import { loadConfigFile, parseParameterOverrides } from '../config/load';
import { startOrchestrator, type StartedOrchestrator } from '../orchestrator';
import { streamLogSink } from '../logging/log-sink';
import { watchAndReload } from '../watch/watch-reload';
import { defaultConfigFile } from './config-file';

function notice(line: string): void {
  process.stderr.write(`orchestrator: ${line}\n`);
}

export interface UpOptions {
  /** functions.yaml or a SAM/CloudFormation template; found in the current folder when not given. */
  file?: string;
  host: string;
  port: string;
  watch?: boolean;
  /** `--parameter-overrides` items (a template's Parameters). */
  parameterOverrides?: string[];
}

/** Serves until SIGINT/SIGTERM, then removes every container it made and exits 0. */
export async function upCommand(o: UpOptions): Promise<void> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (got ${o.port})`);
  const file = resolve(o.file ?? defaultConfigFile(process.cwd()));
  if (o.file === undefined) notice(`reading ${file}`);
  const parameterOverrides = o.parameterOverrides ? parseParameterOverrides(o.parameterOverrides) : undefined;
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

  // startOrchestrator prints the loader's warnings (file:line: property: why) once, as progress.
  starting = startOrchestrator({
    config: file,
    parameterOverrides,
    host: o.host,
    port,
    logSink: streamLogSink(process.stdout),
    onProgress: notice,
  });
  running = await starting;
  if (stopping) return; // a signal came during start-up; shutdown() handles it
  notice(`serving ${running.config.functions.size} function(s) (${servedNames(running)}) on ${running.url}`);
  for (const line of functionUrls(running)) notice(line);
  if (o.watch) {
    watching = await watchAndReload({
      file,
      orchestrator: running,
      report: notice,
      load: (f) => loadConfigFile(f, undefined, { parameterOverrides }),
    });
    notice(`watching ${o.file ?? file} and the functions' code for changes`);
  }
}

/** `hello, HelloWorldFunction (also my-hello)`: the names each function answers to. */
function servedNames(orch: StartedOrchestrator): string {
  const aliases = new Map<string, string[]>();
  for (const [alias, key] of orch.config.aliases ?? []) aliases.set(key, [...(aliases.get(key) ?? []), alias]);
  return [...orch.config.functions.keys()].map((k) => (aliases.has(k) ? `${k} (also ${aliases.get(k)!.join(', ')})` : k)).join(', ');
}

/** `function URL of stream (RESPONSE_STREAM): http://127.0.0.1:9000/urls/stream/`, one per function with `url:`. */
function functionUrls(orch: StartedOrchestrator): string[] {
  return [...orch.config.functions.values()]
    .filter((fn) => fn.url)
    .map((fn) => `function URL of ${fn.name} (${fn.url!.invokeMode}): ${orch.url}/urls/${encodeURIComponent(fn.name)}/`);
}

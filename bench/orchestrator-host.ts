/**
 * Child process hosting the orchestrator under test, so the bench's clients and the orchestrator
 * do not share an event loop (as with `orchestrator up`) and process.cpuUsage()/RSS are the
 * orchestrator's own. Driven over IPC by OrchestratorProcess; stops its orchestrator (removing
 * every container it made) when told to, and when the parent goes away.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startOrchestrator, type StartedOrchestrator } from '../src/orchestrator';
import { ContextContainer } from '../src/context/context-container';
import { RuntimeApiServer } from '../src/runtime-api/server';
import { Invoker } from '../src/invocation/invoker';

/**
 * Profiling, with no change to src/: the Docker calls of the warm path (pause, unpause; a claimed
 * stem's thaw is an unpause too) and the
 * runtime's share (deliver: from handing the event to the held GET /next until the runtime
 * posted its result), the whole of Invoker.invoke (pool, context, thaw, deliver), a cold start's
 * Docker calls (ContextContainer.run) and its Init Duration are timed where the orchestrator makes
 * them, in this process, as is the `docker update` that sets the CPU quota once an init is over.
 */
const pieces: Record<'unpause' | 'pause' | 'deliver' | 'invoke' | 'containerRun' | 'limitCpu' | 'init', number[]> = {
  unpause: [],
  pause: [],
  deliver: [],
  invoke: [],
  containerRun: [],
  limitCpu: [],
  init: [],
};
/** Engine calls of the orchestrator that failed (method: message), so a scenario can tell why a context went away. */
const failures: string[] = [];
function timeMethod(proto: object, name: string, into: number[]): void {
  const target = proto as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = target[name];
  target[name] = function (this: unknown, ...args: unknown[]) {
    const start = process.hrtime.bigint();
    return original
      .apply(this, args)
      .catch((err: unknown) => {
        failures.push(`${name}: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
        throw err;
      })
      .finally(() => into.push(Number(process.hrtime.bigint() - start) / 1e6));
  };
}
timeMethod(ContextContainer.prototype, 'unpause', pieces.unpause);
timeMethod(ContextContainer.prototype, 'pause', pieces.pause);
timeMethod(RuntimeApiServer.prototype, 'deliver', pieces.deliver);
timeMethod(Invoker.prototype, 'invoke', pieces.invoke);
timeMethod(ContextContainer, 'run', pieces.containerRun); // create + attach + start
timeMethod(ContextContainer.prototype, 'limitCpu', pieces.limitCpu); // docker update: the quota, once the init is over
/** Lambda's Init Duration of cold starts, from the REPORT lines (the container's start to the runtime's first /next). */
const initDurations = {
  line(_fn: string, text: string): void {
    const m = /^REPORT .*\tInit Duration: ([\d.]+) ms/.exec(text);
    if (m) pieces.init.push(Number(m[1]));
  },
};

type Request =
  | { id: number; cmd: 'start'; config: Record<string, unknown>; baseDir: string }
  | { id: number; cmd: 'stop' }
  | { id: number; cmd: 'usage' }
  | { id: number; cmd: 'contexts' }
  | { id: number; cmd: 'pieces' }
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'echo-start' }
  | { id: number; cmd: 'echo-stop' };

let orch: StartedOrchestrator | undefined;

/**
 * The CPU floor: the least an HTTP server in this process can spend on one request. It
 * reads the body and answers `{}` as the Invoke API would, and nothing else.
 */
let echo: http.Server | undefined;
async function startEcho(): Promise<string> {
  echo ??= http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
      res.end('{}');
    });
  });
  if (!echo.listening) await new Promise<void>((resolve) => echo!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
}

async function stopCurrent(): Promise<number> {
  const o = orch;
  orch = undefined;
  if (!o) return 0;
  const start = process.hrtime.bigint();
  await o.stop();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function handle(msg: Request): Promise<unknown> {
  switch (msg.cmd) {
    case 'start': {
      await stopCurrent();
      orch = await startOrchestrator({
        config: msg.config,
        baseDir: msg.baseDir,
        logSink: initDurations,
        onProgress: (line) => process.stderr.write(`[orchestrator] ${line}\n`),
      });
      return { url: orch.url, instanceId: orch.instance.id };
    }
    case 'stop':
      return { stopMs: await stopCurrent() };
    case 'usage': {
      const cpu = process.cpuUsage();
      return { cpuUs: cpu.user + cpu.system, rss: process.memoryUsage().rss, at: Number(process.hrtime.bigint()) / 1e6 };
    }
    case 'contexts':
      return orch ? await orch.contexts() : [];
    case 'stats':
      return orch ? orch.stats() : {};
    case 'echo-start':
      return { url: await startEcho() };
    case 'echo-stop': {
      const e = echo;
      echo = undefined;
      e?.closeAllConnections();
      await new Promise<void>((resolve) => (e ? e.close(() => resolve()) : resolve()));
      return {};
    }
    case 'pieces': {
      return { ...Object.fromEntries(Object.entries(pieces).map(([k, v]) => [k, v.splice(0)])), failures: failures.splice(0) };
    }
  }
}

process.on('message', (msg: Request) => {
  handle(msg).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: Error) => process.send?.({ id: msg.id, ok: false, error: err.stack ?? String(err) }),
  );
});

let exiting = false;
async function shutdown(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  try {
    await stopCurrent();
  } catch (err) {
    process.stderr.write(`[orchestrator] stop failed: ${(err as Error).message}\n`);
    code = 1;
  }
  process.exit(code);
}

process.on('disconnect', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => undefined); // the parent decides; it disconnects us when it is done
process.send?.({ id: 0, ok: true, result: 'ready' });

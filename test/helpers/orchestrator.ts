import { join } from 'node:path';
import Docker from 'dockerode';
import { startOrchestrator, type StartedOrchestrator } from '../../src/orchestrator';
import type { LogSink } from '../../src/logging/log-sink';
import type { ContextRow } from '../../src/context/context-row';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'functions');
export const docker = new Docker();

/** Log lines the orchestrator printed, for assertions. */
export class CapturedLogs implements LogSink {
  readonly lines: string[] = [];
  line(fn: string, text: string): void {
    this.lines.push(`${fn} | ${text}`);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/**
 * An orchestrator over fixture functions (`code` names a folder under test/fixtures/functions).
 * Stems are off unless `settings` turns them on: the pool's tests count containers and contexts
 * exactly; the fidelity suites (freeze, timers, CPU, failures) run with the defaults, stems on.
 */
export async function startFixtureOrchestrator(
  functions: Record<string, Record<string, unknown>>,
  settings: Record<string, unknown> = {},
): Promise<{ orch: StartedOrchestrator; logs: CapturedLogs }> {
  const logs = new CapturedLogs();
  const fns = Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, { handler: 'index.handler', ...f }]));
  const orch = await startOrchestrator({
    config: { settings: { stemContexts: 0, ...settings }, functions: fns },
    baseDir: FIXTURES,
    logSink: logs,
  });
  return { orch, logs };
}

export async function containerState(id: string): Promise<{ Status: string; Paused: boolean; Running: boolean }> {
  return (await docker.getContainer(id).inspect()).State;
}

/** Containers on the engine made by one orchestrator instance. */
/** Whether the engine still has container `id` (in any state). */
export function containerExists(id: string): Promise<boolean> {
  return docker
    .getContainer(id)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

export async function containersOf(instanceId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`orchestrator.instance=${instanceId}`] } });
}

/**
 * The contexts that have served or are serving `fn` (all functions when omitted): not the stems,
 * which are booted ahead of demand (settings.stemContexts) and have run no code of the function.
 */
export async function servingContexts(orch: StartedOrchestrator, fn?: string): Promise<ContextRow[]> {
  return (await orch.contexts()).filter((c) => c.state !== 'stem' && (fn === undefined || c.function === fn));
}

/** Containers of one orchestrator that serve functions (its stems left out). */
export async function servingContainersOf(orch: StartedOrchestrator): Promise<Docker.ContainerInfo[]> {
  const stems = new Set((await orch.contexts()).filter((c) => c.state === 'stem').map((c) => c.containerId));
  return (await containersOf(orch.instance.id)).filter((c) => !stems.has(c.Id));
}

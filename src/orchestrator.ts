import * as path from 'node:path';
import { systemClock } from './clock';
import { prepareCode } from './config/code/prepare';
import { loadConfigFile, loadConfigObject } from './config/load';
import type { FunctionConfig, RuntimeName } from './config/types';
import { dockerEndpoint, dockerFromEnv } from './engine/client';
import { resolveRuntimeApiAddress } from './engine/host-address';
import { newInstanceIdentity } from './engine/labels';
import { removeOrphanContexts } from './engine/orphans';
import { ensureRuntimeImage } from './images/images';
import { silentLogSink } from './logging/log-sink';
import { StartedOrchestrator } from './orchestrator/started';
import type { OrchestratorOptions } from './orchestrator/types';
import { buildParts, serve } from './orchestrator/wiring';

export { StartedOrchestrator } from './orchestrator/started';
export { OrchestratorStoppedError, StoppedOrchestrator } from './orchestrator/types';
export type { OrchestratorOptions, FunctionErrorBody, InvokeCallOptions, InvokeOutput } from './orchestrator/types';

/** Starts an orchestrator: validates the config, cleans up after crashed ones, builds images, serves. */
export async function startOrchestrator(opts: OrchestratorOptions): Promise<StartedOrchestrator> {
  const baseDir = opts.baseDir ?? process.cwd();
  const config =
    typeof opts.config === 'string'
      ? loadConfigFile(path.resolve(baseDir, opts.config), undefined, { parameterOverrides: opts.parameterOverrides })
      : loadConfigObject(opts.config, baseDir);
  const docker = opts.docker ?? dockerFromEnv();
  const progress = opts.onProgress ?? (() => undefined);
  const { settings } = config;
  for (const w of config.warnings) progress(`warning: ${w}`);

  const info = (await docker.info().catch((err: Error) => {
    throw new Error(`Docker engine unreachable at ${dockerEndpoint(docker)}: ${err.message}`);
  })) as { MemTotal: number; NCPU?: number; DockerRootDir?: string };
  const swept = await removeOrphanContexts(docker);
  if (swept.removed.length > 0) progress(`removed ${swept.removed.length} container(s) left by orchestrators that are gone`);

  const images = new Map<RuntimeName, string>();
  const prepare = async (fns: Iterable<FunctionConfig>) => {
    // Code sizes checked and zips extracted before anything is served (docs/functions-yaml.md).
    const list = [...fns];
    await prepareCode(list, { dockerRootDir: info.DockerRootDir });
    for (const runtime of new Set(list.map((f) => f.runtime))) {
      if (images.has(runtime)) continue;
      images.set(runtime, await ensureRuntimeImage(docker, runtime, { base: settings.baseImages[runtime], onProgress: progress }));
    }
  };
  await prepare(config.functions.values());
  const address = await resolveRuntimeApiAddress(docker, settings);
  if (address.warning) progress(`warning: ${address.warning}`);

  const instance = newInstanceIdentity();
  const parts = buildParts({
    config,
    docker,
    engine: { memTotal: info.MemTotal, cpus: info.NCPU ?? 1 },
    address,
    instance,
    imageFor: (fn) => images.get(fn.runtime)!,
    prepare,
    sink: opts.logSink ?? silentLogSink,
    clock: opts.clock ?? systemClock,
    progress,
  });
  const serving = await serve(parts, opts.host ?? '127.0.0.1', opts.port ?? 0);
  return new StartedOrchestrator(serving.api.url, instance, serving);
}

import type Docker from 'dockerode';
import type { FunctionConfig, Settings } from '../config/types';
import { contextContainerSpec, cpuNanos } from '../engine/context-spec';
import { contextLabels, type InstanceIdentity } from '../engine/labels';
import { cgroupReader } from '../engine/cgroup-reader';
import { mergeLayers } from '../images/layers';
import { asEngineError } from '../engine/engine-errors';
import type { RuntimeApiAddress } from '../engine/host-address';
import type { LogSink } from '../logging/log-sink';
import type { Clock } from '../clock';
import { ContextContainer } from './context-container';
import { PauseLatency } from './freeze-timing';
import { freezeTiming, initTimeoutMs } from './timings';
import { ExecutionContext, type ContextDeps } from './execution-context';
import { functionArn, lambdaEnvironment, type InitializationType } from './lambda-env';

export interface ContextFactoryDeps {
  docker: Docker;
  owner: InstanceIdentity;
  settings: Settings;
  address: RuntimeApiAddress;
  /** Image reference per runtime, ensured before serving. */
  imageFor(fn: FunctionConfig): string;
  sink: LogSink;
  clock: Clock;
  /** CPUs of the engine: the cap of a function's CPU quota. */
  engineCpus: number;
  /** What every context gets as AWS credentials (settings.credentials). */
  credentials(): Promise<Record<string, string>>;
}

export type ContextFactory = (fn: FunctionConfig, initType: InitializationType, stem: boolean) => ExecutionContext;

/** Makes execution contexts wired to the Docker engine (not yet started). */
export function dockerContextFactory(deps: ContextFactoryDeps): ContextFactory {
  const pauses = new PauseLatency(); // one engine, one pause latency
  return (fn, initType, stem) => new ExecutionContext(fn, initType, contextDeps(deps, pauses, fn, initType, stem), stem);
}

function contextDeps(
  deps: ContextFactoryDeps,
  pauses: PauseLatency,
  fn: FunctionConfig,
  initType: InitializationType,
  stem: boolean,
): ContextDeps {
  const { docker, settings } = deps;
  return {
    runtimeApiBind: deps.address.bind,
    checkPeer: deps.address.checkPeer,
    cpuNanos: cpuNanos(fn.memorySize, deps.engineCpus, settings.cpuLimit),
    sink: deps.sink,
    now: () => deps.clock.now(),
    functionArn: functionArn(fn, settings.region),
    initTimeoutMs: initTimeoutMs(settings),
    streamRate: settings.streamRate,
    freezeTiming: freezeTiming(settings, fn, pauses),
    thawAhead: settings.thawAhead,
    layers: () => mergeLayers(fn.layers),
    async startContainer(port, onOutput, layers) {
      const lambdaEnv = lambdaEnvironment(fn, {
        runtimeApi: `${deps.address.advertise}:${port}`,
        region: settings.region,
        initType,
        now: new Date(deps.clock.now()),
      });
      const spec = contextContainerSpec({
        fn,
        image: deps.imageFor(fn),
        labels: contextLabels(deps.owner, fn.name),
        // A stem's runtime waits to be claimed before it loads the function (and then drops the variable).
        lambdaEnv: stem ? { ...lambdaEnv, _ORCHESTRATOR_STEM: '1' } : lambdaEnv,
        network: settings.network,
        defaultEnv: await deps.credentials(),
        optDir: layers?.dir,
        launchExtensions: (layers?.extensions.length ?? 0) > 0,
      });
      const container = await ContextContainer.run(docker, spec, onOutput).catch((err: unknown) => {
        throw asEngineError(docker, err);
      });
      return { container, memory: cgroupReader(docker, container.id) };
    },
  };
}

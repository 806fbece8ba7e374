import type { CgroupReader } from '../../engine/cgroup-reader';
import type { MergedLayers } from '../../images/layers';
import type { LogSink } from '../../logging/log-sink';
import type { ContainerIo, ContextContainer } from '../context-container';
import type { FreezeTiming } from '../freeze-timing';

/** What an execution context needs from outside; built by the context factory. */
export interface ContextDeps {
  /** The function's layers merged for /opt, with the extensions they hold (none without layers). */
  layers(): Promise<MergedLayers | undefined>;
  /** Creates and starts the container whose runtime talks to the Runtime API on `port`. */
  startContainer(
    port: number,
    io: ContainerIo,
    layers: MergedLayers | undefined,
  ): Promise<{ container: ContextContainer; memory: CgroupReader }>;
  runtimeApiBind: string;
  /** Only the container's own address may use its Runtime API (where the engine shows it). */
  checkPeer: boolean;
  /** The function's CPU quota, applied once the init is over (the init runs at full speed). */
  cpuNanos: number;
  sink: LogSink;
  now(): number;
  functionArn: string;
  initTimeoutMs: number;
  /** How long a free context stays thawed before the pause (docs/execution-context.md allows 100 ms). */
  freezeTiming: FreezeTiming;
  /** settings.thawAhead: a frozen context's event may go in while it is being thawed. */
  thawAhead: boolean;
  /** Bytes/s of a streamed response past its first 6 MB (settings.streamRate). */
  streamRate: number;
  /**
   * Invocations the context runs at the same time (its slots); 1 when unset, as for every function
   * today (Lambda Managed Instances run several per context).
   */
  maxConcurrency?: number;
}

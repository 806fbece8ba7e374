import type Docker from 'dockerode';
import { runtimeFamily, type FunctionConfig } from '../config/types';
import { launcherCommand } from '../extensions/launcher';
import { SANDBOX_GID, SANDBOX_UID } from '../lambda-limits';

/** 1769 MB of memory buys one full vCPU on Lambda; CPU is allotted in proportion. */
export const MB_PER_VCPU = 1769;

export interface ContextSpecInput {
  fn: FunctionConfig;
  image: string;
  labels: Record<string, string>;
  /** Lambda's variables for this context (AWS_LAMBDA_RUNTIME_API and the rest): they win. */
  lambdaEnv: Record<string, string>;
  /** Defaults the function's own `environment` may override (the host's AWS credentials). */
  defaultEnv?: Record<string, string>;
  network: string | null;
  /** The function's layers merged in order (later ones win), mounted read-only at /opt. */
  optDir?: string;
  /** /opt/extensions has executables: a launcher starts them before the runtime, as Lambda does. */
  launchExtensions?: boolean;
}

/**
 * The runtime's command, by absolute path so that a function's PATH cannot break it. Node.js gets
 * V8's heap sized from the function's memory and the ESM hook that finds the bundled SDK in
 * NODE_PATH, as Lambda's Node.js does.
 */
export function runtimeCommand(fn: FunctionConfig): string[] {
  switch (runtimeFamily(fn.runtime)) {
    case 'nodejs':
      return [
        '/var/lang/bin/node',
        ...nodeHeapFlags(fn.memorySize),
        '--require',
        '/var/runtime/esm-node-path/register.cjs',
        '/var/runtime/index.js',
      ];
    case 'python':
      return [`/var/lang/bin/${fn.runtime}`, '/var/runtime/bootstrap.py'];
    case 'provided':
      return ['/var/task/bootstrap'];
  }
}

/**
 * The function's CPU quota in Docker's NanoCpus: in proportion to memory (1769 MB = 1 CPU), capped
 * at the engine's CPUs; 0 (unlimited) when the quota is off.
 */
export function cpuNanos(memoryMb: number, engineCpus: number, cpuLimit: boolean): number {
  if (!cpuLimit) return 0;
  return Math.round(Math.min(memoryMb / MB_PER_VCPU, Math.max(1, engineCpus)) * 1e9);
}

/**
 * V8's heap sized from the function's memory, as Lambda's Node.js bootstrap does (new space a
 * tenth, old space the rest); left alone, Node.js sizes it from the cgroup limit quite differently.
 */
export function nodeHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/** The container an execution context runs in (docs/execution-context.md), as Docker create options. */
export function contextContainerSpec(input: ContextSpecInput): Docker.ContainerCreateOptions {
  const { fn } = input;
  const memoryBytes = fn.memorySize * 1024 * 1024;
  const env = { ...input.defaultEnv, ...fn.environment, ...input.lambdaEnv };
  const command = env.AWS_LAMBDA_EXEC_WRAPPER ? [env.AWS_LAMBDA_EXEC_WRAPPER, ...runtimeCommand(fn)] : runtimeCommand(fn);
  return {
    Image: input.image,
    Labels: input.labels,
    User: `${SANDBOX_UID}:${SANDBOX_GID}`,
    WorkingDir: '/var/task',
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    // The image's own entrypoint, with the heap flags that depend on this function's memory.
    // AWS_LAMBDA_EXEC_WRAPPER, as Lambda honours it: the wrapper script is run with the runtime's command.
    Entrypoint: input.launchExtensions ? launcherCommand(command) : command,
    // Docker's /etc/hosts then maps sandbox.localdomain to the container's own address, where
    // extensions listen for the Telemetry API, as in Lambda.
    Hostname: 'sandbox',
    Domainname: 'localdomain',
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: {
      Memory: memoryBytes,
      MemorySwap: memoryBytes, // equal to Memory: no swap
      MemorySwappiness: 0,
      // No CPU quota yet: the init runs at full speed, as Lambda's does; the context sets the
      // function's quota (cpuNanos) once the runtime has finished its init.
      ReadonlyRootfs: true,
      // exec: Lambda runs binaries from /tmp (Docker's tmpfs default would be noexec).
      Tmpfs: { '/tmp': `rw,exec,nosuid,nodev,size=${fn.ephemeralStorageSize}m,mode=1777` },
      Mounts: [
        { Type: 'bind', Source: fn.codeDir, Target: '/var/task', ReadOnly: true },
        ...(input.optDir ? [{ Type: 'bind' as const, Source: input.optDir, Target: '/opt', ReadOnly: true }] : []),
      ],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: 1024,
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 1024 }],
      // docker-init as PID 1 reaps the zombies a function's children leave (the runtime is not PID 1).
      Init: true,
      NetworkMode: input.network ?? 'bridge',
      ExtraHosts: ['host.docker.internal:host-gateway'],
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

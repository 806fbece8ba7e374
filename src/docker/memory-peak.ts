import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type Docker from 'dockerode';

/** Reads a context's peak memory, in bytes, from its cgroup ("Max Memory Used"). */
export interface MemoryPeakReader {
  peakBytes(): Promise<number | undefined>;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Where the engine puts a container's cgroup, for the drivers and versions in use. */
function candidateFiles(containerId: string): string[] {
  return [
    `${CGROUP_ROOT}/memory/docker/${containerId}/memory.max_usage_in_bytes`, // v1, cgroupfs
    `${CGROUP_ROOT}/memory/system.slice/docker-${containerId}.scope/memory.max_usage_in_bytes`, // v1, systemd
    `${CGROUP_ROOT}/system.slice/docker-${containerId}.scope/memory.peak`, // v2, systemd
    `${CGROUP_ROOT}/docker/${containerId}/memory.peak`, // v2, cgroupfs
  ];
}

/**
 * Prefers the cgroup file on this host (a file read, no Docker call); an engine elsewhere
 * (tcp, Docker Desktop, Docker-in-Docker) falls back to the stats API.
 */
export function memoryPeakReader(docker: Docker, containerId: string): MemoryPeakReader {
  const file = candidateFiles(containerId).find((f) => existsSync(f));
  if (file) {
    return {
      async peakBytes() {
        try {
          return Number((await readFile(file, 'utf8')).trim());
        } catch {
          return undefined;
        }
      },
    };
  }
  const container = docker.getContainer(containerId);
  return {
    async peakBytes() {
      try {
        const stats = (await container.stats({ stream: false, 'one-shot': true } as { stream: false })) as {
          memory_stats?: { max_usage?: number; usage?: number };
        };
        return stats.memory_stats?.max_usage ?? stats.memory_stats?.usage;
      } catch {
        return undefined;
      }
    },
  };
}

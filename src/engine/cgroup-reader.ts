import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import type Docker from 'dockerode';

/** What a context's cgroup tells: its peak memory ("Max Memory Used") and the tasks it runs. */
export interface CgroupReader {
  peakBytes(): Promise<number | undefined>;
  /** Processes and threads in use (against the limit of 1024). */
  pids(): Promise<number | undefined>;
  /** Lets go of what it holds open (idempotent); reads afterwards give undefined. */
  close(): void;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Where the engine puts a container's cgroup file, for the drivers and versions in use (v1 then v2); undefined if not on this host. */
export function cgroupFile(containerId: string, v1Controller: string, v1File: string, v2File: string): string | undefined {
  return [
    `${CGROUP_ROOT}/${v1Controller}/docker/${containerId}/${v1File}`, // v1, cgroupfs
    `${CGROUP_ROOT}/${v1Controller}/system.slice/docker-${containerId}.scope/${v1File}`, // v1, systemd
    `${CGROUP_ROOT}/system.slice/docker-${containerId}.scope/${v2File}`, // v2, systemd
    `${CGROUP_ROOT}/docker/${containerId}/${v2File}`, // v2, cgroupfs
  ].find((f) => existsSync(f));
}

/**
 * A cgroup pseudo-file as a number. It never blocks, so a synchronous read is a few µs; one
 * descriptor is kept and re-read at offset 0 (the kernel regenerates the text), which saves an
 * open and a close per REPORT. Once the cgroup is gone its reads fail: undefined.
 */
function fileGauge(file: string): { read(): Promise<number | undefined>; close(): void } {
  let fd: number | undefined;
  let closed = false;
  const buf = Buffer.alloc(32); // a u64 in decimal and a newline
  return {
    async read() {
      if (closed) return undefined;
      try {
        fd ??= openSync(file, 'r');
        const n = readSync(fd, buf, 0, buf.length, 0);
        return Number(buf.toString('latin1', 0, n).trim());
      } catch {
        return undefined;
      }
    },
    close() {
      closed = true;
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/**
 * Prefers the cgroup file on this host (a file read, no Docker call); an engine elsewhere
 * (tcp, Docker Desktop, Docker-in-Docker) falls back to the stats API.
 */
export function cgroupReader(docker: Docker, containerId: string): CgroupReader {
  // (fs/promises would cost ~0.15 ms of CPU per REPORT: open, fstat, read, close, each a thread-pool trip.)
  const memoryFile = cgroupFile(containerId, 'memory', 'memory.max_usage_in_bytes', 'memory.peak');
  const pidsFile = cgroupFile(containerId, 'pids', 'pids.current', 'pids.current');
  if (memoryFile && pidsFile) {
    const [memory, pids] = [fileGauge(memoryFile), fileGauge(pidsFile)];
    return {
      peakBytes: () => memory.read(),
      pids: () => pids.read(),
      close() {
        memory.close();
        pids.close();
      },
    };
  }
  const container = docker.getContainer(containerId);
  let latest: number | undefined;
  let latestPids: number | undefined;
  let reading: Promise<number | undefined> | undefined;
  type Stats = { memory_stats?: { max_usage?: number; usage?: number }; pids_stats?: { current?: number } };
  const read = (): Promise<number | undefined> =>
    (reading ??= (container.stats({ stream: false, 'one-shot': true } as { stream: false }) as Promise<Stats>)
      .then(
        (stats) => {
          const bytes = stats.memory_stats?.max_usage ?? stats.memory_stats?.usage;
          if (bytes !== undefined) latest = Math.max(latest ?? 0, bytes);
          latestPids = stats.pids_stats?.current ?? latestPids;
          return latest;
        },
        () => latest,
      )
      .finally(() => {
        reading = undefined;
      }));
  void read(); // a first sample while the context initialises
  return {
    // The engine samples stats once a second, so a read can take that long when calls come close
    // together (measured: ~1 s each on Docker 20.10). A REPORT waits STATS_WAIT_MS at most, then
    // takes the latest sample; the read goes on and refreshes it for the next one.
    peakBytes() {
      return Promise.race([read(), new Promise<number | undefined>((r) => setTimeout(() => r(latest), STATS_WAIT_MS).unref())]);
    },
    async pids() {
      await this.peakBytes();
      return latestPids;
    },
    close() {},
  };
}

/** How long a stats API read may hold up a REPORT. */
const STATS_WAIT_MS = 150;

import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until the engine reports the container paused (then a little more, for our own bookkeeping). */
export async function waitPaused(docker: Docker, id: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = (await docker.getContainer(id).inspect()).State;
    if (st.Paused) break;
    if (!st.Running) throw new Error(`container ${id.slice(0, 12)} is not running (${st.Status})`);
    if (Date.now() > deadline) throw new Error(`container ${id.slice(0, 12)} was not paused within ${timeoutMs} ms`);
    await sleep(2);
  }
  await sleep(5);
}

/** Memory of a container from its cgroup (v1 or v2, cgroupfs or systemd driver), bytes; undefined if not found. */
export async function cgroupMemory(id: string): Promise<{ usage: number; rss: number; cache: number } | undefined> {
  const { readFile } = await import('node:fs/promises');
  const dirs = [
    `/sys/fs/cgroup/memory/docker/${id}`,
    `/sys/fs/cgroup/memory/system.slice/docker-${id}.scope`,
    `/sys/fs/cgroup/system.slice/docker-${id}.scope`,
    `/sys/fs/cgroup/docker/${id}`,
  ];
  for (const dir of dirs) {
    const v1 = await readFile(`${dir}/memory.usage_in_bytes`, 'utf8').catch(() => undefined);
    const v2 = v1 === undefined ? await readFile(`${dir}/memory.current`, 'utf8').catch(() => undefined) : undefined;
    if (v1 === undefined && v2 === undefined) continue;
    const stat = await readFile(`${dir}/memory.stat`, 'utf8').catch(() => '');
    const field = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? NaN);
    return {
      usage: Number((v1 ?? v2)!.trim()),
      rss: v1 !== undefined ? field('rss') : field('anon'),
      cache: v1 !== undefined ? field('cache') : field('file'),
    };
  }
  return undefined;
}

/** MemAvailable of the host, bytes. */
export async function memAvailable(): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(await readFile('/proc/meminfo', 'utf8'));
  return Number(m?.[1] ?? NaN) * 1024;
}

/** CPU time a container has used so far (its cgroup's cpuacct, v1; cpu.stat usage_usec, v2), ms; undefined if not found. */
export function cgroupCpuMs(id: string): number | undefined {
  for (const f of [`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, `/sys/fs/cgroup/cpu,cpuacct/docker/${id}/cpuacct.usage`, `/sys/fs/cgroup/cpuacct/system.slice/docker-${id}.scope/cpuacct.usage`]) {
    try {
      return Number(readFileSync(f, 'utf8').trim()) / 1e6;
    } catch {
      /* next */
    }
  }
  for (const d of [`/sys/fs/cgroup/system.slice/docker-${id}.scope`, `/sys/fs/cgroup/docker/${id}`]) {
    try {
      const m = /^usage_usec (\d+)$/m.exec(readFileSync(`${d}/cpu.stat`, 'utf8'));
      if (m) return Number(m[1]) / 1000;
    } catch {
      /* next */
    }
  }
  return undefined;
}

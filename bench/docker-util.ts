import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { cgroupFile } from '../src/engine/cgroup-reader';

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
  const file = cgroupFile(id, 'memory', 'memory.usage_in_bytes', 'memory.current');
  if (!file) return undefined;
  const v1 = file.endsWith('memory.usage_in_bytes');
  const usage = await readFile(file, 'utf8').catch(() => undefined);
  if (usage === undefined) return undefined;
  const stat = await readFile(path.join(path.dirname(file), 'memory.stat'), 'utf8').catch(() => '');
  const field = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? NaN);
  return { usage: Number(usage.trim()), rss: field(v1 ? 'rss' : 'anon'), cache: field(v1 ? 'cache' : 'file') };
}

/** MemAvailable of the host, bytes. */
export async function memAvailable(): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(await readFile('/proc/meminfo', 'utf8'));
  return Number(m?.[1] ?? NaN) * 1024;
}

/** CPU time a container has used so far (its cgroup's cpuacct, v1; cpu.stat usage_usec, v2), ms; undefined if not found. */
export function cgroupCpuMs(id: string): number | undefined {
  const file = cgroupFile(id, 'cpuacct', 'cpuacct.usage', 'cpu.stat');
  try {
    if (file?.endsWith('cpuacct.usage')) return Number(readFileSync(file, 'utf8').trim()) / 1e6;
    const m = file ? /^usage_usec (\d+)$/m.exec(readFileSync(file, 'utf8')) : null;
    return m ? Number(m[1]) / 1000 : undefined;
  } catch {
    return undefined; // gone meanwhile
  }
}

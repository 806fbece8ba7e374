import * as os from 'node:os';
import { readFileSync, existsSync } from 'node:fs';
import type Docker from 'dockerode';
import { BENCH_LABEL } from './baseline';

export interface Machine {
  nproc: number;
  memory: string;
  kernel: string;
  cpuModel: string;
  docker: string;
  cgroup: string;
  node: string;
  date: string;
}

export async function describeMachine(docker: Docker): Promise<Machine> {
  const v = (await docker.version()) as { Version: string; ApiVersion: string };
  const info = (await docker.info()) as { CgroupVersion?: string; CgroupDriver?: string; Driver?: string };
  return {
    nproc: os.availableParallelism(),
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    docker: `${v.Version} (API ${v.ApiVersion}), cgroup v${info.CgroupVersion ?? '?'} ${info.CgroupDriver ?? ''}, storage driver ${info.Driver ?? '?'}`,
    cgroup: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1',
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** How busy the machine is: load averages and the containers not made by this bench. */
export async function machineLoad(docker: Docker, ownInstances: readonly string[]): Promise<string> {
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
  const running = await docker.listContainers();
  const others = running.filter((c) => !c.Labels?.[BENCH_LABEL] && !ownInstances.includes(c.Labels?.['orchestrator.instance'] ?? ''));
  let procs = '';
  try {
    procs = `, ${readFileSync('/proc/loadavg', 'utf8').split(' ')[3]} runnable/total tasks`;
  } catch {
    /* not Linux */
  }
  return `load average ${load}${procs}; ${others.length} other running container(s)`;
}

/** Jiffies of all CPUs from /proc/stat: busy (not idle, not iowait) and total; undefined if not Linux. */
function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - f[3] - f[4], total };
  } catch {
    return undefined;
  }
}

/** user + system jiffies of a process (and its waited-for children), from /proc/<pid>/stat. */
function processJiffies(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return f[11] + f[12]; // utime, stime (fields 14 and 15)
  } catch {
    return 0;
  }
}

/**
 * Watches how loaded the machine is while a scenario runs: the 1-min load average (sampled once a
 * second, no Docker call), how busy the CPUs were over the scenario (/proc/stat) and how much of
 * that the bench and the orchestrator under test were, and the containers others start meanwhile
 * (the engine's event stream). The engine's own work for us (dockerd, containerd, the contexts)
 * counts as others'.
 */
export interface LoadSeen {
  text: string;
  maxLoad: number;
  /** Percent of all cores busy over the scenario, and the share of the bench and orchestrator processes (NaN if unknown). */
  busyPct: number;
  ownPct: number;
}

export function watchLoad(docker: Docker, ownInstances: readonly string[], orchestratorPid?: number): { stop(): Promise<LoadSeen> } {
  const startLoad = os.loadavg()[0];
  const cpuStart = cpuTimes();
  const ownStart = processJiffies(process.pid) + processJiffies(orchestratorPid);
  let maxLoad = startLoad;
  let othersStarted = 0;
  const timer = setInterval(() => (maxLoad = Math.max(maxLoad, os.loadavg()[0])), 1000);
  let events: NodeJS.ReadableStream | undefined;
  const subscribed = docker
    .getEvents({ filters: { type: ['container'], event: ['start'] } })
    .then((stream) => {
      events = stream;
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          try {
            const labels = (JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } }).Actor?.Attributes ?? {};
            if (!labels[BENCH_LABEL] && !ownInstances.includes(labels['orchestrator.instance'] ?? '')) othersStarted++;
          } catch {
            /* a partial line */
          }
        }
      });
      stream.on('error', () => undefined);
    })
    .catch(() => undefined);
  return {
    async stop() {
      clearInterval(timer);
      await subscribed;
      (events as unknown as { destroy?: () => void } | undefined)?.destroy?.();
      maxLoad = Math.max(maxLoad, os.loadavg()[0]);
      const cpuEnd = cpuTimes();
      let busy = '';
      let busyPct = NaN;
      let ownPct = NaN;
      if (cpuStart && cpuEnd && cpuEnd.total > cpuStart.total) {
        const total = cpuEnd.total - cpuStart.total;
        busyPct = (100 * (cpuEnd.busy - cpuStart.busy)) / total;
        ownPct = (100 * (processJiffies(process.pid) + processJiffies(orchestratorPid) - ownStart)) / total;
        busy = `; CPUs ${busyPct.toFixed(0)}% busy (all ${os.availableParallelism()} cores), of which ${ownPct.toFixed(0)}% the bench and orchestrator processes`;
      }
      const text = `1-min load ${startLoad.toFixed(2)} at the start, up to ${maxLoad.toFixed(2)}${busy}; ${othersStarted} container(s) of others started meanwhile`;
      return { text, maxLoad, busyPct, ownPct };
    },
  };
}

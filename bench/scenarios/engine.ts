/**
 * Scenario 0, the machine's floors: the engine's own `docker pause` and `docker unpause` (Engine
 * API, a raw container of the runtime image running a tiny Node.js server) and, where the engine
 * is local, the kernel freezer's own freeze and thaw of the same container's cgroup: the physical
 * limit under any freeze.
 */
import { cgroupCpuMs, sleep } from '../docker-util';
import { kernelFreezer } from '../kernel-freezer';
import { msSince, summarize } from '../stats';
import { scaled, type BenchContext, type ScenarioResult } from '../types';
import { piece, WARM_SETTINGS } from '../settings';

/** Pause/unpause pairs at the start that are not counted. */
const WARMUP = 3;

export async function engineFloors(ctx: BenchContext): Promise<ScenarioResult> {
  const n = scaled(ctx, 60, 15);
  const { server } = await ctx.baselines.startServer(WARM_SETTINGS.cpuLimit);
  try {
    const pause: number[] = [];
    const unpause: number[] = [];
    for (let i = 0; i < n + WARMUP; i++) {
      const t0 = process.hrtime.bigint();
      await server.pause();
      const p = msSince(t0);
      await sleep(10);
      const t1 = process.hrtime.bigint();
      await server.unpause();
      const u = msSince(t1);
      await server.roundTrip(); // the server answers again: it was really thawed
      if (i >= WARMUP) {
        pause.push(p);
        unpause.push(u);
      }
      await sleep(10);
    }
    // The CPU one plain HTTP round trip to the container costs the calling process (keep-alive,
    // back to back): what any exchange with a context over the engine's network costs here.
    for (let i = 0; i < 50; i++) await server.roundTrip();
    const rts = n * 10;
    const cpu0 = process.cpuUsage();
    const srv0 = cgroupCpuMs(server.container.id);
    for (let i = 0; i < rts; i++) await server.roundTrip();
    const cpu = process.cpuUsage(cpu0);
    const srvCpuMs = srv0 === undefined ? NaN : (cgroupCpuMs(server.container.id)! - srv0) / rts;
    const rtCpuMs = (cpu.user + cpu.system) / 1000 / rts;
    const kernel = kernelFreezer(server.container.id);
    const freeze: number[] = [];
    const thaw: number[] = [];
    if (kernel) {
      for (let i = 0; i < n; i++) {
        freeze.push(kernel.freeze());
        await sleep(10);
        thaw.push(kernel.thaw());
        await server.roundTrip();
        await sleep(10);
      }
    }
    const m = (a: number[]) => summarize(a).median;
    const rows = [
      piece('`docker pause` (Engine API, until it answers)', pause, 'bench process, dockerode'),
      piece('`docker unpause` (Engine API, until it answers)', unpause, 'bench process, dockerode'),
      kernel
        ? piece('kernel freezer: write FROZEN, poll until it reads FROZEN', freeze, kernel.path.replace(/[0-9a-f]{64}/, '<id>'))
        : ['kernel freezer: freeze', 'n/a', 'n/a', "the engine's cgroups are not reachable from here"],
      kernel
        ? piece('kernel freezer: write THAWED, poll until it reads THAWED', thaw, kernel.path.replace(/[0-9a-f]{64}/, '<id>'))
        : ['kernel freezer: thaw', 'n/a', 'n/a', ''],
      [
        'CPU of one plain HTTP round trip to the container, to the calling process (mean)',
        rtCpuMs.toFixed(3),
        '',
        `bench process, process.cpuUsage over ${rts} round trips`,
      ],
      [
        '… and to the container (its tiny Node.js server; mean)',
        Number.isFinite(srvCpuMs) ? srvCpuMs.toFixed(3) : 'n/a',
        '',
        "the container's cgroup (cpuacct)",
      ],
    ];
    return {
      comparisons: [],
      machine: rows,
      tables: [],
      notes: [
        `Machine floors: ${n} pauses and unpauses of a raw container (after ${WARMUP} not counted), then ${kernel ? n : 0} freezes and thaws of its cgroup by the kernel freezer directly; ` +
          'an HTTP round trip to the server in it after each thaw checks that it runs again.',
      ],
      facts: {
        'm.pause': m(pause),
        'm.unpause': m(unpause),
        'm.rtCpu': rtCpuMs,
        'm.srvCpu': srvCpuMs,
        ...(kernel ? { 'm.kfreeze': m(freeze), 'm.kthaw': m(thaw) } : {}),
      },
    };
  } finally {
    server.agent.destroy();
    await ctx.baselines.remove(server.container);
  }
}

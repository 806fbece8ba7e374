/**
 * "Where the time goes", written from this run's own figures (ScenarioResult.facts) and the bench's
 * named settings (bench/settings.ts): what the figures mean is stated once here, and every number
 * in the text comes from the run or from a named constant, so that the prose cannot drift from
 * the data. A paragraph whose figures the run did not measure is left out.
 */
import { FREEZE_RETRY_MS } from '../src/context/context-container';
import { MIN_GRACE_MS, PAUSED_WITHIN_MS } from '../src/context/freeze-timing';
import { DEFAULT_SETTINGS } from '../src/config/settings-table';
import type { ScenarioResult } from './types';
import { GRACE_POLICIES, PERIOD_MS } from './scenarios/warm-steady';
import { CLIENTS } from './scenarios/throughput';
import { CFS_PERIOD_MS, cpuShare, TARGETS, WARM_SETTINGS } from './settings';

const ok = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);
const ms = (n: number | undefined) => (ok(n) ? `${n.toFixed(2)} ms` : 'n/a');
const x = (n: number | undefined) => (ok(n) ? `${n.toFixed(2)}×` : 'n/a');
const int = (n: number | undefined) => (ok(n) ? n.toFixed(0) : 'n/a');
const signed = (n: number | undefined) => (ok(n) ? `${n >= 0 ? '+' : ''}${ms(n)}` : 'n/a');

export interface AnalysisMachine {
  /** Cores of the machine the run was on. */
  cpus: number;
}

export function analyse(results: ScenarioResult[], machine: AnalysisMachine): string[] {
  const f: Record<string, number> = Object.assign({}, ...results.map((r) => r.facts ?? {}));
  const has = (k: string) => ok(f[k]);
  const out: string[] = [];
  const cores = `${machine.cpus} core${machine.cpus === 1 ? '' : 's'}`;
  const share = cpuShare(WARM_SETTINGS);
  /** CPU time the quota grants per CFS period, and per second, ms. */
  const perPeriodMs = share * CFS_PERIOD_MS;
  const perSecondMs = share * 1000;
  const quota = `the ${share.toFixed(3)} CPU quota of ${WARM_SETTINGS.memorySize} MB`;
  const defaultGrace = DEFAULT_SETTINGS.freezeGrace;

  if (has('m.unpause')) {
    out.push(
      `**The engine against the kernel**: \`docker unpause\` takes ${ms(f['m.unpause'])} and \`docker pause\` ${ms(f['m.pause'])} through the Engine API, ` +
        (has('m.kthaw')
          ? `while the kernel's freezer thaws the same cgroup in ${ms(f['m.kthaw'])} and freezes it in ${ms(f['m.kfreeze'])}: the unpause takes ${x(f['m.unpause'] / f['m.kthaw'])} the kernel's thaw, the rest being dockerd → containerd → shim → runc, not the freeze itself. `
          : 'the kernel freezer was not reachable from here. ') +
        "Any policy that calls the engine on the client's path pays that; the freeze grace and stems keep it off the path, they do not make it faster.",
    );
  }

  const g = (grace: number, k: string) => f[`s1.g${grace}.${k}`];
  const measuredGraces = GRACE_POLICIES.filter((gr) => has(`s1.g${gr}.ours`));
  if (measuredGraces.length > 0) {
    const lines = measuredGraces.map(
      (gr) =>
        `freezeGrace ${gr}: ${ms(g(gr, 'ours'))} (${x(g(gr, 'ours') / g(gr, 'floor'))} of the floor; ${int(g(gr, 'thaws'))} thaws in ${int(g(gr, 'calls'))} calls; ` +
        `Paused ${int(g(gr, 'pausedMedian'))} ms after the last response, at most ${int(g(gr, 'pausedMax'))} ms)`,
    );
    // A policy that thawed no more than once per burst kept its context thawed between the calls of a burst.
    const bursts = f['s1.bursts'];
    const spanning = measuredGraces.filter((gr) => gr > 0 && ok(bursts) && g(gr, 'thaws') <= bursts);
    const rep = spanning.includes(defaultGrace) ? defaultGrace : spanning[0];
    let text = `**Warm under steady traffic** (one client, a call every ${PERIOD_MS} ms): ${lines.join('; ')}. `;
    if (rep !== undefined) {
      text +=
        `With freezeGrace ${spanning.join(', ')} the context thawed at most once per burst (${int(bursts)} bursts): the calls came before the grace ran out, so each cost what a call to a thawed context does: ` +
        `${ms(g(rep, 'hop'))} client ↔ Invoke API and ${ms(g(rep, 'deliver'))} for the Runtime API exchange with the runtime (freezeGrace ${rep}; a plain round trip to a running raw container at the same cadence: ${ms(f['s1.plain'])}). `;
    }
    if (has('s1.g0.thaws')) {
      text += `With freezeGrace 0, ${int(g(0, 'thaws'))} of ${int(g(0, 'calls'))} calls paid a thaw (and may wait for the previous call's pause to finish first). `;
    }
    text +=
      "The function's code is stopped between calls either way: the runtime blocks its JavaScript from the response on (docs/execution-context.md). " +
      'The price of a grace is the time to Paused once the traffic stops: the grace, then a `docker pause`' +
      (rep !== undefined ? ` (${ms(g(rep, 'pauseMs'))} here)` : '') +
      ', then the inspect that sees it (the figures are upper bounds: the first inspect that says Paused). ' +
      `The grace is adaptive (src/context/freeze-timing.ts): freezeGrace is its most; it is shortened by the slowest of the engine's recent pauses, with headroom, so that the context is Paused within ${PAUSED_WITHIN_MS} ms of its response, but never below ${MIN_GRACE_MS} ms.`;
    out.push(text);
  }

  if (has('s2.ours')) {
    const extra = f['s2.ours'] - f['s2.floor'];
    out.push(
      `**Warm after idling**: ours ${ms(f['s2.ours'])} against a floor of ${ms(f['s2.floor'])} (${x(f['s2.ours'] / f['s2.floor'])}, ${signed(extra)}; the target, ${TARGETS.idleOfFloor}× the floor, allows ${signed((TARGETS.idleOfFloor - 1) * f['s2.floor'])}). ` +
        `The unpause takes ${ms(f['s2.unpause'])} in ours and ${ms(f['s2.floorUnpause'])} in the floor. The floor waits for Docker's answer, then makes its round trip (${ms(f['s2.floorRt'])}). ` +
        `Ours writes the event into the frozen runtime's held GET /next as the unpause starts: the kernel keeps it in the socket, the runtime reads it the moment runc thaws its cgroup, and its result comes ${ms(f['s2.deliver'])} after the event was written, possibly before dockerd has answered the unpause; the client gets it then (${ms(f['s2.hop'])} client ↔ Invoke API, ${ms(f['s2.ourCode'])} of Invoker.invoke around the delivery). ` +
        `${int(f['s2.thawed'])} of the timed calls thawed the context. The runtime's work competes with the rest of the unpause for the machine's ${cores}. ` +
        "Written that early, the event cannot run before the thaw (the kernel does not schedule a frozen task), the timeout starts once Docker has answered, and the REPORT's Duration is the runtime's own measure (it leaves the thaw out).",
    );
  }

  for (const key of ['on', 'off']) {
    const k = `s3.${key}`;
    if (!has(`${k}.ours`)) continue;
    const ours = f[`${k}.ours`];
    const raw = f[`${k}.raw`];
    const over = ours - raw;
    const firstEvent =
      `The first event is the first work under the quota: ${quota} grants ${perPeriodMs.toFixed(1)} ms of CPU per ${CFS_PERIOD_MS} ms CFS period; ` +
      `a first invocation that needs more CPU than that (its invoke path runs for the first time) finishes in a later period, up to ${CFS_PERIOD_MS} ms later.`;
    out.push(
      key === 'on'
        ? `**Cold start, stems on** (the default, stemContexts ${DEFAULT_SETTINGS.stemContexts}): ours ${ms(ours)} against a raw start of ${ms(raw)} (${x(ours / raw)}, ${signed(over)}). ` +
            `The container and Node.js boot happened before the call (the stem); on the call: the stem's thaw ${ms(f[`${k}.thaw`])} (a \`docker unpause\`), the init (loading the function) ${ms(f[`${k}.init`])} Init Duration, ` +
            `the CPU quota once the init is over ${ms(f[`${k}.limitCpu`])} (written to the cgroup; the \`docker update\` that keeps Docker's record follows off the path), then the first event ${ms(f[`${k}.deliver`])}. The one engine call left on this path is the stem's unpause. ` +
            firstEvent
        : `**Cold start, stems off** (stemContexts 0): ours ${ms(ours)} against a raw start of ${ms(raw)} (${signed(over)}; the target allows +${TARGETS.coldOverRawMs} ms). ` +
            `create + attach + start ${ms(f[`${k}.run`])}; Init Duration (from right before the start call to the runtime's first GET /next: the engine's start, Node.js boot, the runtime, the handler's module) ${ms(f[`${k}.init`])}, ` +
            `against ${ms(f[`${k}.rawStartToReady`])} for the raw container's start call plus its tiny server's boot (${signed(f[`${k}.init`] - f[`${k}.rawStartToReady`])}: the runtime, with its ESM NODE_PATH hook and the worker thread that holds GET /next, against a bare HTTP server); ` +
            `then the quota ${ms(f[`${k}.limitCpu`])} (a cgroup write) and the first event under the quota ${ms(f[`${k}.deliver`])}. ` +
            firstEvent,
    );
  }

  const top = Math.max(...CLIENTS);
  const one = Math.min(...CLIENTS);
  if (has(`s4.new.${top}.rate`)) {
    const rate = (mode: string, c: number) => f[`s4.${mode}.${c}.rate`];
    let text =
      `**Throughput**: ${top} clients get ${int(rate('new', top))}/s with the freeze policies at their defaults and ${int(rate('off', top))}/s with them off (${x(rate('new', top) / rate('off', top))}; the target is ${TARGETS.throughputGain}×); ` +
      `${one} client ${int(rate('new', one))}/s against ${int(rate('off', one))}/s (${x(rate('new', one) / rate('off', one))}). ` +
      `With the policies off every call is a pause and an unpause through dockerd (${int(f[`s4.off.${top}.freezes`])} pauses in ${int(f[`s4.off.${top}.calls`])} calls), so the engine sets the rate; with them on, calls back to back do not wait for the engine (${int(f[`s4.new.${top}.freezes`])} pauses in ${int(f[`s4.new.${top}.calls`])} calls), ` +
      `and the machine's ${cores} (shared by the clients, the orchestrator, the runtimes under their quota, and any other work on the machine) set it.`;
    const ctxCpu = f[`s4.new.${one}.ctxCpu`];
    if (ok(ctxCpu)) {
      text +=
        ` A thawed context uses ${ms(ctxCpu)} of CPU per no-op invocation (its cgroup's cpuacct, ${one} client)` +
        (has('m.srvCpu') ? `, against ${ms(f['m.srvCpu'])} for the raw container's tiny server per round trip (scenario 0)` : '') +
        `: under ${quota} (${perSecondMs.toFixed(0)} ms of CPU per second) one context serves at most ~${int(perSecondMs / ctxCpu)} invocations per second, against ${int(rate('new', one))}/s measured for ${one} client.`;
    }
    out.push(text);
  }

  if (has(`s1.g${defaultGrace}.cpuPer`) || has(`s4.new.${top}.cpuMsPerInvocation`)) {
    const steady = f[`s1.g${defaultGrace}.cpuPer`];
    let text =
      `**Orchestrator CPU**: ${ms(steady)} per warm invocation under steady traffic (one client, freezeGrace ${defaultGrace}, the default; the target is ${TARGETS.orchestratorCpuMs} ms), ${ms(f[`s4.new.${top}.cpuMsPerInvocation`])} with ${top} clients back to back, ` +
      `${ms(f['s2.cpuPer'])} per invocation after idling (a thaw and a freeze through the Engine API each time), ${ms(f[`s4.off.${top}.cpuMsPerInvocation`])} with the policies off (${top} clients). `;
    if (has('s1.echoCpu')) {
      text +=
        `The floor, measured in the same run: a trivial HTTP server in the orchestrator's process (it reads the body and answers \`{}\`, nothing else) spends ${ms(f['s1.echoCpu'])} per request at the same cadence, ` +
        "and a warm invocation is three such exchanges: the Invoke API's (loopback), the event written to the runtime's held GET /next, and its result read and answered (both over the engine's bridge). " +
        `So ${ms(steady)} is ${x(steady / f['s1.echoCpu'])} one trivial request` +
        (f['s1.echoCpu'] > TARGETS.orchestratorCpuMs
          ? `, and the ${TARGETS.orchestratorCpuMs} ms target is below what even one costs on this machine. `
          : '. ');
    }
    if (has('m.rtCpu')) {
      text += `One plain HTTP round trip over the engine's bridge costs the calling process ${ms(f['m.rtCpu'])} of CPU here (scenario 0); two of the three exchanges of a warm invocation are such round trips.`;
    }
    out.push(text);
  }

  if (has('s5.n')) {
    const wanted = TARGETS.densityContexts;
    out.push(
      `**Density**: with ${int(f['s5.n'])} contexts frozen the orchestrator's RSS is ${int(f['s5.orchRssMb'])} MB (the target: below ${TARGETS.orchestratorRssMb} MB with ${wanted}); a frozen context of the no-op function holds ${f['s5.usageMb'].toFixed(1)} MB in its cgroup (${f['s5.rssMb'].toFixed(1)} MB anonymous), ${f['s5.freeMb'].toFixed(1)} MB of host MemAvailable; ` +
        `${int(f['s5.answered'])} concurrent invocations were answered in ${(f['s5.upMs'] / 1000).toFixed(1)} s (concurrent cold starts on ${cores}, through one dockerd); the ${int(f['s5.n'])} contexts then live went in ${(f['s5.stopMs'] / 1000).toFixed(1)} s.` +
        (f['s5.n'] < f['s5.answered']
          ? ` Fewer contexts than answered invocations were left: some were gone by the time the bench looked, with ${int(f['s5.failures'])} engine calls of the orchestrator failing meanwhile; the RSS target needs ${wanted} live and frozen, so it is not shown as met.`
          : ''),
    );
  }

  if (has('s6.api')) {
    out.push(
      `**Against one container per invocation**: the warm call after idling (${ms(f['s6.warm'])}) is ${x(f['s6.api'] / f['s6.warm'])} faster than \`docker run --rm\` through the API (${ms(f['s6.api'])}) ` +
        `and ${x(f['s6.cli'] / f['s6.warm'])} faster than the docker CLI (${ms(f['s6.cli'])}); the target is ${TARGETS.dockerRunSpeedup}×. Both sides are engine calls (an unpause against a create + start), so the ratio is the engine's, and moves with the machine's load.`,
    );
  }

  if (has('s3.on.ours') || has(`s1.g${defaultGrace}.ours`)) {
    const ctxCpu = f[`s4.new.${one}.ctxCpu`];
    out.push(
      '**What in src limits these numbers most**: (1) the engine calls left on a path. After a response the context is paused only once the grace has run out and `docker pause` has answered (Freezer.freeze: the grace starts when the runtime asks for its next event), ' +
        `so the time to Paused is the grace plus an engine call (${ms(g(defaultGrace, 'pauseMs'))} at freezeGrace ${defaultGrace}); a stem's cold start makes one engine call before the first event, the stem's \`docker unpause\` (${ms(f['s3.on.thaw'])}; the quota is a cgroup write, ${ms(f['s3.on.limitCpu'])}); ` +
        `(2) the runtime's CPU per invocation (${ms(ctxCpu)} per no-op, its cgroup) under ${quota}, which caps one context at ~${ok(ctxCpu) ? int(perSecondMs / ctxCpu) : 'n/a'} calls per second and makes back-to-back calls wait for the next CFS period; ` +
        '(3) the orchestrator\'s own CPU, mostly the socket writes of the Runtime API exchange over the bridge; the rest of Invoker.invoke is in the "where the time goes" tables.' +
        (f['s5.failures'] > 0
          ? ` (4) Under the density scenario's load the engine's pause failed ${int(f['s5.failures'])} times; each is retried ${FREEZE_RETRY_MS.length} times (after ${FREEZE_RETRY_MS.join(', ')} ms; ContextContainer.pause) before the orchestrator gives the context up (the Freezer's onFreezeFailed ends it), so a warm context is lost to an engine that keeps refusing for ${FREEZE_RETRY_MS.reduce((a, b) => a + b, 0)} ms.`
          : ''),
    );
  }
  return out;
}

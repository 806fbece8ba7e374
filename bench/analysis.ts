/**
 * "Where the time goes", written from this run's own figures (ScenarioResult.facts). What the
 * figures mean is stated once here; the numbers come from the run.
 */
import type { ScenarioResult } from './types';
import { GRACE_POLICIES } from './scenarios/warm-steady';

const ms = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'n/a' : `${n.toFixed(2)} ms`);
const x = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'n/a' : `${n.toFixed(2)}×`);

export function analyse(results: ScenarioResult[]): string[] {
  const f: Record<string, number> = Object.assign({}, ...results.map((r) => r.facts ?? {}));
  const has = (k: string) => f[k] !== undefined && Number.isFinite(f[k]);
  const out: string[] = [];

  if (has('m.unpause')) {
    out.push(
      `**The engine against the kernel**: \`docker unpause\` takes ${ms(f['m.unpause'])} and \`docker pause\` ${ms(f['m.pause'])} through the Engine API, ` +
        (has('m.kthaw')
          ? `while the kernel's freezer thaws the same cgroup in ${ms(f['m.kthaw'])} and freezes it in ${ms(f['m.kfreeze'])}: the unpause takes ${(f['m.unpause'] / f['m.kthaw']).toFixed(0)}× the kernel's thaw, the rest being dockerd → containerd → shim → runc, not the freeze itself. `
          : 'the kernel freezer was not reachable from here. ') +
        'Any policy that calls the engine on the client\'s path pays that; the policies below keep it off the path (grace, stems) but do not make it faster.',
    );
  }
  const g = (grace: number, k: string) => f[`s1.g${grace}.${k}`];
  if (has('s1.g50.ours')) {
    const lines = GRACE_POLICIES
      .filter((gr) => has(`s1.g${gr}.ours`))
      .map((gr) => `freezeGrace ${gr}: ${ms(g(gr, 'ours'))} (${x(g(gr, 'ours') / g(gr, 'floor'))} of the floor; ${g(gr, 'thaws')} thaws in ${g(gr, 'calls')} calls; Paused ${g(gr, 'pausedMedian').toFixed(0)} ms after the last response, at most ${g(gr, 'pausedMax').toFixed(0)} ms)`);
    out.push(
      `**Warm under steady traffic (goal 1)**: ${lines.join('; ')}. A call every 20 ms comes before a 50 or 100 ms grace ends, so the context is never paused between calls and the call costs what a thawed one does: ` +
        `${ms(g(50, 'hop'))} client ↔ Invoke API and ${ms(g(50, 'deliver'))} for the Runtime API exchange with the runtime (a plain round trip to a running raw container at the same cadence: ${ms(f['s1.plain'])}). ` +
        `With freezeGrace 0 nearly every call pays a thaw, and often waits for the previous call's pause to finish first, so it sits at or above the floor. The function's code is stopped meanwhile all the same: the runtime blocks its JavaScript from the response on (Atomics.wait in the runtime; the freeze tests show it). ` +
        `The price is the time to Paused once the traffic stops: the grace, then a \`docker pause\` (${ms(g(50, 'pauseMs'))} here), then the inspect that sees it (the figures are upper bounds: the first inspect that says Paused; under load an inspect itself takes tens of ms). ` +
        'The grace is adaptive (src/context/freeze-timing.ts): freezeGrace is its most, and it is shortened by the slowest of the engine\'s last 8 pauses so that grace + 1.5 × that pause + 10 ms stays within 100 ms, but not below 10 ms; so 50 and 100 behave alike here (both capped by the pauses), and 25 (the default) still spans a 20 ms cadence' +
        `${has('s1.g25.ours') ? ` (${ms(g(25, 'ours'))}, ${g(25, 'thaws')} thaws in ${g(25, 'calls')} calls${has('s1.g25.pausedMax') ? `; Paused at most ${g(25, 'pausedMax').toFixed(0)} ms after` : ''})` : ''}.`,
    );
  }
  if (has('s2.ours')) {
    const extra = f['s2.ours'] - f['s2.floor'];
    out.push(
      `**Warm after idling (goal 2)**: ours ${ms(f['s2.ours'])} against a floor of ${ms(f['s2.floor'])} (${x(f['s2.ours'] / f['s2.floor'])}, ${extra >= 0 ? '+' : ''}${ms(extra)}; 1.15× allows +${ms(0.15 * f['s2.floor'])}). ` +
        `The unpause is most of both (${ms(f['s2.unpause'])} in ours, ${ms(f['s2.floorUnpause'])} in the floor). The floor waits for Docker's answer, then makes its round trip (${ms(f['s2.floorRt'])}). ` +
        `Ours writes the event into the frozen runtime's held GET /next as the unpause starts: the kernel keeps it in the socket, the runtime reads it the moment runc thaws its cgroup, and its result (${ms(f['s2.deliver'])} after the event was written) usually arrives before dockerd has answered the unpause; the client gets it then (${ms(f['s2.hop'])} client ↔ Invoke API, ${ms(f['s2.ourCode'])} of Invoker.invoke around the delivery). ` +
        "So ours is the engine's own thaw (runc's, before containerd and dockerd report it) plus our hops; the runtime's work in the context competes with the rest of the unpause for the 2 cores, which is why ours is not lower still. " +
        'Written that early, the event cannot run before the thaw (the kernel does not schedule a frozen task), the timeout starts once Docker has answered, and the REPORT\'s Duration is the runtime\'s own measure (it leaves the thaw out).',
    );
  }
  for (const key of ['on', 'off']) {
    const k = `s3.${key}`;
    if (!has(`${k}.ours`)) continue;
    out.push(
      key === 'on'
        ? `**Cold start, stems on (issue 9, goal 3)**: ours ${ms(f[`${k}.ours`])} against a raw start of ${ms(f[`${k}.raw`])} (${x(f[`${k}.ours`] / f[`${k}.raw`])}). ` +
            `The container and Node.js boot happened before the call (the stem); on the call: the stem's thaw ${ms(f[`${k}.thaw`])} (a \`docker unpause\`), the init (loading the function) ${ms(f[`${k}.init`])} Init Duration, ` +
            `the CPU quota once the init is over ${ms(f[`${k}.limitCpu`])} (written to the cgroup; the \`docker update\` that keeps Docker's record follows off the path), then the first event ${ms(f[`${k}.deliver`])}. One engine call is left on this path, the stem's unpause. ` +
            `The first event is the first work under the quota: at 0.072 CPU a 100 ms CFS period allows 7.2 ms of CPU. The runtime collects the init's young garbage before the quota applies, so that a no-op's first invocation fits in that; one that does not (its invoke path and its worker's POST run for the first time, V8's compiler threads may still be busy after the init) finishes in the next period, up to 100 ms later.`
        : `**Cold start, stems off (issue 9)**: ours ${ms(f[`${k}.ours`])} against a raw start of ${ms(f[`${k}.raw`])} (+${ms(f[`${k}.ours`] - f[`${k}.raw`])}). ` +
            `create + attach + start ${ms(f[`${k}.run`])}; Init Duration (from right before the start call to the runtime's first GET /next: the engine's start, Node.js boot, the runtime, the handler's module) ${ms(f[`${k}.init`])}, ` +
            `against ${ms(f[`${k}.rawStartToReady`])} for the raw container's start call plus its tiny server's boot (${ms(f[`${k}.init`] - f[`${k}.rawStartToReady`])} more: the runtime, with its ESM NODE_PATH hook and the worker thread that holds GET /next, boots heavier than a bare HTTP server); ` +
            `then the quota ${ms(f[`${k}.limitCpu`])} (a cgroup write) and the first event under the quota ${ms(f[`${k}.deliver`])}. Without a stem, +50 ms over a raw start leaves no room for the heavier boot and the attach call; with one, both the container's start and the runtime's boot are off the path.`,
    );
  }
  if (has('s4.new.16.rate')) {
    out.push(
      `**Throughput (goal 4)**: 16 clients get ${f['s4.new.16.rate'].toFixed(0)}/s with the new policies and ${f['s4.off.16.rate'].toFixed(0)}/s without (${x(f['s4.new.16.rate'] / f['s4.off.16.rate'])}); one client ${f['s4.new.1.rate'].toFixed(0)}/s against ${f['s4.off.1.rate'].toFixed(0)}/s (${x(f['s4.new.1.rate'] / f['s4.off.1.rate'])}). ` +
        `Without the grace every call is a pause and an unpause through dockerd (${f['s4.off.16.freezes']} pauses in ${f['s4.off.16.calls']} calls), so the engine sets the rate; with it, calls back to back never wait for the engine (${f['s4.new.16.freezes']} pauses in ${f['s4.new.16.calls']} calls), ` +
        'and the 2 cores (shared by 16 clients, the orchestrator, 16 runtimes under their 0.072 CPU quota, and everyone else on the machine) set it. How far apart the two are depends on how much of the machine is left once the engine is out of the way.' +
        (has('s4.new.1.ctxCpu')
          ? ` A thawed context uses ${ms(f['s4.new.1.ctxCpu'])} of CPU per no-op invocation (its cgroup's cpuacct, one client), against ${ms(f['m.srvCpu'])} for the raw container's tiny server per round trip (scenario 0): ` +
            `under the 0.072 CPU quota (72 ms of CPU per second) one context then serves at most ~${(72 / f['s4.new.1.ctxCpu']).toFixed(0)} invocations per second, which is what one client gets here: the runtime's own CPU per invocation, throttled by the Lambda-like quota, sets the single-context rate.`
          : ''),
    );
  }
  if (has('s1.g50.cpuPer') || has('s4.new.16.cpuMsPerInvocation')) {
    out.push(
      `**Orchestrator CPU (goal 5)**: ${ms(f['s1.g50.cpuPer'])} per warm invocation under steady traffic (one client, freezeGrace 50: no engine calls), ${ms(f['s4.new.16.cpuMsPerInvocation'])} with 16 clients back to back, ` +
        `${ms(f['s2.cpuPer'])} per invocation after idling (a thaw and a freeze through the Engine API each time), ${ms(f['s4.off.16.cpuMsPerInvocation'])} with the policies off (16 clients). ` +
        (has('s1.echoCpu')
          ? `The floor, measured in the same run: a trivial HTTP server in the orchestrator's process (it reads the body and answers \`{}\`, nothing else) spends ${ms(f['s1.echoCpu'])} per request at the same cadence, ` +
            `and a warm invocation is three such exchanges: the Invoke API's (loopback), the event written to the runtime's held GET /next, and its result read and answered 202 (both over the engine's bridge). ` +
            `So ${ms(f['s1.g25.cpuPer'])} at the default grace is ${x(f['s1.g25.cpuPer'] / f['s1.echoCpu'])} one trivial request, and the 0.3 ms goal is below what even one costs on this machine. `
          : '') +
        'Where it goes (perf and a V8 CPU profile of the orchestrator under this traffic, taken while writing this bench): a third in the kernel, most of it waking the peer of each socket write and going idle between calls ' +
        '(this VM makes each wakeup a hypervisor exit: `pvm_irq_enable` alone was a quarter of the samples), the rest in Node.js\'s HTTP machinery (parser, streams, promises); our own code is a few percent (the REPORT\'s cgroup read and the trace id, now a held descriptor and a pooled random buffer).',
    );
  }
  if (has('s5.n')) {
    out.push(
      `**Density (goal 5)**: with ${f['s5.n']} contexts frozen the orchestrator's RSS is ${f['s5.orchRssMb'].toFixed(0)} MB; a frozen context of the no-op function holds ${f['s5.usageMb'].toFixed(1)} MB in its cgroup (${f['s5.rssMb'].toFixed(1)} MB anonymous), ${f['s5.freeMb'].toFixed(1)} MB of host MemAvailable; ` +
        `${f['s5.answered']} concurrent invocations were answered in ${(f['s5.upMs'] / 1000).toFixed(1)} s (concurrent cold starts on 2 cores, through one dockerd); the ${f['s5.n']} contexts then live went in ${(f['s5.stopMs'] / 1000).toFixed(1)} s.` +
        (f['s5.n'] < f['s5.answered']
          ? ` Fewer contexts than answered invocations were left (a stem counts as one): ${f['s5.answered'] - f['s5.n'] + 1} or so were gone by the time the bench looked, with ${f['s5.failures']} engine calls of the orchestrator failing meanwhile; the RSS target needs 50 live and frozen, so it is not shown as met.`
          : ''),
    );
  }
  if (has('s6.api')) {
    out.push(
      `**Against one container per invocation (issue 5)**: the warm call after idling (${ms(f['s6.warm'])}) is ${(f['s6.api'] / f['s6.warm']).toFixed(0)}× faster than \`docker run --rm\` through the API (${ms(f['s6.api'])}) ` +
        `and ${(f['s6.cli'] / f['s6.warm']).toFixed(0)}× faster than the docker CLI (${ms(f['s6.cli'])}); both sides are engine calls (an unpause against a create + start), so the ratio is the engine's, and moves with the machine's load.`,
    );
  }
  if (has('s3.on.ours') || has('s1.g50.ours')) {
    out.push(
      '**What in src limits these numbers most**: (1) the engine calls left on a path. After a response the context is paused only once the grace has run out and `docker pause` has answered (Freezer.freeze: the grace starts when the runtime asks for its next event), ' +
        `so the time to Paused is the grace plus an engine call (${ms(f['s1.g50.pauseMs'])} here); a stem's cold start makes one engine call before the first event, the stem's \`docker unpause\` (${ms(f['s3.on.thaw'])}; the quota is a cgroup write, ${ms(f['s3.on.limitCpu'])}); ` +
        `(2) the runtime's CPU per invocation (${ms(f['s4.new.1.ctxCpu'])} per no-op, its cgroup) under the 0.072 CPU quota, which caps one context at ~${Number.isFinite(72 / f['s4.new.1.ctxCpu']) ? (72 / f['s4.new.1.ctxCpu']).toFixed(0) : 'n/a'} calls per second and makes back-to-back calls wait for the next CFS period; ` +
        '(3) the orchestrator\'s own CPU, mostly the socket writes of the Runtime API exchange over the bridge. Our JavaScript between those (Invoker.invoke without the engine and the runtime) is well under a millisecond in every table.' +
        (f['s5.failures'] > 0
          ? ` (4) Under this load the engine's pause failed ${f['s5.failures']} times while 50 contexts came up ("OCI runtime pause failed: unable to freeze"); each was retried three times (after 20, 100 and 400 ms; ContextContainer.pause) before the orchestrator gave the context up (the Freezer's onFreezeFailed ends it), so a warm context was lost to an engine that kept refusing for half a second.`
          : ''),
    );
  }
  return out;
}

import { runtimeFamily } from '../../config/types';
import { platformEvents } from '../../extensions/telemetry-events';
import { LATEST_VERSION } from '../../lambda-limits';
import { ContextLost, type InvocationRequest, type InvocationResult } from '../invocation';
import { reportInvocation } from '../invocation-report';
import { outcomePayload, type InvocationOutcome } from '../outcome';
import type { ThawOutcome } from '../freezer';
import { relayStream, streamRate } from '../relay-stream';
import { traceHeader } from '../trace-id';
import { marksEnd } from './init';
import type { ContextParts } from './parts';
import type { Sandbox } from './phase';

/** How a warm context was thawed for an invocation; `ahead`: its event goes in while the unpause is under way. */
type Thaw = { done: Promise<ThawOutcome>; ahead: boolean };

/** What the runtime made of one invocation, and the extensions' INVOKE round of it (none without extensions). */
interface Run {
  outcome: InvocationOutcome;
  extensionsRound: Promise<void> | undefined;
}

/** The invocation's slot in the context, as its run sees it. */
export interface Slot {
  /** The cold start's invocation: the context was initialised for it, not thawed. */
  cold: boolean;
  /** The END/REPORT of the invocation before: this START comes after them. */
  reports: ReportOrder;
  /** The runtime has answered: counted (ps's invocations, the pool's most recently used). */
  answered(): void;
  /** The invocation is over for the context (the extensions asked for their next event too): the slot is free. */
  release(): void;
}

/** Invocations' END/REPORT lines in the order they ended, each before the next invocation's START. */
export class ReportOrder {
  private last: Promise<void> = Promise.resolve();

  wait(): Promise<void> {
    return this.last;
  }

  after(report: Promise<void>): void {
    this.last = report.catch(() => undefined);
  }
}

/**
 * Runs one invocation on a context that serves: thawed (a warm one), its event delivered, its answer
 * raced against the timeout and the container's end, then END and REPORT once the extensions are
 * done with it. The caller has its answer as soon as the runtime gives it (with the log tail, after REPORT).
 */
export async function runInvocation(parts: ContextParts, req: InvocationRequest, slot: Slot): Promise<InvocationResult> {
  const { fn, deps, output, lines, init } = parts;
  const { cold } = slot;
  const thaw = cold ? undefined : await thawForWork(parts, mayThawAhead(parts, req));
  const sandbox = parts.live();
  await slot.reports.wait(); // the previous invocation's END/REPORT come before this START
  const current = output.begin(req.requestId, lines.start(req.requestId));
  sandbox.extensions.emit(() => platformEvents.start(Date.now(), { requestId: req.requestId, version: LATEST_VERSION }));
  const startedAt = deps.now();
  const startedHr = process.hrtime.bigint();
  // An event written ahead of the thaw: the function's time (and its timeout) starts once the unpause is done.
  const functionStartHr = thaw?.ahead
    ? thaw.done.then(
        () => process.hrtime.bigint(),
        () => startedHr,
      )
    : startedHr;
  const { outcome, extensionsRound } = await runOnRuntime(parts, sandbox, req, startedAt, thaw);
  // Lambda's Duration is the handler's time: the runtime's own clock when it tells (ours for Node.js
  // does), which leaves out the hops and the thaw; else ours, from the function's start (awaited only
  // here: a timeout is armed once the thaw is done, so a timed-out call never waits for it).
  const durationMs =
    (outcome.kind === 'response' || outcome.kind === 'error') && outcome.runtimeMs !== undefined
      ? outcome.runtimeMs
      : Number(process.hrtime.bigint() - (await functionStartHr)) / 1e6;
  sandbox.extensions.emit(() =>
    platformEvents.runtimeDone(Date.now(), {
      requestId: req.requestId,
      status: telemetryStatus(outcome),
      durationMs: Math.round(durationMs * 100) / 100,
    }),
  );
  slot.answered();

  const ended = outcome.kind === 'timeout' || outcome.kind === 'exit';
  // The caller has its answer now; the slot is free (and reported) once the extensions have
  // asked for their next event too: that time counts in the REPORT, under the function's timeout.
  const work = ended ? undefined : extensionsRound;
  const afterExtensions = work ? extensionsDone(parts, work, startedAt + fn.timeout * 1000, startedHr) : Promise.resolve(0);
  const finalize = afterExtensions.then((extensionsMs) => {
    slot.release();
    return reportInvocation({
      output,
      lines,
      current,
      outcome,
      durationMs: Math.max(durationMs, extensionsMs),
      memorySizeMb: fn.memorySize,
      runtimeMarksEnd: marksEnd(fn),
      initDurationMs: cold ? init.durationMs : undefined,
      maxMemoryUsedMb: () => parts.maxMemoryUsedMb(),
      telemetry: sandbox.extensions,
    });
  });
  slot.reports.after(finalize);
  if (req.tail || ended) await finalize;
  const { payload, errorType } = outcomePayload(outcome, req.requestId, fn.timeout);
  return {
    requestId: req.requestId,
    payload,
    errorType,
    logTail: req.tail ? current.log.tailBase64() : undefined,
    coldStart: cold,
    durationMs,
    initDurationMs: cold ? init.durationMs : undefined,
    contextId: parts.id,
  };
}

/**
 * Our Node.js runtime says how long it held an event (RUNTIME_DURATION_HEADER), so its event may
 * go in ahead of the thaw (settings.thawAhead); with a stream or extensions, the orchestrator's
 * clock and their own events stay as they are.
 */
function mayThawAhead(parts: ContextParts, req: InvocationRequest): boolean {
  const { deps, fn } = parts;
  return deps.thawAhead && runtimeFamily(fn.runtime) === 'nodejs' && req.responseSink === undefined && !parts.live().extensions.any;
}

/**
 * A claimed warm context: unpaused, and its runtime waiting in /next. With `early`, a runtime
 * already waiting gets its event while the unpause is still under way (returned, not awaited):
 * the kernel keeps the event in the frozen runtime's socket, and the runtime reads it the moment
 * its cgroup thaws, some ms before Docker answers the unpause. Nothing of it runs before the thaw,
 * and its answer is the caller's as soon as it comes (see runOnRuntime).
 */
async function thawForWork(parts: ContextParts, early: boolean): Promise<Thaw> {
  const { output, id } = parts;
  output.beginThaw();
  try {
    const { freezer, session } = parts.live();
    const thawed = freezer.thaw().catch((err: unknown) => {
      void parts.destroy();
      throw new ContextLost(`unpause of context ${id} failed: ${(err as Error).message}`, { cause: err });
    });
    if (early && session.waiting > 0) {
      thawed.catch(() => undefined); // awaited by runOnRuntime, after the event is written
      return { done: thawed, ahead: true };
    }
    await thawed;
    // It answered its last invocation but may not have asked for the next one yet. A runtime
    // that exits instead never got this invocation, which is then safe to rerun elsewhere.
    const taken = await session.takesWork(parts.exit, parts.fn.timeout * 1000);
    if (taken === 'gone') throw new ContextLost(`context ${id} exited before it took the invocation`);
    parts.live();
    return { done: thawed, ahead: false };
  } catch (err) {
    output.abortThaw();
    throw err;
  }
}

/**
 * The event to the runtime (and INVOKE to the extensions, with the same trace id), then the race of
 * its answer against the timeout and the container's end. `thaw`: how the context was thawed for
 * this call; with `ahead`, still under way (the function's time starts after it).
 */
function runOnRuntime(parts: ContextParts, sandbox: Sandbox, req: InvocationRequest, startedAt: number, thaw?: Thaw): Promise<Run> {
  const { deps, fn, id } = parts;
  const { session } = sandbox;
  const thawing = thaw?.ahead ? thaw.done : undefined;
  const timeoutMs = fn.timeout * 1000;
  let timer: NodeJS.Timeout | undefined;
  let over = false;
  const timedOut = new Promise<{ kind: 'timeout' }>((resolve) => {
    const arm = () => {
      if (!over) timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
    };
    if (thawing) thawing.then(arm, () => undefined);
    else arm();
  });
  const exited = parts.exit.then((exit) => ({ kind: 'exit' as const, exit }));
  const deadlineMs = startedAt + timeoutMs;
  const traceId = traceHeader(startedAt);
  const extensionsRound = sandbox.extensions.invoke({
    requestId: req.requestId,
    deadlineMs,
    invokedFunctionArn: deps.functionArn,
    traceId,
  });
  const delivered = session.deliver(
    {
      requestId: req.requestId,
      payload: req.payload,
      deadlineMs,
      functionArn: deps.functionArn,
      traceId,
      clientContext: req.clientContext,
    },
    req.responseSink !== undefined,
  );
  // A failed unpause ends the wait: the runtime will never thaw to answer (nor be stopped, with the engine away).
  const thawFailed = thawing?.then(() => new Promise<never>(() => undefined));
  return Promise.race([delivered, timedOut, exited, ...(thawFailed ? [thawFailed] : [])]).then(
    async (first) => {
      let outcome: InvocationOutcome;
      if (first.kind === 'streaming') {
        // Relayed as the function writes it; the timeout and the container's end still apply.
        const relay = relayStream(first, req.responseSink!, streamRate(deps.streamRate));
        outcome = await Promise.race([relay.done, timedOut, exited]);
        if (outcome.kind === 'timeout' || outcome.kind === 'exit') relay.cut(outcome);
      } else {
        outcome = first;
      }
      over = true;
      clearTimeout(timer);
      if (thaw && outcome.kind === 'exit') {
        // Gone while being thawed (killed while frozen): the unpause fails, and the event never ran.
        const how = await thaw.done.catch((err: unknown) => {
          session.abandon(req.requestId);
          throw err;
        });
        // Or the killer resumed it first (docker kill, stop and rm -f do, to deliver their signal):
        // it died of that signal on waking, before reading the event. Rerun elsewhere, as above.
        if (how === 'resumed-elsewhere' && outcome.exit.statusCode > 128 && !outcome.exit.oomKilled) {
          session.abandon(req.requestId);
          void parts.destroy('failure');
          throw new ContextLost(`context ${id} was killed while frozen (exit ${outcome.exit.statusCode})`);
        }
      }
      if (outcome.kind === 'timeout' || outcome.kind === 'exit') {
        session.abandon(req.requestId);
        void parts.destroy(outcome.kind === 'timeout' ? 'timeout' : 'failure');
      }
      // Not waiting for Docker's answer to the unpause: the runtime has answered, so it was thawed
      // (Docker lags the kernel by some ms, and shows Paused meanwhile). The freezer orders the
      // next pause after it; an unpause that fails now ends the context, the answer stands.
      return { outcome, extensionsRound };
    },
    (err: unknown) => {
      over = true;
      session.abandon(req.requestId);
      throw err;
    },
  );
}

/**
 * Waits for the extensions' INVOKE round until the invocation's deadline; returns the time since
 * `startedHr`. An extension that fails or overruns ends the context.
 */
async function extensionsDone(parts: ContextParts, work: Promise<void>, deadlineMs: number, startedHr: bigint): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const over = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(0, deadlineMs - parts.deps.now()))));
  const ended = await Promise.race([
    work.then(
      () => 'ok' as const,
      () => 'failure' as const,
    ),
    over,
  ]);
  clearTimeout(timer);
  if (ended !== 'ok') void parts.destroy(ended);
  return Number(process.hrtime.bigint() - startedHr) / 1e6;
}

/** The Telemetry API's status of an invocation's outcome. */
function telemetryStatus(outcome: InvocationOutcome): 'success' | 'error' | 'timeout' | 'failure' {
  switch (outcome.kind) {
    case 'response':
      return 'success';
    case 'timeout':
      return 'timeout';
    case 'exit':
      return 'failure';
    default:
      return 'error';
  }
}

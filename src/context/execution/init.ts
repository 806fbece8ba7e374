import { runtimeFamily, type FunctionConfig } from '../../config/types';
import { FunctionError, RuntimeExitError } from '../../errors';
import { platformEvents } from '../../extensions/telemetry-events';
import type { InvocationRequest, InvocationResult } from '../invocation';
import { reportInvocation, sleep } from '../invocation-report';
import type { InitializationType } from '../lambda-env';
import { errorPayload, exitDetail, InitExited } from '../outcome';
import type { ContextParts } from './parts';
import type { Sandbox } from './phase';

/** How long a runtime that reported its failed init may take to exit before it is removed. */
const INIT_EXIT_WAIT_MS = 2000;
/** After an exit, for the last lines still in the output stream. */
const OUTPUT_SETTLE_MS = 20;

/**
 * The runtime's first /next: the function's CPU quota applies from here, and the init ends once
 * every registered extension has asked for its next event too. True when the context may serve
 * (the caller moves it on, then `announceInit`); false when the init was over already or failed.
 */
export async function completeInit(parts: ContextParts): Promise<boolean> {
  const { init, deps } = parts;
  if (!init.finish()) return false;
  parts.output.endInit();
  let sandbox: Sandbox;
  try {
    sandbox = parts.live();
    if (deps.cpuNanos > 0) await sandbox.container.limitCpu(deps.cpuNanos);
  } catch (err) {
    failInit(parts, new FunctionError('Runtime.Unknown', `could not apply the CPU quota: ${(err as Error).message}`));
    return false;
  }
  try {
    // The init ends when the runtime and every registered extension have asked for their next event.
    await Promise.race([sandbox.extensions.initDone(), init.ready]);
  } catch (err) {
    failInit(parts, err instanceof FunctionError ? err : new FunctionError('Extension.InitError', String(err)));
    return false;
  }
  return true;
}

/** The init succeeded: the Telemetry API hears it, and `initialized()` resolves. */
export function announceInit(parts: ContextParts, sandbox: Sandbox, initializationType: InitializationType): void {
  const { extensions } = sandbox;
  extensions.emit(() => platformEvents.initRuntimeDone(Date.now(), { initializationType, phase: 'init', status: 'success' }));
  extensions.emit(() =>
    platformEvents.initReport(Date.now(), { initializationType, phase: 'init', status: 'success', durationMs: parts.init.durationMs ?? 0 }),
  );
  parts.init.succeed();
}

/** A claimed stem, as its release sees it. */
export interface ClaimedStem {
  /** Its runtime has booted and waits to be claimed. */
  booted: Promise<void>;
  /** Its boot: the runtime may wait to be claimed before the engine has answered the start call. */
  boot: Promise<void> | undefined;
  /** Moves the stem on to its init and gives its sandbox; undefined while it has none, or when it is no claimed stem any more. */
  toInit(): Sandbox | undefined;
}

/**
 * A claimed stem: its init begins now (a boot still under way counts in it); once the runtime
 * waits to be claimed it is thawed and told to load the function. Failures end the init, which
 * the caller reports as any cold start's.
 */
export async function releaseStem(parts: ContextParts, stem: ClaimedStem): Promise<void> {
  const { init } = parts;
  init.begin();
  try {
    await Promise.race([stem.booted, init.ready]);
  } catch {
    return; // the init failed (the runtime exited, the init timed out): init.ready says how
  }
  let sandbox = stem.toInit();
  if (!sandbox) {
    await stem.boot?.catch(() => undefined);
    sandbox = stem.toInit();
  }
  if (sandbox) await releaseClaim(parts, sandbox);
}

/** A claimed stem's runtime is thawed and told to load the function. */
async function releaseClaim(parts: ContextParts, sandbox: Sandbox): Promise<void> {
  const { freezer, session } = sandbox;
  const { thawAhead } = parts.deps;
  const thawed = freezer.thaw();
  // With thawAhead the claim's answer goes into the frozen runtime's socket as the unpause starts
  // (as a warm call's event does): it loads the function the moment the kernel thaws it.
  if (thawAhead) session.releaseClaim();
  try {
    await thawed;
  } catch (err) {
    return failInit(parts, new FunctionError('Runtime.Unknown', `could not thaw the stem: ${(err as Error).message}`));
  }
  if (!thawAhead) session.releaseClaim();
}

/** Ends the init with `err`; `untilExit` lets a runtime that is exiting anyway finish its output. */
export function failInit(parts: ContextParts, err: FunctionError | InitExited, opts: { untilExit?: boolean } = {}): void {
  parts.init.fail(err);
  if (!opts.untilExit) return void parts.destroy('failure');
  void Promise.race([parts.exit, sleep(INIT_EXIT_WAIT_MS)]).then(() => parts.destroy('failure'));
}

/** What the cold invocation of a context whose init failed gets: Lambda's INIT_REPORT, then its own START..REPORT. */
export async function initFailureResult(parts: ContextParts, req: InvocationRequest, err: unknown): Promise<InvocationResult> {
  const { init, output, lines, fn } = parts;
  const fe =
    err instanceof InitExited
      ? new RuntimeExitError(req.requestId, exitDetail(err.exit))
      : err instanceof FunctionError
        ? err
        : new FunctionError('Runtime.Unknown', String(err));
  // The init's last lines (its error, as the runtime logged it) come before its exit.
  await Promise.race([parts.exit, sleep(INIT_EXIT_WAIT_MS)]);
  await sleep(OUTPUT_SETTLE_MS);
  // Lambda's line for a failed init, then the invocation's own START..REPORT.
  const status = fe.errorType === 'Sandbox.Timedout' ? 'timeout' : 'error';
  output.initLine(initReportLine(init.durationMs ?? 0, status, status === 'error' ? fe.errorType : undefined));
  const current = output.begin(req.requestId, lines.start(req.requestId));
  await reportInvocation({
    output,
    lines,
    current,
    outcome: { kind: 'exit', exit: { statusCode: 1, oomKilled: false } },
    durationMs: init.durationMs ?? 0,
    memorySizeMb: fn.memorySize,
    runtimeMarksEnd: marksEnd(fn),
    initDurationMs: undefined,
    maxMemoryUsedMb: () => parts.maxMemoryUsedMb(),
  });
  return {
    requestId: req.requestId,
    ...errorPayload(fe),
    logTail: req.tail ? current.log.tailBase64() : undefined,
    coldStart: true,
    durationMs: 0,
    initDurationMs: init.durationMs,
    contextId: parts.id,
  };
}

/** INIT_REPORT, as Lambda prints it for an init that failed or timed out. */
function initReportLine(durationMs: number, status: 'error' | 'timeout', errorType?: string): string {
  return `INIT_REPORT Init Duration: ${durationMs.toFixed(2)} ms\tPhase: init\tStatus: ${status}${errorType ? `\tError Type: ${errorType}` : ''}`;
}

/** Our Node.js and Python runtimes mark the end of an invocation's output; `provided` ones may not. */
export function marksEnd(fn: FunctionConfig): boolean {
  return runtimeFamily(fn.runtime) !== 'provided';
}

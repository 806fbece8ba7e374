import { runtimeFamily, type FunctionConfig } from '../../config/types';
import type { ShutdownReason } from '../../extensions/types';
import { sleep } from '../invocation-report';
import type { ContextParts } from './parts';
import type { Sandbox } from './phase';

/** After a Shutdown phase, for the extensions' last lines (they come through a pipe and docker attach). */
const SHUTDOWN_OUTPUT_MS = 100;

export interface Ending {
  /** What the context had when destroy() began (none while it booted). */
  sandbox: Sandbox | undefined;
  reason: ShutdownReason;
  /** The container stopped by itself (read as it goes: it may stop meanwhile). */
  exited(): boolean;
  /** The boot, if one began: it removes what it makes once it sees the context gone. */
  boot: Promise<void> | undefined;
}

/**
 * The end of a context, once the pool has let it go: Lambda's Shutdown phase first when extensions
 * are registered, then the container is removed and the Runtime API closed.
 */
export async function shutDown(parts: ContextParts, e: Ending): Promise<void> {
  const { sandbox } = e;
  const graceful = sandbox !== undefined && !e.exited() && (await shutdownPhase(parts.fn, sandbox, e.reason));
  // Without a Shutdown phase the runtime's last words while we remove it are noise; after one,
  // what the runtime and the extensions said is theirs (their last lines may still be on the way).
  if (graceful) await sleep(SHUTDOWN_OUTPUT_MS);
  else if (!e.exited()) parts.output.silence();
  sandbox?.extensions.close();
  // A boot under way removes its container itself once it sees the context gone: wait for it.
  await e.boot?.catch(() => undefined);
  if (!sandbox) return;
  // The container goes first: a runtime that loses its Runtime API would log a spurious error.
  try {
    await sandbox.container.remove();
  } finally {
    sandbox.memory.close();
    await sandbox.session.close();
  }
}

/**
 * Lambda's Shutdown phase, with extensions registered (0 ms without): thawed, SHUTDOWN with the
 * reason to the extensions, SIGTERM to the runtime (docker-init passes it on), then its budget.
 */
async function shutdownPhase(fn: FunctionConfig, sandbox: Sandbox, reason: ShutdownReason): Promise<boolean> {
  const { extensions, freezer, session, container } = sandbox;
  const limitMs = extensions.shutdownLimitMs();
  if (limitMs === 0) return false;
  try {
    await freezer.thaw();
    // Node.js waits for events with its main thread blocked: release it, so its SIGTERM handler can run.
    if (runtimeFamily(fn.runtime) === 'nodejs') session.releaseForShutdown();
    await container.signal('SIGTERM');
  } catch {
    return false; // gone already, or cannot be thawed: nothing left to shut down gracefully
  }
  await extensions.shutdown(reason, limitMs);
  return true;
}

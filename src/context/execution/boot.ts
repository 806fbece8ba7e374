import { lineSplitter } from '../../logging/line-splitter';
import { ContextExtensions } from '../context-extensions';
import { deferred } from '../deferred';
import { Freezer } from '../freezer';
import { RuntimeSession, type SessionEvents } from '../runtime-session';
import type { ContextParts } from './parts';
import type { Sandbox } from './phase';

export interface BootHooks {
  events: SessionEvents;
  /** The container starts now: where a function's init begins (a stem's waits for its claim). */
  onStart(): void;
  /** The container exists (its id, for ps), before anything else happens to it. */
  onContainer(id: string): void;
  /** A pause that failed: the container cannot be frozen, so it must not be reused. */
  onFreezeFailed(): void;
  /** The container could not be started: the context is lost (told before the cleanup). */
  onStartFailed(): void;
  /** Read after every await: a context that ended meanwhile gets nothing. */
  gone(): boolean;
  /** Hands the booted sandbox over, in the step that made it; false if the context no longer takes it. */
  adopt(sandbox: Sandbox): boolean;
}

/**
 * A context's boot: its extensions, its Runtime API session, then its container. Whatever it made
 * is closed or removed again when the context ended while it was being made (destroy() waits for
 * the boot, so no container is left being created); a failed start rejects after the same cleanup.
 */
export async function boot(parts: ContextParts, hooks: BootHooks): Promise<void> {
  const { fn, deps, output } = parts;
  const peer = deferred<string>();
  const layers = await deps.layers();
  const extensions = new ContextExtensions(fn, layers?.extensions ?? []);
  const format = fn.loggingConfig.logFormat;
  output.tap = (kind, line) => (kind === 'function' ? extensions.functionLine(line, format) : extensions.extensionLine(line, format));
  let session: RuntimeSession;
  try {
    session = await RuntimeSession.open(
      {
        bind: deps.runtimeApiBind,
        peer: deps.checkPeer ? peer.promise : undefined,
        extensions: extensions.api,
        maxConcurrency: parts.maxConcurrency,
      },
      hooks.events,
    );
  } catch (err) {
    extensions.close();
    throw err;
  }
  const giveUp = async () => {
    extensions.close();
    await session.close();
  };
  if (hooks.gone()) return giveUp();
  let started: Awaited<ReturnType<typeof deps.startContainer>>;
  try {
    started = await deps.startContainer(
      session.port,
      {
        stdout: lineSplitter((l) => output.onLine(l)),
        stderr: lineSplitter((l) => output.onLine(l)),
        onStart: hooks.onStart,
        onAddress: (address) => {
          peer.resolve(address);
          extensions.telemetry.setSandboxAddress(address); // sandbox.localdomain in subscriptions
        },
      },
      layers,
    );
  } catch (err) {
    hooks.onStartFailed();
    await giveUp();
    throw err;
  }
  const { container, memory } = started;
  hooks.onContainer(container.id);
  const freezer = new Freezer(container, deps.freezeTiming, hooks.onFreezeFailed);
  if (hooks.adopt({ session, container, memory, freezer, extensions })) return;
  // Destroyed while it was created. The container goes first: a runtime that loses its Runtime API would log a spurious error.
  try {
    await container.remove();
  } finally {
    memory.close();
    await giveUp();
  }
}

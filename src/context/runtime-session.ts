import { RuntimeApiServer, type RuntimeApiOptions } from '../runtime-api/server';
import type { RuntimeInvocation, RuntimeOutcome, StreamedOutcome } from '../runtime-api/types';
import { deferred, type Deferred } from './deferred';

export interface SessionEvents {
  /** The runtime asked for work: its init is over, or its last invocation is answered. */
  onNext(): void;
  onInitError(errorType: string, body: Buffer): void;
  /** A stem's runtime has booted and waits to be claimed (GET /orchestrator/claim). */
  onClaimWait(): void;
}

/**
 * The conversation with one context's runtime over its own Runtime API server: whether the runtime
 * waits in GET /next (the moment it may be frozen), and the hand-over of invocations.
 */
export class RuntimeSession {
  /** The runtime sits in GET /next. */
  waiting = false;
  /** A stem's runtime sits in GET /orchestrator/claim. */
  parked = false;
  private asked: Deferred<void> | undefined;

  private constructor(private readonly api: RuntimeApiServer) {}

  /** `peer`: the container's address, where the engine lets the source of a request tell contexts apart. */
  static async open(bind: string, events: SessionEvents, peer?: Promise<string>, extensions?: RuntimeApiOptions['extensions']): Promise<RuntimeSession> {
    let session: RuntimeSession | undefined;
    const api = await RuntimeApiServer.start(
      bind,
      {
        onNext: () => {
          session!.waiting = true;
          session!.asked?.resolve();
          events.onNext();
        },
        onInitError: (type, body) => events.onInitError(type, body),
        onClaimWait: () => {
          session!.parked = true;
          events.onClaimWait();
        },
      },
      { extensions, ...(peer ? { allowPeer: async (address: string) => sameAddress(address, await peer) } : {}) },
    );
    session = new RuntimeSession(api);
    return session;
  }

  get port(): number {
    return this.api.port;
  }

  /**
   * Resolves once the runtime asks for work ('asked'), or with 'gone' if `gone` settles first (the
   * runtime exited after answering), or 'slow' after `patienceMs` (left to the invocation's timeout).
   */
  async takesWork(gone: Promise<unknown>, patienceMs: number): Promise<'asked' | 'gone' | 'slow'> {
    if (this.waiting) return 'asked';
    this.asked = deferred<void>();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.asked.promise.then(() => 'asked' as const),
        gone.then(() => 'gone' as const),
        new Promise<'slow'>((resolve) => {
          timer = setTimeout(() => resolve('slow'), patienceMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.asked = undefined;
    }
  }

  /** Lets a stem's runtime go on to load the function (now, or as soon as it asks). */
  releaseClaim(): void {
    this.parked = false;
    this.api.releaseClaim();
  }

  /** With `streaming`, a streamed response is handed over as soon as it starts. */
  deliver(invocation: RuntimeInvocation, streaming = false): Promise<RuntimeOutcome | StreamedOutcome> {
    this.waiting = false;
    return streaming ? this.api.deliver(invocation, { streaming: true }) : this.api.deliver(invocation);
  }

  /** The Shutdown phase: the runtime's wait for an event ends with none (see RuntimeApiServer). */
  releaseForShutdown(): void {
    this.api.releaseForShutdown();
  }

  /** Forgets the invocation in flight (it timed out, or the context died). */
  abandon(): void {
    this.api.abandon();
  }

  close(): Promise<void> {
    this.waiting = false;
    return this.api.close();
  }
}

/** Node reports IPv4 peers of a dual-stack socket as `::ffff:a.b.c.d`. */
function sameAddress(a: string, b: string): boolean {
  const plain = (x: string) => (x.startsWith('::ffff:') ? x.slice(7) : x);
  return plain(a) === plain(b);
}

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

/** Where a session's Runtime API listens, and who may use it. */
export interface SessionOptions {
  bind: string;
  /** The container's address, where the engine lets the source of a request tell contexts apart. */
  peer?: Promise<string>;
  extensions?: RuntimeApiOptions['extensions'];
  /** Invocations in flight at once: as many GET /next may be held (1 for every function today). */
  maxConcurrency: number;
}

/**
 * The conversation with one context's runtime over its own Runtime API server: how many of its
 * GET /next wait (the runtime may be frozen once every slot's does), and the hand-over of
 * invocations, each answered by its own request id.
 */
export class RuntimeSession {
  /** GET /next requests the runtime holds that no invocation was handed to yet (at most maxConcurrency). */
  waiting = 0;
  /** A stem's runtime sits in GET /orchestrator/claim. */
  parked = false;
  /** takesWork() calls waiting for the runtime to ask. */
  private readonly asked = new Set<Deferred<void>>();

  private constructor(
    private readonly api: RuntimeApiServer,
    private readonly maxConcurrency: number,
  ) {}

  static async open(opts: SessionOptions, events: SessionEvents): Promise<RuntimeSession> {
    const { peer } = opts;

    let session: RuntimeSession | undefined;
    const api = await RuntimeApiServer.start(
      opts.bind,
      {
        onNext: () => {
          const s = session!;
          s.waiting = Math.min(s.waiting + 1, s.maxConcurrency);
          for (const d of s.asked) d.resolve();
          events.onNext();
        },
        onInitError: (type, body) => events.onInitError(type, body),
        onClaimWait: () => {
          session!.parked = true;
          events.onClaimWait();
        },
      },
      {
        extensions: opts.extensions,
        maxConcurrency: opts.maxConcurrency,
        ...(peer ? { allowPeer: async (address: string) => sameAddress(address, await peer) } : {}),
      },
    );
    session = new RuntimeSession(api, opts.maxConcurrency);
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
    if (this.waiting > 0) return 'asked';
    const asked = deferred<void>();
    this.asked.add(asked);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        asked.promise.then(() => 'asked' as const),
        gone.then(() => 'gone' as const),
        new Promise<'slow'>((resolve) => {
          timer = setTimeout(() => resolve('slow'), patienceMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.asked.delete(asked);
    }
  }

  /** Lets a stem's runtime go on to load the function (now, or as soon as it asks). */
  releaseClaim(): void {
    this.parked = false;
    this.api.releaseClaim();
  }

  /** With `streaming`, a streamed response is handed over as soon as it starts. */
  deliver(invocation: RuntimeInvocation, streaming = false): Promise<RuntimeOutcome | StreamedOutcome> {
    this.waiting = Math.max(0, this.waiting - 1);
    return streaming ? this.api.deliver(invocation, { streaming: true }) : this.api.deliver(invocation);
  }

  /** The Shutdown phase: the runtime's wait for an event ends with none (see RuntimeApiServer). */
  releaseForShutdown(): void {
    this.api.releaseForShutdown();
  }

  /** Forgets the invocation `requestId` (it timed out, or the context died). */
  abandon(requestId: string): void {
    this.api.abandon(requestId);
  }

  close(): Promise<void> {
    this.waiting = 0;
    return this.api.close();
  }
}

/** Node reports IPv4 peers of a dual-stack socket as `::ffff:a.b.c.d`. */
function sameAddress(a: string, b: string): boolean {
  const plain = (x: string) => (x.startsWith('::ffff:') ? x.slice(7) : x);
  return plain(a) === plain(b);
}

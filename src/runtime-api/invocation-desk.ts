import type http from 'node:http';
import type { RuntimeInvocation, RuntimeOutcome, StreamedOutcome } from './types';

/** One invocation handed to the Runtime API, until its result is in (or it is abandoned). */
export interface Pending {
  invocation: RuntimeInvocation;
  resolve: (outcome: RuntimeOutcome | StreamedOutcome) => void;
  /** The caller takes a streamed response as a stream (else it gets it buffered, as a plain Invoke). */
  streaming: boolean;
  sent: boolean;
  /** A POST of its result is being read: one body at a time, the others are refused. */
  receiving: boolean;
}

/**
 * Which invocation goes to which GET /next, and which result answers which invocation. A runtime
 * holds up to `maxWaiting` GET /next at once (one per invocation the context runs at the same
 * time; 1 for every function today, see docs/execution-context.md): each takes the oldest
 * invocation not sent yet, and each result is routed by its own request id. A /next past that
 * count replaces the oldest held one, which is forgotten, as a second /next of a one-at-a-time
 * runtime always was.
 */
export class InvocationDesk {
  /** Held GET /next requests, oldest first. */
  private readonly waiting: http.ServerResponse[] = [];
  /** Delivered, with no GET /next to take them yet: the next to come gets the oldest. */
  private readonly unsent: Pending[] = [];
  /** Every delivered invocation not answered nor abandoned, by request id. */
  private readonly byId = new Map<string, Pending>();
  /** Streamed responses in progress, by request id: abandon() cuts them. */
  private readonly streams = new Map<string, () => void>();

  constructor(private readonly maxWaiting: number) {}

  /** Registers `p`; returns the held GET /next it goes to now (else it waits for one). */
  deliver(p: Pending): http.ServerResponse | undefined {
    this.byId.set(p.invocation.requestId, p);
    const res = this.waiting.shift();
    if (!res) this.unsent.push(p);
    return res;
  }

  /** A GET /next came: the invocation it takes now, or undefined when it is held (until one comes). */
  arrived(res: http.ServerResponse): Pending | undefined {
    const p = this.unsent.shift();
    if (p) return p;
    res.on('close', () => {
      const i = this.waiting.indexOf(res);
      if (i >= 0) this.waiting.splice(i, 1);
    });
    this.waiting.push(res);
    if (this.waiting.length > this.maxWaiting) this.waiting.shift();
    return undefined;
  }

  /** The invocation `requestId` names, if it was sent and is still waited for. */
  sent(requestId: string): Pending | undefined {
    const p = this.byId.get(requestId);
    return p?.sent ? p : undefined;
  }

  /** Whether `p` is still waited for (neither answered nor abandoned meanwhile). */
  has(p: Pending): boolean {
    return this.byId.get(p.invocation.requestId) === p;
  }

  /** Its result is in: it leaves the desk. */
  answered(p: Pending): void {
    if (this.has(p)) this.byId.delete(p.invocation.requestId);
  }

  /** A streamed response of `requestId` in progress, cut by `cut` if its invocation is abandoned. */
  streaming(requestId: string, cut: () => void): void {
    this.streams.set(requestId, cut);
  }

  streamEnded(requestId: string, cut: () => void): void {
    if (this.streams.get(requestId) === cut) this.streams.delete(requestId);
  }

  /** Forgets `requestId` (every invocation without it); a stream in progress is cut. */
  abandon(requestId?: string): void {
    const ids = requestId === undefined ? [...new Set([...this.byId.keys(), ...this.streams.keys()])] : [requestId];
    for (const id of ids) {
      const p = this.byId.get(id);
      this.byId.delete(id);
      const i = p ? this.unsent.indexOf(p) : -1;
      if (i >= 0) this.unsent.splice(i, 1);
      const cut = this.streams.get(id);
      this.streams.delete(id);
      cut?.();
    }
  }

  /** Every held GET /next, let go of (to be answered by the caller). */
  releaseWaiting(): http.ServerResponse[] {
    return this.waiting.splice(0);
  }

  /** The server closes: nothing is waited for any more (streams end with their connections). */
  clear(): void {
    this.byId.clear();
    this.unsent.length = 0;
    this.waiting.length = 0;
  }
}

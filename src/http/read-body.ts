import type { IncomingMessage } from 'node:http';

/** How reading a request body ended; none of these is an error of the server. */
export type BodyRead =
  | { kind: 'ok'; data: Buffer }
  /** More than the limit arrived: nothing is kept, the rest is drained and discarded. */
  | { kind: 'too-large'; bytes: number }
  /** The client went away mid-body: ordinary, nobody to answer. */
  | { kind: 'aborted' }
  /** The body did not arrive in time: the caller answers 408 and closes the connection. */
  | { kind: 'timeout' };

export interface ReadBodyOptions {
  limit: number;
  /** From the call to the last byte; 0 or absent: no limit (the server's own timeout applies). */
  timeoutMs?: number;
}

/**
 * Reads a request body, holding at most `limit` bytes. Resolves as soon as the outcome is known
 * (a body past the limit does not wait for its end); never rejects.
 */
export function readBody(req: IncomingMessage, opts: ReadBodyOptions): Promise<BodyRead> {
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const settle = (result: BodyRead) => {
      if (settled) return;
      settled = true;
      chunks = [];
      resolve(result);
    };
    // The deadline also bounds the draining of a body past the limit: one that never ends is cut off.
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          if (settled) req.socket.destroy();
          else settle({ kind: 'timeout' });
        }, opts.timeoutMs)
      : undefined;
    timer?.unref();
    const done = () => clearTimeout(timer);
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (settled) return;
      if (bytes <= opts.limit) chunks.push(chunk);
      else settle({ kind: 'too-large', bytes });
    });
    req.on('end', () => {
      done();
      settle({ kind: 'ok', data: Buffer.concat(chunks) });
    });
    req.on('error', () => settle({ kind: 'aborted' }));
    req.on('close', () => {
      done();
      settle(req.complete ? { kind: 'ok', data: Buffer.concat(chunks) } : { kind: 'aborted' });
    });
  });
}

/** Reads and throws away a body nobody wants, within the same deadline (an endless one is cut off). */
export function discardBody(req: IncomingMessage, timeoutMs: number): void {
  void readBody(req, { limit: 0, timeoutMs });
}

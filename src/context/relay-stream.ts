import { MAX_STREAMED_RESPONSE_BYTES, type StreamedOutcome } from '../runtime-api/types';
import type { ResponseSink } from './invocation';
import type { InvocationOutcome } from './outcome';
import { STREAM_BURST_BYTES, STREAM_BYTES_PER_SECOND } from '../lambda-limits';

/** A streamed response on its way to a sink; `cut` ends it early (timeout, the context died). */
export interface Relay {
  /** How the invocation ended, once the stream has. */
  done: Promise<InvocationOutcome>;
  cut(outcome: InvocationOutcome): void;
}

/** Lambda's bandwidth for a streamed response: the first 6 MB uncapped, then about 2 MB/s. */
export interface StreamRate {
  burstBytes: number;
  /** After the burst; 0 = uncapped. */
  bytesPerSecond: number;
}

export const LAMBDA_STREAM_RATE: StreamRate = { burstBytes: STREAM_BURST_BYTES, bytesPerSecond: STREAM_BYTES_PER_SECOND };

/** Lambda's burst with the rate of `settings.streamRate` past it (0: unlimited). */
export function streamRate(bytesPerSecond: number): StreamRate {
  return { ...LAMBDA_STREAM_RATE, bytesPerSecond };
}

type ErrorInfo = { errorType: string; errorMessage: string };

/**
 * Relays a streamed response to `sink` as the function writes it, at Lambda's rate (the function's
 * writes are held back by the same backpressure). A sink that fails (its client left) gets nothing
 * more; the function still runs to its end, the rest discarded, as on Lambda.
 */
export function relayStream(stream: StreamedOutcome, sink: ResponseSink, rate: StreamRate = LAMBDA_STREAM_RATE): Relay {
  sink.start(stream.contentType);
  let ended = false;
  let sinkGone = false;
  const finish = (error?: ErrorInfo) => {
    if (ended) return;
    ended = true;
    sink.end(error);
  };
  const pace = pacer(rate);
  const write = async (chunk: Buffer) => {
    for (const piece of pace.split(chunk)) {
      await pace.wait(piece.length);
      if (ended || sinkGone) return;
      try {
        await sink.write(piece);
      } catch {
        sinkGone = true;
      }
    }
  };
  const pump = (async () => {
    for await (const chunk of stream.body) {
      if (!ended && !sinkGone) await write(chunk as Buffer);
    }
  })().catch(() => undefined);
  const done = (async (): Promise<InvocationOutcome> => {
    const end = await stream.end;
    await pump;
    if (end.kind === 'error') {
      finish(parseError(end.errorType, end.errorBody));
      return { kind: 'error', errorType: end.errorType, body: end.errorBody };
    }
    if (end.kind === 'too-large') {
      const error = {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_STREAMED_RESPONSE_BYTES} bytes).`,
      };
      finish(error);
      return { kind: 'too-large', bytes: end.bytes };
    }
    // The runtime went away mid-stream: the container's exit (or the timeout) says how it ended.
    if (end.kind === 'aborted') return new Promise<never>(() => undefined);
    finish();
    return { kind: 'response', body: Buffer.alloc(0) };
  })();
  return {
    done,
    cut(outcome) {
      stream.body.destroy();
      finish(
        outcome.kind === 'timeout'
          ? { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out' }
          : { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited' },
      );
    },
  };
}

/** Paces bytes at `rate`: the burst goes at once, then each byte at its slot. */
function pacer(rate: StreamRate) {
  let sent = 0;
  let throttledSince: number | undefined;
  // Small pieces past the burst keep the pace smooth (a 64 KB chunk is 30 ms at 2 MB/s).
  const piece = rate.bytesPerSecond > 0 ? Math.max(1024, Math.floor(rate.bytesPerSecond / 20)) : Infinity;
  return {
    split(chunk: Buffer): Buffer[] {
      if (rate.bytesPerSecond === 0) return [chunk];
      const pieces: Buffer[] = [];
      let offset = 0;
      let at = sent;
      while (offset < chunk.length) {
        // Up to the end of the burst at once, then small pieces.
        const room = at < rate.burstBytes ? rate.burstBytes - at : piece;
        const n = Math.min(room, chunk.length - offset);
        pieces.push(chunk.subarray(offset, offset + n));
        offset += n;
        at += n;
      }
      return pieces;
    },
    async wait(bytes: number): Promise<void> {
      const start = sent;
      sent += bytes;
      if (rate.bytesPerSecond === 0 || start < rate.burstBytes) return;
      throttledSince ??= Date.now();
      const due = throttledSince + ((sent - rate.burstBytes) / rate.bytesPerSecond) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    },
  };
}

function parseError(errorType: string, body: Buffer): ErrorInfo {
  try {
    const j = JSON.parse(body.toString('utf8')) as { errorType?: string; errorMessage?: string };
    return { errorType: j.errorType ?? errorType, errorMessage: j.errorMessage ?? '' };
  } catch {
    return { errorType, errorMessage: body.toString('utf8') };
  }
}

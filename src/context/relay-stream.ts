import type { StreamedOutcome } from '../runtime-api/types';
import type { ResponseSink } from './invocation';
import type { InvocationOutcome } from './outcome';

/** A streamed response on its way to a sink; `cut` ends it early (timeout, the context died). */
export interface Relay {
  /** How the invocation ended, once the stream has. */
  done: Promise<InvocationOutcome>;
  cut(outcome: InvocationOutcome): void;
}

/** Relays a streamed response to `sink` as the function writes it. */
export function relayStream(stream: StreamedOutcome, sink: ResponseSink): Relay {
  sink.start(stream.contentType);
  let ended = false;
  const finish = (error?: { errorType: string; errorMessage: string }) => {
    if (ended) return;
    ended = true;
    sink.end(error);
  };
  const pump = (async () => {
    for await (const chunk of stream.body) await sink.write(chunk as Buffer);
  })().catch(() => undefined);
  const done = (async (): Promise<InvocationOutcome> => {
    const end = await stream.end;
    await pump;
    if (end.kind === 'error') {
      const parsed = parseError(end.errorType, end.errorBody);
      finish(parsed);
      return { kind: 'error', errorType: end.errorType, body: end.errorBody };
    }
    if (end.kind === 'too-large') {
      finish({ errorType: 'Function.ResponseSizeTooLarge', errorMessage: 'Response payload size exceeded maximum allowed payload size (209715200 bytes).' });
      return { kind: 'too-large', bytes: end.bytes };
    }
    finish();
    return { kind: 'response', body: Buffer.alloc(0) };
  })();
  return {
    done,
    cut(outcome) {
      stream.body.destroy();
      finish(outcome.kind === 'timeout' ? { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out' } : { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited' });
    },
  };
}

function parseError(errorType: string, body: Buffer): { errorType: string; errorMessage: string } {
  try {
    const j = JSON.parse(body.toString('utf8')) as { errorType?: string; errorMessage?: string };
    return { errorType: j.errorType ?? errorType, errorMessage: j.errorMessage ?? '' };
  } catch {
    return { errorType, errorMessage: body.toString('utf8') };
  }
}

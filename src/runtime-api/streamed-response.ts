import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import type { StreamEnd, StreamedOutcome } from './types';

const ERROR_TYPE = 'lambda-runtime-function-error-type';
const ERROR_BODY = 'lambda-runtime-function-error-body';

export function isStreamedResponse(req: IncomingMessage): boolean {
  return String(req.headers['lambda-runtime-function-response-mode'] ?? '').toLowerCase() === 'streaming';
}

/** The error a runtime reports in its trailers after a stream failed mid-way, if any. */
export function trailerError(req: IncomingMessage): { errorType: string; errorBody: Buffer } | undefined {
  const errorType = req.trailers[ERROR_TYPE];
  if (!errorType) return undefined;
  return { errorType, errorBody: Buffer.from(req.trailers[ERROR_BODY] ?? '', 'base64') };
}

/**
 * Relays a streamed response body as it arrives, with backpressure: a reader that lags slows the
 * function's writes. A reader that goes away does not stop the function (the rest is discarded).
 */
export function relayStream(req: IncomingMessage, limit: number): { outcome: StreamedOutcome; cut(): void } {
  const body = new PassThrough();
  body.on('error', () => undefined); // a reader's destroy(err) is the reader's business
  let bytes = 0;
  let settle: (end: StreamEnd) => void = () => undefined;
  const end = new Promise<StreamEnd>((resolve) => {
    let settled = false;
    settle = (e) => {
      if (settled) return;
      settled = true;
      req.resume();
      if (!body.destroyed) body.end();
      resolve(e);
    };
  });
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > limit) return settle({ kind: 'too-large', bytes });
    if (body.destroyed || body.writableEnded) return;
    if (!body.write(chunk)) {
      req.pause();
      // One pair of listeners per pause, both removed on either: a long stream pauses often.
      const resume = () => {
        body.off('drain', resume);
        body.off('close', resume);
        req.resume();
      };
      body.on('drain', resume);
      body.on('close', resume);
    }
  });
  req.on('end', () => {
    const error = trailerError(req);
    settle(error ? { kind: 'error', ...error, bytes } : { kind: 'complete', bytes });
  });
  req.on('error', () => settle({ kind: 'aborted', bytes }));
  req.on('close', () => settle(req.complete ? { kind: 'complete', bytes } : { kind: 'aborted', bytes }));
  const contentType = req.headers['content-type'];
  return {
    outcome: { kind: 'streaming', contentType, body, end },
    cut: () => {
      settle({ kind: 'aborted', bytes });
      req.destroy();
    },
  };
}

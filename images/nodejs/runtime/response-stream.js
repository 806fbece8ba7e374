// @ts-check
/**
 * The response stream a streaming handler writes to (RIC: ResponseStream.js): a chunked POST
 * /invocation/{id}/response with `Lambda-Runtime-Function-Response-Mode: streaming`, done on the
 * main thread as the function writes. A failure mid-stream ends it with the error trailers
 * `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body` (base64 JSON).
 */
'use strict';

const { InvalidStreamingOperation, toRapidResponse } = require('./errors');

const HEADER_RESPONSE_MODE = 'Lambda-Runtime-Function-Response-Mode';
const TRAILER_ERROR_TYPE = 'Lambda-Runtime-Function-Error-Type';
const TRAILER_ERROR_BODY = 'Lambda-Runtime-Function-Error-Body';
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

// What the handler sees of the request: a writable, nothing of the HTTP client underneath.
const METHODS = [
  'cork',
  'destroy',
  'end',
  'uncork',
  'write',
  'addListener',
  'emit',
  'eventNames',
  'getMaxListeners',
  'listenerCount',
  'listeners',
  'off',
  'on',
  'once',
  'prependListener',
  'prependOnceListener',
  'rawListeners',
  'removeAllListeners',
  'removeListener',
  'setMaxListeners',
  'setContentType',
];
const PROPS_READ_WRITE = ['destroyed', 'writable', '_onBeforeFirstWrite'];
const PROPS_READ_ONLY = [
  'writableFinished',
  'writableObjectMode',
  'writableBuffer',
  'writableEnded',
  'writableNeedDrain',
  'writableHighWaterMark',
  'writableCorked',
  'writableLength',
];

/**
 * @param {any} inner
 * @returns {any}
 */
function writableOnly(inner) {
  const stream = Object.fromEntries(METHODS.map((m) => [m, inner[m].bind(inner)]));
  for (const p of PROPS_READ_WRITE) {
    Object.defineProperty(stream, p, {
      get: () => inner[p],
      set: (v) => {
        inner[p] = v;
      },
      enumerable: true,
    });
  }
  for (const p of PROPS_READ_ONLY) Object.defineProperty(stream, p, { get: () => inner[p], enumerable: true });
  return stream;
}

/**
 * @typedef {object} ResponseStreamKit
 * @property {any} stream what the handler gets as its responseStream
 * @property {Promise<void>} responseDone settles once the Runtime API has answered the POST
 * @property {(err: unknown) => Promise<void>} fail ends the stream with the error trailers
 */

/**
 * @param {import('./rapid-client').RapidClient} client
 * @param {string} id the invocation's request id
 * @param {{highWaterMark?: number, beforeEnd?: () => void}} [options] beforeEnd: called once, right
 *   before the request is ended (normally or with the error trailers)
 * @returns {ResponseStreamKit}
 */
function createResponseStream(client, id, options = {}) {
  const req = /** @type {any} */ (
    client.openResponseStream(
      id,
      {
        [HEADER_RESPONSE_MODE]: 'streaming',
        Trailer: [TRAILER_ERROR_TYPE, TRAILER_ERROR_BODY],
        'Content-Type': DEFAULT_CONTENT_TYPE,
        'Transfer-Encoding': 'chunked',
      },
      options.highWaterMark,
    )
  );

  /** @type {(v: void) => void} */
  let resolveDone = () => {};
  /** @type {(e: unknown) => void} */
  let rejectDone = () => {};
  const responseDone = new Promise((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  responseDone.catch(() => {}); // awaited by the runtime; never an unhandled rejection of its own

  req.on('response', (/** @type {import('http').IncomingMessage} */ res) => {
    res.resume();
    res.on('end', () => resolveDone());
    res.on('aborted', () => rejectDone(new Error('Runtime API aborted the streamed response')));
  });
  req.on('error', (/** @type {unknown} */ err) => rejectDone(err));

  let ended = false;
  const origEnd = req.end.bind(req);
  req.end = (/** @type {any[]} */ ...args) => {
    if (!ended) {
      ended = true;
      if (options.beforeEnd) options.beforeEnd();
    }
    return origEnd(...args);
  };

  let written = false;
  req.setContentType = (/** @type {string} */ contentType) => {
    if (written) throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    req.setHeader('Content-Type', contentType);
  };
  const origWrite = req.write.bind(req);
  req.write = (/** @type {any} */ chunk, /** @type {any} */ encoding, /** @type {any} */ callback) => {
    if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && !(chunk instanceof Uint8Array)) chunk = JSON.stringify(chunk);
    if (!written && typeof req._onBeforeFirstWrite === 'function') req._onBeforeFirstWrite((/** @type {any} */ ch) => origWrite(ch));
    written = true;
    return origWrite(chunk, encoding, callback);
  };

  /** @param {unknown} err */
  const fail = (err) =>
    new Promise((resolve) => {
      if (req.writableEnded || req.destroyed) return resolve(undefined);
      const error = toRapidResponse(err);
      req.addTrailers({
        [TRAILER_ERROR_TYPE]: String(error.errorType).replace(/[^\t\x20-\x7e]/g, '?'),
        [TRAILER_ERROR_BODY]: Buffer.from(JSON.stringify(error)).toString('base64'),
      });
      req.end(resolve);
    }).then(() => {});

  return { stream: writableOnly(req), responseDone, fail };
}

module.exports = { createResponseStream, TRAILER_ERROR_TYPE, TRAILER_ERROR_BODY, HEADER_RESPONSE_MODE };

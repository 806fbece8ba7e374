// @ts-check
/**
 * The worker thread of blocking-transport.js: performs a batch of Runtime API requests in order
 * (e.g. POST the result, then GET the next event) while the main thread sleeps in Atomics.wait,
 * then hands the answers back and wakes it. One keep-alive connection, no timeouts: the container
 * may be frozen for hours while GET /next is pending.
 */
'use strict';

const http = require('http');
const { workerData } = require('worker_threads');

/** @type {{host: string, port: number, signal: Int32Array, port2: import('worker_threads').MessagePort}} */
const { host, port, signal, port2 } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * @param {import('./transport').ApiRequest} r
 * @param {boolean} mayRetry
 * @returns {Promise<import('./transport').ApiResponse>}
 */
function send(r, mayRetry) {
  return new Promise((resolve, reject) => {
    /** @type {Record<string, string | number>} */
    const headers = { ...(r.headers || {}) };
    if (r.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(r.body, 'utf8');
    }
    const req = http.request({ host, port, method: r.method, path: r.path, agent, headers }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode || 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (err) => {
      // The server closed an idle keep-alive socket just as it was reused: nothing was
      // processed, send again on a fresh connection.
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      if (mayRetry && req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) send(r, false).then(resolve, reject);
      else reject(err);
    });
    req.end(r.body);
  });
}

port2.on('message', async (/** @type {import('./transport').ApiRequest[]} */ requests) => {
  /** @type {import('./transport').ApiResponse[]} */
  const responses = [];
  let error;
  try {
    for (const r of requests) responses.push(await send(r, true));
  } catch (err) {
    error =
      err instanceof Error ? `${err.message}${/** @type {any} */ (err).code ? ` (${/** @type {any} */ (err).code})` : ''}` : String(err);
  }
  port2.postMessage({ responses, error });
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});

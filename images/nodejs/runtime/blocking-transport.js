// @ts-check
/**
 * The real Transport: Runtime API requests done by a worker thread while the main thread sleeps in
 * Atomics.wait, so the function's JavaScript cannot run between a result and the next event,
 * however long the freeze takes. The worker and its port are unref'd: they never keep the event
 * loop alive, so 'beforeExit' (callbackWaitsForEmptyEventLoop) still fires.
 */
'use strict';

const http = require('http');
const net = require('net');
const path = require('path');
const { Worker, MessageChannel, receiveMessageOnPort } = require('worker_threads');
const { parseHostPort } = require('./transport');

/**
 * @param {string} hostPort AWS_LAMBDA_RUNTIME_API
 * @returns {import('./transport').Transport & {close: () => Promise<number>}}
 */
function createBlockingTransport(hostPort) {
  const { host, port } = parseHostPort(hostPort);
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  // Started now, it boots while the function's code loads.
  const worker = new Worker(path.join(__dirname, 'blocking-worker.js'), {
    workerData: { host, port, signal, port2 },
    transferList: [port2],
    // Runtime API traffic only: no stdio of its own, no inherited --heap flags worth anything
    stdout: false,
    stderr: false,
  });
  worker.unref();
  port1.unref();

  /** @param {import('./transport').ApiRequest[]} requests */
  function exchange(requests) {
    Atomics.store(signal, 0, 0);
    port1.postMessage(requests);
    /** @type {{message: {responses: import('./transport').ApiResponse[], error?: string}} | undefined} */
    let reply;
    while (!(reply = receiveMessageOnPort(port1))) Atomics.wait(signal, 0, 0);
    if (reply.message.error !== undefined) {
      const at = requests[reply.message.responses.length];
      throw new Error(`${at.method} ${at.path} failed: ${reply.message.error}`);
    }
    return reply.message.responses;
  }

  /**
   * @param {string} urlPath
   * @param {Record<string, string | string[]>} headers
   * @param {number} [highWaterMark]
   */
  function openStream(urlPath, headers, highWaterMark) {
    // A fresh connection per streamed response: no idle socket to find reset after a freeze.
    return http.request({
      host,
      port,
      method: 'POST',
      path: urlPath,
      headers,
      agent: false,
      createConnection: (/** @type {any} */ opts, /** @type {any} */ cb) => net.createConnection({ ...opts, highWaterMark }, cb),
    });
  }

  return { exchange, openStream, close: () => worker.terminate() };
}

module.exports = { createBlockingTransport };

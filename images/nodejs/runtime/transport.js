// @ts-check
/**
 * How the runtime reaches the Runtime API. `exchange` is synchronous and blocking: it is the only
 * way results are posted and events fetched, so that none of the function's JavaScript (timers,
 * promise callbacks, I/O callbacks) can run between a result and the next event.
 *
 * @typedef {{method: string, path: string, headers?: Record<string, string>, body?: string}} ApiRequest
 * @typedef {{status: number, headers: Record<string, string | string[] | undefined>, body: string}} ApiResponse
 * @typedef {object} Transport
 * @property {(requests: ApiRequest[]) => ApiResponse[]} exchange  performs the requests in order,
 *   blocking the calling thread; throws if one fails to get an answer
 * @property {(path: string, headers: Record<string, string | string[]>, highWaterMark?: number) => import('http').ClientRequest} openStream
 *   a POST whose body the function writes as it goes (response streaming), on the main thread
 */
'use strict';

/**
 * @param {string} hostPort
 * @returns {{host: string, port: number}}
 */
function parseHostPort(hostPort) {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(hostPort) || /^([^:]+):(\d+)$/.exec(hostPort);
  if (!m) throw new Error(`AWS_LAMBDA_RUNTIME_API must be host:port, got '${hostPort}'`);
  return { host: m[1], port: Number(m[2]) };
}

module.exports = { parseHostPort };

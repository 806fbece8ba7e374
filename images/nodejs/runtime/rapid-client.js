// @ts-check
/**
 * The Runtime API client (RIC: RAPIDClient.js) over an injectable Transport. Every call that ends
 * an invocation also fetches the next event in the same blocking exchange.
 */
'use strict';

const { toRapidResponse } = require('./errors');

const PREFIX = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

/** @typedef {import('./transport').ApiRequest} ApiRequest */
/** @typedef {import('./transport').ApiResponse} ApiResponse */
/** @typedef {{id: string, headers: ApiResponse['headers'], body: string}} NextEvent */

/** @param {string} value */
function sanitizeHeader(value) {
  // Node refuses control and non-ASCII characters in header values

  return String(value).replace(/[^\t\x20-\x7e]/g, '?');
}

/**
 * @param {unknown} result
 * @returns {string}
 */
function serializeResult(result) {
  let json;
  try {
    json = JSON.stringify(result === undefined ? null : result);
  } catch (_err) {
    throw new Error('Unable to stringify response body');
  }
  return json === undefined ? 'null' : json; // a function or a symbol gives undefined
}

/** @returns {ApiRequest} */
const NEXT = () => ({ method: 'GET', path: `${PREFIX}/invocation/next` });

/**
 * @param {string} urlPath
 * @param {unknown} error
 * @returns {ApiRequest}
 */
function errorRequest(urlPath, error) {
  const response = toRapidResponse(error);
  return {
    method: 'POST',
    path: urlPath,
    body: JSON.stringify(response),
    headers: { [ERROR_TYPE_HEADER]: sanitizeHeader(response.errorType) },
  };
}

const SHUTDOWN_HEADER = 'lambda-runtime-orchestrator-shutdown';
/**
 * Ours, not Lambda's wire: how long the runtime held the event (ms), for the REPORT's Duration.
 * The orchestrator may write an event into a context still being thawed, so its own clock would
 * count the rest of `docker unpause`; the runtime's counts only the handler's time, as Lambda's does.
 */
const DURATION_HEADER = 'lambda-runtime-orchestrator-duration-ms';
/** @param {string} id */
const invocationPath = (id) => `${PREFIX}/invocation/${encodeURIComponent(id)}`;

/**
 * @param {ApiResponse} res
 * @returns {NextEvent | undefined}
 */
function toNextEvent(res) {
  // The orchestrator's Shutdown phase (ours, not Lambda's wire): no event will come; the runtime
  // goes back to its event loop so that a SIGTERM handler can run (a blocked thread runs none).
  if (res.status === 200 && res.headers[SHUTDOWN_HEADER]) return undefined;
  if (res.status !== 200) throw new Error(`GET /invocation/next answered ${res.status}: ${res.body}`);
  const raw = res.headers['lambda-runtime-aws-request-id'];
  const id = Array.isArray(raw) ? raw[0] : raw;
  if (!id) throw new Error('GET /invocation/next answered without Lambda-Runtime-Aws-Request-Id');
  return { id, headers: res.headers, body: res.body };
}

class RapidClient {
  /** @param {import('./transport').Transport} transport */
  constructor(transport) {
    this.transport = transport;
    /** performance.now() when the last event arrived. */
    this.receivedAt = 0;
  }

  /**
   * @param {ApiRequest[]} before requests to make first (a result), answers not needed
   * @returns {NextEvent | undefined} undefined in the orchestrator's Shutdown phase
   */
  next(before = []) {
    const responses = this.transport.exchange([...before, NEXT()]);
    this.receivedAt = performance.now();
    return toNextEvent(responses[responses.length - 1]);
  }

  /** @param {ApiRequest} request a result of the event received last */
  timed(request) {
    const ms = (performance.now() - this.receivedAt).toFixed(3);
    return { ...request, headers: { ...request.headers, [DURATION_HEADER]: ms } };
  }

  /**
   * Post a result (see serializeResult) and wait for the next event.
   * @param {string} id
   * @param {string} json
   */
  respondAndNext(id, json) {
    return this.next([this.timed({ method: 'POST', path: `${invocationPath(id)}/response`, body: json })]);
  }

  /**
   * @param {string} id
   * @param {unknown} error
   */
  failAndNext(id, error) {
    return this.next([this.timed(errorRequest(`${invocationPath(id)}/error`, error))]);
  }

  /**
   * The invocation's error, with no next event (the process exits after it).
   * @param {string} id
   * @param {unknown} error
   */
  postInvocationError(id, error) {
    this.transport.exchange([errorRequest(`${invocationPath(id)}/error`, error)]);
  }

  /**
   * A stem context (booted ahead of demand) waits here, frozen, until an invocation claims it:
   * an orchestrator extension of the Runtime API, asked only when _ORCHESTRATOR_STEM is set.
   */
  awaitClaim() {
    const [res] = this.transport.exchange([{ method: 'GET', path: `${PREFIX}/orchestrator/claim` }]);
    if (res.status !== 200) throw new Error(`GET /orchestrator/claim answered ${res.status}: ${res.body}`);
  }

  /** @param {unknown} error */
  postInitError(error) {
    this.transport.exchange([errorRequest(`${PREFIX}/init/error`, error)]);
  }

  /**
   * @param {string} id
   * @param {Record<string, string | string[]>} headers
   * @param {number} [highWaterMark] of the connection's socket (awslambda.streamifyResponse's option)
   */
  openResponseStream(id, headers, highWaterMark) {
    return this.transport.openStream(`${invocationPath(id)}/response`, headers, highWaterMark);
  }
}

module.exports = { RapidClient, serializeResult, ERROR_TYPE_HEADER };

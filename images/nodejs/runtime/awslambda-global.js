// @ts-check
/** The `awslambda` global that streaming functions use (RIC: UserFunction.js / globals.ts). */
'use strict';

const { HttpResponseStream } = require('./http-response-stream');
const { HANDLER_STREAMING, HANDLER_HIGHWATERMARK, STREAM_RESPONSE } = require('./user-function');

/**
 * @param {Function} handler
 * @param {{highWaterMark?: number}} [options]
 */
function streamifyResponse(handler, options) {
  const marks = /** @type {Record<symbol, unknown>} */ (/** @type {unknown} */ (handler));
  marks[HANDLER_STREAMING] = STREAM_RESPONSE;
  if (options && typeof options.highWaterMark === 'number') marks[HANDLER_HIGHWATERMARK] = Math.trunc(options.highWaterMark);
  return handler;
}

/** @param {NodeJS.ProcessEnv} env */
function installAwsLambdaGlobal(env) {
  // AWS's escape hatch for code that does not expect a new global
  const off = env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (off === '1' || off === 'true') return;
  const g = /** @type {any} */ (globalThis);
  g.awslambda = { ...g.awslambda, streamifyResponse, HttpResponseStream };
}

module.exports = { installAwsLambdaGlobal, streamifyResponse };

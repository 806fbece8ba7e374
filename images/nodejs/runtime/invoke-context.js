// @ts-check
/** The handler's context object, from the event's headers and the environment (RIC: InvokeContext.js). */
'use strict';

/**
 * @param {string | string[] | undefined} value
 * @returns {string | undefined}
 */
function headerValue(value) {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * @param {string | undefined} text
 * @param {string} name
 */
function parseJsonHeader(text, name) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${String(err)}`);
  }
}

/**
 * The context's data (without the callback parts). Throws on a malformed client context or identity.
 * @param {Record<string, string | string[] | undefined>} headers lower-case names, as Node gives them
 * @param {NodeJS.ProcessEnv} env
 */
function contextData(headers, env) {
  const h = (/** @type {string} */ name) => headerValue(headers[name]);
  const deadline = Number(h('lambda-runtime-deadline-ms'));
  return {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJsonHeader(h('lambda-runtime-client-context'), 'ClientContext'),
    identity: parseJsonHeader(h('lambda-runtime-cognito-identity'), 'CognitoIdentity'),
    invokedFunctionArn: h('lambda-runtime-invoked-function-arn'),
    awsRequestId: h('lambda-runtime-aws-request-id'),
    tenantId: h('lambda-runtime-aws-tenant-id'),
    getRemainingTimeInMillis() {
      return deadline - Date.now();
    },
  };
}

/**
 * _X_AMZN_TRACE_ID follows the event's trace header, as on Lambda.
 * @param {Record<string, string | string[] | undefined>} headers
 * @param {NodeJS.ProcessEnv} env
 */
function forwardXRay(headers, env) {
  const traceId = headerValue(headers['lambda-runtime-trace-id']);
  if (traceId) env._X_AMZN_TRACE_ID = traceId;
  else delete env._X_AMZN_TRACE_ID;
}

module.exports = { contextData, forwardXRay, headerValue };

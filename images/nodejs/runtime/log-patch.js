// @ts-check
/**
 * console.* as Lambda's Node.js runtime patches it (RIC: LogPatch.js): one record per call, in
 * Lambda's Text format (`<ISO time>\t<request id>\t<LEVEL>\t<message>`) or JSON format
 * (AWS_LAMBDA_LOG_FORMAT=JSON), filtered by AWS_LAMBDA_LOG_LEVEL; newlines inside a record become \r.
 */
'use strict';

const util = require('util');
const { intoError, toFormatted } = require('./errors');

const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID_SYMBOL = Symbol.for('aws.lambda.runtime.tenantId');

/** @typedef {{name: string, priority: number}} Level */

/** @type {Readonly<Record<string, Level>>} */
const LEVELS = Object.freeze({
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
});

/** @returns {string | undefined} */
function currentRequestId() {
  return /** @type {any} */ (globalThis)[REQUEST_ID_SYMBOL];
}

/** @param {string | undefined} id */
function setCurrentRequestId(id) {
  /** @type {any} */ (globalThis)[REQUEST_ID_SYMBOL] = id;
}

/** @returns {string | undefined} */
function currentTenantId() {
  return /** @type {any} */ (globalThis)[TENANT_ID_SYMBOL];
}

/** @param {string | undefined} id */
function setCurrentTenantId(id) {
  /** @type {any} */ (globalThis)[TENANT_ID_SYMBOL] = id;
}

/** @param {NodeJS.ProcessEnv} env */
function logFormat(env) {
  return (env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON' ? 'JSON' : 'TEXT';
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {Level}
 */
function minLevel(env) {
  const name = (env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase();
  return Object.prototype.hasOwnProperty.call(LEVELS, name) ? LEVELS[name] : LEVELS.TRACE;
}

/** @param {unknown} value */
function errorTypeOf(value) {
  const ctor = value && /** @type {any} */ (value).constructor;
  return (ctor && ctor.name) || 'UnknownError';
}

/** @type {(key: string, value: unknown) => unknown} */
function jsonErrorReplacer(_key, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: errorTypeOf(value),
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

/**
 * Lambda's JSON record of one console call.
 * @param {string} timestamp
 * @param {string | undefined} requestId
 * @param {string | undefined} tenantId
 * @param {Level} level
 * @param {unknown[]} args the console call's arguments
 */
function formatJson(timestamp, requestId, tenantId, level, args) {
  /** @type {Record<string, unknown>} */
  const result = { timestamp, level: level.name, requestId };
  if (tenantId !== undefined && tenantId !== null) result.tenantId = tenantId;
  if (args.length <= 1) {
    result.message = args[0];
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch (_err) {
      result.message = util.format(result.message);
      return JSON.stringify(result);
    }
  }
  result.message = util.format(...args);
  for (const param of args) {
    if (param instanceof Error) {
      result.errorType = errorTypeOf(param);
      result.errorMessage = param.message;
      result.stackTrace = typeof param.stack === 'string' ? param.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(result);
}

/**
 * @param {string} timestamp
 * @param {string | undefined} requestId
 * @param {Level} level
 * @param {unknown[]} args
 */
function formatText(timestamp, requestId, level, args) {
  return `${timestamp}\t${requestId}\t${level.name}\t${util.format(...args)}`;
}

/**
 * @typedef {object} Logger
 * @property {(level: Level, args: unknown[]) => void} log  writes one record, if the level passes
 * @property {(level: Level) => boolean} enabled
 * @property {(what: string, err: unknown) => void} logError  the RIC's structuredConsole.logError
 */

/**
 * @param {{env: NodeJS.ProcessEnv, write: (text: string) => void, now?: () => Date}} deps
 * @returns {Logger}
 */
function createLogger({ env, write, now = () => new Date() }) {
  const json = logFormat(env) === 'JSON';
  const min = minLevel(env);
  const enabled = (/** @type {Level} */ level) => level === LEVELS.FATAL || level.priority >= min.priority;
  /** @type {(level: Level, args: unknown[]) => void} */
  const log = (level, args) => {
    if (!enabled(level)) return;
    const time = now().toISOString();
    const line = json
      ? formatJson(time, currentRequestId(), currentTenantId(), level, args)
      : formatText(time, currentRequestId(), level, args);
    write(line.replace(/\n/g, '\r') + '\n');
  };
  return {
    log,
    enabled,
    // JSON: the error itself (errorType/errorMessage/stackTrace); Text: `<what> \t{json}`.
    logError: json
      ? (_what, err) => log(LEVELS.ERROR, [intoError(err)])
      : (what, err) => log(LEVELS.ERROR, [what, toFormatted(intoError(err))]),
  };
}

/**
 * Replace console's methods with the logger's, as the RIC does (filtered-out levels become no-ops).
 * @param {Record<string, unknown>} target usually `console`
 * @param {Logger} logger
 */
function patchConsole(target, logger) {
  const nop = () => {};
  /** @param {Level} level */
  const method = (level) =>
    // (message, ...params) as the RIC: console.log() prints "undefined", as on Lambda
    logger.enabled(level)
      ? (/** @type {unknown} */ message, /** @type {unknown[]} */ ...params) => logger.log(level, [message, ...params])
      : nop;
  target.trace = method(LEVELS.TRACE);
  target.debug = method(LEVELS.DEBUG);
  target.info = method(LEVELS.INFO);
  target.log = target.info;
  target.warn = method(LEVELS.WARN);
  target.error = method(LEVELS.ERROR);
  target.fatal = method(LEVELS.FATAL);
}

module.exports = {
  LEVELS,
  createLogger,
  patchConsole,
  formatJson,
  currentRequestId,
  setCurrentRequestId,
  setCurrentTenantId,
};

// @ts-check
/** Runtime.* error classes and the error shapes the RIC sends and logs (RIC: Errors.js). */
'use strict';

const util = require('util');

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class MalformedStreamingHandler extends Error {}
class InvalidStreamingOperation extends Error {}
class CallbackHandlerDeprecated extends Error {}
class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
class UnhandledPromiseRejection extends Error {
  /**
   * @param {unknown} reason
   * @param {Promise<unknown>} promise
   */
  constructor(reason, promise) {
    let message;
    try {
      message = String(reason); // an Error reason gives "Error: boom", as Lambda shows it
    } catch (_err) {
      message = Object.prototype.toString.call(reason);
    }
    super(message);
    this.reason = reason;
    this.promise = promise;
  }
}
for (const cls of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  CallbackHandlerDeprecated,
  NodeJsExit,
  UnhandledPromiseRejection,
]) {
  cls.prototype.name = `Runtime.${cls.name}`;
}

/**
 * @param {any} obj
 * @returns {boolean}
 */
function looksLikeError(obj) {
  return Boolean(
    obj &&
    obj.name &&
    obj.message &&
    obj.stack &&
    typeof obj.name === 'string' &&
    typeof obj.message === 'string' &&
    typeof obj.stack === 'string',
  );
}

/** @typedef {{errorType: string, errorMessage: string, trace?: string[]}} RapidError */

/**
 * The body of /init/error, /invocation/{id}/error and of the streaming error trailer.
 * @param {any} error
 * @returns {RapidError}
 */
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || looksLikeError(error)) {
      // DEL is not allowed in a header value (the error type goes into one)
      const noDel = (/** @type {string} */ s) => s.split('\x7F').join('%7F');
      return {
        errorType: noDel(error.name),
        errorMessage: noDel(error.message),
        trace: typeof error.stack === 'string' ? noDel(error.stack).split('\n') : [],
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch (_err) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/**
 * Error's own properties are not enumerable: show name, message, code and stack in the JSON.
 * @param {any} value
 */
function withEnumerableProperties(value) {
  if (value instanceof Error) {
    /** @type {Record<string, unknown>} */
    const ret = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: /** @type {any} */ (value).code },
      /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (value)),
    );
    if (typeof value.stack === 'string') ret.stack = value.stack.split('\n');
    return ret;
  }
  return value;
}

/**
 * The text-format error payload: a tab, then the error as JSON.
 * @param {any} error
 */
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch (_err) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

/**
 * @param {unknown} err
 * @returns {Error}
 */
function intoError(err) {
  return err instanceof Error ? err : new Error(/** @type {any} */ (err));
}

module.exports = {
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  CallbackHandlerDeprecated,
  NodeJsExit,
  UnhandledPromiseRejection,
  toRapidResponse,
  toFormatted,
  intoError,
};

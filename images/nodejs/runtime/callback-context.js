// @ts-check
/**
 * The callback-style part of the handler's contract on nodejs20.x/22.x (RIC: CallbackContext.js):
 * `callback`, `context.succeed/fail/done`, `context.callbackWaitsForEmptyEventLoop`. Only the first
 * call counts; with callbackWaitsForEmptyEventLoop (the default) a callback's result goes out once
 * the event loop is empty.
 */
'use strict';

/**
 * @typedef {object} Outcome
 * @property {(result: unknown) => void} succeed
 * @property {(error: unknown) => void} fail
 * @property {(fn: () => void) => void} whenLoopEmpty  runs fn on the next 'beforeExit' (replacing any earlier one)
 * @property {() => void} clearLoopEmpty
 */

/**
 * @param {Outcome} outcome
 * @returns {{callback: (err?: unknown, result?: unknown) => void, callbackContext: object, markCalled: () => void}}
 */
function buildCallbackContext(outcome) {
  let called = false;
  let waitForEmptyEventLoop = true;
  /** @type {<A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => void} */
  const once =
    (fn) =>
    (...args) => {
      if (called) return;
      called = true;
      fn(...args);
    };
  /** @param {unknown} err @param {unknown} result */
  const done = (err, result) => {
    outcome.clearLoopEmpty();
    if (err !== undefined && err !== null) outcome.fail(err);
    else outcome.succeed(result);
  };
  const callback = once((/** @type {unknown} */ err, /** @type {unknown} */ result) => {
    outcome.clearLoopEmpty();
    if (err !== undefined && err !== null) outcome.fail(err);
    else if (!waitForEmptyEventLoop) outcome.succeed(result);
    else outcome.whenLoopEmpty(() => setImmediate(() => outcome.succeed(result)));
  });
  const callbackContext = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: once((/** @type {unknown} */ result) => done(null, result)),
    fail: once((/** @type {unknown} */ err) => done(err === undefined || err === null ? 'handled' : err, null)),
    done: once(done),
  };
  return { callback, callbackContext, markCalled: () => (called = true) };
}

module.exports = { buildCallbackContext };

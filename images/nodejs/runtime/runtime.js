// @ts-check
/**
 * The invoke loop (RIC: Runtime.js). Every result goes out through one blocking exchange that
 * also fetches the next event (RapidClient over the blocking transport), so from the moment a
 * result is sent until the next event is handed over, none of the function's JavaScript runs.
 * Streamed responses are written by the main thread as the function writes; once the stream is
 * done, the next event is fetched the same blocking way.
 */
'use strict';

const { NodeJsExit } = require('./errors');
const { serializeResult } = require('./rapid-client');
const { contextData, forwardXRay, headerValue } = require('./invoke-context');
const { buildCallbackContext } = require('./callback-context');
const { createResponseStream } = require('./response-stream');

const NOOP = () => {};

/** @param {any} value */
function isPromise(value) {
  return Boolean(value && typeof value.then === 'function');
}

/**
 * @typedef {object} RuntimeDeps
 * @property {import('./rapid-client').RapidClient} client
 * @property {Function} handler
 * @property {import('./user-function').HandlerMetadata} metadata
 * @property {boolean} node24 nodejs24.x rules (see node-rules.js)
 * @property {Pick<import('./log-patch').Logger, 'logError'>} logger
 * @property {NodeJS.ProcessEnv} env
 * @property {(requestId: string) => void} endMarker
 * @property {(done: () => void) => void} whenStdioFlushed
 * @property {(requestId: string | undefined, tenantId: string | undefined) => void} setRequestContext
 * @property {(err: unknown) => void} reportFailure a Runtime API failure, before exiting
 * @property {(code: number) => void} exit
 */

/** @typedef {{id: string, finished: boolean, posted: boolean}} Invocation */

class Runtime {
  /** @param {RuntimeDeps} deps */
  constructor(deps) {
    this.deps = deps;
    this.client = deps.client;
    /** The invocation being served, until its result is posted. @type {Invocation | undefined} */
    this.current = undefined;
    /** Called on 'beforeExit' (the event loop is empty). */
    this.beforeExit = NOOP;
    this.exiting = false;
  }

  onBeforeExit() {
    this.beforeExit();
  }

  /** After a successful init: wait (blocking) for the first event. */
  start() {
    this.receive(() => this.client.next());
  }

  /**
   * Blocks in `fetch` (a post and/or GET /next), then hands the event over. The handler starts on
   * the next turn of the event loop, as in the RIC (and so no invocation nests in the last one's stack).
   * @param {() => import('./rapid-client').NextEvent | undefined} fetch
   */
  receive(fetch) {
    let ev;
    try {
      ev = fetch();
    } catch (err) {
      this.deps.reportFailure(err);
      this.exiting = true;
      this.deps.exit(1);
      return;
    }
    if (!ev) {
      // Shutting down: idle on the event loop (kept alive) until SIGTERM ends the process.
      setInterval(() => undefined, 60_000);
      return;
    }
    /** @type {Invocation} */
    const inv = { id: ev.id, finished: false, posted: false };
    this.current = inv;
    this.deps.setRequestContext(ev.id, headerValue(ev.headers['lambda-runtime-aws-tenant-id']));
    forwardXRay(ev.headers, this.deps.env);
    setImmediate(() => (this.deps.metadata.streaming ? this.invokeStreaming(inv, ev) : this.invoke(inv, ev)));
  }

  /**
   * The uncaughtException / unhandledRejection path (already logged): fail the invocation if
   * its result is not out yet, then exit.
   * @param {unknown} error
   * @param {number} exitCode
   */
  fatal(error, exitCode) {
    if (this.exiting) return;
    this.exiting = true;
    try {
      if (this.current && !this.current.posted) {
        this.current.finished = this.current.posted = true;
        this.deps.endMarker(this.current.id);
        this.client.postInvocationError(this.current.id, error);
      }
    } catch (err) {
      this.deps.reportFailure(err);
    }
    this.deps.exit(exitCode);
  }

  /**
   * @param {Invocation} inv
   * @param {() => import('./rapid-client').NextEvent | undefined} post
   */
  finish(inv, post) {
    inv.finished = true;
    this.beforeExit = NOOP;
    this.deps.whenStdioFlushed(() => {
      if (this.exiting || inv.posted) return;
      inv.posted = true;
      this.deps.endMarker(inv.id);
      this.receive(post);
    });
  }

  /**
   * @param {Invocation} inv
   * @param {unknown} result
   */
  succeedWith(inv, result) {
    if (inv.finished || this.exiting) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    let json;
    try {
      json = serializeResult(result);
    } catch (err) {
      this.failWith(inv, err);
      return;
    }
    this.finish(inv, () => this.client.respondAndNext(inv.id, json));
  }

  /**
   * @param {Invocation} inv
   * @param {unknown} error
   */
  failWith(inv, error) {
    if (inv.finished || this.exiting) return;
    this.deps.logger.logError('Invoke Error', error);
    this.finish(inv, () => this.client.failAndNext(inv.id, error));
  }

  /**
   * A buffered (non-streaming) invocation.
   * @param {Invocation} inv
   * @param {import('./rapid-client').NextEvent} ev
   */
  invoke(inv, ev) {
    const handler = this.deps.handler;
    if (this.deps.node24) {
      // Whatever the handler returns is awaited; no callback, no waiting for an empty event loop.
      this.beforeExit = () => this.failWith(inv, new NodeJsExit()); // a promise that never settles
      let result;
      try {
        result = handler(JSON.parse(ev.body), contextData(ev.headers, this.deps.env));
      } catch (err) {
        this.failWith(inv, err);
        return;
      }
      Promise.resolve(result).then(
        (value) => this.succeedWith(inv, value),
        (err) => this.failWith(inv, err),
      );
      return;
    }

    const { callback, callbackContext, markCalled } = buildCallbackContext({
      succeed: (result) => this.succeedWith(inv, result),
      fail: (error) => this.failWith(inv, error),
      whenLoopEmpty: (fn) => {
        this.beforeExit = () => {
          this.beforeExit = NOOP;
          fn();
        };
      },
      clearLoopEmpty: () => (this.beforeExit = NOOP),
    });
    let isAsync = this.deps.metadata.isAsync;
    // A handler that neither returns nor calls back before the loop empties: a sync one gets a
    // null result, an async one a Runtime.NodeJsExit error (as Lambda).
    this.beforeExit = () => {
      this.beforeExit = NOOP;
      markCalled();
      if (isAsync) this.failWith(inv, new NodeJsExit());
      else this.succeedWith(inv, null);
    };
    try {
      const context = Object.assign(callbackContext, contextData(ev.headers, this.deps.env));
      const result = handler(JSON.parse(ev.body), context, callback);
      if (isPromise(result)) {
        isAsync = true;
        const ctx = /** @type {any} */ (callbackContext);
        result.then(ctx.succeed, ctx.fail).then(undefined, ctx.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  /**
   * A streaming invocation (awslambda.streamifyResponse): handler(event, responseStream, context).
   * @param {Invocation} inv
   * @param {import('./rapid-client').NextEvent} ev
   */
  invokeStreaming(inv, ev) {
    const kit = createResponseStream(this.client, inv.id, {
      highWaterMark: this.deps.metadata.highWaterMark,
      // the stream's end is the result: the orchestrator's end-of-log marker goes right before it
      beforeEnd: () => {
        inv.finished = inv.posted = true;
        this.deps.endMarker(inv.id);
      },
    });
    let waitForEmptyEventLoop = true;
    const goNext = () => {
      if (this.exiting) return;
      // nodejs20.x/22.x: by default the next event is fetched once the event loop is empty (RIC)
      if (!this.deps.node24 && waitForEmptyEventLoop) {
        this.beforeExit = () => {
          this.beforeExit = NOOP;
          setImmediate(() => this.receive(() => this.client.next()));
        };
      } else {
        this.beforeExit = NOOP;
        this.receive(() => this.client.next());
      }
    };
    const afterResponse = () =>
      kit.responseDone.then(goNext, (err) => {
        if (this.exiting) return;
        this.deps.reportFailure(err);
        this.exiting = true;
        this.deps.exit(1);
      });
    /** @param {unknown} err */
    const fail = (err) => {
      if (this.exiting) return;
      this.deps.logger.logError('Invoke Error', err);
      kit.fail(err).then(afterResponse);
    };
    // The loop emptied before the handler settled: end the stream with Runtime.NodeJsExit.
    this.beforeExit = () => {
      this.beforeExit = NOOP;
      fail(new NodeJsExit());
    };

    let result;
    try {
      /** @type {Record<string, unknown>} */
      const context = contextData(ev.headers, this.deps.env);
      if (!this.deps.node24) {
        Object.defineProperty(context, 'callbackWaitsForEmptyEventLoop', {
          get: () => waitForEmptyEventLoop,
          set: (value) => {
            waitForEmptyEventLoop = value;
          },
          enumerable: true,
        });
      }
      result = this.deps.handler(JSON.parse(ev.body), kit.stream, context);
    } catch (err) {
      fail(err);
      return;
    }
    if (!isPromise(result)) {
      // the RIC of nodejs20.x/22.x fails with this string, the newer one with an Error
      const message = 'Streaming does not support non-async handlers.';
      fail(this.deps.node24 ? new Error(message) : message);
      return;
    }
    result.then(
      (/** @type {unknown} */ value) => {
        if (value !== undefined) console.warn('Streaming handlers ignore return values.');
        if (!kit.stream.writableEnded) {
          const message = 'Response stream is not finished.';
          fail(this.deps.node24 ? new Error(message) : message);
          return;
        }
        this.beforeExit = NOOP;
        afterResponse();
      },
      (/** @type {unknown} */ err) => fail(err),
    );
  }
}

module.exports = { Runtime };

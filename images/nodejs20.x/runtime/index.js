// @ts-check
/**
 * The Node.js runtime of the `nodejs20.x` image: an AWS Lambda Runtime API client that behaves
 * like AWS's aws-lambda-nodejs-runtime-interface-client (handler string parsing, module loading,
 * Runtime.* init errors, callback/async handlers, callbackWaitsForEmptyEventLoop, the console
 * format, uncaught exception handling). Node.js built-ins only.
 *
 * Orchestrator protocol: right before posting an invocation's /response or /error, the line
 * `\u001eEND <requestId>` is written to stdout, so the orchestrator knows every log line of that
 * invocation has been read. The process may be frozen (docker pause) while GET /invocation/next
 * is pending, for any length of time: no request here has a timeout.
 */
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const RUNTIME_PREFIX = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId');

// ---------------------------------------------------------------------------------------------
// stdout: synchronous, whole writes so that the order of lines is exact.

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** @param {string} text */
function writeStdout(text) {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  let spins = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off, buf.length - off);
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      // stdout turned non-blocking (someone used process.stdout) and the pipe is full: wait a bit.
      if (code === 'EAGAIN' && spins++ < 100000) {
        Atomics.wait(sleepCell, 0, 0, 1);
        continue;
      }
      return; // stdout gone (EPIPE...): nothing sensible left to do with a log line
    }
  }
}

/** @param {string} requestId */
function writeEndMarker(requestId) {
  writeStdout(`\u001eEND ${requestId}\n`);
}

/**
 * process.stdout / process.stderr, once the function has used them. Their writes to a pipe may be
 * queued (a large write, a full pipe), so the end marker waits for them: it must come last.
 * @type {NodeJS.WriteStream[]}
 */
const usedStdio = [];

function trackStdio() {
  for (const name of /** @type {const} */ (['stdout', 'stderr'])) {
    const desc = Object.getOwnPropertyDescriptor(process, name);
    const get = desc && desc.get;
    if (!desc || !get || !desc.configurable) continue;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: desc.enumerable,
      get() {
        const stream = get.call(process);
        if (!usedStdio.includes(stream)) usedStdio.push(stream);
        return stream;
      },
    });
  }
}

/**
 * Calls `done` once process.stdout/stderr hold no queued output (at once when they hold none).
 * @param {() => void} done
 */
function whenStdioFlushed(done) {
  const pending = () => usedStdio.some((s) => s.writableLength > 0);
  if (!pending()) return done();
  const giveUpAt = Date.now() + 2000;
  const poll = () => (pending() && Date.now() < giveUpAt ? setTimeout(poll, 1) : done());
  setTimeout(poll, 1);
}

// ---------------------------------------------------------------------------------------------
// Errors, as the RIC shapes them.

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
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
for (const cls of [ImportModuleError, HandlerNotFound, MalformedHandlerName, UserCodeSyntaxError, NodeJsExit, UnhandledPromiseRejection]) {
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

/**
 * The body of /init/error and /invocation/{id}/error.
 * @param {any} error
 * @returns {{errorType: string, errorMessage: string, trace?: string[]}}
 */
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
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

/** @param {any} error */
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch (_err) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

/** @param {unknown} err */
function intoError(err) {
  return err instanceof Error ? err : new Error(/** @type {any} */ (err));
}

// ---------------------------------------------------------------------------------------------
// Console: one line per call, `<ISO time>\t<request id>\t<LEVEL>\t<message>`, newlines as \r.

/** @returns {string | undefined} */
function currentRequestId() {
  return /** @type {any} */ (globalThis)[REQUEST_ID_SYMBOL];
}

/** @param {string | undefined} id */
function setCurrentRequestId(id) {
  /** @type {any} */ (globalThis)[REQUEST_ID_SYMBOL] = id;
}

/**
 * @param {string} level
 * @param {unknown} message
 * @param {unknown[]} params
 */
function logLine(level, message, params) {
  const line = `${new Date().toISOString()}\t${currentRequestId()}\t${level}\t${util.format(message, ...params)}`;
  writeStdout(line.replace(/\n/g, '\r') + '\n');
}

/**
 * What the RIC's structuredConsole.logError prints, e.g. `Invoke Error \t{"errorType":...}`.
 * @param {string} what
 * @param {unknown} err
 */
function logError(what, err) {
  logLine('ERROR', what, [toFormatted(intoError(err))]);
}

function patchConsole() {
  /** @type {Record<string, string>} */
  const levels = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', log: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'FATAL' };
  const anyConsole = /** @type {any} */ (console);
  for (const [method, level] of Object.entries(levels)) {
    anyConsole[method] = (/** @type {unknown} */ message, /** @type {unknown[]} */ ...params) => logLine(level, message, params);
  }
}

// ---------------------------------------------------------------------------------------------
// Runtime API client: one keep-alive socket, no timeouts (the process may be frozen for hours
// while GET /next is pending). Idle keep-alive sockets are unref'd by Node's Agent, so they never
// keep the event loop alive (callbackWaitsForEmptyEventLoop relies on that).

/**
 * @param {string} hostPort
 * @returns {{host: string, port: number}}
 */
function parseHostPort(hostPort) {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(hostPort) || /^([^:]+):(\d+)$/.exec(hostPort);
  if (!m) throw new Error(`AWS_LAMBDA_RUNTIME_API must be host:port, got '${hostPort}'`);
  return { host: m[1], port: Number(m[2]) };
}

/** @typedef {{status: number, headers: http.IncomingHttpHeaders, body: string}} ApiResponse */

class RuntimeApiClient {
  /** @param {string} hostPort */
  constructor(hostPort) {
    const { host, port } = parseHostPort(hostPort);
    this.host = host;
    this.port = port;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /**
   * @param {string} method
   * @param {string} urlPath
   * @param {string | undefined} body
   * @param {Record<string, string>} [headers]
   * @returns {Promise<ApiResponse>}
   */
  request(method, urlPath, body, headers) {
    /** @type {Record<string, string | number>} */
    const allHeaders = { ...(headers || {}) };
    if (body !== undefined) {
      allHeaders['Content-Type'] = 'application/json';
      allHeaders['Content-Length'] = Buffer.byteLength(body, 'utf8');
    }
    /** @param {boolean} mayRetry @returns {Promise<ApiResponse>} */
    const attempt = (mayRetry) =>
      new Promise((resolve, reject) => {
        const req = http.request(
          { host: this.host, port: this.port, method, path: RUNTIME_PREFIX + urlPath, agent: this.agent, headers: allHeaders },
          (res) => {
            /** @type {Buffer[]} */
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode || 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', (err) => {
          // The server closed an idle keep-alive socket just as we reused it: nothing was
          // processed, send again on a fresh connection.
          const code = /** @type {NodeJS.ErrnoException} */ (err).code;
          if (mayRetry && req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) {
            attempt(false).then(resolve, reject);
          } else {
            reject(err);
          }
        });
        req.end(body);
      });
    return attempt(true);
  }

  /** @returns {Promise<ApiResponse>} */
  async nextInvocation() {
    const res = await this.request('GET', '/invocation/next', undefined);
    if (res.status !== 200) throw new Error(`GET /invocation/next answered ${res.status}: ${res.body}`);
    return res;
  }

  /**
   * @param {string} id
   * @param {string} body
   */
  postResponse(id, body) {
    return this.request('POST', `/invocation/${encodeURIComponent(id)}/response`, body);
  }

  /**
   * @param {string} id
   * @param {unknown} error
   */
  postInvocationError(id, error) {
    const response = toRapidResponse(error);
    return this.request('POST', `/invocation/${encodeURIComponent(id)}/error`, JSON.stringify(response), {
      [ERROR_TYPE_HEADER]: sanitizeHeader(response.errorType),
    });
  }

  /** @param {unknown} error */
  postInitError(error) {
    const response = toRapidResponse(error);
    return this.request('POST', '/init/error', JSON.stringify(response), { [ERROR_TYPE_HEADER]: sanitizeHeader(response.errorType) });
  }
}

/** @param {string} value */
function sanitizeHeader(value) {
  // eslint-disable-next-line no-control-regex
  return String(value).replace(/[^\t\x20-\x7e]/g, '?');
}

// ---------------------------------------------------------------------------------------------
// Loading the handler, as the RIC does.

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

/**
 * @param {string} file
 * @returns {any}
 */
function tryRequireFile(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

/**
 * @param {string} file
 * @returns {Promise<any>}
 */
async function tryImportFile(file) {
  return fs.existsSync(file) ? import(pathToFileURL(file).href) : undefined;
}

/**
 * Is the nearest package.json above `folder` of `"type": "module"`?
 * @param {string} folder
 * @returns {boolean}
 */
function hasPackageJsonTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj, 'utf8'));
      return Boolean(pkg && pkg.type === 'module');
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/' || path.dirname(folder) === folder) return false;
  return hasPackageJsonTypeModule(path.dirname(folder));
}

/**
 * @param {string} appRoot
 * @param {string} moduleRoot
 * @param {string} moduleName
 * @returns {Promise<any>}
 */
async function loadModule(appRoot, moduleRoot, moduleName) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, moduleName);

  const extensionless = tryRequireFile(lambdaStylePath);
  if (extensionless) return extensionless;

  const typeModule = hasPackageJsonTypeModule(path.dirname(lambdaStylePath));
  if (!typeModule) {
    const loaded = tryRequireFile(lambdaStylePath + '.js');
    if (loaded) return loaded;
  }
  const loaded =
    (typeModule && (await tryImportFile(lambdaStylePath + '.js'))) ||
    (await tryImportFile(lambdaStylePath + '.mjs')) ||
    tryRequireFile(lambdaStylePath + '.cjs');
  if (loaded) return loaded;

  // Last resort, as Lambda: a module resolved the Node way from the task root (node_modules...).
  // This is also what produces Lambda's "Cannot find module 'index'\nRequire stack:..." error.
  const nodeStylePath = require.resolve(moduleName, { paths: [appRoot, moduleRoot] });
  return require(nodeStylePath);
}

/**
 * @param {string} appRoot
 * @param {string} fullHandlerString
 * @returns {Promise<Function>}
 */
async function loadHandler(appRoot, fullHandlerString) {
  if (fullHandlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  // Module path = everything up to the first `.` after the last `/`; the rest is the export path.
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
  const match = handlerString.match(FUNCTION_EXPR);
  if (!match || match.length !== 3) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, handlerPath] = match;

  let app;
  try {
    app = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(/** @type {any} */ (e));
    if (e && /** @type {any} */ (e).code === 'MODULE_NOT_FOUND') throw new ImportModuleError(/** @type {any} */ (e));
    throw e;
  }

  const handler = handlerPath.split('.').reduce((/** @type {any} */ nested, key) => nested && nested[key], app);
  if (!handler) throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${fullHandlerString} is not a function`);
  return handler;
}

// ---------------------------------------------------------------------------------------------
// The invoke loop.

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
 * @param {unknown} result
 * @returns {string}
 */
function serializeResult(result) {
  try {
    const json = JSON.stringify(result === undefined ? null : result);
    // JSON.stringify of a function or a symbol gives undefined
    return json === undefined ? 'null' : json;
  } catch (_err) {
    throw new Error('Unable to stringify response body');
  }
}

/** @param {any} value */
function isPromise(value) {
  return Boolean(value && typeof value.then === 'function');
}

/** @param {Function} fn */
function isAsyncFunction(fn) {
  try {
    return Boolean(fn && fn.constructor && fn.constructor.name === 'AsyncFunction');
  } catch (_err) {
    return false;
  }
}

const NOOP = () => {};

class Runtime {
  /** @param {RuntimeApiClient} client */
  constructor(client) {
    this.client = client;
    /** @type {'init' | 'ready'} */
    this.phase = 'init';
    /** @type {Function | undefined} */
    this.handler = undefined;
    /** The invocation being served, until its result is posted. @type {{id: string, finished: boolean} | undefined} */
    this.current = undefined;
    /** Called on 'beforeExit' (event loop empty). */
    this.beforeExit = NOOP;
    /** The last POST in flight, so an exit does not cut it off. @type {Promise<unknown>} */
    this.lastPost = Promise.resolve();
    this.exiting = false;
  }

  async start() {
    process.on('uncaughtException', (error) => {
      logError('Uncaught Exception', error);
      this.fatal(error, 129);
    });
    process.on('unhandledRejection', (reason, promise) => {
      const error = new UnhandledPromiseRejection(reason, promise);
      logError('Unhandled Promise Rejection', error);
      this.fatal(error, 128);
    });
    process.on('beforeExit', () => this.beforeExit());

    const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
    let handler;
    try {
      handler = await loadHandler(taskRoot, process.env._HANDLER || '');
    } catch (error) {
      logError('Uncaught Exception', error);
      this.exiting = true;
      await this.client.postInitError(error).catch(reportApiFailure);
      process.exit(1);
      return;
    }
    this.handler = handler;
    this.phase = 'ready';
    this.next();
  }

  /** Ask for the next invocation; the container is frozen while this request is pending. */
  next() {
    if (this.exiting) return;
    this.client.nextInvocation().then(
      (res) => this.invoke(res),
      (err) => {
        reportApiFailure(err);
        process.exit(1);
      },
    );
  }

  /**
   * The uncaughtException / unhandledRejection path.
   * @param {unknown} error
   * @param {number} exitCode
   */
  fatal(error, exitCode) {
    if (this.exiting) return;
    this.exiting = true;
    const exit = () => process.exit(exitCode);
    if (this.phase === 'init') {
      this.client.postInitError(error).catch(reportApiFailure).finally(exit);
      return;
    }
    const inv = this.current;
    if (inv && !inv.finished) {
      inv.finished = true;
      this.beforeExit = NOOP;
      writeEndMarker(inv.id);
      this.client.postInvocationError(inv.id, error).catch(reportApiFailure).finally(exit);
      return;
    }
    // Outside an invocation (a timer firing after the thaw...): let a POST in flight finish.
    this.lastPost.finally(exit);
  }

  /**
   * Post the outcome of the invocation, then ask for the next one straight away.
   * @param {{id: string, finished: boolean}} inv
   * @param {() => Promise<ApiResponse>} post
   */
  finish(inv, post) {
    inv.finished = true;
    this.beforeExit = NOOP;
    whenStdioFlushed(() => {
      writeEndMarker(inv.id);
      const p = post();
      this.lastPost = p.catch(NOOP);
      p.then(
        () => {
          if (this.current === inv) this.current = undefined;
          this.next();
        },
        (err) => {
          reportApiFailure(err);
          process.exit(1);
        },
      );
    });
  }

  /**
   * @param {{id: string, finished: boolean}} inv
   * @param {unknown} result
   */
  succeedWith(inv, result) {
    if (inv.finished || this.exiting) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    let body;
    try {
      body = serializeResult(result);
    } catch (err) {
      this.failWith(inv, err);
      return;
    }
    this.finish(inv, () => this.client.postResponse(inv.id, body));
  }

  /**
   * @param {{id: string, finished: boolean}} inv
   * @param {unknown} error
   */
  failWith(inv, error) {
    if (inv.finished || this.exiting) return;
    logError('Invoke Error', error);
    this.finish(inv, () => this.client.postInvocationError(inv.id, error));
  }

  /** @param {ApiResponse} res */
  invoke(res) {
    const headers = res.headers;
    const id = headerValue(headers['lambda-runtime-aws-request-id']);
    if (!id) {
      reportApiFailure(new Error('GET /invocation/next answered without Lambda-Runtime-Aws-Request-Id'));
      process.exit(1);
      return;
    }
    setCurrentRequestId(id);
    const inv = { id, finished: false };
    this.current = inv;

    const traceId = headerValue(headers['lambda-runtime-trace-id']);
    if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
    else delete process.env._X_AMZN_TRACE_ID;

    // callback / done / succeed / fail: only the first call counts.
    let called = false;
    let waitForEmptyEventLoop = true;
    /** @param {(...args: any[]) => void} fn */
    const once =
      (fn) =>
      (/** @type {any[]} */ ...args) => {
        if (called) return;
        called = true;
        fn(...args);
      };
    /** @param {unknown} err @param {unknown} result */
    const done = (err, result) => {
      this.beforeExit = NOOP;
      if (err !== undefined && err !== null) this.failWith(inv, err);
      else this.succeedWith(inv, result);
    };
    const callback = once((/** @type {unknown} */ err, /** @type {unknown} */ result) => {
      this.beforeExit = NOOP;
      if (err !== undefined && err !== null) {
        this.failWith(inv, err);
      } else if (!waitForEmptyEventLoop) {
        this.succeedWith(inv, result);
      } else {
        // Like Lambda: the result goes out once the event loop has nothing left to do.
        this.beforeExit = () => {
          this.beforeExit = NOOP;
          setImmediate(() => this.succeedWith(inv, result));
        };
      }
    });
    const succeed = once((/** @type {unknown} */ result) => done(null, result));
    const fail = once((/** @type {unknown} */ err) => done(err === undefined || err === null ? 'handled' : err, null));
    const legacyDone = once(done);

    const handler = /** @type {Function} */ (this.handler);
    let isAsync = isAsyncFunction(handler);
    // A handler that neither returns nor calls back before the loop empties: a sync one gets a
    // null result, an async one a Runtime.NodeJsExit error (as Lambda).
    this.beforeExit = () => {
      this.beforeExit = NOOP;
      called = true;
      if (isAsync) {
        const error = new NodeJsExit();
        this.failWith(inv, error);
      } else {
        this.succeedWith(inv, null);
      }
    };

    try {
      const deadline = Number(headerValue(headers['lambda-runtime-deadline-ms']));
      const context = {
        get callbackWaitsForEmptyEventLoop() {
          return waitForEmptyEventLoop;
        },
        set callbackWaitsForEmptyEventLoop(value) {
          waitForEmptyEventLoop = value;
        },
        succeed,
        fail,
        done: legacyDone,
        functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
        clientContext: parseJsonHeader(headerValue(headers['lambda-runtime-client-context']), 'ClientContext'),
        identity: parseJsonHeader(headerValue(headers['lambda-runtime-cognito-identity']), 'CognitoIdentity'),
        invokedFunctionArn: headerValue(headers['lambda-runtime-invoked-function-arn']),
        awsRequestId: id,
        getRemainingTimeInMillis() {
          return deadline - Date.now();
        },
      };
      const event = JSON.parse(res.body);
      const result = handler(event, context, callback);
      if (isPromise(result)) {
        isAsync = true;
        result.then(succeed, fail).then(undefined, fail);
      }
    } catch (err) {
      callback(err);
    }
  }
}

/** @param {unknown} err */
function reportApiFailure(err) {
  try {
    fs.writeSync(2, `lambda runtime: Runtime API request failed: ${err instanceof Error ? err.stack || err.message : String(err)}\n`);
  } catch (_e) {
    // nothing left to report to
  }
}

function main() {
  patchConsole();
  trackStdio();
  const api = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!api) {
    reportApiFailure(new Error('AWS_LAMBDA_RUNTIME_API is not set'));
    process.exit(1);
  }
  let client;
  try {
    client = new RuntimeApiClient(api);
  } catch (err) {
    reportApiFailure(err);
    process.exit(1);
  }
  new Runtime(client).start().catch((err) => {
    reportApiFailure(err);
    process.exit(1);
  });
}

main();

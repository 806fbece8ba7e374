// @ts-check
/** Loading the handler named by _HANDLER, as the RIC does (RIC: UserFunction.js). */
'use strict';

const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const { HandlerNotFound, MalformedHandlerName, ImportModuleError, UserCodeSyntaxError, MalformedStreamingHandler } = require('./errors');

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';

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
  if (path.dirname(folder) === folder) return false;
  return hasPackageJsonTypeModule(path.dirname(folder));
}

/**
 * extensionless, .js (CommonJS, or ESM in a "type": "module" package), .mjs, .cjs, then Node resolution.
 * @param {string} appRoot
 * @param {string} moduleRoot
 * @param {string} moduleName
 * @returns {Promise<any>}
 */
async function loadModule(appRoot, moduleRoot, moduleName) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, moduleName);

  const extensionless = tryRequireFile(lambdaStylePath);
  if (extensionless) return extensionless;

  const typeModule = fs.existsSync(lambdaStylePath + '.js') && hasPackageJsonTypeModule(path.dirname(lambdaStylePath));
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
  return require(require.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

/**
 * The handler function named by `fullHandlerString` (`lib/app.handlers.main`: module `lib/app`,
 * export path `handlers.main`), or a Runtime.* error.
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

/**
 * @typedef {{streaming: boolean, highWaterMark: number | undefined, isAsync: boolean, argsNum: number}} HandlerMetadata
 */

/**
 * @param {Function} handler
 * @returns {HandlerMetadata}
 */
function handlerMetadata(handler) {
  const marks = /** @type {Record<symbol, unknown>} */ (/** @type {unknown} */ (handler));
  const mode = marks[HANDLER_STREAMING];
  if (mode !== undefined && mode !== null && mode !== false && mode !== STREAM_RESPONSE) {
    throw new MalformedStreamingHandler('Only response streaming is supported.');
  }
  const hwm = parseInt(String(marks[HANDLER_HIGHWATERMARK]), 10);
  let isAsync = false;
  try {
    isAsync = Boolean(handler.constructor && handler.constructor.name === 'AsyncFunction');
  } catch (_err) {
    // a handler with a throwing `constructor` getter: not async
  }
  return { streaming: mode === STREAM_RESPONSE, highWaterMark: Number.isNaN(hwm) ? undefined : hwm, isAsync, argsNum: handler.length };
}

module.exports = { loadHandler, handlerMetadata, HANDLER_STREAMING, HANDLER_HIGHWATERMARK, STREAM_RESPONSE };

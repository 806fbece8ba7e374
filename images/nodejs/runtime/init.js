// @ts-check
/** The init phase: load the handler and check it against the runtime's rules. */
'use strict';

const { loadHandler, handlerMetadata } = require('./user-function');
const { CallbackHandlerDeprecated } = require('./errors');
const { CALLBACK_ERROR_NODEJS24_ABOVE } = require('./node-rules');

/**
 * @param {{taskRoot: string, handlerString: string, node24: boolean}} options
 * @returns {Promise<{handler: Function, metadata: import('./user-function').HandlerMetadata}>}
 */
async function loadFunction({ taskRoot, handlerString, node24 }) {
  const handler = await loadHandler(taskRoot, handlerString);
  const metadata = handlerMetadata(handler);
  // nodejs24.x: a handler declaring a third (callback) parameter is refused, async or not
  if (node24 && metadata.argsNum >= 3 && !metadata.streaming) throw new CallbackHandlerDeprecated(CALLBACK_ERROR_NODEJS24_ABOVE);
  return { handler, metadata };
}

module.exports = { loadFunction };

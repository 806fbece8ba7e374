// @ts-check
/**
 * What differs between the Node.js runtimes. nodejs24.x runs AWS's newer runtime client: no
 * callback-style handlers (init fails with Runtime.CallbackHandlerDeprecated), whatever a handler
 * returns is awaited, and the context has no callbackWaitsForEmptyEventLoop/succeed/fail/done.
 */
'use strict';

const CALLBACK_ERROR_NODEJS24_ABOVE =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {string} nodeVersion process.version
 * @returns {boolean}
 */
function usesNode24Rules(env, nodeVersion) {
  const m = /^AWS_Lambda_nodejs(\d+)\.x$/.exec(env.AWS_EXECUTION_ENV || '');
  const major = m ? Number(m[1]) : Number(/^v(\d+)/.exec(nodeVersion)?.[1] || 0);
  return major >= 24;
}

module.exports = { usesNode24Rules, CALLBACK_ERROR_NODEJS24_ABOVE };

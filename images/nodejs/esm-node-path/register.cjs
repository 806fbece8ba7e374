// @ts-check
/**
 * Preloaded by the Node.js images' entrypoint (`node --require`): ES module `import`s of bare
 * specifiers fall back to the folders of NODE_PATH, as Lambda's Node.js (18 and later) resolves
 * them, so `import { S3Client } from '@aws-sdk/client-s3'` finds the runtime's SDK in
 * /var/runtime/node_modules and a layer's packages in /opt/nodejs/node_modules. Stock Node.js
 * consults NODE_PATH for require() only. The function's own node_modules still win: the fallback
 * runs only when the default resolution finds nothing.
 */
'use strict';
const mod = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { fallbackParents, isBareSpecifier } = require('./node-path.cjs');

const parents = fallbackParents(process.env.NODE_PATH);

if (parents.length === 0) {
  // Nothing to fall back to.
} else if (typeof mod.registerHooks === 'function') {
  // Node.js 22.15+ / 23.5+: synchronous hooks on this thread (no loader worker).
  mod.registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (err) {
        if (/** @type {{code?: string}} */ (err)?.code !== 'ERR_MODULE_NOT_FOUND' || !isBareSpecifier(specifier)) throw err;
        for (const parentURL of parents) {
          try {
            return nextResolve(specifier, { ...context, parentURL });
          } catch {
            // not in this folder
          }
        }
        throw err;
      }
    },
  });
} else if (typeof mod.register === 'function') {
  // Node.js 20.6+: the same hook, run by Node's loader thread.
  mod.register(pathToFileURL(path.join(__dirname, 'hooks.mjs')).href, { data: { parents } });
}

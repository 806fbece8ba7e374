// @ts-check
'use strict';
const { isBuiltin } = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

/**
 * For each `…/node_modules` folder of NODE_PATH, a parent URL from which Node's ES module resolver
 * looks into exactly that folder first (it walks `<dir>/node_modules` upwards from the parent).
 * @param {string | undefined} nodePath
 * @returns {string[]}
 */
function fallbackParents(nodePath) {
  return (nodePath ?? '')
    .split(':')
    .filter((d) => path.isAbsolute(d) && path.basename(d) === 'node_modules')
    .map((d) => pathToFileURL(path.join(path.dirname(d), 'x.mjs')).href);
}

/** A package name (`pkg`, `@scope/pkg/sub`), not a path, URL or built-in. @param {string} s */
function isBareSpecifier(s) {
  return !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(s) && !isBuiltin(s);
}

module.exports = { fallbackParents, isBareSpecifier };

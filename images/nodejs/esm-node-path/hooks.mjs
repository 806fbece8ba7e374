// @ts-check
// The NODE_PATH fallback of register.cjs, for Node.js versions without module.registerHooks.
import { createRequire } from 'node:module';

const { isBareSpecifier } = createRequire(import.meta.url)('./node-path.cjs');
/** @type {string[]} */
let parents = [];

/** @param {{parents: string[]}} data */
export function initialize(data) {
  parents = data.parents;
}

/**
 * @param {string} specifier
 * @param {{parentURL?: string}} context
 * @param {(s: string, c: object) => Promise<unknown>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (/** @type {{code?: string}} */ (err)?.code !== 'ERR_MODULE_NOT_FOUND' || !isBareSpecifier(specifier)) throw err;
    for (const parentURL of parents) {
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch {
        // not in this folder
      }
    }
    throw err;
  }
}

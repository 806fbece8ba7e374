// @ts-check
/**
 * A young-generation collection at the end of the init, while the context's CPU is not yet limited
 * (the quota applies from the first invocation on). The init leaves megabytes of young objects that
 * survive (the function's modules, the runtime's own); without this their first scavenge came
 * during the first invocation, under the quota: at 128 MB (0.072 CPU, 7.2 ms per 100 ms CFS
 * period) that pushed a no-op's cold call into the next period (Duration ~40 ms instead of ~3).
 */
'use strict';

const v8 = require('v8');
const vm = require('vm');

/**
 * The collector, taken when the runtime boots (a stem's boot is off the cold path) without
 * exposing `gc` to the function: it is not on its global, and the flag is reset at once.
 * @returns {((options: {type: 'minor'}) => void) | undefined}
 */
function collector() {
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc');
  } catch {
    return undefined; // a Node.js that refuses the flag: the first invocation pays, as before
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

const gc = collector();

function collectInitGarbage() {
  if (gc) gc({ type: 'minor' });
}

module.exports = { collectInitGarbage };

// Shows execution-context reuse: module-level state and /tmp survive between invocations
// served by the same (frozen, then thawed) context.
const fs = require('node:fs');

let invocations = 0; // init code: runs once per context
const startedAt = new Date().toISOString();

exports.handler = async (event, context) => {
  invocations += 1;
  const cache = '/tmp/first-seen.txt';
  if (!fs.existsSync(cache)) fs.writeFileSync(cache, context.awsRequestId);
  console.log(`invocation ${invocations} of this context`);
  return {
    message: `hello ${event.name ?? 'world'}`,
    invocations,
    contextStartedAt: startedAt,
    firstRequestInThisContext: fs.readFileSync(cache, 'utf8'),
  };
};

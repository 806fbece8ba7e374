// Module scope runs once per execution context (the "init"); a warm context keeps it.
const fs = require('node:fs');

let invocations = 0;

exports.handler = async (event) => {
  invocations += 1;
  if (event.remember !== undefined) fs.writeFileSync('/tmp/remembered.json', JSON.stringify(event.remember));
  const remembered = fs.existsSync('/tmp/remembered.json') ? JSON.parse(fs.readFileSync('/tmp/remembered.json', 'utf8')) : null;
  if (event.holdMs) await new Promise((resolve) => setTimeout(resolve, event.holdMs));
  return { invocations, remembered };
};

// Sleeps for event.ms (default 1000) milliseconds: handy to watch concurrency scale out.
exports.handler = async (event) => {
  const ms = Number(event.ms ?? 1000);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { sleptMs: ms };
};

// A response-streaming function (awslambda.streamifyResponse), LLM-style: words as they are
// "generated", one every 300 ms. Behind a function URL in RESPONSE_STREAM mode, HttpResponseStream.from
// sets the status and headers; `curl -N` prints each word as it is written.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const prompt = event.queryStringParameters?.prompt ?? event.prompt ?? 'stream me a sentence';
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' },
  });
  const words = `You asked: "${prompt}". Each of these words left the function on its own, 300 ms apart.`.split(' ');
  for (const word of words) {
    stream.write(`${word} `);
    await sleep(300);
  }
  stream.end('\n');
});

import net from 'node:net';
import type { Readable } from 'node:stream';
import { RuntimeApiServer } from '../../src/runtime-api/server';
import type { RuntimeInvocation, StreamedOutcome } from '../../src/runtime-api/types';
import { httpRequest, ProcessFaults, rawRequest } from './fuzz-support';
import { waitFor } from '../helpers/wait';

const P = '/2018-06-01/runtime';

/** Streaming (docs/invoke-api.md), the orchestrator's side: a runtime's streamed response (chunked, error trailers). */
describe('RuntimeApiServer: streamed responses', () => {
  const faults = new ProcessFaults();
  let api: RuntimeApiServer;
  beforeAll(() => faults.install());
  afterAll(() => faults.uninstall());
  beforeEach(async () => {
    api = await RuntimeApiServer.start('127.0.0.1', { onNext: () => undefined, onInitError: () => undefined });
  });
  afterEach(async () => {
    await api.close();
    expect(faults.seen).toEqual([]);
  });

  const inv: RuntimeInvocation = {
    requestId: 's-1',
    payload: Buffer.from('{}'),
    deadlineMs: Date.now() + 60_000,
    functionArn: 'a',
    traceId: 't',
  };

  async function take(): Promise<void> {
    expect((await rawRequest(api.port, httpRequest('GET', `${P}/invocation/next`))).status).toBe(200);
  }

  /** A runtime's streaming POST, by hand: the head now, chunks and the end when the test says. */
  function streamingPost(contentType = 'application/octet-stream') {
    const socket = net.connect(api.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(
      `POST ${P}/invocation/s-1/response HTTP/1.1\r\nhost: x\r\nlambda-runtime-function-response-mode: streaming\r\n` +
        `content-type: ${contentType}\r\ntransfer-encoding: chunked\r\n` +
        'trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n',
    );
    return {
      socket,
      answer: () => answer,
      chunk: (text: string) => socket.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`),
      end: (trailers: Record<string, string> = {}) =>
        socket.write(
          `0\r\n${Object.entries(trailers)
            .map(([k, v]) => `${k}: ${v}\r\n`)
            .join('')}\r\n`,
        ),
    };
  }

  function collect(body: Readable): { text: () => string } {
    let text = '';
    body.on('data', (c: Buffer) => (text += c.toString('utf8')));
    return { text: () => text };
  }

  it('hands the stream over as it starts: the first chunk arrives before the function ends', async () => {
    const outcome = api.deliver(inv, { streaming: true });
    await take();
    const post = streamingPost('application/vnd.awslambda.http-integration-response');
    post.chunk('first ');
    const o = (await outcome) as StreamedOutcome;
    expect(o.kind).toBe('streaming');
    expect(o.contentType).toBe('application/vnd.awslambda.http-integration-response');
    const got = collect(o.body);
    await waitFor('the first chunk, with the stream still open', () => got.text() === 'first ');
    post.chunk('second');
    post.end();
    expect(await o.end).toEqual({ kind: 'complete', bytes: 12 });
    await waitFor('the whole body', () => got.text() === 'first second');
    await waitFor('the runtime told 202', () => post.answer().startsWith('HTTP/1.1 202'));
    post.socket.destroy();
  });

  it('a failure mid-stream: the error trailers, base64 body decoded', async () => {
    const outcome = api.deliver(inv, { streaming: true });
    await take();
    const post = streamingPost();
    post.chunk('partial');
    const o = (await outcome) as StreamedOutcome;
    collect(o.body);
    const errorBody = JSON.stringify({ errorType: 'Error', errorMessage: 'midway' });
    post.end({
      'Lambda-Runtime-Function-Error-Type': 'Error',
      'Lambda-Runtime-Function-Error-Body': Buffer.from(errorBody).toString('base64'),
    });
    expect(await o.end).toEqual({ kind: 'error', errorType: 'Error', errorBody: Buffer.from(errorBody), bytes: 7 });
    post.socket.destroy();
  });

  it("a caller that does not take streams gets the whole body, or the trailers' error, as a buffered outcome", async () => {
    const whole = api.deliver(inv);
    await take();
    const post = streamingPost();
    post.chunk('all ');
    post.chunk('at once');
    post.end();
    expect(await whole).toEqual({ kind: 'response', body: Buffer.from('all at once') });
    post.socket.destroy();

    const failing = api.deliver(inv);
    await take();
    const post2 = streamingPost();
    post2.chunk('x');
    post2.end({
      'Lambda-Runtime-Function-Error-Type': 'Runtime.Boom',
      'Lambda-Runtime-Function-Error-Body': Buffer.from('{"e":1}').toString('base64'),
    });
    expect(await failing).toEqual({ kind: 'error', errorType: 'Runtime.Boom', body: Buffer.from('{"e":1}') });
    post2.socket.destroy();
  });

  it("abandon() mid-stream (the invocation timed out) ends it as aborted and closes the runtime's request", async () => {
    const outcome = api.deliver(inv, { streaming: true });
    await take();
    const post = streamingPost();
    post.chunk('going');
    const o = (await outcome) as StreamedOutcome;
    const got = collect(o.body);
    await waitFor('first chunk', () => got.text() === 'going');
    api.abandon();
    expect(await o.end).toEqual({ kind: 'aborted', bytes: 5 });
    await waitFor("the runtime's request closed", () => post.socket.destroyed || post.socket.readableEnded);
    post.socket.destroy();
  });

  it('a runtime that goes away mid-stream: aborted, nothing else', async () => {
    const outcome = api.deliver(inv, { streaming: true });
    await take();
    const post = streamingPost();
    post.chunk('half');
    const o = (await outcome) as StreamedOutcome;
    collect(o.body);
    post.socket.destroy();
    expect(await o.end).toEqual({ kind: 'aborted', bytes: 4 });
    await waitFor('connection gone', async () => (await api.connections()) === 0);
  });

  it('a reader that goes away does not stop the function: the rest is discarded, the end still reported', async () => {
    const outcome = api.deliver(inv, { streaming: true });
    await take();
    const post = streamingPost();
    post.chunk('a');
    const o = (await outcome) as StreamedOutcome;
    o.body.destroy(new Error('client left'));
    for (let i = 0; i < 100; i++) post.chunk('x'.repeat(10_000));
    post.end();
    expect(await o.end).toEqual({ kind: 'complete', bytes: 1 + 100 * 10_000 });
    post.socket.destroy();
  });
});

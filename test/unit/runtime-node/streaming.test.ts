import * as http from 'node:http';
import { event, runHandler } from './fake-runtime-api';
import { runtimeModule } from './runtime-modules';
import { sleep } from '../../helpers/wait';
import { closeServer, listenOnLoopback } from '../../helpers/loopback';

const { streamifyResponse } = runtimeModule('awslambda-global.js');
const { HttpResponseStream } = runtimeModule('http-response-stream.js');

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  chunks: Buffer[];
  trailers: Record<string, string | undefined>;
}

/** A Runtime API stand-in for the streamed POST (the rest is the fake transport). */
async function streamServer() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const r: Received = { path: req.url ?? '', headers: req.headers, chunks: [], trailers: {} };
    received.push(r);
    req.on('data', (c: Buffer) => r.chunks.push(c));
    req.on('end', () => {
      r.trailers = req.trailers;
      res.writeHead(202).end();
    });
  });
  const port = await listenOnLoopback(server);
  const openStream = (path: string, headers: Record<string, string | string[]>) =>
    http.request({ host: '127.0.0.1', port, method: 'POST', path, headers, agent: false });
  return { received, openStream, close: () => closeServer(server) };
}

describe('response streaming', () => {
  it('chunked POST in streaming mode, chunks as written, the next event after the POST completed', async () => {
    const s = await streamServer();
    const handler = streamifyResponse(async (_e: unknown, stream: any, ctx: any) => {
      ctx.callbackWaitsForEmptyEventLoop = false;
      stream.write('one ');
      await sleep(5);
      stream.write(Buffer.from('two '));
      stream.write({ three: 3 }); // objects are written as JSON, as the RIC does
      stream.end();
    });
    const h = runHandler(handler, [event('s1', {})], { openStream: s.openStream });
    expect(await h.exited).toBe(1);
    await s.close();
    const [r] = s.received;
    expect(r.path).toBe('/2018-06-01/runtime/invocation/s1/response');
    expect(r.headers['lambda-runtime-function-response-mode']).toBe('streaming');
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers.trailer).toBe('Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body');
    expect(Buffer.concat(r.chunks).toString()).toBe('one two {"three":3}');
    expect(r.trailers).toEqual({});
    expect(h.markers).toEqual(['s1']);
    expect(h.sent.map((x) => x.method)).toEqual(['GET', 'GET']); // no buffered POST
  });

  it('HttpResponseStream.from: its content type, the JSON prelude, 8 NUL bytes, then the body', async () => {
    const s = await streamServer();
    const prelude = { statusCode: 201, headers: { 'x-a': 'b' }, cookies: ['c=1'] };
    const handler = streamifyResponse(async (_e: unknown, stream: any, ctx: any) => {
      ctx.callbackWaitsForEmptyEventLoop = false;
      const out = HttpResponseStream.from(stream, prelude);
      out.write('body');
      out.end();
      expect(() => out.setContentType('text/plain')).toThrow('Cannot set content-type, too late.');
    });
    const h = runHandler(handler, [event('s2', {})], { openStream: s.openStream });
    await h.exited;
    await s.close();
    const [r] = s.received;
    expect(r.headers['content-type']).toBe('application/vnd.awslambda.http-integration-response');
    expect(Buffer.concat(r.chunks)).toEqual(Buffer.concat([Buffer.from(JSON.stringify(prelude)), Buffer.alloc(8), Buffer.from('body')]));
  });

  it('a failure mid-stream ends it with the error trailers (type, base64 JSON body)', async () => {
    const s = await streamServer();
    const handler = streamifyResponse(async (_e: unknown, stream: any, ctx: any) => {
      ctx.callbackWaitsForEmptyEventLoop = false;
      stream.write('partial');
      throw new RangeError('mid-stream');
    });
    const h = runHandler(handler, [event('s3', {})], { openStream: s.openStream });
    await h.exited;
    await s.close();
    const [r] = s.received;
    expect(Buffer.concat(r.chunks).toString()).toBe('partial');
    expect(r.trailers['lambda-runtime-function-error-type']).toBe('RangeError');
    const body = JSON.parse(Buffer.from(r.trailers['lambda-runtime-function-error-body']!, 'base64').toString());
    expect(body).toMatchObject({ errorType: 'RangeError', errorMessage: 'mid-stream' });
    expect(body.trace[0]).toBe('RangeError: mid-stream');
    expect(h.logged.map(([what]) => what)).toEqual(['Invoke Error']);
  });

  it('a stream left open when the handler returns fails with "Response stream is not finished."', async () => {
    const s = await streamServer();
    const handler = streamifyResponse(async (_e: unknown, stream: any, ctx: any) => {
      ctx.callbackWaitsForEmptyEventLoop = false;
      stream.write('x');
    });
    const h = runHandler(handler, [event('s4', {})], { openStream: s.openStream });
    await h.exited;
    await s.close();
    const body = JSON.parse(Buffer.from(s.received[0].trailers['lambda-runtime-function-error-body']!, 'base64').toString());
    expect(body).toEqual({ errorType: 'string', errorMessage: 'Response stream is not finished.', trace: [] });
  });

  it('nodejs20.x/22.x: by default the next event waits for the event loop to empty; nodejs24.x does not', async () => {
    const s = await streamServer();
    const handler = streamifyResponse(async (_e: unknown, stream: any) => {
      stream.end('done');
    });
    const h = runHandler(handler, [event('s5', {})], { openStream: s.openStream });
    await sleep(50);
    expect(h.sent).toHaveLength(1); // only the first GET /next
    h.runtime.onBeforeExit();
    expect(await h.exited).toBe(1);
    const h24 = runHandler(handler, [event('s6', {})], { openStream: s.openStream, node24: true });
    expect(await h24.exited).toBe(1);
    expect(h24.sent).toHaveLength(2);
    await s.close();
  });
});

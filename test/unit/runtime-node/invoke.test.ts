import { event, results, runHandler } from './fake-runtime-api';
import { sleep } from '../../helpers/wait';

describe('buffered invocations (nodejs20.x/22.x rules)', () => {
  it('async handlers: result posted, then the next event fetched in the same exchange', async () => {
    const h = runHandler(async (e: any) => ({ got: e.n }), [event('a', { n: 1 }), event('b', { n: 2 })]);
    expect(await h.exited).toBe(1); // the fake has no third event
    expect(results(h.sent)).toEqual([
      ['a/response', { got: 1 }],
      ['b/response', { got: 2 }],
    ]);
    expect(h.sent.map((r) => r.method)).toEqual(['GET', 'POST', 'GET', 'POST', 'GET']);
    expect(h.markers).toEqual(['a', 'b']);
  });

  it('errors: Invoke Error logged, /error with the RIC body and the error type header', async () => {
    const h = runHandler(async () => {
      throw new TypeError('nope');
    }, [event('a', {})]);
    await h.exited;
    const post = h.sent[1];
    expect(post.path).toBe('/2018-06-01/runtime/invocation/a/error');
    expect(post.headers).toEqual({
      'Lambda-Runtime-Function-Error-Type': 'TypeError',
      // ours: how long the runtime held the event, for the REPORT's Duration
      'lambda-runtime-orchestrator-duration-ms': expect.stringMatching(/^\d+\.\d{3}$/),
    });
    const body = JSON.parse(post.body!);
    expect(body).toMatchObject({ errorType: 'TypeError', errorMessage: 'nope' });
    expect(body.trace[0]).toBe('TypeError: nope');
    expect(h.logged[0][0]).toBe('Invoke Error');
  });

  it('callback with callbackWaitsForEmptyEventLoop=false answers at once; with the default, on beforeExit', async () => {
    const quick = runHandler(
      (_e: unknown, ctx: any, cb: Function) => {
        ctx.callbackWaitsForEmptyEventLoop = false;
        cb(null, 'now');
      },
      [event('a', {})],
    );
    await quick.exited;
    expect(results(quick.sent)).toEqual([['a/response', 'now']]);

    const waiting = runHandler((_e: unknown, _ctx: unknown, cb: Function) => cb(null, 'later'), [event('a', {})]);
    await sleep(20);
    expect(results(waiting.sent)).toEqual([]); // waits for the event loop to empty
    waiting.runtime.onBeforeExit();
    await waiting.exited;
    expect(results(waiting.sent)).toEqual([['a/response', 'later']]);
  });

  it('only the first of callback/succeed/fail/done counts; fail() with nothing is "handled"', async () => {
    const h = runHandler(
      (_e: unknown, ctx: any, cb: Function) => {
        ctx.fail();
        ctx.succeed('no');
        cb(null, 'no');
      },
      [event('a', {})],
    );
    await h.exited;
    expect(results(h.sent)).toEqual([['a/error', { errorType: 'string', errorMessage: 'handled', trace: [] }]]);
  });

  it('a sync handler that never calls back gets null once the loop empties; an async one Runtime.NodeJsExit', async () => {
    const sync = runHandler(() => undefined, [event('a', {})]);
    await sleep(10); // the handler has run
    sync.runtime.onBeforeExit();
    await sync.exited;
    expect(results(sync.sent)).toEqual([['a/response', null]]);
    const never = runHandler(async () => new Promise(() => undefined), [event('a', {})]);
    await sleep(10);
    never.runtime.onBeforeExit();
    await never.exited;
    expect(results(never.sent)[0][1].errorType).toBe('Runtime.NodeJsExit');
  });

  it('the context: request data from the headers, function data from the environment', async () => {
    let seen: any;
    const h = runHandler(
      async (_e: unknown, ctx: any) => {
        seen = { ...ctx, remaining: ctx.getRemainingTimeInMillis() };
      },
      [
        event(
          'req-9',
          {},
          {
            'lambda-runtime-client-context': '{"custom":{"k":"v"}}',
            'lambda-runtime-cognito-identity': '{"cognitoIdentityId":"id"}',
            'lambda-runtime-trace-id': 'Root=1-abc',
          },
        ),
      ],
    );
    await h.exited;
    expect(seen).toMatchObject({
      awsRequestId: 'req-9',
      functionName: 'f',
      functionVersion: '$LATEST',
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/f',
      logStreamName: 'stream',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      clientContext: { custom: { k: 'v' } },
      identity: { cognitoIdentityId: 'id' },
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(typeof seen.succeed).toBe('function');
    expect(seen.remaining).toBeGreaterThan(0);
    expect(h.env._X_AMZN_TRACE_ID).toBe('Root=1-abc');
  });

  it('a malformed client context fails the invocation; an unserializable result is an error', async () => {
    const bad = runHandler(async () => 'x', [event('a', {}, { 'lambda-runtime-client-context': '{' })]);
    await bad.exited;
    expect(results(bad.sent)[0][1].errorMessage).toMatch(/^Cannot parse ClientContext as json/);
    const circular: any = {};
    circular.self = circular;
    const unser = runHandler(async () => circular, [event('a', {})]);
    await unser.exited;
    expect(results(unser.sent)[0]).toEqual(['a/error', expect.objectContaining({ errorMessage: 'Unable to stringify response body' })]);
  });

  it('fatal (uncaught exception): the current invocation gets the error, marker first, then exit', async () => {
    const h = runHandler(async () => new Promise(() => undefined), [event('a', {})]);
    await sleep(10);
    h.runtime.fatal(new Error('boom'), 129);
    expect(await h.exited).toBe(129);
    expect(h.markers).toEqual(['a']);
    expect(results(h.sent)).toEqual([['a/error', expect.objectContaining({ errorType: 'Error', errorMessage: 'boom' })]]);
  });
});

describe('nodejs24.x rules', () => {
  it('whatever a non-async handler returns is awaited', async () => {
    const h = runHandler((e: any) => new Promise((r) => setTimeout(() => r({ late: e.n }), 10)), [event('a', { n: 5 })], { node24: true });
    await h.exited;
    expect(results(h.sent)).toEqual([['a/response', { late: 5 }]]);
  });

  it('a plain value or a throw from a sync handler; no callback parts on the context', async () => {
    let ctx: any;
    const h = runHandler(
      (_e: unknown, c: any) => {
        ctx = c;
        return 7;
      },
      [event('a', {})],
      { node24: true },
    );
    await h.exited;
    expect(results(h.sent)).toEqual([['a/response', 7]]);
    expect(ctx.succeed).toBeUndefined();
    expect(ctx.done).toBeUndefined();
    expect(ctx.awsRequestId).toBe('a');
    const t = runHandler(
      () => {
        throw new Error('sync throw');
      },
      [event('a', {})],
      { node24: true },
    );
    await t.exited;
    expect(results(t.sent)[0][1].errorMessage).toBe('sync throw');
  });
});

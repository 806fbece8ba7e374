import { deadlineIn, logLines, requirePython311, runRuntime } from './harness';

beforeAll(requirePython311);

describe('python runtime: invocations', () => {
  it('posts a dict, a str, None and bytes as Lambda marshals them, and keeps globals between calls', async () => {
    const r = await runRuntime({
      fixture: 'basic',
      handler: 'app.handler',
      events: [
        { requestId: 'r-dict', payload: { action: 'dict' } },
        { requestId: 'r-str', payload: { action: 'str' } },
        { requestId: 'r-none', payload: { action: 'none' } },
        { requestId: 'r-bytes', payload: { action: 'bytes' } },
        { requestId: 'r-count', payload: { action: 'counter' } },
      ],
    });
    expect(r.posted.map((p) => [p.kind, p.requestId, p.body])).toEqual([
      ['response', 'r-dict', '{"hello": "world", "n": 1, "price": 1.5}'],
      ['response', 'r-str', '"just a string"'],
      ['response', 'r-none', 'null'],
      ['response', 'r-bytes', '\u0000raw'],
      ['response', 'r-count', '{"calls": 5}'],
    ]);
    expect(r.posted[3].headers['content-type']).toBe('application/unknown');
    // Init ran once: one "init of app" line for five invocations.
    expect(logLines(r.stdout).filter((l) => l === 'init of app')).toHaveLength(1);
    expect(r.connections).toBe(1);
  });

  it("writes the END marker after the invocation's output and before each POST", async () => {
    const r = await runRuntime({
      fixture: 'basic',
      handler: 'app.handler',
      events: [
        { requestId: 'e1', payload: { action: 'log' } },
        { requestId: 'e2', payload: { action: 'raise' } },
      ],
    });
    expect(r.posted.map((p) => p.kind)).toEqual(['response', 'error']);
    for (const p of r.posted) expect(p.stdoutAtPost.endsWith(`\u001eEND ${p.requestId}\n`)).toBe(true);
    const first = r.posted[0].stdoutAtPost;
    expect(first.indexOf('printed line')).toBeLessThan(first.indexOf('\u001eEND e1'));
    // The error's log record belongs to e2: after e1's marker, before e2's.
    const second = r.posted[1].stdoutAtPost;
    const errorAt = second.indexOf('[ERROR] KeyError');
    expect(errorAt).toBeGreaterThan(second.indexOf('\u001eEND e1'));
    expect(errorAt).toBeLessThan(second.indexOf('\u001eEND e2'));
  });

  it("answers a raised exception with Lambda's error body, frames from the function only", async () => {
    const r = await runRuntime({
      fixture: 'basic',
      handler: 'app.handler',
      events: [{ requestId: 'x1', payload: { action: 'raise', key: 'nope' } }],
    });
    const [p] = r.posted;
    expect(p.kind).toBe('error');
    expect(p.headers['lambda-runtime-function-error-type']).toBe('KeyError');
    const body = JSON.parse(p.body);
    expect(Object.keys(body)).toEqual(['errorMessage', 'errorType', 'requestId', 'stackTrace']);
    expect(body).toMatchObject({ errorMessage: "'nope'", errorType: 'KeyError', requestId: 'x1' });
    expect(body.stackTrace).toHaveLength(2);
    expect(body.stackTrace[0]).toMatch(/^ {2}File ".*\/fixtures\/basic\/app\.py", line \d+, in handler\n {4}return fail\(event\)\n$/);
    expect(body.stackTrace[1]).toMatch(/, in fail\n {4}raise KeyError\(event\.get\("key", "missing-key"\)\)\n$/);
    // Logged as the RIC does: one record, "\r" between lines, indentation as no-break spaces.
    const record = logLines(r.stdout).find((l) => l.startsWith('[ERROR] KeyError'));
    expect(record).toMatch(
      /^\[ERROR\] KeyError: 'nope'\rTraceback \(most recent call last\):\r\u00a0\u00a0File ".*app\.py", line \d+, in handler\r\u00a0{4}return fail\(event\)\r/,
    );
  });

  it('reports results it cannot marshal as Runtime.MarshalError', async () => {
    const r = await runRuntime({
      fixture: 'basic',
      handler: 'app.handler',
      events: [{ requestId: 'm1', payload: { action: 'unserializable' } }],
    });
    expect(JSON.parse(r.posted[0].body)).toEqual({
      errorMessage: 'Unable to marshal response: Object of type set is not JSON serializable',
      errorType: 'Runtime.MarshalError',
      requestId: 'm1',
      stackTrace: [],
    });
  });

  it("hands the handler Lambda's context object and sets _X_AMZN_TRACE_ID", async () => {
    const r = await runRuntime({
      fixture: 'basic',
      handler: 'app.handler',
      events: [
        {
          requestId: 'c1',
          payload: { action: 'context' },
          headers: {
            'lambda-runtime-client-context': JSON.stringify({
              custom: { a: 1 },
              env: { b: 2 },
              client: { installation_id: 'inst-1' },
            }),
            'lambda-runtime-cognito-identity': JSON.stringify({ cognitoIdentityId: 'cid', cognitoIdentityPoolId: 'pool' }),
          },
        },
        { requestId: 'c2', payload: { action: 'context' }, headers: { 'lambda-runtime-deadline-ms': deadlineIn(-1000) } },
      ],
    });
    const first = JSON.parse(r.posted[0].body);
    expect(first).toMatchObject({
      aws_request_id: 'c1',
      function_name: 'py-fn',
      function_version: '$LATEST',
      invoked_function_arn: 'arn:aws:lambda:us-east-1:000000000000:function:py-fn',
      memory_limit_in_mb: '256',
      log_group_name: '/aws/lambda/py-fn',
      log_stream_name: '2026/01/01/[$LATEST]abc',
      identity: { cognito_identity_id: 'cid', cognito_identity_pool_id: 'pool' },
      client_context: { custom: { a: 1 }, env: { b: 2 }, installation_id: 'inst-1' },
      trace_env: 'Root=1-00000000-c1',
    });
    expect(first.remaining).toBeGreaterThan(0);
    expect(first.remaining).toBeLessThanOrEqual(60_000);
    const second = JSON.parse(r.posted[1].body);
    expect(second).toMatchObject({ aws_request_id: 'c2', remaining: 0, client_context: null });
    expect(second.identity).toEqual({ cognito_identity_id: null, cognito_identity_pool_id: null });
  });

  it.each(['pkg/sub/mod.handler', 'pkg.sub.mod.handler'])('loads the handler %s from a package path', async (handler) => {
    const r = await runRuntime({ fixture: 'basic', handler, events: [{ requestId: 'p1', payload: {} }] });
    expect(r.posted[0].body).toBe('{"from": "pkg.sub.mod"}');
  });
});

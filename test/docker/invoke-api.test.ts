import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  RequestTooLargeException,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { startOrchestrator, type StartedOrchestrator } from '../../src/orchestrator';
import { CapturedLogs, FIXTURES } from '../helpers/orchestrator';
import { sleep, waitFor } from '../helpers/wait';
import { lambdaClient } from '../helpers/sdk';

/** Requests (docs/invoke-api.md): Lambda's Invoke API shapes, invocation types, and the AWS SDK's view of them. */
describe('the Invoke API, as AWS Lambda answers', () => {
  let orch: StartedOrchestrator;
  let client: LambdaClient;
  const logs = new CapturedLogs();
  const notices: string[] = [];
  let vanishingDir: string;

  beforeAll(async () => {
    // A function whose code disappears after start: the engine cannot create its container.
    vanishingDir = mkdtempSync(join(tmpdir(), 'orchestrator-vanishing-'));
    writeFileSync(join(vanishingDir, 'index.js'), 'exports.handler = async () => "never";\n');
    orch = await startOrchestrator({
      config: {
        settings: { stemContexts: 0 }, // `vanishing` must meet the engine's error at its first call, not a stem made before
        functions: {
          echo: { handler: 'index.handler', code: 'echo' },
          errors: { handler: 'index.handler', code: 'handler-errors' },
          bigResponse: { handler: 'index.handler', code: 'big-response', memorySize: 512, timeout: 30 }, // 6 MB to make and send: a slow host needs time
          alwaysFails: { handler: 'index.handler', code: 'always-fails' },
          capped: { handler: 'index.handler', code: 'sleeper', reservedConcurrency: 1, timeout: 10, memorySize: 256 },
          vanishing: { handler: 'index.handler', code: vanishingDir },
        },
      },
      baseDir: FIXTURES,
      logSink: logs,
      onProgress: (l) => notices.push(l),
    });
    client = lambdaClient(orch.url); // one attempt: 429 is retryable for the SDK; see it, do not retry it
  }, 180_000);

  afterAll(async () => {
    client?.destroy();
    await orch?.stop();
    rmSync(vanishingDir, { recursive: true, force: true });
  });

  const invokeUrl = (name: string) => `${orch.url}/2015-03-31/functions/${name}/invocations`;

  async function post(name: string, body: string | Buffer, headers: Record<string, string> = {}) {
    const res = await fetch(invokeUrl(name), { method: 'POST', body, headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text };
  }

  function reports(requestId: string): string[] {
    return logs.lines.filter((l) => l.includes(`REPORT RequestId: ${requestId}\t`));
  }

  describe("errors of the service: status, x-amzn-ErrorType and Lambda's JSON body", () => {
    it('an unknown function: 404 ResourceNotFoundException', async () => {
      const r = await post('no-such-function', '{}');
      expect(r.status).toBe(404);
      expect(r.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
      expect(r.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.parse(r.text)).toEqual({
        Type: 'User',
        message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function',
      });
    });

    it('a request body over 6 MB: 413 RequestTooLargeException', async () => {
      const r = await post('echo', JSON.stringify({ blob: 'x'.repeat(6 * 1024 * 1024) }));
      expect(r.status).toBe(413);
      expect(r.headers.get('x-amzn-errortype')).toBe('RequestTooLargeException');
      const body = JSON.parse(r.text);
      expect(body.Type).toBe('User');
      expect(body.message).toMatch(/^\d+ byte payload is too large for the RequestResponse invocation type \(limit 6291456 bytes\)$/);
    });

    it('exactly 6 MB is still accepted', async () => {
      const payload = JSON.stringify({ s: 'y'.repeat(6 * 1024 * 1024 - 8) });
      expect(Buffer.byteLength(payload)).toBe(6 * 1024 * 1024);
      const r = await post('echo', payload, { 'X-Amz-Invocation-Type': 'DryRun' });
      expect(r.status).toBe(204);
    });

    it('a body that is not JSON: 400 InvalidRequestContentException', async () => {
      const r = await post('echo', 'this is not json');
      expect(r.status).toBe(400);
      expect(r.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
      const body = JSON.parse(r.text);
      expect(body.Type).toBe('User');
      expect(body.message).toMatch(/^Could not parse request body into json: /);
    });

    it('a client context that is not base64 JSON: 400 InvalidRequestContentException', async () => {
      const r = await post('echo', '{}', { 'X-Amz-Client-Context': Buffer.from('not json').toString('base64') });
      expect(r.status).toBe(400);
      expect(r.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    });

    it('an internal failure (the engine cannot create the container): 500 ServiceException, logged once', async () => {
      rmSync(vanishingDir, { recursive: true, force: true });
      const r = await post('vanishing', '{}');
      expect(r.status).toBe(500);
      expect(r.headers.get('x-amzn-errortype')).toBe('ServiceException');
      const body = JSON.parse(r.text);
      expect(body.Type).toBe('Service');
      expect(typeof body.message).toBe('string');
      expect(notices.filter((l) => l.includes(body.message))).toHaveLength(1);
      // Still serving.
      expect((await post('echo', '{"after":"500"}')).status).toBe(200);
    });
  });

  describe('requests Lambda refuses: never a 500, nothing runs', () => {
    it.each(['%', '%ZZ', '%C0%AF'])('a malformed name %s: 400 ValidationException', async (name) => {
      const r = await post(name, '{}');
      expect(r.status).toBe(400);
      expect(r.headers.get('x-amzn-errortype')).toBe('ValidationException');
    });

    it('versions, aliases and ARNs of another account or region: 404 ResourceNotFoundException', async () => {
      for (const name of [
        'echo:v2',
        'echo?Qualifier=v999',
        'arn:aws:lambda:us-east-1:123456789012:function:echo',
        'arn:aws:lambda:eu-west-3:000000000000:function:echo',
      ]) {
        const [fn, query] = name.split('?');
        const res = await fetch(`${invokeUrl(encodeURIComponent(fn))}${query ? `?${query}` : ''}`, { method: 'POST', body: '{}' });
        expect([name, res.status, res.headers.get('x-amzn-errortype')]).toEqual([name, 404, 'ResourceNotFoundException']);
      }
      const arn = await post(encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST'), '{"arn":1}');
      expect(arn.status).toBe(200);
    });

    it("X-Amz-Log-Type: Bogus and a body that is not UTF-8: 400s in Lambda's shapes", async () => {
      const seen = notices.length;
      const bogus = await post('echo', '{}', { 'X-Amz-Log-Type': 'Bogus' });
      expect(bogus.status).toBe(400);
      expect(bogus.headers.get('x-amzn-errortype')).toBe('ValidationException');
      const latin1 = await post('echo', Buffer.from([0x22, 0xe9, 0x22]));
      expect(latin1.status).toBe(400);
      expect(JSON.parse(latin1.text).message).toMatch(/^Could not parse request body into json: /);
      expect(notices.slice(seen).filter((l) => l.includes('internal error'))).toEqual([]);
    });
  });

  describe('function errors', () => {
    it("a handler error: 200, X-Amz-Function-Error: Unhandled and Lambda's error body", async () => {
      const r = await post('errors', '{"mode":"throw"}');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-amz-function-error')).toBe('Unhandled');
      expect(r.headers.get('x-amz-executed-version')).toBe('$LATEST');
      const body = JSON.parse(r.text);
      expect(body).toMatchObject({ errorType: 'TypeError', errorMessage: expect.stringMatching(/^bad input/) });
      expect(Array.isArray(body.trace)).toBe(true);
    });

    it('a response over 6 MB becomes Function.ResponseSizeTooLarge; the context serves on', async () => {
      const r = await post('bigResponse', '{}');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-amz-function-error')).toBe('Unhandled');
      expect(JSON.parse(r.text)).toEqual({
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      });
      const small = await post('bigResponse', '{"small":true}');
      expect(small.status).toBe(200);
      expect(small.headers.get('x-amz-function-error')).toBeNull();
      expect(JSON.parse(small.text)).toEqual({ small: true });
    });
  });

  describe('invocation types', () => {
    it('Event: 202 at once, runs in the background', async () => {
      const r = await post('echo', '{"background":true}', { 'X-Amz-Invocation-Type': 'Event' });
      expect(r.status).toBe(202);
      expect(r.text).toBe('');
      const id = r.headers.get('x-amzn-requestid')!;
      expect(reports(id)).toHaveLength(0); // answered before the invocation ran, however fast the host
      await waitFor('one REPORT line', () => reports(id).length === 1);
      expect(logs.lines.some((l) => l.includes(`\t${id}\tINFO\techo {"background":true}`))).toBe(true);
    });

    it('Event: a failing function is retried twice (three attempts, same request id), each in the log', async () => {
      const r = await post('alwaysFails', '{}', { 'X-Amz-Invocation-Type': 'Event' });
      expect(r.status).toBe(202);
      const id = r.headers.get('x-amzn-requestid')!;
      await waitFor('three REPORT lines', () => reports(id).length === 3);
      const attempts = logs.lines.filter((l) => l.includes(`\t${id}\tINFO\tattempt `));
      expect(attempts.map((l) => l.replace(/^.*\tINFO\t/, ''))).toEqual([1, 2, 3].map((n) => `attempt ${n} for ${id}`));
      expect(logs.lines.filter((l) => l === `alwaysFails | START RequestId: ${id} Version: $LATEST`)).toHaveLength(3);
      for (const n of [1, 2, 3]) {
        expect(notices.some((l) => l.includes(id) && l.includes(`(attempt ${n}/3)`) && l.includes(`failure ${n}`))).toBe(true);
      }
      await sleep(3000);
      expect(reports(id)).toHaveLength(3); // no fourth attempt
    }, 40_000);

    it('DryRun: 204, nothing runs', async () => {
      const r = await post('echo', '{"dry":true}', { 'X-Amz-Invocation-Type': 'DryRun' });
      expect(r.status).toBe(204);
      expect(r.text).toBe('');
      const id = r.headers.get('x-amzn-requestid')!;
      await sleep(300);
      expect(logs.lines.some((l) => l.includes(id))).toBe(false);
    });

    it('DryRun of an unknown function: 404', async () => {
      const r = await post('nope', '{}', { 'X-Amz-Invocation-Type': 'DryRun' });
      expect(r.status).toBe(404);
    });
  });

  it('X-Amz-Client-Context reaches context.clientContext', async () => {
    const clientContext = { client: { installation_id: 'abc', app_title: 'tests' }, custom: { answer: 42 }, env: { locale: 'en' } };
    const r = await post('echo', '{}', { 'X-Amz-Client-Context': Buffer.from(JSON.stringify(clientContext)).toString('base64') });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).clientContext).toEqual(clientContext);
    const none = await post('echo', '{}');
    expect(JSON.parse(none.text).clientContext).toBeNull();
  });

  it('X-Amz-Log-Type: Tail returns X-Amz-Log-Result: base64 of START..REPORT', async () => {
    const r = await post('echo', '{"tail":1}', { 'X-Amz-Log-Type': 'Tail' });
    const id = r.headers.get('x-amzn-requestid')!;
    const tail = Buffer.from(r.headers.get('x-amz-log-result')!, 'base64').toString('utf8');
    expect(tail).toMatch(new RegExp(`^START RequestId: ${id} Version: \\$LATEST\\n`));
    expect(tail).toContain(`\t${id}\tINFO\techo {"tail":1}\n`);
    expect(tail).toMatch(new RegExp(`END RequestId: ${id}\\nREPORT RequestId: ${id}\\tDuration: [\\d.]+ ms\\t.*\\n$`));
  });

  describe('ListFunctions and GetFunction', () => {
    it("GET /2015-03-31/functions/ lists every function in Lambda's FunctionConfiguration shape", async () => {
      const res = await fetch(`${orch.url}/2015-03-31/functions/`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { Functions: Array<Record<string, unknown>> };
      expect(body.Functions.map((f) => f.FunctionName).sort()).toEqual(
        ['alwaysFails', 'bigResponse', 'capped', 'echo', 'errors', 'vanishing'].sort(),
      );
      expect(body.Functions.find((f) => f.FunctionName === 'capped')).toMatchObject({
        FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:capped',
        Runtime: 'nodejs24.x',
        Handler: 'index.handler',
        MemorySize: 256,
        Timeout: 10,
        Version: '$LATEST',
        EphemeralStorage: { Size: 512 },
        PackageType: 'Zip',
        State: 'Active',
      });
    });

    it('the SDK reads list-functions and get-function', async () => {
      const list = await client.send(new ListFunctionsCommand({}));
      expect(list.Functions?.map((f) => f.FunctionName)).toContain('echo');
      const fn = await client.send(new GetFunctionCommand({ FunctionName: 'capped' }));
      expect(fn.Configuration).toMatchObject({ FunctionName: 'capped', MemorySize: 256, Timeout: 10, Runtime: 'nodejs24.x' });
      expect(fn.Concurrency?.ReservedConcurrentExecutions).toBe(1);
      expect(typeof fn.Code?.Location).toBe('string');
      await expect(client.send(new GetFunctionCommand({ FunctionName: 'nope' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('@aws-sdk/client-lambda', () => {
    it('sees FunctionError "Unhandled", the error payload and the decoded LogResult with REPORT', async () => {
      const out = await client.send(
        new InvokeCommand({ FunctionName: 'errors', Payload: Buffer.from('{"mode":"throw"}'), LogType: 'Tail' }),
      );
      expect(out.StatusCode).toBe(200);
      expect(out.FunctionError).toBe('Unhandled');
      expect(out.ExecutedVersion).toBe('$LATEST');
      const payload = JSON.parse(Buffer.from(out.Payload!).toString('utf8'));
      expect(payload.errorType).toBe('TypeError');
      const tail = Buffer.from(out.LogResult!, 'base64').toString('utf8');
      expect(tail).toMatch(
        /REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB/,
      );
      expect(tail).toContain('Invoke Error');
    });

    it('passes ClientContext through', async () => {
      const ctx = { custom: { from: 'sdk' } };
      const out = await client.send(
        new InvokeCommand({
          FunctionName: 'echo',
          Payload: Buffer.from('{}'),
          ClientContext: Buffer.from(JSON.stringify(ctx)).toString('base64'),
        }),
      );
      expect(JSON.parse(Buffer.from(out.Payload!).toString('utf8')).clientContext).toEqual(ctx);
    });

    it('Event and DryRun status codes', async () => {
      const ev = await client.send(
        new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: Buffer.from('{"sdk":"event"}') }),
      );
      expect(ev.StatusCode).toBe(202);
      const dry = await client.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
      expect(dry.StatusCode).toBe(204);
    });

    it('404 as ResourceNotFoundException', async () => {
      const err = await client.send(new InvokeCommand({ FunctionName: 'missing-fn', Payload: Buffer.from('{}') })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
      expect((err as Error).message).toContain('Function not found');
    });

    it('413 as RequestTooLargeException', async () => {
      const big = Buffer.from(JSON.stringify({ blob: 'z'.repeat(7 * 1024 * 1024) }));
      const err = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: big })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RequestTooLargeException);
      expect((err as RequestTooLargeException).$metadata.httpStatusCode).toBe(413);
    });

    it('429 as TooManyRequestsException: reservedConcurrency 1, two concurrent slow calls', async () => {
      const first = client.send(new InvokeCommand({ FunctionName: 'capped', Payload: Buffer.from('{"ms":1500}') }));
      await sleep(300);
      const err = await client
        .send(new InvokeCommand({ FunctionName: 'capped', Payload: Buffer.from('{"ms":0}') }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TooManyRequestsException);
      expect((err as TooManyRequestsException).$metadata.httpStatusCode).toBe(429);
      expect((err as TooManyRequestsException).Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
      const ok = await first;
      expect(ok.FunctionError).toBeUndefined();
      expect(JSON.parse(Buffer.from(ok.Payload!).toString('utf8'))).toEqual({ slept: 1500 });
      // Once the first is done, the one context serves again.
      const again = await client.send(new InvokeCommand({ FunctionName: 'capped', Payload: Buffer.from('{"ms":0}') }));
      expect(again.StatusCode).toBe(200);
    });
  });
});

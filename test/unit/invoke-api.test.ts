import { InvokeApiServer } from '../../src/invoke-api/server';
import { fakeInvoker, httpRequest, ProcessFaults, rawRequest } from './fuzz-support';
import { waitFor } from '../helpers/wait';

/** The Invoke API (docs/invoke-api.md) answers malformed and foreign requests as Lambda does, never with a 500. */
describe('InvokeApiServer, as Lambda answers bad requests', () => {
  const faults = new ProcessFaults();
  const internalErrors: unknown[] = [];
  let api: InvokeApiServer;
  let invoker: ReturnType<typeof fakeInvoker>;
  let port: number;

  beforeAll(async () => {
    faults.install();
    invoker = fakeInvoker(['echo', 'my.fn_2-x']);
    api = await InvokeApiServer.listen('127.0.0.1', 0, {
      invoker,
      region: 'eu-west-1',
      contexts: async () => ({ contexts: [] }),
      onError: (err) => internalErrors.push(err),
    });
    port = Number(new URL(api.url).port);
  });
  afterAll(async () => {
    await api.close();
    faults.uninstall();
  });
  beforeEach(() => {
    invoker.calls.length = 0;
  });
  afterEach(() => {
    expect(faults.seen).toEqual([]);
  });

  async function post(segment: string, body: Buffer | string = '{}', headers: Record<string, string> = {}) {
    const r = await rawRequest(port, httpRequest('POST', `/2015-03-31/functions/${segment}/invocations`, body, headers));
    return { ...r, json: r.body ? JSON.parse(r.body) : undefined };
  }

  const PATTERN = String.raw`(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`;

  it.each(['%', '%ZZ', '%C0%AF', 'a%20b', 'fn%2Fx', 'caf%C3%A9'])(
    'a malformed name %s: 400 ValidationException naming the pattern',
    async (segment) => {
      const r = await post(segment);
      expect(r.status).toBe(400);
      expect(r.headers['x-amzn-errortype']).toBe('ValidationException');
      expect(r.json.message).toMatch(
        /^1 validation error detected: Value '.+' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: /,
      );
      expect(r.json.message.endsWith(PATTERN)).toBe(true);
    },
  );

  it('a name longer than 170 characters: 400 ValidationException on its length', async () => {
    const r = await post('a'.repeat(171));
    expect(r.status).toBe(400);
    expect(r.json.message).toBe(
      `1 validation error detected: Value '${'a'.repeat(171)}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 170`,
    );
  });

  it('a name of 65 to 170 valid characters simply does not exist: 404', async () => {
    const r = await post('a'.repeat(100));
    expect(r.status).toBe(404);
    expect(r.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
  });

  it('X-Amz-Log-Type and X-Amz-Invocation-Type outside their enums: one ValidationException listing both', async () => {
    const r = await post('echo', '{}', { 'X-Amz-Log-Type': 'Bogus', 'X-Amz-Invocation-Type': 'Sometimes' });
    expect(r.status).toBe(400);
    expect(r.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(r.json).toEqual({
      message:
        "2 validation errors detected: Value 'Sometimes' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]; " +
        "Value 'Bogus' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]",
    });
    expect(invoker.calls).toEqual([]);
  });

  it('X-Amz-Log-Type None and Tail are accepted', async () => {
    expect((await post('echo', '{}', { 'X-Amz-Log-Type': 'None' })).status).toBe(200);
    const tail = await post('echo', '{}', { 'X-Amz-Log-Type': 'Tail' });
    expect(tail.status).toBe(200);
    expect(tail.headers['x-amz-log-result']).toBe('dGFpbA==');
  });

  describe('qualifiers and ARNs', () => {
    const notFound = (arn: string) => ({ Type: 'User', message: `Function not found: ${arn}` });

    it.each([
      ['echo:v2', 'arn:aws:lambda:eu-west-1:000000000000:function:echo:v2'],
      ['echo?Qualifier=v999', 'arn:aws:lambda:eu-west-1:000000000000:function:echo:v999'],
      ['echo:live?Qualifier=live', 'arn:aws:lambda:eu-west-1:000000000000:function:echo:live'],
      ['arn:aws:lambda:eu-west-1:000000000000:function:echo:3', 'arn:aws:lambda:eu-west-1:000000000000:function:echo:3'],
      ['arn:aws:lambda:eu-west-1:123456789012:function:echo', 'arn:aws:lambda:eu-west-1:123456789012:function:echo'],
      ['123456789012:function:echo', 'arn:aws:lambda:eu-west-1:123456789012:function:echo'],
      ['nope', 'arn:aws:lambda:eu-west-1:000000000000:function:nope'],
    ])('%s: 404 ResourceNotFoundException, nothing runs', async (ref, arn) => {
      const [segment, query] = ref.split('?');
      const r = await rawRequest(
        port,
        httpRequest('POST', `/2015-03-31/functions/${encodeURIComponent(segment)}/invocations${query ? `?${query}` : ''}`, '{}'),
      );
      expect(r.status).toBe(404);
      expect(r.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
      expect(JSON.parse(r.body)).toEqual(notFound(arn));
      expect(invoker.calls).toEqual([]);
    });

    it("an ARN of another region: 404 in Lambda's words", async () => {
      const r = await post(encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:echo'));
      expect(r.status).toBe(404);
      expect(r.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
      expect(r.json.message).toBe("Functions from 'us-east-1' are not reachable in this region ('eu-west-1')");
    });

    it('a qualifier in the name and a different ?Qualifier=: 400 InvalidParameterValueException', async () => {
      const r = await rawRequest(port, httpRequest('POST', '/2015-03-31/functions/echo:a/invocations?Qualifier=b', '{}'));
      expect(r.status).toBe(400);
      expect(r.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    });

    it('a ?Qualifier= outside its pattern: 400 ValidationException', async () => {
      const r = await rawRequest(port, httpRequest('POST', '/2015-03-31/functions/echo/invocations?Qualifier=a%2Fb', '{}'));
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).message).toContain("at 'qualifier' failed to satisfy constraint");
    });

    it.each([
      'echo',
      'echo:$LATEST',
      'echo?Qualifier=$LATEST',
      'arn:aws:lambda:eu-west-1:000000000000:function:echo',
      'arn:aws:lambda:eu-west-1:000000000000:function:echo:$LATEST',
      '000000000000:function:echo',
      'function:echo',
      'my.fn_2-x',
    ])('%s runs $LATEST', async (ref) => {
      const [segment, query] = ref.split('?');
      const r = await rawRequest(
        port,
        httpRequest('POST', `/2015-03-31/functions/${encodeURIComponent(segment)}/invocations${query ? `?${query}` : ''}`, '{"k":1}'),
      );
      expect(r.status).toBe(200);
      expect(r.body).toBe('{"k":1}');
      expect(r.headers['x-amz-executed-version']).toBe('$LATEST');
      expect(invoker.calls).toEqual([`invoke ${ref.startsWith('my') ? 'my.fn_2-x' : 'echo'}`]);
    });

    it('GetFunction resolves names the same way', async () => {
      const ok = await rawRequest(
        port,
        httpRequest('GET', `/2015-03-31/functions/${encodeURIComponent('arn:aws:lambda:eu-west-1:000000000000:function:echo')}`),
      );
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body).Configuration.FunctionName).toBe('echo');
      expect((await rawRequest(port, httpRequest('GET', '/2015-03-31/functions/echo?Qualifier=v1'))).status).toBe(404);
      expect((await rawRequest(port, httpRequest('GET', '/2015-03-31/functions/%C0%AF'))).status).toBe(400);
    });
  });

  describe('bodies', () => {
    it("a body that is not UTF-8: 400 InvalidRequestContentException in Lambda's words", async () => {
      const r = await post('echo', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
      expect(r.status).toBe(400);
      expect(r.headers['x-amzn-errortype']).toBe('InvalidRequestContentException');
      expect(r.json).toEqual({
        Type: 'User',
        message: 'Could not parse request body into json: Could not parse payload into json: Invalid UTF-8 byte 0xff at offset 6',
      });
    });

    it('a body that is not JSON: 400 InvalidRequestContentException', async () => {
      const r = await post('echo', 'this is not json');
      expect(r.status).toBe(400);
      expect(r.json.message).toMatch(/^Could not parse request body into json: Could not parse payload into json: /);
    });

    it('an empty body is the event {}', async () => {
      const r = await post('echo', '');
      expect(r.status).toBe(200);
      expect(r.body).toBe('{}');
    });

    it('a client that goes away mid-body is ordinary: no internal error, nothing runs', async () => {
      await rawRequest(port, httpRequest('POST', '/2015-03-31/functions/echo/invocations', '{"a":', {}, 100), { abortAfterWrite: true });
      await waitFor('aborted connection closed', async () => (await api.connections()) === 0);
      expect(internalErrors).toEqual([]);
      expect(invoker.calls).toEqual([]);
    });

    it('a body past 6 MB: 413 without waiting for the rest', async () => {
      const r = await rawRequest(
        port,
        httpRequest('POST', '/2015-03-31/functions/echo/invocations', Buffer.alloc(6 * 1024 * 1024 + 10, 'x'), {}, 50 * 1024 * 1024),
      );
      expect(r.status).toBe(413);
      expect(r.headers['x-amzn-errortype']).toBe('RequestTooLargeException');
    });
  });

  it('an unexpected failure: 500 ServiceException, logged once, and the server serves on', async () => {
    const r = await post('echo', '"explode"');
    expect(r.status).toBe(500);
    expect(r.headers['x-amzn-errortype']).toBe('ServiceException');
    expect(r.json).toEqual({ Type: 'Service', message: 'internal error: boom' });
    expect(internalErrors).toHaveLength(1);
    internalErrors.length = 0;
    expect((await post('echo', '{}')).status).toBe(200);
  });

  it('Event and DryRun are unchanged', async () => {
    expect((await post('echo', '{}', { 'X-Amz-Invocation-Type': 'Event' })).status).toBe(202);
    expect((await post('echo', '{}', { 'X-Amz-Invocation-Type': 'DryRun' })).status).toBe(204);
    expect(invoker.calls).toEqual(['event echo']);
  });

  it('an unknown operation: 404 UnknownOperationException', async () => {
    const r = await rawRequest(port, httpRequest('PUT', '/2015-03-31/functions/%zz/x'));
    expect(r.status).toBe(404);
    expect(r.headers['x-amzn-errortype']).toBe('UnknownOperationException');
  });
});

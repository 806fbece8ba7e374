import { logLines, requirePython311, runRuntime } from './harness';

beforeAll(requirePython311);

describe('python runtime: init errors', () => {
  it.each([
    ['basic', 'missing.handler', 'Runtime.ImportModuleError', "Unable to import module 'missing': No module named 'missing'"],
    ['basic', 'app.nope', 'Runtime.HandlerNotFound', "Handler 'nope' missing on module 'app'"],
    ['basic', 'handler', 'Runtime.MalformedHandlerName', "Bad handler 'handler': not enough values to unpack (expected 2, got 1)"],
    ['basic', 'sys.handler', 'Runtime.BuiltInModuleConflict', 'Cannot use built-in module sys as a handler module'],
    ['syntax', 'app.handler', 'Runtime.UserCodeSyntaxError', "Syntax error in module 'app': invalid syntax (app.py, line 2)"],
  ])('%s / %s: %s', async (fixture, handler, errorType, errorMessage) => {
    const r = await runRuntime({ fixture, handler });
    expect(r.exitCode).toBe(1);
    expect(r.posted).toHaveLength(1);
    const [p] = r.posted;
    expect(p.kind).toBe('init-error');
    expect(p.headers['lambda-runtime-function-error-type']).toBe(errorType);
    const body = JSON.parse(p.body);
    expect(body).toMatchObject({ errorType, errorMessage, requestId: '' });
    const lines = logLines(r.stdout);
    expect(lines.some((l) => l.startsWith('[WARNING]\t') && l.includes('\t\tLAMBDA_WARNING: Unhandled exception.'))).toBe(true);
    // One record: the RIC joins the error's lines with "\r".
    const record = lines.find((l) => l.startsWith('[ERROR] '));
    expect(record?.startsWith(`[ERROR] ${errorType}: ${errorMessage}\rTraceback (most recent call last):`)).toBe(true);
  });

  it("gives the syntax error's file, line and text as its trace", async () => {
    const r = await runRuntime({ fixture: 'syntax', handler: 'app.handler' });
    const body = JSON.parse(r.posted[0].body);
    expect(body.stackTrace).toHaveLength(1);
    expect(body.stackTrace[0]).toMatch(/^ {2}File ".*\/fixtures\/syntax\/app\.py" Line 2\n {8}return = 1\n$/);
    // Logged with the trace's indentation as no-break spaces, as the RIC does.
    expect(r.stdout).toMatch(/\rTraceback \(most recent call last\):\r\u00a0{2}File ".*app\.py" Line 2\r\u00a0{8}return = 1\n/);
  });

  it('reports an exception raised by init code with its own type and the frames from the import on', async () => {
    const r = await runRuntime({ fixture: 'init-error', handler: 'app.handler' });
    expect(r.exitCode).toBe(1);
    const [p] = r.posted;
    expect(p.headers['lambda-runtime-function-error-type']).toBe('RuntimeError');
    const body = JSON.parse(p.body);
    expect(body).toMatchObject({ errorType: 'RuntimeError', errorMessage: 'boom at init', requestId: '' });
    // As on Lambda: the trace starts in importlib (the runtime's own frames are dropped).
    expect(body.stackTrace[0]).toMatch(/importlib\/__init__\.py", line \d+, in import_module/);
    expect(body.stackTrace.join('')).not.toMatch(/images\/python\/runtime/);
    expect(body.stackTrace.at(-1)).toMatch(/init-error\/app\.py", line 2, in helper\n {4}raise RuntimeError\("boom at init"\)\n$/);
  });
});

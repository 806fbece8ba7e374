import { logLines, requirePython311, runRuntime } from './harness';

beforeAll(requirePython311);

const TEXT_RECORD = /^\[(\w+)\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t(\S*)\t/;

describe('python runtime: logs', () => {
  it('Text: records as [LEVEL]\\ttime\\trequestId\\tmessage, one line each, print() as it is, root at WARNING', async () => {
    const r = await runRuntime({ fixture: 'basic', handler: 'app.handler', events: [{ requestId: 'L1', payload: { action: 'log' } }] });
    const lines = logLines(r.stdout);
    expect(lines).toEqual([
      'init of app',
      'printed line',
      'two',
      'lines',
      expect.stringMatching(TEXT_RECORD),
      expect.stringMatching(TEXT_RECORD),
      expect.stringMatching(TEXT_RECORD),
    ]);
    const records = lines.filter((l) => TEXT_RECORD.test(l));
    expect(records.map((l) => l.match(TEXT_RECORD)!.slice(1, 3))).toEqual([
      ['WARNING', 'L1'],
      ['ERROR', 'L1'],
      ['ERROR', 'L1'],
    ]);
    expect(records[0].endsWith('\troot warning')).toBe(true);
    expect(records[1].endsWith('\tmulti\rline error')).toBe(true);
    expect(records[2]).toMatch(
      /\twith traceback\rTraceback \(most recent call last\):\r {2}File ".*app\.py", line \d+, in handler\r.*\rValueError: caught$/,
    );
  });

  it('Text: AWS_LAMBDA_LOG_LEVEL sets the root logger level', async () => {
    const r = await runRuntime({
      fixture: 'basic',
      handler: 'app.handler',
      env: { AWS_LAMBDA_LOG_LEVEL: 'DEBUG' },
      events: [{ requestId: 'L2', payload: { action: 'log' } }],
    });
    const levels = logLines(r.stdout)
      .map((l) => l.match(TEXT_RECORD)?.[1])
      .filter(Boolean);
    expect(levels).toEqual(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'ERROR']);
  });

  it("JSON at WARN: JSON records with Lambda's fields, INFO and DEBUG filtered out", async () => {
    const r = await runRuntime({
      fixture: 'basic',
      handler: 'app.handler',
      env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' },
      events: [
        { requestId: 'J1', payload: { action: 'log' } },
        { requestId: 'J2', payload: { action: 'raise' } },
      ],
    });
    const lines = logLines(r.stdout);
    expect(lines.slice(0, 4)).toEqual(['init of app', 'printed line', 'two', 'lines']);
    const records = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(records.map((x) => x.message ?? x.errorMessage)).toEqual([
      'root warning',
      'multi\nline error',
      'with traceback',
      "'missing-key'",
    ]);
    const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(records[0]).toEqual({ timestamp: iso, level: 'WARNING', message: 'root warning', logger: 'root', requestId: 'J1' });
    expect(records[1]).toEqual({ timestamp: iso, level: 'ERROR', message: 'multi\nline error', logger: 'app', requestId: 'J1' });
    expect(records[2]).toEqual({
      timestamp: iso,
      level: 'ERROR',
      message: 'with traceback',
      logger: 'root',
      requestId: 'J1',
      errorType: 'ValueError',
      errorMessage: 'caught',
      stackTrace: [expect.stringMatching(/app\.py", line \d+, in handler\n {4}raise ValueError\("caught"\)\n$/)],
      location: expect.stringMatching(/\/fixtures\/basic\/app\.py:handler:\d+$/),
    });
    // The invocation error, as the RIC logs it in JSON mode.
    expect(records[3]).toEqual({
      timestamp: iso,
      log_level: 'ERROR',
      errorMessage: "'missing-key'",
      errorType: 'KeyError',
      requestId: 'J2',
      stackTrace: [expect.stringContaining('in handler'), expect.stringContaining('in fail')],
    });
  });
});

import { runtimeModule } from './runtime-modules';

const { createLogger, patchConsole, setCurrentRequestId, setCurrentTenantId } = runtimeModule('log-patch.js');

const NOW = new Date('2026-01-02T03:04:05.678Z');

function capture(env: Record<string, string>) {
  const lines: string[] = [];
  const logger = createLogger({ env, write: (t: string) => lines.push(t), now: () => NOW });
  const target: Record<string, (...args: unknown[]) => void> = {};
  patchConsole(target, logger);
  return { lines, logger, console: target, json: () => lines.map((l) => JSON.parse(l)) };
}

afterEach(() => {
  setCurrentRequestId(undefined);
  setCurrentTenantId(undefined);
});

describe('Text format (default)', () => {
  it('one line per call: time, request id, level, util.format of the arguments, newlines as \\r', () => {
    setCurrentRequestId('req-1');
    const c = capture({});
    c.console.log('a %s', 'b', { c: 1 });
    c.console.warn('two\nlines');
    c.console.log();
    expect(c.lines).toEqual([
      '2026-01-02T03:04:05.678Z\treq-1\tINFO\ta b { c: 1 }\n',
      '2026-01-02T03:04:05.678Z\treq-1\tWARN\ttwo\rlines\n',
      '2026-01-02T03:04:05.678Z\treq-1\tINFO\tundefined\n',
    ]);
  });

  it('logError prints `<what> \\t{json}` at ERROR, as the RIC does', () => {
    setCurrentRequestId('req-2');
    const c = capture({});
    const err = Object.assign(new TypeError('bad'), { code: 'E1' });
    c.logger.logError('Invoke Error', err);
    const [time, id, level, rest] = c.lines[0].split('\t');
    expect([time, id, level, rest]).toEqual(['2026-01-02T03:04:05.678Z', 'req-2', 'ERROR', 'Invoke Error ']);
    const body = JSON.parse(c.lines[0].split('\t')[4]);
    expect(body).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad', code: 'E1' });
    expect(body.stack[0]).toBe('TypeError: bad');
  });
});

describe('JSON format', () => {
  it('one record per call: timestamp, level, requestId, message (tenantId when set)', () => {
    setCurrentRequestId('req-3');
    const c = capture({ AWS_LAMBDA_LOG_FORMAT: 'json' });
    c.console.info('hello %s', 'you');
    c.console.log({ a: [1, 2] });
    setCurrentTenantId('tenant-9');
    c.console.debug('with tenant');
    expect(c.json()).toEqual([
      { timestamp: '2026-01-02T03:04:05.678Z', level: 'INFO', requestId: 'req-3', message: 'hello you' },
      { timestamp: '2026-01-02T03:04:05.678Z', level: 'INFO', requestId: 'req-3', message: { a: [1, 2] } },
      { timestamp: '2026-01-02T03:04:05.678Z', level: 'DEBUG', requestId: 'req-3', tenantId: 'tenant-9', message: 'with tenant' },
    ]);
    expect(c.lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
  });

  it('errors: errorType/errorMessage/stackTrace, in the message or beside it', () => {
    const c = capture({ AWS_LAMBDA_LOG_FORMAT: 'JSON' });
    c.console.error(new RangeError('alone'));
    c.console.error('context:', new RangeError('beside'));
    const [alone, beside] = c.json();
    expect(alone.requestId).toBeUndefined(); // outside an invocation, as during init
    expect(alone.message).toMatchObject({ errorType: 'RangeError', errorMessage: 'alone' });
    expect(alone.message.stackTrace[0]).toBe('RangeError: alone');
    expect(beside).toMatchObject({ level: 'ERROR', errorType: 'RangeError', errorMessage: 'beside' });
    expect(beside.message).toMatch(/^context: RangeError: beside/);
    expect(beside.stackTrace[0]).toBe('RangeError: beside');
  });

  it('logError prints the error itself (no "Invoke Error" text)', () => {
    const c = capture({ AWS_LAMBDA_LOG_FORMAT: 'JSON' });
    c.logger.logError('Invoke Error', 'a string');
    expect(c.json()[0]).toMatchObject({ level: 'ERROR', message: { errorType: 'Error', errorMessage: 'a string' } });
  });

  it('a circular message falls back to util.format', () => {
    const c = capture({ AWS_LAMBDA_LOG_FORMAT: 'JSON' });
    const o: Record<string, unknown> = { x: 1 };
    o.self = o;
    c.console.log(o);
    expect(c.json()[0].message).toBe('<ref *1> { x: 1, self: [Circular *1] }');
  });
});

describe('AWS_LAMBDA_LOG_LEVEL', () => {
  it.each([
    ['TRACE', ['TRACE', 'DEBUG', 'INFO', 'INFO', 'WARN', 'ERROR', 'FATAL']],
    ['debug', ['DEBUG', 'INFO', 'INFO', 'WARN', 'ERROR', 'FATAL']],
    ['INFO', ['INFO', 'INFO', 'WARN', 'ERROR', 'FATAL']],
    ['WARN', ['WARN', 'ERROR', 'FATAL']],
    ['ERROR', ['ERROR', 'FATAL']],
    ['FATAL', ['FATAL']],
    ['bogus', ['TRACE', 'DEBUG', 'INFO', 'INFO', 'WARN', 'ERROR', 'FATAL']],
  ])('%s keeps %j', (level, kept) => {
    const c = capture({ AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: level });
    for (const m of ['trace', 'debug', 'info', 'log', 'warn', 'error', 'fatal']) c.console[m](m);
    expect(c.json().map((r) => r.level)).toEqual(kept);
  });

  it('filters logError too (Invoke Error is an ERROR record)', () => {
    const c = capture({ AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'FATAL' });
    c.logger.logError('Invoke Error', new Error('x'));
    expect(c.lines).toEqual([]);
  });
});

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '../../src/errors';
import { defaultsPath, loadConfigFile, loadConfigObject } from '../../src/config/load';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-test-'));
  fs.mkdirSync(path.join(dir, 'code'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** A bootstrap file in `code/` with the given mode. */
function bootstrap(mode: number): void {
  const file = path.join(dir, 'code', 'bootstrap');
  fs.writeFileSync(file, '#!/bin/sh\n');
  fs.chmodSync(file, mode);
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** Loads `text` as functions.yaml and checks the error's file, line, key and message. */
function expectError(text: string, line: number, key: string, problem: string | RegExp): ConfigError {
  const file = write('functions.yaml', text);
  const err = configError(() => loadConfigFile(file));
  expect(err.file).toBe(file);
  expect(err.line).toBe(line);
  expect(err.key).toBe(key);
  expect(err.problem).toMatch(problem);
  expect(err.message).toBe(`${file}:${line}: ${key}: ${err.problem}`);
  return err;
}

/** Line 5 is inside function `hello`. */
const fnWith = (extra: string): string =>
  `functions:\n  hello:\n    handler: index.handler\n    code: ./code\n${extra}\n`;
/** Line 2 is inside `settings`. */
const settingsWith = (extra: string): string =>
  `settings:\n${extra}\nfunctions:\n  hello:\n    handler: index.handler\n    code: ./code\n`;

describe('valid files', () => {
  test('applies the defaults', () => {
    const file = write('functions.yaml', fnWith(''));
    const cfg = loadConfigFile(path.relative(process.cwd(), file));
    expect(cfg.file).toBe(file);
    expect(cfg.settings).toEqual({
      idleTimeout: 600,
      reaperInterval: null,
      freezeDelay: 0,
      initTimeout: 10,
      memoryBudget: null,
      cpuLimit: true,
      runtimeApiHost: null,
      runtimeApiBind: null,
      region: 'us-east-1',
      network: null,
      baseImages: { 'nodejs20.x': 'host', provided: 'host' },
    });
    expect([...cfg.functions.keys()]).toEqual(['hello']);
    expect(cfg.functions.get('hello')).toEqual({
      name: 'hello',
      handler: 'index.handler',
      codeDir: path.join(dir, 'code'),
      runtime: 'nodejs20.x',
      memorySize: 128,
      timeout: 3,
      ephemeralStorageSize: 512,
      environment: {},
    });
  });

  test('keeps given values, nested handlers and converts environment scalars to strings', () => {
    fs.mkdirSync(path.join(dir, 'fns', 'b'), { recursive: true });
    const file = write(
      'functions.yaml',
      [
        'functions:',
        '  a:',
        '    handler: src/lib/index.handlers.main',
        '    code: code',
        '    memorySize: 1769',
        '    timeout: 900',
        '    ephemeralStorageSize: 10240',
        '    reservedConcurrency: 2',
        '    provisionedConcurrency: 2',
        '    environment: { S: text, N: 42, F: 1.10, B: true, E: "" }',
        '  b_2-x:',
        '    handler: build.v2/index.$h',
        '    code: ./fns/b/',
        '    environment:',
      ].join('\n'),
    );
    const cfg = loadConfigFile(file);
    expect(cfg.functions.get('a')).toEqual({
      name: 'a',
      handler: 'src/lib/index.handlers.main',
      codeDir: path.join(dir, 'code'),
      runtime: 'nodejs20.x',
      memorySize: 1769,
      timeout: 900,
      ephemeralStorageSize: 10240,
      reservedConcurrency: 2,
      provisionedConcurrency: 2,
      environment: { S: 'text', N: '42', F: '1.10', B: 'true', E: '' },
    });
    const b = cfg.functions.get('b_2-x');
    expect(b?.codeDir).toBe(path.join(dir, 'fns', 'b'));
    expect(b?.environment).toEqual({});
    expect(b?.handler).toBe('build.v2/index.$h');
  });

  test('settings override the defaults; baseImages may give one runtime', () => {
    const file = write(
      'functions.yaml',
      settingsWith(
        [
          '  idleTimeout: 0.5',
          '  reaperInterval: 0.1',
          '  freezeDelay: 20',
          '  memoryBudget: 4096',
          '  cpuLimit: false',
          '  runtimeApiHost: host.docker.internal',
          '  region: eu-west-1',
          '  network: lambda-net',
          '  baseImages:',
          '    provided: public.ecr.aws/lambda/provided:al2023',
        ].join('\n'),
      ),
    );
    const { settings } = loadConfigFile(file);
    expect(settings).toEqual({
      idleTimeout: 0.5,
      reaperInterval: 0.1,
      freezeDelay: 20,
      initTimeout: 10,
      memoryBudget: 4096,
      cpuLimit: false,
      runtimeApiHost: 'host.docker.internal',
      runtimeApiBind: null,
      region: 'eu-west-1',
      network: 'lambda-net',
      baseImages: { 'nodejs20.x': 'host', provided: 'public.ecr.aws/lambda/provided:al2023' },
    });
  });

  test('runtime provided: any handler, an executable bootstrap', () => {
    bootstrap(0o755);
    const file = write('functions.yaml', fnWith('    runtime: provided').replace('index.handler', 'my handler'));
    const fn = loadConfigFile(file).functions.get('hello');
    expect(fn?.runtime).toBe('provided');
    expect(fn?.handler).toBe('my handler');
  });
});

describe('errors name the file, the line and the key', () => {
  test('YAML syntax error', () => {
    expectError('functions:\n  hello:\n    handler: [index\n  code: x\n', 4, 'YAML syntax', /.+/);
  });

  test('duplicate keys', () => {
    expectError(fnWith('    code: ./code'), 5, 'YAML syntax', /unique/);
  });

  test('top level must be a mapping', () => {
    expectError('- a\n- b\n', 1, '(top level)', /must be a mapping/);
  });

  test('empty file', () => {
    expectError('', 1, '(top level)', /must be a mapping/);
  });

  test('unknown top-level key', () => {
    expectError(`${fnWith('')}function:\n  x: 1\n`, 6, 'function', /unknown key; expected one of settings, functions/);
  });

  test('functions is required', () => {
    expectError('settings:\n  region: x\n', 1, 'functions', /required/);
  });

  test('functions must be non-empty', () => {
    expectError('settings: {}\nfunctions: {}\n', 2, 'functions', /at least one function/);
  });

  test('functions must be a mapping', () => {
    expectError('functions:\n  - hello\n', 2, 'functions', /must be a mapping/);
  });

  test('unknown function key', () => {
    expectError(fnWith('    memory: 256'), 5, 'functions.hello.memory', /unknown key; expected one of handler, code, runtime/);
  });

  test('unknown settings key', () => {
    expectError(settingsWith('  idle: 5'), 2, 'settings.idle', /unknown key; expected one of idleTimeout/);
  });

  test('function name', () => {
    expectError('functions:\n  hello.world:\n    handler: index.handler\n    code: code\n', 2, 'functions.hello.world', /function name/);
    expectError(`functions:\n  ${'a'.repeat(65)}:\n    handler: index.handler\n    code: code\n`, 2, `functions.${'a'.repeat(65)}`, /1 to 64/);
  });

  test('function must be a mapping', () => {
    expectError('functions:\n  hello: index.handler\n', 2, 'functions.hello', /must be a mapping/);
  });

  test('handler is required', () => {
    expectError('functions:\n  hello:\n    code: ./code\n', 2, 'functions.hello.handler', /required/);
  });

  test('handler must be file.export', () => {
    for (const bad of ['index', '.handler', 'index.', 'index.1abc', 'my index.handler', 'index.a..b', '../up/index.handler', '/abs/index.handler', 'a//index.h']) {
      const text = `functions:\n  hello:\n    code: ./code\n    handler: "${bad}"\n`;
      expectError(text, 4, 'functions.hello.handler', /must be file\.export/);
    }
    expectError('functions:\n  hello:\n    code: ./code\n    handler: 5\n', 4, 'functions.hello.handler', /\(got 5\)/);
  });

  test('handler of provided must be non-empty', () => {
    bootstrap(0o755);
    expectError('functions:\n  hello:\n    runtime: provided\n    code: ./code\n    handler: ""\n', 5, 'functions.hello.handler', /non-empty/);
  });

  test('code is required', () => {
    expectError('functions:\n  hello:\n    handler: index.handler\n', 2, 'functions.hello.code', /required/);
  });

  test('code must be a string', () => {
    expectError('functions:\n  hello:\n    handler: index.handler\n    code:\n', 4, 'functions.hello.code', /non-empty string/);
  });

  test('missing code dir names the resolved path', () => {
    const err = expectError(fnWith('').replace('./code', './nope'), 4, 'functions.hello.code', /directory not found/);
    expect(err.problem).toContain(path.join(dir, 'nope'));
  });

  test('code must be a directory', () => {
    write('file.js', '');
    expectError(fnWith('').replace('./code', 'file.js'), 4, 'functions.hello.code', /not a directory/);
  });

  test('provided needs a bootstrap', () => {
    expectError(fnWith('    runtime: provided'), 4, 'functions.hello.code', /bootstrap/);
  });

  test('provided needs an executable bootstrap', () => {
    bootstrap(0o644);
    expectError(fnWith('    runtime: provided'), 4, 'functions.hello.code', /not executable/);
  });

  test('runtime', () => {
    expectError(fnWith('    runtime: nodejs18.x'), 5, 'functions.hello.runtime', /one of nodejs20\.x, provided \(got "nodejs18\.x"\)/);
  });

  test('memorySize', () => {
    const err = expectError(fnWith('    memorySize: 64'), 5, 'functions.hello.memorySize', /.*/);
    expect(err.message).toBe(`${err.file}:5: functions.hello.memorySize: must be an integer from 128 to 10240 (got 64)`);
    expectError(fnWith('    memorySize: 10241'), 5, 'functions.hello.memorySize', /from 128 to 10240/);
    expectError(fnWith('    memorySize: 256.5'), 5, 'functions.hello.memorySize', /integer/);
    expectError(fnWith('    memorySize: "256"'), 5, 'functions.hello.memorySize', /\(got "256"\)/);
  });

  test('timeout', () => {
    expectError(fnWith('    timeout: 0'), 5, 'functions.hello.timeout', /from 1 to 900 \(got 0\)/);
    expectError(fnWith('    timeout: 901'), 5, 'functions.hello.timeout', /from 1 to 900/);
  });

  test('ephemeralStorageSize', () => {
    expectError(fnWith('    ephemeralStorageSize: 256'), 5, 'functions.hello.ephemeralStorageSize', /from 512 to 10240/);
  });

  test('reservedConcurrency', () => {
    expectError(fnWith('    reservedConcurrency: 1001'), 5, 'functions.hello.reservedConcurrency', /from 0 to 1000/);
    expectError(fnWith('    reservedConcurrency: -1'), 5, 'functions.hello.reservedConcurrency', /from 0 to 1000/);
  });

  test('provisionedConcurrency', () => {
    expectError(fnWith('    provisionedConcurrency: 0'), 5, 'functions.hello.provisionedConcurrency', /from 1 to 1000/);
    expectError(
      fnWith('    provisionedConcurrency: 3\n    reservedConcurrency: 2'),
      5,
      'functions.hello.provisionedConcurrency',
      /must not exceed reservedConcurrency \(2\)/,
    );
  });

  test('environment must be a mapping', () => {
    expectError(fnWith('    environment: [A]'), 5, 'functions.hello.environment', /must be a mapping/);
  });

  test('environment keys', () => {
    expectError(fnWith('    environment:\n      OK: 1\n      1BAD: x'), 7, 'functions.hello.environment.1BAD', /start with a letter/);
    expectError(fnWith('    environment:\n      _X: x'), 6, 'functions.hello.environment._X', /start with a letter/);
    expectError(fnWith('    environment:\n      MY-VAR: x'), 6, 'functions.hello.environment.MY-VAR', /letters, digits and _/);
  });

  test('reserved environment keys', () => {
    for (const key of ['AWS_REGION', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'AWS_SESSION_TOKEN']) {
      expectError(fnWith(`    environment:\n      ${key}: x`), 6, `functions.hello.environment.${key}`, /reserved by Lambda/);
    }
    expectError(fnWith('    environment:\n      _HANDLER: x'), 6, 'functions.hello.environment._HANDLER', /.+/);
  });

  test('environment values must be scalars', () => {
    expectError(fnWith('    environment:\n      A: x\n      B: { c: 1 }'), 7, 'functions.hello.environment.B', /string, number or boolean \(got a mapping\)/);
    expectError(fnWith('    environment:\n      A: [1]'), 6, 'functions.hello.environment.A', /got a list/);
    expectError(fnWith('    environment:\n      A:'), 6, 'functions.hello.environment.A', /got nothing/);
  });

  test.each([
    ['idleTimeout: 0', 'idleTimeout', /greater than 0 \(got 0\)/],
    ['idleTimeout: fast', 'idleTimeout', /greater than 0 \(got "fast"\)/],
    ['reaperInterval: -1', 'reaperInterval', /null or a number of seconds greater than 0/],
    ['freezeDelay: 1.5', 'freezeDelay', /integer of at least 0 \(got 1.5\)/],
    ['freezeDelay: -1', 'freezeDelay', /integer of at least 0/],
    ['initTimeout: .inf', 'initTimeout', /greater than 0/],
    ['memoryBudget: 100', 'memoryBudget', /null or an integer \(MB\) of at least 128 \(got 100\)/],
    ['cpuLimit: "yes"', 'cpuLimit', /true or false/],
    ['runtimeApiHost: ""', 'runtimeApiHost', /null or a non-empty string/],
    ['runtimeApiBind: 5', 'runtimeApiBind', /null or a non-empty string/],
    ['region: ""', 'region', /non-empty string/],
    ['region: null', 'region', /non-empty string/],
    ['network: [a]', 'network', /null or a non-empty string \(got a list\)/],
    ['baseImages: host', 'baseImages', /must be a mapping/],
    ['baseImages: { provided: "Not An Image" }', 'baseImages.provided', /`host` or a Docker image reference/],
  ])('setting %s', (line, key, problem) => {
    expectError(settingsWith(`  ${line}`), 2, `settings.${key}`, problem);
  });

  test('unknown baseImages runtime', () => {
    expectError(settingsWith('  baseImages:\n    python3.12: host'), 3, 'settings.baseImages.python3.12', /unknown key; expected one of nodejs20\.x, provided/);
  });

  test('settings must be a mapping', () => {
    expectError(settingsWith('  - idleTimeout'), 2, 'settings', /must be a mapping/);
  });

  test('a missing file', () => {
    const err = configError(() => loadConfigFile(path.join(dir, 'none.yaml')));
    expect(err.file).toBe(path.join(dir, 'none.yaml'));
    expect(err.problem).toMatch(/cannot read/);
  });
});

describe('loadConfigObject', () => {
  test('validates an object and resolves code against baseDir', () => {
    const cfg = loadConfigObject(
      { settings: { idleTimeout: 2, baseImages: { 'nodejs20.x': 'node:20-bookworm-slim' } }, functions: { hello: { handler: 'index.handler', code: 'code', environment: { N: 1 } } } },
      dir,
    );
    expect(cfg.file).toBe('<inline>');
    expect(cfg.settings.idleTimeout).toBe(2);
    expect(cfg.settings.baseImages).toEqual({ 'nodejs20.x': 'node:20-bookworm-slim', provided: 'host' });
    expect(cfg.functions.get('hello')).toMatchObject({ codeDir: path.join(dir, 'code'), memorySize: 128, environment: { N: '1' } });
  });

  test('errors have no line', () => {
    const err = configError(() =>
      loadConfigObject({ functions: { hello: { handler: 'index.handler', code: 'code', memorySize: 64 } } }, dir),
    );
    expect(err.line).toBeUndefined();
    expect(err.message).toBe('<inline>: functions.hello.memorySize: must be an integer from 128 to 10240 (got 64)');
  });

  test('uses the label and checks code dirs', () => {
    const err = configError(() => loadConfigObject({ functions: { f: { handler: 'index.handler', code: 'missing' } } }, dir, 'my-app'));
    expect(err.file).toBe('my-app');
    expect(err.key).toBe('functions.f.code');
    expect(err.problem).toContain(path.join(dir, 'missing'));
  });

  test('rejects a non-object and unknown keys', () => {
    expect(configError(() => loadConfigObject('x', dir)).key).toBe('(top level)');
    expect(configError(() => loadConfigObject({ functions: { f: { handler: 'a.b', code: 'code', extra: 1 } } }, dir)).key).toBe('functions.f.extra');
  });
});

describe('defaults', () => {
  test('defaultsPath finds config/defaults.yaml at the project root', () => {
    const file = defaultsPath();
    expect(file).toBe(path.resolve(__dirname, '..', '..', 'config', 'defaults.yaml'));
    expect(fs.existsSync(file)).toBe(true);
  });

  test('another defaults file can be given', () => {
    const text = fs.readFileSync(defaultsPath(), 'utf8').replace('region: us-east-1', 'region: ap-south-1').replace('timeout: 3', 'timeout: 30');
    const defaults = write('defaults.yaml', text);
    const cfg = loadConfigFile(write('functions.yaml', fnWith('')), defaults);
    expect(cfg.settings.region).toBe('ap-south-1');
    expect(cfg.functions.get('hello')?.timeout).toBe(30);
  });

  test('a broken defaults file is a ConfigError naming it', () => {
    const text = fs.readFileSync(defaultsPath(), 'utf8').replace(/^freezeDelay:.*$/m, '');
    const defaults = write('defaults.yaml', text);
    const err = configError(() => loadConfigFile(write('functions.yaml', fnWith('')), defaults));
    expect(err.file).toBe(defaults);
    expect(err.key).toBe('freezeDelay');
    expect(err.problem).toMatch(/missing/);
  });
});

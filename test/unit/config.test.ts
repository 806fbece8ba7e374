import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConfigError } from '../../src/errors';
import { defaultsPath, loadConfigFile, loadConfigObject, loadDefaults } from '../../src/config/load';
import { FUNCTION_DEFAULTS } from '../../src/config/function';
import { OVERRIDABLE_ENV_KEYS, RESERVED_ENV_KEYS } from '../../src/config/reserved-env';
import { DEFAULT_SETTINGS, LIVE_SETTINGS, SETTING_NAMES, SETTINGS_TABLE } from '../../src/config/settings-table';
import { RUNTIMES } from '../../src/config/runtimes';
import { configError } from '../helpers/config-error';
import { folderPerTest } from '../helpers/temp-folder';

const ALL_HOST = Object.fromEntries(RUNTIMES.map((rt) => [rt, 'host']));

const folder = folderPerTest('config-test-', ['code']);
const write = folder.write;
let dir: string;
beforeEach(() => (dir = folder.dir));

/** A bootstrap file in `code/` with the given mode. */
function bootstrap(mode: number): void {
  const file = path.join(dir, 'code', 'bootstrap');
  fs.writeFileSync(file, '#!/bin/sh\n');
  fs.chmodSync(file, mode);
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
const fnWith = (extra: string): string => `functions:\n  hello:\n    handler: index.handler\n    code: ./code\n${extra}\n`;
/** Line 2 is inside `settings`. */
const settingsWith = (extra: string): string => `settings:\n${extra}\nfunctions:\n  hello:\n    handler: index.handler\n    code: ./code\n`;

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
      freezeGrace: 25,
      stemContexts: 1,
      thawAhead: true,
      streamRate: 2097152,
      credentials: 'host',
      baseImages: ALL_HOST,
    });
    expect(cfg.settings).toEqual(DEFAULT_SETTINGS);
    expect(cfg.warnings).toEqual([]);
    expect([...cfg.functions.keys()]).toEqual(['hello']);
    expect(cfg.functions.get('hello')).toEqual({
      name: 'hello',
      handler: 'index.handler',
      codeDir: path.join(dir, 'code'),
      runtime: 'nodejs24.x',
      memorySize: 128,
      timeout: 3,
      ephemeralStorageSize: 512,
      environment: {},
      layers: [],
      loggingConfig: { logFormat: 'Text' },
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
      runtime: 'nodejs24.x',
      memorySize: 1769,
      timeout: 900,
      ephemeralStorageSize: 10240,
      reservedConcurrency: 2,
      provisionedConcurrency: 2,
      environment: { S: 'text', N: '42', F: '1.10', B: 'true', E: '' },
      layers: [],
      loggingConfig: { logFormat: 'Text' },
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
      freezeGrace: 25,
      stemContexts: 1,
      thawAhead: true,
      streamRate: 2097152,
      credentials: 'host',
      baseImages: { ...ALL_HOST, provided: 'public.ecr.aws/lambda/provided:al2023' },
    });
  });

  test('runtime provided: any handler, an executable bootstrap', () => {
    bootstrap(0o755);
    for (const rt of ['provided', 'provided.al2023']) {
      const file = write('functions.yaml', fnWith(`    runtime: ${rt}`).replace('index.handler', 'my::handler'));
      const fn = loadConfigFile(file).functions.get('hello');
      expect(fn?.runtime).toBe(rt);
      expect(fn?.handler).toBe('my::handler');
    }
  });
});

describe('errors name the file, the line and the key', () => {
  test('YAML syntax error', () => {
    expectError('functions:\n  hello:\n    handler: [index\n  code: x\n', 4, 'YAML syntax', /.+/);
  });

  test('duplicate keys', () => {
    expectError(fnWith('    code: ./code'), 5, 'functions.hello.code', /unique/);
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
    expectError(
      `functions:\n  ${'a'.repeat(65)}:\n    handler: index.handler\n    code: code\n`,
      2,
      `functions.${'a'.repeat(65)}`,
      /1 to 64/,
    );
  });

  test('function must be a mapping', () => {
    expectError('functions:\n  hello: index.handler\n', 2, 'functions.hello', /must be a mapping/);
  });

  test('handler is required', () => {
    expectError('functions:\n  hello:\n    code: ./code\n', 2, 'functions.hello.handler', /required/);
  });

  test("handler: only what Lambda's API refuses (spaces, empty, over 128 characters)", () => {
    for (const bad of ['my index.handler', 'index.\thandler', '', 'a'.repeat(129)]) {
      const text = `functions:\n  hello:\n    code: ./code\n    handler: "${bad}"\n`;
      expectError(text, 4, 'functions.hello.handler', /1 to 128 characters without spaces/);
    }
    expectError('functions:\n  hello:\n    code: ./code\n    handler: 5\n', 4, 'functions.hello.handler', /\(got 5\)/);
    bootstrap(0o755);
    expectError(
      'functions:\n  hello:\n    runtime: provided\n    code: ./code\n    handler: ""\n',
      5,
      'functions.hello.handler',
      /without spaces/,
    );
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
    expectError(
      fnWith('    runtime: nodejs18.x'),
      5,
      'functions.hello.runtime',
      /one of nodejs24\.x, nodejs22\.x, nodejs20\.x, python3\.11, python3\.12, python3\.13, provided, provided\.al2023 \(got "nodejs18\.x"\)/,
    );
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
    for (const key of [
      'AWS_REGION',
      'AWS_LAMBDA_RUNTIME_API',
      'LAMBDA_TASK_ROOT',
      'AWS_LAMBDA_LOG_FORMAT',
      'AWS_LAMBDA_LOG_LEVEL',
      '_X_AMZN_TRACE_ID',
    ]) {
      expectError(fnWith(`    environment:\n      ${key}: x`), 6, `functions.hello.environment.${key}`, /reserved by Lambda/);
    }
    expectError(fnWith('    environment:\n      _HANDLER: x'), 6, 'functions.hello.environment._HANDLER', /.+/);
  });

  test('environment values must be scalars', () => {
    expectError(
      fnWith('    environment:\n      A: x\n      B: { c: 1 }'),
      7,
      'functions.hello.environment.B',
      /string, number or boolean \(got a mapping\)/,
    );
    expectError(fnWith('    environment:\n      A: [1]'), 6, 'functions.hello.environment.A', /got a list/);
    expectError(fnWith('    environment:\n      A:'), 6, 'functions.hello.environment.A', /got nothing/);
  });

  test.each([
    ['idleTimeout: 0', 'idleTimeout', /greater than 0 \(got 0\)/],
    ['idleTimeout: fast', 'idleTimeout', /greater than 0 \(got "fast"\)/],
    ['reaperInterval: -1', 'reaperInterval', /null or a number of seconds greater than 0/],
    ['freezeDelay: 1.5', 'freezeDelay', /integer of at least 0 \(got 1.5\)/],
    ['freezeDelay: -1', 'freezeDelay', /integer of at least 0/],
    ['freezeGrace: 101', 'freezeGrace', /integer from 0 to 100 \(got 101\)/],
    ['freezeGrace: -1', 'freezeGrace', /integer from 0 to 100/],
    ['credentials: env', 'credentials', /one of host, none \(got "env"\)/],
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
    expectError(
      settingsWith('  baseImages:\n    python3.9: host'),
      3,
      'settings.baseImages.python3.9',
      /unknown key; expected one of nodejs24\.x, nodejs22\.x/,
    );
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
      {
        settings: { idleTimeout: 2, baseImages: { 'nodejs20.x': 'node:20-bookworm-slim' } },
        functions: { hello: { handler: 'index.handler', code: 'code', environment: { N: 1 } } },
      },
      dir,
    );
    expect(cfg.file).toBe('<inline>');
    expect(cfg.settings.idleTimeout).toBe(2);
    expect(cfg.settings.baseImages).toEqual({ ...ALL_HOST, 'nodejs20.x': 'node:20-bookworm-slim' });
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
    expect(configError(() => loadConfigObject({ functions: { f: { handler: 'a.b', code: 'code', extra: 1 } } }, dir)).key).toBe(
      'functions.f.extra',
    );
  });
});

describe('defaults', () => {
  test('defaultsPath finds config/defaults.yaml at the project root', () => {
    const file = defaultsPath();
    expect(file).toBe(path.resolve(__dirname, '..', '..', 'config', 'defaults.yaml'));
    expect(fs.existsSync(file)).toBe(true);
  });

  test('another defaults file can be given', () => {
    const text = fs
      .readFileSync(defaultsPath(), 'utf8')
      .replace('region: us-east-1', 'region: ap-south-1')
      .replace('timeout: 3', 'timeout: 30');
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

describe('runtimes, handlers and warnings', () => {
  test('every runtime loads; nodejs20.x carries a deprecation warning naming file, line and key', () => {
    for (const rt of RUNTIMES.filter((r) => !r.startsWith('provided'))) {
      const file = write('functions.yaml', fnWith(`    runtime: ${rt}`));
      const cfg = loadConfigFile(file);
      expect(cfg.functions.get('hello')?.runtime).toBe(rt);
      if (rt === 'nodejs20.x') {
        expect(cfg.warnings).toEqual([
          `${file}:5: functions.hello.runtime: nodejs20.x is deprecated by AWS since 2026-04-30; it still runs here (move to nodejs24.x)`,
        ]);
      } else {
        expect(cfg.warnings).toEqual([]);
      }
    }
  });

  test('a deprecated default runtime warns at the function', () => {
    const text = fs.readFileSync(defaultsPath(), 'utf8').replace('runtime: nodejs24.x', 'runtime: nodejs20.x');
    const defaults = write('defaults.yaml', text);
    const file = write('functions.yaml', fnWith(''));
    expect(loadConfigFile(file, defaults).warnings).toEqual([
      expect.stringMatching(new RegExp(`^${file}:2: functions\\.hello: nodejs20\\.x is deprecated`)),
    ]);
  });

  test('malformed handlers load: the runtime fails that function alone (Runtime.MalformedHandlerName)', () => {
    for (const h of [
      'malformed..handler',
      'index',
      '.handler',
      'index.',
      'app.lambda_handler',
      'pkg/mod.fn',
      'pkg.mod.fn',
      '../up/index.handler',
      'a'.repeat(128),
    ]) {
      const file = write('functions.yaml', `functions:\n  hello:\n    code: ./code\n    runtime: python3.13\n    handler: "${h}"\n`);
      expect(loadConfigFile(file).functions.get('hello')?.handler).toBe(h);
    }
  });
});

describe('layers, loggingConfig, url', () => {
  test('layers resolve against the file, in order', () => {
    fs.mkdirSync(path.join(dir, 'layers', 'a'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'layers', 'b'), { recursive: true });
    const file = write('functions.yaml', fnWith('    layers: [./layers/a, layers/b]'));
    expect(loadConfigFile(file).functions.get('hello')?.layers).toEqual([path.join(dir, 'layers', 'a'), path.join(dir, 'layers', 'b')]);
    expect(loadConfigFile(write('functions.yaml', fnWith('    layers:'))).functions.get('hello')?.layers).toEqual([]);
  });

  test('layer errors', () => {
    expectError(fnWith('    layers: ./layers/a'), 5, 'functions.hello.layers', /must be a list of directories/);
    expectError(fnWith('    layers:\n      - ./code\n      - ./missing'), 7, 'functions.hello.layers.1', /directory not found/);
    expectError(fnWith('    layers:\n      - 5'), 6, 'functions.hello.layers.0', /non-empty string \(got 5\)/);
    expectError(
      fnWith('    layers: [code, code, code, code, code, code]'),
      5,
      'functions.hello.layers',
      /at most 5 layers, as Lambda \(got 6\)/,
    );
    expectError(fnWith('    layers: [/etc]'), 5, 'functions.hello.layers.0', /system directory/);
  });

  test('loggingConfig: Text by default; JSON levels default to INFO', () => {
    const load = (extra: string) => loadConfigFile(write('functions.yaml', fnWith(extra))).functions.get('hello')?.loggingConfig;
    expect(load('    loggingConfig: {}')).toEqual({ logFormat: 'Text' });
    expect(load('    loggingConfig: { logFormat: Text }')).toEqual({ logFormat: 'Text' });
    expect(load('    loggingConfig: { logFormat: JSON }')).toEqual({
      logFormat: 'JSON',
      applicationLogLevel: 'INFO',
      systemLogLevel: 'INFO',
    });
    expect(load('    loggingConfig:\n      logFormat: JSON\n      applicationLogLevel: TRACE\n      systemLogLevel: WARN')).toEqual({
      logFormat: 'JSON',
      applicationLogLevel: 'TRACE',
      systemLogLevel: 'WARN',
    });
  });

  test('loggingConfig errors', () => {
    expectError(
      fnWith('    loggingConfig: { logFormat: json }'),
      5,
      'functions.hello.loggingConfig.logFormat',
      /one of Text, JSON \(got "json"\)/,
    );
    expectError(
      fnWith('    loggingConfig:\n      applicationLogLevel: WARN'),
      6,
      'functions.hello.loggingConfig.applicationLogLevel',
      /needs logFormat: JSON/,
    );
    expectError(
      fnWith('    loggingConfig:\n      logFormat: Text\n      systemLogLevel: WARN'),
      7,
      'functions.hello.loggingConfig.systemLogLevel',
      /needs logFormat: JSON/,
    );
    expectError(
      fnWith('    loggingConfig:\n      logFormat: JSON\n      applicationLogLevel: VERBOSE'),
      7,
      'functions.hello.loggingConfig.applicationLogLevel',
      /TRACE, DEBUG, INFO, WARN, ERROR, FATAL/,
    );
    expectError(
      fnWith('    loggingConfig:\n      logFormat: JSON\n      systemLogLevel: ERROR'),
      7,
      'functions.hello.loggingConfig.systemLogLevel',
      /one of DEBUG, INFO, WARN \(got "ERROR"\)/,
    );
    expectError(fnWith('    loggingConfig:\n      logGroup: x'), 6, 'functions.hello.loggingConfig.logGroup', /unknown key/);
    expectError(fnWith('    loggingConfig: JSON'), 5, 'functions.hello.loggingConfig', /must be a mapping/);
  });

  test('url: true, empty or a mapping gives a URL (BUFFERED unless told); false or absent none', () => {
    const load = (extra: string) => loadConfigFile(write('functions.yaml', fnWith(extra))).functions.get('hello')?.url;
    expect(load('')).toBeUndefined();
    expect(load('    url: false')).toBeUndefined();
    expect(load('    url: true')).toEqual({ invokeMode: 'BUFFERED' });
    expect(load('    url:')).toEqual({ invokeMode: 'BUFFERED' });
    expect(load('    url: {}')).toEqual({ invokeMode: 'BUFFERED' });
    expect(load('    url: { invokeMode: RESPONSE_STREAM }')).toEqual({ invokeMode: 'RESPONSE_STREAM' });
  });

  test('url errors', () => {
    expectError(fnWith('    url:\n      invokeMode: STREAM'), 6, 'functions.hello.url.invokeMode', /one of BUFFERED, RESPONSE_STREAM/);
    expectError(fnWith('    url:\n      authType: NONE'), 6, 'functions.hello.url.authType', /unknown key; expected one of invokeMode/);
    expectError(fnWith('    url: yes please'), 5, 'functions.hello.url', /true, false or a mapping/);
  });
});

describe('what cannot work is refused', () => {
  test.each(['/', '/etc', '/usr', '/var', '/proc', '/proc/self', '/sys/fs', '/dev', '/root', '/lib', '/bin'])('code: %s', (sys) => {
    if (!fs.existsSync(sys)) return; // /lib may be missing on some systems
    expectError(fnWith('').replace('./code', sys), 4, 'functions.hello.code', /root or a system directory/);
  });

  test('a relative path that climbs to / and a symlink to a system directory', () => {
    const up = path.relative(dir, '/') || '.';
    expectError(fnWith('').replace('./code', `${up}/../../..`), 4, 'functions.hello.code', /root or a system directory/);
    fs.symlinkSync('/etc', path.join(dir, 'link'));
    const err = expectError(fnWith('').replace('./code', './link'), 4, 'functions.hello.code', /resolves to \/etc/);
    expect(err.problem).toContain(path.join(dir, 'link'));
  });

  test('folders under system directories that are not special are fine (a project under /var or /usr/local)', () => {
    const cfg = loadConfigFile(write('functions.yaml', fnWith('')));
    expect(cfg.functions.get('hello')?.codeDir).toBe(path.join(dir, 'code'));
  });

  test('an environment value with NUL', () => {
    expectError(fnWith('    environment:\n      A: "x\\0y"'), 6, 'functions.hello.environment.A', /NUL character \(Docker refuses it\)/);
  });

  test("environment over Lambda's 4 KB, measured as JSON", () => {
    const ok = `    environment:\n      A: "${'x'.repeat(4096 - '{"A":""}'.length)}"`;
    expect(loadConfigFile(write('functions.yaml', fnWith(ok))).functions.get('hello')?.environment.A).toHaveLength(4088);
    const big = `    environment:\n      A: "${'x'.repeat(4090)}"`;
    expectError(fnWith(big), 5, 'functions.hello.environment', /take 4098 bytes .*limit is 4096/);
    const utf8 = `    environment:\n      A: "${'é'.repeat(2045)}"`; // 2 bytes each
    expectError(fnWith(utf8), 5, 'functions.hello.environment', /take 4098 bytes/);
  });

  test("PATH, LD_LIBRARY_PATH, NODE_PATH, credentials and the X-Ray variables are the user's to set", () => {
    const keys = [
      'PATH',
      'LD_LIBRARY_PATH',
      'NODE_PATH',
      'PYTHONPATH',
      'TZ',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_XRAY_CONTEXT_MISSING',
      'AWS_ENDPOINT_URL',
    ];
    const file = write('functions.yaml', fnWith(`    environment:\n${keys.map((k) => `      ${k}: /nonexistent`).join('\n')}`));
    expect(Object.keys(loadConfigFile(file).functions.get('hello')!.environment)).toEqual(keys);
  });
});

describe('one table of settings', () => {
  test('config/defaults.yaml agrees with src/config/settings-table.ts and FUNCTION_DEFAULTS', () => {
    const defaults = loadDefaults();
    expect(defaults.settings).toEqual(DEFAULT_SETTINGS);
    expect(defaults.functionDefaults).toEqual(FUNCTION_DEFAULTS);
    // same keys in the same order, so that the file reads as the table does
    const yamlKeys = fs
      .readFileSync(defaultsPath(), 'utf8')
      .split('\n')
      .filter((l) => /^[a-zA-Z]\w*:/.test(l))
      .map((l) => l.split(':')[0]);
    expect(yamlKeys).toEqual([...SETTING_NAMES, 'functionDefaults']);
  });

  test('the live settings are those the table marks live', () => {
    expect([...LIVE_SETTINGS].sort()).toEqual(['idleTimeout', 'memoryBudget', 'reaperInterval', 'stemContexts']);
    for (const name of SETTING_NAMES) expect(SETTINGS_TABLE[name].doc.length).toBeGreaterThan(10);
  });

  test('reserved names come from one list, and the credentials are not in it', () => {
    for (const key of RESERVED_ENV_KEYS) {
      expectError(fnWith(`    environment:\n      ${key}: x`), 6, `functions.hello.environment.${key}`, /reserved by Lambda/);
    }
    for (const key of OVERRIDABLE_ENV_KEYS) expect(RESERVED_ENV_KEYS as readonly string[]).not.toContain(key);
  });
});

describe('code the context cannot read', () => {
  test('a code folder or file others cannot read loads with a warning naming it', () => {
    fs.writeFileSync(path.join(dir, 'code', 'index.js'), '');
    fs.chmodSync(path.join(dir, 'code', 'index.js'), 0o600);
    const file = write('functions.yaml', fnWith(''));
    expect(loadConfigFile(file).warnings).toEqual([
      `${file}:4: functions.hello.code: the context's user (not the owner) cannot read ${path.join(dir, 'code', 'index.js')}: every invocation would fail (chmod -R o+rX)`,
    ]);
    fs.chmodSync(path.join(dir, 'code'), 0o700);
    expect(loadConfigFile(file).warnings[0]).toContain(`cannot read ${path.join(dir, 'code')}:`);
    fs.chmodSync(path.join(dir, 'code'), 0o755);
    fs.chmodSync(path.join(dir, 'code', 'index.js'), 0o644);
    expect(loadConfigFile(file).warnings).toEqual([]);
  });
});

/** Validation of one function of functions.yaml (docs/functions-yaml.md), defaults applied. */
import { Checker, describe, has, integer, KeyPath, mapping, nonEmptyString, oneOf, onlyKeys, Rule } from './checker';
import { environment } from './environment';
import { DEPRECATED_RUNTIMES, RUNTIMES, RuntimeName } from './runtimes';
import {
  APPLICATION_LOG_LEVELS,
  FunctionConfig,
  FunctionUrlConfig,
  INVOKE_MODES,
  LOG_FORMATS,
  LoggingConfig,
  SYSTEM_LOG_LEVELS,
} from './types';

/** The optional function keys whose defaults live in config/defaults.yaml (`functionDefaults`). */
export type FunctionDefaults = Pick<FunctionConfig, 'runtime' | 'memorySize' | 'timeout' | 'ephemeralStorageSize'>;

/** What config/defaults.yaml's functionDefaults must say (a unit test checks that it does). */
export const FUNCTION_DEFAULTS: FunctionDefaults = { runtime: 'nodejs24.x', memorySize: 128, timeout: 3, ephemeralStorageSize: 512 };

/** The file-system checks, handed in so that validation stays pure. Each returns an absolute path. */
export interface DirChecks {
  code(c: Checker, code: string, path: KeyPath, runtime: RuntimeName): string;
  layer(c: Checker, dir: string, path: KeyPath): string;
  /** Called with the validated function, for the checks that run later (prepareCode) to name their key. */
  done?(c: Checker, fn: FunctionConfig, path: KeyPath): void;
}

export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Lambda's API pattern for Handler; anything else is the runtime's to refuse at init (Runtime.MalformedHandlerName). */
export const HANDLER = /^[^\s]+$/;
export const HANDLER_MAX = 128;
/** Lambda's limit on layers per function. */
export const LAYERS_MAX = 5;

const FUNCTION_DEFAULT_KEYS = ['runtime', 'memorySize', 'timeout', 'ephemeralStorageSize'] as const;
const FUNCTION_KEYS = [
  'handler',
  'code',
  ...FUNCTION_DEFAULT_KEYS,
  'environment',
  'reservedConcurrency',
  'provisionedConcurrency',
  'layers',
  'loggingConfig',
  'url',
];

export const runtime: Rule<RuntimeName> = oneOf(RUNTIMES);

const FIELD_RULES: { [K in Exclude<keyof FunctionDefaults, 'runtime'>]: Rule<number> } = {
  memorySize: (c, v, p) => integer(c, v, p, 128, 10240),
  timeout: (c, v, p) => integer(c, v, p, 1, 900),
  ephemeralStorageSize: (c, v, p) => integer(c, v, p, 512, 10240),
};

/** Validates the `functionDefaults` block of config/defaults.yaml: all four keys required. */
export function parseFunctionDefaults(c: Checker, raw: unknown, path: KeyPath): FunctionDefaults {
  const obj = mapping(c, raw, path);
  onlyKeys(c, obj, FUNCTION_DEFAULT_KEYS, path);
  for (const key of FUNCTION_DEFAULT_KEYS) if (!has(obj, key)) c.fail([...path, key], 'missing: needs a default');
  return {
    runtime: runtime(c, obj.runtime, [...path, 'runtime']),
    memorySize: FIELD_RULES.memorySize(c, obj.memorySize, [...path, 'memorySize']),
    timeout: FIELD_RULES.timeout(c, obj.timeout, [...path, 'timeout']),
    ephemeralStorageSize: FIELD_RULES.ephemeralStorageSize(c, obj.ephemeralStorageSize, [...path, 'ephemeralStorageSize']),
  };
}

function handler(c: Checker, value: unknown, path: KeyPath): string {
  if (typeof value !== 'string' || !HANDLER.test(value) || value.length > HANDLER_MAX) {
    c.fail(
      path,
      `must be 1 to ${HANDLER_MAX} characters without spaces, such as index.handler or app.lambda_handler (got ${describe(value)})`,
    );
  }
  return value;
}

function layers(c: Checker, raw: unknown, path: KeyPath, dirs: DirChecks): string[] {
  if (raw === null) return [];
  if (!Array.isArray(raw)) c.fail(path, `must be a list of directories (got ${describe(raw)})`);
  if (raw.length > LAYERS_MAX) c.fail(path, `must name at most ${LAYERS_MAX} layers, as Lambda (got ${raw.length})`);
  return raw.map((item, i) => dirs.layer(c, nonEmptyString(c, item, [...path, String(i)]), [...path, String(i)]));
}

function loggingConfig(c: Checker, raw: unknown, path: KeyPath): LoggingConfig {
  const obj = raw === null ? {} : mapping(c, raw, path, 'a mapping with logFormat (and, for JSON, the log levels)');
  onlyKeys(c, obj, ['logFormat', 'applicationLogLevel', 'systemLogLevel'], path);
  const logFormat = has(obj, 'logFormat') ? oneOf(LOG_FORMATS)(c, obj.logFormat, [...path, 'logFormat']) : 'Text';
  if (logFormat === 'Text') {
    for (const key of ['applicationLogLevel', 'systemLogLevel']) {
      if (has(obj, key)) c.fail([...path, key], 'needs logFormat: JSON (Lambda refuses log levels with Text)', 'key');
    }
    return { logFormat };
  }
  return {
    logFormat,
    applicationLogLevel: has(obj, 'applicationLogLevel')
      ? oneOf(APPLICATION_LOG_LEVELS)(c, obj.applicationLogLevel, [...path, 'applicationLogLevel'])
      : 'INFO',
    systemLogLevel: has(obj, 'systemLogLevel') ? oneOf(SYSTEM_LOG_LEVELS)(c, obj.systemLogLevel, [...path, 'systemLogLevel']) : 'INFO',
  };
}

/** `url: true`, `url:` or `url: {}` give a BUFFERED URL; `url: false` none. */
function url(c: Checker, raw: unknown, path: KeyPath): FunctionUrlConfig | undefined {
  if (raw === false) return undefined;
  if (raw === true || raw === null) return { invokeMode: 'BUFFERED' };
  const obj = mapping(c, raw, path, 'true, false or a mapping with invokeMode');
  onlyKeys(c, obj, ['invokeMode'], path);
  return { invokeMode: has(obj, 'invokeMode') ? oneOf(INVOKE_MODES)(c, obj.invokeMode, [...path, 'invokeMode']) : 'BUFFERED' };
}

/** Validates one function and applies the defaults. */
export function parseFunction(
  c: Checker,
  name: string,
  raw: unknown,
  path: KeyPath,
  defaults: FunctionDefaults,
  dirs: DirChecks,
): FunctionConfig {
  if (!FUNCTION_NAME.test(name)) {
    c.fail(path, `function name must be 1 to 64 letters, digits, - or _ (got ${describe(name)})`, 'key');
  }
  const obj = mapping(c, raw, path, 'a mapping with at least handler and code');
  onlyKeys(c, obj, FUNCTION_KEYS, path);
  for (const key of ['handler', 'code']) {
    if (!has(obj, key)) c.fail([...path, key], `required (in function ${name})`, 'key');
  }
  const rtPath = has(obj, 'runtime') ? [...path, 'runtime'] : path;
  const rt = has(obj, 'runtime') ? runtime(c, obj.runtime, rtPath) : defaults.runtime;
  const deprecated = DEPRECATED_RUNTIMES[rt];
  if (deprecated) {
    c.warn(
      rtPath,
      `${rt} is deprecated by AWS since ${deprecated}; it still runs here (move to ${RUNTIMES[0]})`,
      has(obj, 'runtime') ? 'value' : 'key',
    );
  }
  const fn: FunctionConfig = {
    name,
    handler: handler(c, obj.handler, [...path, 'handler']),
    codeDir: dirs.code(c, nonEmptyString(c, obj.code, [...path, 'code']), [...path, 'code'], rt),
    runtime: rt,
    memorySize: defaults.memorySize,
    timeout: defaults.timeout,
    ephemeralStorageSize: defaults.ephemeralStorageSize,
    environment: has(obj, 'environment') ? environment(c, obj.environment, [...path, 'environment']) : {},
    layers: has(obj, 'layers') ? layers(c, obj.layers, [...path, 'layers'], dirs) : [],
    loggingConfig: has(obj, 'loggingConfig') ? loggingConfig(c, obj.loggingConfig, [...path, 'loggingConfig']) : { logFormat: 'Text' },
  };
  for (const key of ['memorySize', 'timeout', 'ephemeralStorageSize'] as const) {
    if (has(obj, key)) fn[key] = FIELD_RULES[key](c, obj[key], [...path, key]);
  }
  if (has(obj, 'reservedConcurrency')) {
    fn.reservedConcurrency = integer(c, obj.reservedConcurrency, [...path, 'reservedConcurrency'], 0, 1000);
  }
  if (has(obj, 'provisionedConcurrency')) {
    const at = [...path, 'provisionedConcurrency'];
    fn.provisionedConcurrency = integer(c, obj.provisionedConcurrency, at, 1, 1000);
    if (fn.reservedConcurrency !== undefined && fn.provisionedConcurrency > fn.reservedConcurrency) {
      c.fail(at, `must not exceed reservedConcurrency (${fn.reservedConcurrency}) (got ${fn.provisionedConcurrency})`);
    }
  }
  if (has(obj, 'url')) {
    const u = url(c, obj.url, [...path, 'url']);
    if (u) fn.url = u;
  }
  dirs.done?.(c, fn, path);
  return fn;
}

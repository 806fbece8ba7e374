/**
 * Validation of functions.yaml content (CONTRACT section 2) once it is plain data. Pure: the file
 * system check of a function's code directory is handed in by the caller, and source lines come
 * from a Locator, so the same rules serve a YAML file and an object given through the library API.
 */
import { ConfigError } from '../errors';
import { BaseImageSource, FunctionConfig, RUNTIMES, RuntimeName, Settings } from './types';

/** A dotted key path as segments: ['functions', 'hello', 'memorySize']. */
export type KeyPath = readonly string[];

/** Finds where a key or value was written; answers undefined when the input has no source text. */
export interface Locator {
  /** 1-based line of the value at `path` (or of its key); falls back to the nearest ancestor found. */
  line(path: KeyPath, at: 'key' | 'value'): number | undefined;
  /** A scalar's text exactly as written (`1.10`, `0x10`, `True`), when known. */
  source(path: KeyPath): string | undefined;
}

export const NO_SOURCE: Locator = { line: () => undefined, source: () => undefined };

/** Throws ConfigErrors naming the file, the line and the key. */
export class Checker {
  constructor(
    readonly file: string,
    readonly locator: Locator = NO_SOURCE,
  ) {}

  fail(path: KeyPath, problem: string, at: 'key' | 'value' = 'value'): never {
    const key = path.length > 0 ? path.join('.') : '(top level)';
    throw new ConfigError(this.file, this.locator.line(path, at), key, problem);
  }
}

/** The optional function keys whose defaults live in config/defaults.yaml. */
export type FunctionDefaults = Pick<FunctionConfig, 'runtime' | 'memorySize' | 'timeout' | 'ephemeralStorageSize'>;

/** Checks (and, for `provided`, inspects) a function's code directory; returns its absolute path. */
export type CodeDirCheck = (c: Checker, code: string, path: KeyPath, runtime: RuntimeName) => string;

export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * `file.export`, split as Lambda's Node.js runtime does: directories (no `..`), a module name up to
 * the first dot of the base name, then an export that may be a nested path (`index.a.b`).
 */
export const NODE_HANDLER = /^(?!\.)(?!.*\.\.)(?:[^\s/]+\/)*[^\s./]+\.[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;
export const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])*$/;
export const RESERVED_ENV_KEYS: ReadonlySet<string> = new Set([
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
]);
/** A Docker image reference: [registry[:port]/]path[:tag][@digest], repository in lower case. */
const IMAGE_REF =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

const SETTINGS_KEYS: readonly (keyof Settings)[] = [
  'idleTimeout',
  'reaperInterval',
  'freezeDelay',
  'initTimeout',
  'memoryBudget',
  'cpuLimit',
  'runtimeApiHost',
  'runtimeApiBind',
  'region',
  'network',
  'baseImages',
];
const FUNCTION_DEFAULT_KEYS: readonly (keyof FunctionDefaults)[] = ['runtime', 'memorySize', 'timeout', 'ephemeralStorageSize'];
const FUNCTION_KEYS = ['handler', 'code', ...FUNCTION_DEFAULT_KEYS, 'environment', 'reservedConcurrency', 'provisionedConcurrency'];

// ---- primitives ---------------------------------------------------------------------------------

/** How a value reads in "(got …)". */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function has(obj: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

export function mapping(c: Checker, value: unknown, path: KeyPath, what = 'a mapping'): Record<string, unknown> {
  if (!isMapping(value)) c.fail(path, `must be ${what} (got ${describe(value)})`);
  return value;
}

export function onlyKeys(c: Checker, obj: Record<string, unknown>, allowed: readonly string[], path: KeyPath): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) c.fail([...path, key], `unknown key; expected one of ${allowed.join(', ')}`, 'key');
  }
}

export function integer(c: Checker, value: unknown, path: KeyPath, min: number, max?: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const range = max !== undefined ? `from ${min} to ${max}` : `of at least ${min}`;
    c.fail(path, `must be an integer ${range} (got ${describe(value)})`);
  }
  return value;
}

export function positiveNumber(c: Checker, value: unknown, path: KeyPath, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    c.fail(path, `must be a number of ${unit} greater than 0 (got ${describe(value)})`);
  }
  return value;
}

export function boolean(c: Checker, value: unknown, path: KeyPath): boolean {
  if (typeof value !== 'boolean') c.fail(path, `must be true or false (got ${describe(value)})`);
  return value;
}

export function nonEmptyString(c: Checker, value: unknown, path: KeyPath): string {
  if (typeof value !== 'string' || value.trim() === '') c.fail(path, `must be a non-empty string (got ${describe(value)})`);
  return value;
}

export function orNull<T>(check: (c: Checker, value: unknown, path: KeyPath) => T, what: string) {
  return (c: Checker, value: unknown, path: KeyPath): T | null => {
    if (value === null) return null;
    try {
      return check(c, value, path);
    } catch (err) {
      if (err instanceof ConfigError) c.fail(path, `must be null or ${what} (got ${describe(value)})`);
      throw err;
    }
  };
}

export function runtime(c: Checker, value: unknown, path: KeyPath): RuntimeName {
  if (typeof value !== 'string' || !(RUNTIMES as readonly string[]).includes(value)) {
    c.fail(path, `must be one of ${RUNTIMES.join(', ')} (got ${describe(value)})`);
  }
  return value as RuntimeName;
}

// ---- settings -----------------------------------------------------------------------------------

type Rule<T> = (c: Checker, value: unknown, path: KeyPath) => T;

const SETTING_RULES: { [K in Exclude<keyof Settings, 'baseImages'>]: Rule<Settings[K]> } = {
  idleTimeout: (c, v, p) => positiveNumber(c, v, p, 'seconds'),
  reaperInterval: orNull((c, v, p) => positiveNumber(c, v, p, 'seconds'), 'a number of seconds greater than 0'),
  freezeDelay: (c, v, p) => integer(c, v, p, 0),
  initTimeout: (c, v, p) => positiveNumber(c, v, p, 'seconds'),
  memoryBudget: orNull((c, v, p) => integer(c, v, p, 128), 'an integer (MB) of at least 128'),
  cpuLimit: boolean,
  runtimeApiHost: orNull(nonEmptyString, 'a non-empty string'),
  runtimeApiBind: orNull(nonEmptyString, 'a non-empty string'),
  region: nonEmptyString,
  network: orNull(nonEmptyString, 'a non-empty string'),
};

function baseImage(c: Checker, value: unknown, path: KeyPath): BaseImageSource {
  if (typeof value !== 'string' || (value !== 'host' && !IMAGE_REF.test(value))) {
    c.fail(path, `must be \`host\` or a Docker image reference such as node:20-bookworm-slim (got ${describe(value)})`);
  }
  return value;
}

/**
 * Validates a settings mapping. With `base` (the defaults), keys are optional and override it,
 * baseImages one runtime at a time; without it (reading the defaults themselves) every key is required.
 */
export function parseSettings(c: Checker, raw: unknown, path: KeyPath, base?: Settings): Settings {
  const obj = base && raw === null ? {} : mapping(c, raw, path);
  onlyKeys(c, obj, SETTINGS_KEYS, path);
  const out: Record<string, unknown> = base ? { ...base, baseImages: { ...base.baseImages } } : { baseImages: {} };
  for (const key of SETTINGS_KEYS) {
    const at = [...path, key];
    if (!has(obj, key)) {
      if (!base) c.fail(at, 'missing: every setting needs a default');
      continue;
    }
    if (key === 'baseImages') {
      const images = mapping(c, obj[key], at, 'a mapping of runtime to `host` or an image reference');
      onlyKeys(c, images, RUNTIMES, at);
      for (const rt of RUNTIMES) {
        if (has(images, rt)) (out.baseImages as Record<string, unknown>)[rt] = baseImage(c, images[rt], [...at, rt]);
        else if (!base) c.fail([...at, rt], 'missing: every runtime needs a default base image');
      }
    } else {
      out[key] = SETTING_RULES[key](c, obj[key], at);
    }
  }
  return out as unknown as Settings;
}

// ---- functions ----------------------------------------------------------------------------------

const FUNCTION_FIELD_RULES: { [K in Exclude<keyof FunctionDefaults, 'runtime'>]: Rule<number> } = {
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
    memorySize: FUNCTION_FIELD_RULES.memorySize(c, obj.memorySize, [...path, 'memorySize']),
    timeout: FUNCTION_FIELD_RULES.timeout(c, obj.timeout, [...path, 'timeout']),
    ephemeralStorageSize: FUNCTION_FIELD_RULES.ephemeralStorageSize(c, obj.ephemeralStorageSize, [...path, 'ephemeralStorageSize']),
  };
}

function handler(c: Checker, value: unknown, path: KeyPath, rt: RuntimeName): string {
  if (rt === 'provided') {
    if (typeof value !== 'string' || value.trim() === '') {
      c.fail(path, `must be a non-empty string, passed to the bootstrap as _HANDLER (got ${describe(value)})`);
    }
  } else if (typeof value !== 'string' || !NODE_HANDLER.test(value)) {
    c.fail(path, `must be file.export, such as index.handler or src/app.handlers.main (got ${describe(value)})`);
  }
  return value;
}

function environment(c: Checker, raw: unknown, path: KeyPath): Record<string, string> {
  const obj = raw === null ? {} : mapping(c, raw, path, 'a mapping of variable name to value');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(obj)) {
    const at = [...path, key];
    if (!ENV_KEY.test(key)) c.fail(at, 'must start with a letter and hold only letters, digits and _', 'key');
    if (RESERVED_ENV_KEYS.has(key)) c.fail(at, 'reserved by Lambda; the orchestrator sets it', 'key');
    if (typeof value === 'string') env[key] = value;
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || typeof value === 'bigint') {
      env[key] = c.locator.source(at) ?? String(value);
    } else {
      c.fail(at, `must be a string, number or boolean (got ${describe(value)}); write '' for an empty value`);
    }
  }
  return env;
}

/** Validates one function and applies the defaults. */
export function parseFunction(
  c: Checker,
  name: string,
  raw: unknown,
  path: KeyPath,
  defaults: FunctionDefaults,
  checkCodeDir: CodeDirCheck,
): FunctionConfig {
  if (!FUNCTION_NAME.test(name)) {
    c.fail(path, `function name must be 1 to 64 letters, digits, - or _ (got ${describe(name)})`, 'key');
  }
  const obj = mapping(c, raw, path, 'a mapping with at least handler and code');
  onlyKeys(c, obj, FUNCTION_KEYS, path);
  for (const key of ['handler', 'code']) {
    if (!has(obj, key)) c.fail([...path, key], `required (in function ${name})`, 'key');
  }
  const rt = has(obj, 'runtime') ? runtime(c, obj.runtime, [...path, 'runtime']) : defaults.runtime;
  const fn: FunctionConfig = {
    name,
    handler: handler(c, obj.handler, [...path, 'handler'], rt),
    codeDir: checkCodeDir(c, nonEmptyString(c, obj.code, [...path, 'code']), [...path, 'code'], rt),
    runtime: rt,
    memorySize: defaults.memorySize,
    timeout: defaults.timeout,
    ephemeralStorageSize: defaults.ephemeralStorageSize,
    environment: has(obj, 'environment') ? environment(c, obj.environment, [...path, 'environment']) : {},
  };
  for (const key of ['memorySize', 'timeout', 'ephemeralStorageSize'] as const) {
    if (has(obj, key)) fn[key] = FUNCTION_FIELD_RULES[key](c, obj[key], [...path, key]);
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
  return fn;
}

/** Validates a whole functions.yaml document: top level, settings over the defaults, every function. */
export function parseProject(
  c: Checker,
  raw: unknown,
  defaults: { settings: Settings; functionDefaults: FunctionDefaults },
  checkCodeDir: CodeDirCheck,
): { settings: Settings; functions: Map<string, FunctionConfig> } {
  const top = mapping(c, raw, [], 'a mapping with `functions` (and optionally `settings`)');
  onlyKeys(c, top, ['settings', 'functions'], []);
  const settings = has(top, 'settings') ? parseSettings(c, top.settings, ['settings'], defaults.settings) : defaults.settings;
  if (!has(top, 'functions')) c.fail(['functions'], 'required: a mapping of function name to function', 'key');
  const fns = mapping(c, top.functions, ['functions'], 'a mapping of function name to function');
  const names = Object.keys(fns);
  if (names.length === 0) c.fail(['functions'], 'must define at least one function');
  const functions = new Map<string, FunctionConfig>();
  for (const name of names) {
    functions.set(name, parseFunction(c, name, fns[name], ['functions', name], defaults.functionDefaults, checkCodeDir));
  }
  return { settings, functions };
}

/**
 * The environment variables Lambda sets in an execution environment: one list that both the
 * validation of `environment:` and the context's environment (src/context/lambda-env.ts) follow.
 * Source: Lambda's "Defined runtime environment variables" (reserved and unreserved tables).
 */

/** Set by the orchestrator in every context; a function may not set them (Lambda's API refuses them). */
export const CONTEXT_ENV_KEYS = [
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
  'AWS_LAMBDA_LOG_FORMAT',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  '_HANDLER',
] as const;

/**
 * Reserved too, but not in every context's environment: `_X_AMZN_TRACE_ID` is set by the runtime
 * per invocation; `AWS_LAMBDA_LOG_LEVEL` only with `loggingConfig.logFormat: JSON`.
 */
export const SOMETIMES_ENV_KEYS = ['_X_AMZN_TRACE_ID', 'AWS_LAMBDA_LOG_LEVEL'] as const;

/** Every name `environment:` refuses as "reserved by Lambda". */
export const RESERVED_ENV_KEYS = [...CONTEXT_ENV_KEYS, ...SOMETIMES_ENV_KEYS] as const;

/**
 * Lambda sets these with a default value, and a function may set its own (Lambda's unreserved
 * variables). The credentials are reserved on Lambda, but allowed here (docs/differences.md): a function
 * pointed at LocalStack or another account needs its own.
 */
export const OVERRIDABLE_ENV_KEYS = [
  'PATH',
  'LD_LIBRARY_PATH',
  'NODE_PATH',
  'PYTHONPATH',
  'LANG',
  'TZ',
  'AWS_XRAY_CONTEXT_MISSING',
  'AWS_XRAY_DAEMON_ADDRESS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
] as const;

export type ContextEnvKey = (typeof CONTEXT_ENV_KEYS)[number];
export type ReservedEnvKey = (typeof RESERVED_ENV_KEYS)[number];
export type OverridableEnvKey = (typeof OVERRIDABLE_ENV_KEYS)[number];

const RESERVED: ReadonlySet<string> = new Set(RESERVED_ENV_KEYS);

export function isReservedEnvKey(key: string): key is ReservedEnvKey {
  return RESERVED.has(key);
}

import { randomBytes } from 'node:crypto';
import type { FunctionConfig } from '../config/types';
import type { ContextEnvKey } from '../config/reserved-env';
import { LOCAL_ACCOUNT_ID } from '../config/account';
import { LATEST_VERSION } from '../lambda-limits';

export type InitializationType = 'on-demand' | 'provisioned-concurrency';

/**
 * Lambda's reserved environment variables for one execution context: every name of the one list
 * (config/reserved-env.ts), and AWS_LAMBDA_LOG_LEVEL with JSON logs.
 */
export function lambdaEnvironment(
  fn: FunctionConfig,
  opts: { runtimeApi: string; region: string; initType: InitializationType; now: Date },
): Record<ContextEnvKey, string> & { AWS_LAMBDA_LOG_LEVEL?: string } {
  const d = opts.now;
  const day = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
  const logging = fn.loggingConfig;
  return {
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: LATEST_VERSION,
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: opts.initType,
    AWS_LAMBDA_RUNTIME_API: opts.runtimeApi,
    AWS_LAMBDA_LOG_FORMAT: logging.logFormat,
    ...(logging.logFormat === 'JSON' ? { AWS_LAMBDA_LOG_LEVEL: logging.applicationLogLevel } : {}),
    AWS_REGION: opts.region,
    AWS_DEFAULT_REGION: opts.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: '/var/task',
    LAMBDA_RUNTIME_DIR: '/var/runtime',
  };
}

export function functionArn(fn: FunctionConfig, region: string): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${fn.name}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

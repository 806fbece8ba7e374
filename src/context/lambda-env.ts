import { randomBytes } from 'node:crypto';
import type { FunctionConfig } from '../config/types';

export type InitializationType = 'on-demand' | 'provisioned-concurrency';

/** Lambda's reserved environment variables for one execution context. */
export function lambdaEnvironment(
  fn: FunctionConfig,
  opts: { runtimeApi: string; region: string; initType: InitializationType; now: Date },
): Record<string, string> {
  const d = opts.now;
  const day = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
  return {
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: opts.initType,
    AWS_LAMBDA_RUNTIME_API: opts.runtimeApi,
    AWS_REGION: opts.region,
    AWS_DEFAULT_REGION: opts.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: '/var/task',
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    TZ: ':UTC',
  };
}

export function functionArn(fn: FunctionConfig, region: string): string {
  return `arn:aws:lambda:${region}:000000000000:function:${fn.name}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

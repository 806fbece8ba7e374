import type { FunctionConfig } from '../config/types';
import { functionArn } from '../context/lambda-env';
import { LATEST_VERSION } from '../lambda-limits';

/** Lambda's FunctionConfiguration shape, enough for list-functions and get-function. */
export function functionConfiguration(fn: FunctionConfig, region: string): Record<string, unknown> {
  return {
    FunctionName: fn.name,
    FunctionArn: functionArn(fn, region),
    Runtime: fn.runtime,
    Role: 'arn:aws:iam::000000000000:role/lambda-orchestrator',
    Handler: fn.handler,
    CodeSize: 0,
    Description: '',
    Timeout: fn.timeout,
    MemorySize: fn.memorySize,
    LastModified: new Date(0).toISOString().replace('Z', '+0000'),
    CodeSha256: '',
    Version: LATEST_VERSION,
    Environment: { Variables: fn.environment },
    EphemeralStorage: { Size: fn.ephemeralStorageSize },
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    State: 'Active',
    LastUpdateStatus: 'Successful',
  };
}

import { LambdaClient } from '@aws-sdk/client-lambda';

/**
 * The AWS SDK's Lambda client pointed at an orchestrator's Invoke API: dummy credentials (nothing
 * checks them) and one attempt, so that a 429 or a 5xx the SDK would retry is seen as it is.
 */
export function lambdaClient(endpoint: string): LambdaClient {
  return new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

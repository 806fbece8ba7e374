/**
 * One class per failure; `name` is what Lambda puts on the wire (errorType or x-amzn-ErrorType).
 * Function errors end up in the invocation's response body; service errors are HTTP errors.
 */

/** An error a function invocation reports: answered 200 with X-Amz-Function-Error. */
export class FunctionError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly trace: string[] = [],
  ) {
    super(message);
    this.name = errorType;
  }

  toPayload(): { errorType: string; errorMessage: string; trace?: string[] } {
    return this.trace.length > 0
      ? { errorType: this.errorType, errorMessage: this.message, trace: this.trace }
      : { errorType: this.errorType, errorMessage: this.message };
  }
}

export class SandboxTimedout extends FunctionError {
  constructor(requestId: string, timeoutSeconds: number) {
    super('Sandbox.Timedout', `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
  }
}

export class RuntimeExitError extends FunctionError {
  constructor(requestId: string, detail: string) {
    super('Runtime.ExitError', `RequestId: ${requestId} Error: Runtime exited with error: ${detail}`);
  }
}

export class ResponseSizeTooLarge extends FunctionError {
  constructor(limitBytes: number) {
    super('Function.ResponseSizeTooLarge', `Response payload size exceeded maximum allowed payload size (${limitBytes} bytes).`);
  }
}

/** An error of the service itself: an HTTP status, x-amzn-ErrorType and a JSON body. */
export class ServiceError extends Error {
  constructor(
    name: string,
    readonly statusCode: number,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = name;
  }

  toBody(): Record<string, string> {
    return { Type: this.statusCode >= 500 ? 'Service' : 'User', message: this.message, ...this.extra };
  }
}

export class ResourceNotFoundException extends ServiceError {
  constructor(functionName: string, region = 'us-east-1', account = '000000000000') {
    super('ResourceNotFoundException', 404, `Function not found: arn:aws:lambda:${region}:${account}:function:${functionName}`);
  }
}

export class TooManyRequestsException extends ServiceError {
  constructor(message: string, reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded') {
    super('TooManyRequestsException', 429, message, { Reason: reason });
  }
}

export class RequestTooLargeException extends ServiceError {
  constructor(message: string) {
    super('RequestTooLargeException', 413, message);
  }
}

export class InvalidRequestContentException extends ServiceError {
  constructor(message: string) {
    super('InvalidRequestContentException', 400, message);
  }
}

export class ServiceException extends ServiceError {
  constructor(message: string) {
    super('ServiceException', 500, message);
  }
}

/** A broken functions.yaml: names the file, the line and the key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${key}: ${problem}`);
  }
}

/**
 * Lambda's answer to a parameter outside its model's constraints (pattern, length, enum):
 * 400 with `{"message": "1 validation error detected: ..."}` and no Type field.
 */
export class ValidationException extends ServiceError {
  constructor(readonly violations: string[]) {
    super(
      'ValidationException',
      400,
      `${violations.length} validation error${violations.length === 1 ? '' : 's'} detected: ${violations.join('; ')}`,
    );
  }

  override toBody(): Record<string, string> {
    return { message: this.message };
  }
}

export class InvalidParameterValueException extends ServiceError {
  constructor(message: string) {
    super('InvalidParameterValueException', 400, message);
  }
}

/** An ARN of another region: Lambda's ResourceNotFoundException, in its own words for this case. */
export class FunctionInOtherRegion extends ResourceNotFoundException {
  constructor(arnRegion: string, region: string) {
    super('', region);
    this.message = `Functions from '${arnRegion}' are not reachable in this region ('${region}')`;
  }
}

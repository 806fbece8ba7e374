import { FunctionError } from '../errors';

/** Lambda's error types for an extension that fails the environment (its init, or an invocation). */
export type ExtensionFailureType = 'Extension.InitError' | 'Extension.ExitError' | 'Extension.Crash';

/**
 * An extension reported /init/error or /exit/error (or its process ended): Lambda fails the init
 * or the invocation with this type and resets the environment.
 */
export class ExtensionFailure extends FunctionError {
  constructor(
    errorType: ExtensionFailureType,
    readonly extension: string,
    /** What the extension sent in Lambda-Extension-Function-Error-Type (or the exit status). */
    readonly reported: string,
  ) {
    super(errorType, `Extension ${extension} failed: ${reported}`);
  }
}

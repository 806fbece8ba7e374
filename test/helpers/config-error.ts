import { ConfigError } from '../../src/errors';

/** The ConfigError that `fn` throws; any other outcome (another error, no error) fails the test. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

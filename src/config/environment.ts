/** Rules for a function's `environment:` (Lambda's API rules, plus what Docker refuses). */
import { Checker, describe, KeyPath, mapping } from './checker';
import { isReservedEnvKey } from './reserved-env';

/** Lambda's pattern for a variable name (it also keeps out `=` and NUL, which Docker refuses). */
export const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])*$/;
/** Lambda refuses a function whose variables, measured as their JSON, exceed 4 KB. */
export const ENV_MAX_BYTES = 4096;

export function environment(c: Checker, raw: unknown, path: KeyPath): Record<string, string> {
  const obj = raw === null ? {} : mapping(c, raw, path, 'a mapping of variable name to value');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(obj)) {
    const at = [...path, key];
    if (isReservedEnvKey(key)) c.fail(at, 'reserved by Lambda; the orchestrator sets it', 'key');
    if (!ENV_KEY.test(key)) c.fail(at, 'must start with a letter and hold only letters, digits and _', 'key');
    if (typeof value === 'string') env[key] = value;
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || typeof value === 'bigint') {
      env[key] = c.locator.source(at) ?? String(value);
    } else {
      c.fail(at, `must be a string, number or boolean (got ${describe(value)}); write '' for an empty value`);
    }
    // Docker refuses a variable holding NUL, so every start of the context would fail.
    if (env[key].includes('\0')) c.fail(at, 'must not contain a NUL character (Docker refuses it)');
  }
  const size = Buffer.byteLength(JSON.stringify(env), 'utf8');
  if (size > ENV_MAX_BYTES) {
    c.fail(path, `variables take ${size} bytes (measured as JSON, as Lambda does); Lambda's limit is ${ENV_MAX_BYTES}`, 'key');
  }
  return env;
}

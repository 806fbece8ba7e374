import type { FunctionConfig } from '../config/types';
import { functionArn } from '../context/lambda-env';
import { FunctionInOtherRegion, InvalidParameterValueException, ResourceNotFoundException, ValidationException } from '../errors';
import { LATEST_VERSION } from '../lambda-limits';
import { Violations } from './validation';

/** Lambda's model for FunctionName (Invoke, GetFunction): a name, name:qualifier, or a full or partial ARN. */
export const FUNCTION_NAME_PATTERN = String.raw`(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`;
export const FUNCTION_NAME_MAX = 170;
export const QUALIFIER_PATTERN = String.raw`(|[a-zA-Z0-9$_-]+)`;
export const QUALIFIER_MAX = 128;

/** The parts of a FunctionName, by the capture groups of FUNCTION_NAME_PATTERN. */
interface NameParts {
  region?: string;
  account?: string;
  name: string;
  qualifier?: string;
}

/** What the request named, checked: the path segment (still escaped) and ?Qualifier=. */
export interface RawFunctionRef {
  pathSegment: string;
  queryQualifier: string | null;
}

/** Adds the request's violations of Lambda's model for FunctionName and Qualifier. */
export function checkFunctionRef(ref: RawFunctionRef, v: Violations): void {
  const name = decodeSegment(ref.pathSegment);
  v.pattern('functionName', name, FUNCTION_NAME_PATTERN).length('functionName', name, 1, FUNCTION_NAME_MAX);
  if (ref.queryQualifier !== null) {
    v.pattern('qualifier', ref.queryQualifier, QUALIFIER_PATTERN).length('qualifier', ref.queryQualifier, 1, QUALIFIER_MAX);
  }
}

/**
 * The function a request (already checked) names, as Lambda resolves it: an ARN of another
 * region or account, a version or alias other than $LATEST, an unknown name: ResourceNotFoundException.
 */
export function resolveFunction(ref: RawFunctionRef, region: string, lookup: (name: string) => FunctionConfig | undefined): FunctionConfig {
  const parts = nameParts(decodeSegment(ref.pathSegment));
  const account = localAccount(region);
  if (parts.qualifier !== undefined && ref.queryQualifier !== null && parts.qualifier !== ref.queryQualifier) {
    throw new InvalidParameterValueException('The derived qualifier from the function name does not match the specified qualifier.');
  }
  const qualifier = parts.qualifier ?? ref.queryQualifier ?? undefined;
  const shown = qualifier ? `${parts.name}:${qualifier}` : parts.name;
  if (parts.region !== undefined && parts.region !== region) throw new FunctionInOtherRegion(parts.region, region);
  if (parts.account !== undefined && parts.account !== account) throw new ResourceNotFoundException(shown, region, parts.account);
  const fn = lookup(parts.name);
  // Only $LATEST exists locally: no published versions, no aliases.
  if (!fn || (qualifier !== undefined && qualifier !== LATEST_VERSION)) throw new ResourceNotFoundException(shown, region, account);
  return fn;
}

/** Throws Lambda's ValidationException when anything was found. */
export function throwViolations(v: Violations): void {
  if (v.list.length > 0) throw new ValidationException(v.list);
}

function nameParts(s: string): NameParts {
  const m = new RegExp(`^(?:${FUNCTION_NAME_PATTERN})$`).exec(s);
  if (!m) throw new ValidationException([`Value '${s}' at 'functionName' failed to satisfy constraint`]);
  return {
    region: m[3]?.slice(0, -1),
    account: m[8]?.slice(0, -1),
    name: m[10],
    qualifier: m[12],
  };
}

/** A malformed escape (%, %ZZ, %C0%AF) is left as written: it then fails the pattern, as on Lambda. */
function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The account of the ARNs this orchestrator hands out (one source: functionArn). */
function localAccount(region: string): string {
  return functionArn({ name: 'x' } as FunctionConfig, region).split(':')[4];
}

/**
 * The primitives of config validation: a Checker that throws ConfigErrors naming the file, the line
 * and the key (and collects warnings the same way), and small typed rules built on it.
 */
import { ConfigError } from '../errors';

/** A dotted key path as segments: ['functions', 'hello', 'memorySize']. */
export type KeyPath = readonly string[];

/** Finds where a key or value was written; answers undefined when the input has no source text. */
export interface Locator {
  /** 1-based line of the value at `path` (or of its key); falls back to the nearest ancestor found. */
  line(path: KeyPath, at: 'key' | 'value'): number | undefined;
  /** A scalar's text exactly as written (`1.10`, `0x10`, `True`), when known. */
  source(path: KeyPath): string | undefined;
}

export const NO_SOURCE: Locator = { line: () => undefined, source: () => undefined };

/** Throws ConfigErrors naming the file, the line and the key; collects warnings in the same form. */
export class Checker {
  constructor(
    readonly file: string,
    readonly locator: Locator = NO_SOURCE,
    /** `file:line: key: message` for what loads but deserves a word at `up`. */
    readonly warnings: string[] = [],
  ) {}

  fail(path: KeyPath, problem: string, at: 'key' | 'value' = 'value'): never {
    throw new ConfigError(this.file, this.locator.line(path, at), keyName(path), problem);
  }

  warn(path: KeyPath, message: string, at: 'key' | 'value' = 'value'): void {
    const line = this.locator.line(path, at);
    this.warnings.push(`${this.file}${line !== undefined ? `:${line}` : ''}: ${keyName(path)}: ${message}`);
  }
}

function keyName(path: KeyPath): string {
  return path.length > 0 ? path.join('.') : '(top level)';
}

export type Rule<T> = (c: Checker, value: unknown, path: KeyPath) => T;

/** How a value reads in "(got …)". */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function has(obj: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** Sets an own property, even one named `__proto__` (an assignment would replace the prototype). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function mapping(c: Checker, value: unknown, path: KeyPath, what = 'a mapping'): Record<string, unknown> {
  if (!isMapping(value)) c.fail(path, `must be ${what} (got ${describe(value)})`);
  return value;
}

export function onlyKeys(c: Checker, obj: Record<string, unknown>, allowed: readonly string[], path: KeyPath): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) c.fail([...path, key], `unknown key; expected one of ${allowed.join(', ')}`, 'key');
  }
}

export function integer(c: Checker, value: unknown, path: KeyPath, min: number, max?: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const range = max !== undefined ? `from ${min} to ${max}` : `of at least ${min}`;
    c.fail(path, `must be an integer ${range} (got ${describe(value)})`);
  }
  return value;
}

export function positiveNumber(c: Checker, value: unknown, path: KeyPath, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    c.fail(path, `must be a number of ${unit} greater than 0 (got ${describe(value)})`);
  }
  return value;
}

export function boolean(c: Checker, value: unknown, path: KeyPath): boolean {
  if (typeof value !== 'boolean') c.fail(path, `must be true or false (got ${describe(value)})`);
  return value;
}

export function nonEmptyString(c: Checker, value: unknown, path: KeyPath): string {
  if (typeof value !== 'string' || value.trim() === '') c.fail(path, `must be a non-empty string (got ${describe(value)})`);
  return value;
}

/** One of a fixed list of strings. */
export function oneOf<T extends string>(options: readonly T[]): Rule<T> {
  return (c, value, path) => {
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      c.fail(path, `must be one of ${options.join(', ')} (got ${describe(value)})`);
    }
    return value as T;
  };
}

export function orNull<T>(check: Rule<T>, what: string): Rule<T | null> {
  return (c, value, path) => {
    if (value === null) return null;
    try {
      return check(c, value, path);
    } catch (err) {
      if (err instanceof ConfigError) c.fail(path, `must be null or ${what} (got ${describe(value)})`);
      throw err;
    }
  };
}

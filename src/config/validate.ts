/**
 * Validation of functions.yaml content (docs/functions-yaml.md) once it is plain data. Pure: the file
 * system checks (code and layer directories) are handed in by the caller, and source lines come
 * from a Locator, so the same rules serve a YAML file, a SAM template and an object given through
 * the library API.
 */
import { Checker, has, mapping, onlyKeys } from './checker';
import { DirChecks, FunctionDefaults, parseFunction } from './function';
import { parseSettings, Settings } from './settings-table';
import type { FunctionConfig } from './types';

export { Checker, NO_SOURCE } from './checker';
export type { KeyPath, Locator } from './checker';
export { parseSettings } from './settings-table';
export { parseFunction, parseFunctionDefaults } from './function';
export type { DirChecks, FunctionDefaults } from './function';

export interface Defaults {
  settings: Settings;
  functionDefaults: FunctionDefaults;
}

/** Validates a whole functions.yaml document: top level, settings over the defaults, every function. */
export function parseProject(
  c: Checker,
  raw: unknown,
  defaults: Defaults,
  dirs: DirChecks,
): { settings: Settings; functions: Map<string, FunctionConfig>; warnings: string[] } {
  const top = mapping(c, raw, [], 'a mapping with `functions` (and optionally `settings`)');
  onlyKeys(c, top, ['settings', 'functions'], []);
  const settings = has(top, 'settings') ? parseSettings(c, top.settings, ['settings'], defaults.settings) : defaults.settings;
  if (!has(top, 'functions')) c.fail(['functions'], 'required: a mapping of function name to function', 'key');
  const fns = mapping(c, top.functions, ['functions'], 'a mapping of function name to function');
  const names = Object.keys(fns);
  if (names.length === 0) c.fail(['functions'], 'must define at least one function');
  const functions = new Map<string, FunctionConfig>();
  for (const name of names) {
    functions.set(name, parseFunction(c, name, fns[name], ['functions', name], defaults.functionDefaults, dirs));
  }
  return { settings, functions, warnings: c.warnings };
}

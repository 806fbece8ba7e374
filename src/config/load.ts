/**
 * Loads functions.yaml (CONTRACT section 2): parses the YAML keeping source lines, applies
 * config/defaults.yaml, validates everything and checks the code and layer directories on disk.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Checker } from './checker';
import { dirChecks } from './dirs';
import { parseFunctionDefaults } from './function';
import { parseSettings } from './settings-table';
import type { ProjectConfig } from './types';
import { Defaults, parseProject } from './validate';
import { readYaml } from './yaml-file';

let cachedDefaultsPath: string | undefined;

/**
 * Path of config/defaults.yaml: the nearest folder above this module holding both
 * `config/defaults.yaml` and `package.json` (src/config under ts-jest, dist/src/config once built).
 */
export function defaultsPath(): string {
  if (cachedDefaultsPath) return cachedDefaultsPath;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'config', 'defaults.yaml');
    if (fs.existsSync(candidate) && fs.existsSync(path.join(dir, 'package.json'))) {
      return (cachedDefaultsPath = candidate);
    }
    if (path.dirname(dir) === dir) throw new Error(`config/defaults.yaml not found in any folder above ${__dirname}`);
  }
}

/** Reads, validates and defaults a functions.yaml; `file` in the result is its absolute path. */
export function loadConfigFile(file: string, defaultsFile?: string): ProjectConfig {
  const abs = path.resolve(file);
  const { data, locator } = readYaml(abs);
  const defaults = loadDefaults(defaultsFile);
  const c = new Checker(abs, locator);
  return { file: abs, ...parseProject(c, data, defaults, dirChecks(path.dirname(abs))) };
}

/**
 * Validates an object shaped like functions.yaml (the library API); `code` and `layers` paths
 * resolve against baseDir, and errors name `label` with no line.
 */
export function loadConfigObject(input: unknown, baseDir: string, label = '<inline>', defaultsFile?: string): ProjectConfig {
  const defaults = loadDefaults(defaultsFile);
  const c = new Checker(label);
  return { file: label, ...parseProject(c, input, defaults, dirChecks(path.resolve(baseDir))) };
}

/** config/defaults.yaml (or another file of that shape), validated: every setting and function default present. */
export function loadDefaults(defaultsFile?: string): Defaults {
  const abs = path.resolve(defaultsFile ?? defaultsPath());
  const { data, locator } = readYaml(abs);
  const c = new Checker(abs, locator);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) c.fail([], 'must be a mapping of settings');
  const { functionDefaults, ...settings } = data as Record<string, unknown>;
  if (functionDefaults === undefined) c.fail(['functionDefaults'], 'required', 'key');
  return {
    settings: parseSettings(c, settings, []),
    functionDefaults: parseFunctionDefaults(c, functionDefaults, ['functionDefaults']),
  };
}

/** config/defaults.yaml: where it is, and its validated content (every setting and function default). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Checker } from './checker';
import { parseFunctionDefaults } from './function';
import { parseSettings } from './settings-table';
import type { Defaults } from './validate';
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

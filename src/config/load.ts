/**
 * Loads functions.yaml (CONTRACT section 2): parses the YAML keeping source lines, applies
 * config/defaults.yaml, validates everything and checks the code directories on disk.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Document, isAlias, isMap, isScalar, LineCounter, Node, Pair, parseDocument } from 'yaml';
import { ConfigError } from '../errors';
import { ProjectConfig, RuntimeName, Settings } from './types';
import { Checker, FunctionDefaults, KeyPath, Locator, parseFunctionDefaults, parseProject, parseSettings } from './validate';

interface Defaults {
  settings: Settings;
  functionDefaults: FunctionDefaults;
}

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
  return { file: abs, ...parseProject(c, data, defaults, codeDirChecker(path.dirname(abs))) };
}

/**
 * Validates an object shaped like functions.yaml (the library API); `code` paths resolve against
 * baseDir, and errors name `label` with no line.
 */
export function loadConfigObject(input: unknown, baseDir: string, label = '<inline>', defaultsFile?: string): ProjectConfig {
  const defaults = loadDefaults(defaultsFile);
  const c = new Checker(label);
  return { file: label, ...parseProject(c, input, defaults, codeDirChecker(path.resolve(baseDir))) };
}

function loadDefaults(defaultsFile?: string): Defaults {
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

/** The code directory must exist; for `provided` it must hold an executable `bootstrap`. */
function codeDirChecker(baseDir: string) {
  return (c: Checker, code: string, at: KeyPath, runtime: RuntimeName): string => {
    const dir = path.resolve(baseDir, code);
    const stat = statOrUndefined(dir);
    if (!stat) c.fail(at, `directory not found: ${dir}`);
    if (!stat.isDirectory()) c.fail(at, `not a directory: ${dir}`);
    if (runtime === 'provided') {
      const bootstrap = path.join(dir, 'bootstrap');
      const b = statOrUndefined(bootstrap);
      if (!b || !b.isFile()) c.fail(at, `runtime provided needs an executable file named bootstrap: ${bootstrap} not found`);
      if ((b.mode & 0o111) === 0) c.fail(at, `runtime provided needs an executable bootstrap: ${bootstrap} is not executable (chmod +x)`);
    }
    return dir;
  };
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** Parses a YAML file into plain data plus a Locator of its nodes' lines; syntax errors become ConfigErrors. */
function readYaml(file: string): { data: unknown; locator: Locator } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, undefined, '(file)', `cannot read: ${(err as Error).message}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const syntax = doc.errors[0];
  if (syntax) {
    const problem = syntax.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(file, lineAt(syntax.pos[0]), 'YAML syntax', problem);
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    throw new ConfigError(file, 1, 'YAML syntax', (err as Error).message);
  }
  return { data, locator: yamlLocator(doc, lineAt) };
}

function yamlLocator(doc: Document, lineAt: (offset: number) => number): Locator {
  const rootLine = (): number => (doc.contents?.range ? lineAt(doc.contents.range[0]) : 1);
  const nodeLine = (node: unknown): number | undefined => {
    const range = (node as Node | null)?.range;
    return range ? lineAt(range[0]) : undefined;
  };
  /** The pair at `path`, or undefined when some segment is missing. */
  const find = (keys: KeyPath): Pair | undefined => {
    let node: unknown = doc.contents;
    let pair: Pair | undefined;
    for (const key of keys) {
      if (isAlias(node)) node = node.resolve(doc);
      if (!isMap(node)) return undefined;
      pair = node.items.find((p) => isScalar(p.key) && String(p.key.value ?? '') === key);
      if (!pair) return undefined;
      node = pair.value;
    }
    return pair;
  };
  const line = (keys: KeyPath, at: 'key' | 'value'): number | undefined => {
    if (keys.length === 0) return rootLine();
    const pair = find(keys);
    if (!pair) return line(keys.slice(0, -1), 'key');
    return (at === 'value' ? nodeLine(pair.value) : undefined) ?? nodeLine(pair.key) ?? line(keys.slice(0, -1), 'key');
  };
  const source = (keys: KeyPath): string | undefined => {
    const value = find(keys)?.value;
    return isScalar(value) && value.source !== undefined && value.source !== '' ? value.source : undefined;
  };
  return { line, source };
}

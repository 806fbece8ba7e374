import * as path from 'node:path';
import type { FunctionConfig } from '../config/types';

/** What a batch of file events means: functions.yaml changed, and/or these functions' code. */
export interface ProjectChange {
  config: boolean;
  code: Set<string>;
}

/**
 * Pure: maps changed paths to the config file (functions.yaml or a template) and to the functions
 * whose code folder or one of whose layer folders holds them.
 */
export function classifyChanges(paths: Iterable<string>, configFile: string, functions: Iterable<FunctionConfig>): ProjectChange {
  const file = path.resolve(configFile);
  const fns = [...functions];
  const change: ProjectChange = { config: false, code: new Set() };
  for (const raw of paths) {
    const p = path.resolve(raw);
    if (p === file) change.config = true;
    for (const fn of fns) if (folders(fn).some((d) => isInside(p, d))) change.code.add(fn.name);
  }
  return change;
}

export function isInside(p: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function folders(fn: FunctionConfig): string[] {
  return [fn.codeDir, ...fn.layers];
}

/** The folders to watch: each code and layer folder once, none inside another one already watched. */
export function codeFolders(functions: Iterable<FunctionConfig>): string[] {
  const dirs = [...new Set([...functions].flatMap(folders).map((d) => path.resolve(d)))].sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const d of dirs) if (!kept.some((k) => isInside(d, k))) kept.push(d);
  return kept;
}

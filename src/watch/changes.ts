import * as path from 'node:path';
import type { FunctionConfig } from '../config/types';

/** What a batch of file events means: functions.yaml changed, and/or these functions' code. */
export interface ProjectChange {
  config: boolean;
  code: Set<string>;
}

/** Pure: maps changed paths to functions.yaml and to the functions whose code folder holds them. */
export function classifyChanges(paths: Iterable<string>, configFile: string, functions: Iterable<FunctionConfig>): ProjectChange {
  const file = path.resolve(configFile);
  const fns = [...functions];
  const change: ProjectChange = { config: false, code: new Set() };
  for (const raw of paths) {
    const p = path.resolve(raw);
    if (p === file) change.config = true;
    for (const fn of fns) if (isInside(p, fn.codeDir)) change.code.add(fn.name);
  }
  return change;
}

export function isInside(p: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The folders to watch: each code folder once, none inside another one already watched. */
export function codeFolders(functions: Iterable<FunctionConfig>): string[] {
  const dirs = [...new Set([...functions].map((f) => path.resolve(f.codeDir)))].sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const d of dirs) if (!kept.some((k) => isInside(d, k))) kept.push(d);
  return kept;
}

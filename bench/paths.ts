import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The project root: the nearest folder above this module with package.json (bench/ or dist/bench/). */
export function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'bench'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no project root above ${__dirname}`);
  }
}

/** The bench's function code (index.js: the no-op handler; raw-server.js and once.js: the baselines). */
export function fixturesDir(): string {
  return path.join(projectRoot(), 'bench', 'fixtures');
}

export const NOOP_CODE = 'noop';

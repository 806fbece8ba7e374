/** The shared Node.js runtime's modules (plain CommonJS JS), required in-process. */
import * as path from 'node:path';

export const RUNTIME_DIR = path.resolve(__dirname, '../../../images/nodejs/runtime');
export const TASK_ROOT = path.join(__dirname, 'fixtures/task');

export function runtimeModule(name: string): any {
  return require(path.join(RUNTIME_DIR, name));
}

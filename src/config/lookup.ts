import type { FunctionConfig, ProjectConfig } from './types';

/** The function a name designates: its own name (a template's logical id) or an alias (FunctionName). */
export function findFunction(config: Pick<ProjectConfig, 'functions' | 'aliases'>, name: string): FunctionConfig | undefined {
  const own = config.functions.get(name);
  if (own) return own;
  const target = config.aliases?.get(name);
  return target === undefined ? undefined : config.functions.get(target);
}

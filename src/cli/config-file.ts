import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The file `up` reads when no -f is given: functions.yaml, else a SAM template where `sam local`
 * looks for one (`sam build`'s output first, as the SAM CLI prefers it).
 */
export const DEFAULT_CONFIG_FILES = [
  'functions.yaml',
  join('.aws-sam', 'build', 'template.yaml'),
  'template.yaml',
  'template.yml',
  'template.json',
] as const;

export function defaultConfigFile(dir: string, exists: (p: string) => boolean = existsSync): string {
  const found = DEFAULT_CONFIG_FILES.find((f) => exists(join(dir, f)));
  if (!found) throw new Error(`no ${DEFAULT_CONFIG_FILES.join(', ')} in ${dir}: give one with -f`);
  return found;
}

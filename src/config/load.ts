/**
 * Loads functions.yaml (docs/functions-yaml.md) or an AWS SAM / CloudFormation template (docs/sam-templates.md):
 * parses the YAML (or JSON) keeping source lines, applies config/defaults.yaml, validates
 * everything and checks the code and layer directories on disk.
 */
import * as path from 'node:path';
import { Checker } from './checker';
import { loadDefaults } from './defaults';
import { dirChecks } from './dirs';
import { CFN_TAGS, tagKey, toCfn } from './sam/tags';
import { isTemplate, loadTemplate, TemplateOptions } from './sam/template';
import type { ProjectConfig } from './types';
import { parseProject } from './validate';
import { readYaml } from './yaml-file';

export { defaultsPath, loadDefaults } from './defaults';
export { parseParameterOverrides } from './sam/parameters';

export type LoadOptions = TemplateOptions;

/**
 * Reads, validates and defaults a functions.yaml, or a SAM template (recognised by its content:
 * AWSTemplateFormatVersion, Transform or AWS:: resources); `file` in the result is its absolute path.
 */
export function loadConfigFile(file: string, defaultsFile?: string, options: LoadOptions = {}): ProjectConfig {
  const abs = path.resolve(file);
  const { data, locator } = readYaml(abs, {
    customTags: CFN_TAGS,
    tagKey,
    toData: (doc, aliases) => {
      const cfn = toCfn(doc, aliases);
      // maxAliasCount: readYaml has bounded what the aliases expand to (and names the alias's line)
      return isTemplate(cfn) ? { template: cfn } : { plain: doc.toJS({ maxAliasCount: -1 }) };
    },
  });
  const read = data as { template?: unknown; plain?: unknown };
  const defaults = loadDefaults(defaultsFile);
  if (read.template !== undefined) return loadTemplate(abs, read.template, locator, defaults, options);
  const c = new Checker(abs, locator);
  return { file: abs, ...parseProject(c, read.plain, defaults, dirChecks(path.dirname(abs))) };
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

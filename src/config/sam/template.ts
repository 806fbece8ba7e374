/**
 * An AWS SAM / CloudFormation template as a project (docs/sam-templates.md): its
 * AWS::Serverless::Function and AWS::Lambda::Function resources become functions named by logical
 * id (and answering to their FunctionName), validated by the same rules as functions.yaml; what
 * cannot be honoured locally is in the warnings with file, line and property, and the rest loads.
 */
import * as path from 'node:path';
import { ConfigError } from '../../errors';
import { Checker, has, isMapping, KeyPath, Locator } from '../checker';
import { dirChecks } from '../dirs';
import { FUNCTION_NAME, parseFunction } from '../function';
import type { FunctionConfig, ProjectConfig } from '../types';
import type { Defaults } from '../validate';
import { CodeLocation, localCode } from './code';
import { samFunction } from './function';
import { Resolver } from './intrinsics';
import { parameterValues, pseudoParameters } from './parameters';
import { Sourced } from './properties';

export interface TemplateOptions {
  /** `--parameter-overrides`: parameter name (or pseudo parameter such as AWS::Region) -> value. */
  parameterOverrides?: Record<string, string>;
  /** AWS::StackName; default `local`. */
  stackName?: string;
}

const FUNCTION_TYPES = ['AWS::Serverless::Function', 'AWS::Lambda::Function'];
const LAYER_TYPES = ['AWS::Serverless::LayerVersion', 'AWS::Lambda::LayerVersion'];

/** A template, not a functions.yaml: it has AWSTemplateFormatVersion, a Transform, or AWS:: resources. */
export function isTemplate(data: unknown): boolean {
  if (!isMapping(data)) return false;
  if (has(data, 'AWSTemplateFormatVersion') || has(data, 'Transform')) return true;
  return isMapping(data.Resources) && Object.values(data.Resources).some((r) => isMapping(r) && String(r.Type).startsWith('AWS::'));
}

/** Checks a function's raw shape as functions.yaml would, naming the template path the key came from. */
class TemplateChecker extends Checker {
  constructor(
    base: Checker,
    private readonly id: string,
    private readonly origins: Map<string, KeyPath>,
  ) {
    super(base.file, base.locator, base.warnings);
  }

  private map(p: KeyPath): KeyPath {
    if (p[0] !== 'functions' || p[1] !== this.id) return p;
    const rest = p.slice(2);
    for (let n = rest.length; n > 0; n--) {
      const origin = this.origins.get(rest.slice(0, n).join('.'));
      if (origin) return [...origin, ...rest.slice(n)];
    }
    return ['Resources', this.id, 'Properties', ...rest];
  }

  override fail(p: KeyPath, problem: string, at: 'key' | 'value' = 'value'): never {
    return super.fail(this.map(p), problem, at);
  }

  override warn(p: KeyPath, message: string, at: 'key' | 'value' = 'value'): void {
    super.warn(this.map(p), message, at);
  }
}

export function loadTemplate(
  file: string,
  data: unknown,
  locator: Locator,
  defaults: Defaults,
  options: TemplateOptions = {},
): ProjectConfig {
  const c = new Checker(file, locator);
  const t = data as Record<string, unknown>;
  const baseDir = path.dirname(file);
  const resources = isMapping(t.Resources)
    ? (t.Resources as Record<string, Record<string, unknown>>)
    : c.fail(['Resources'], 'required: a mapping of resources', 'key');
  const overrides = options.parameterOverrides ?? {};
  const pseudo = pseudoParameters(
    overrides['AWS::Region'] ?? defaults.settings.region,
    overrides['AWS::StackName'] ?? options.stackName ?? 'local',
  );
  for (const [k, v] of Object.entries(overrides)) if (k.startsWith('AWS::') && has(pseudo, k)) pseudo[k] = v;
  const region = String(pseudo['AWS::Region']);
  const resource = (id: string): Record<string, unknown> | undefined =>
    has(resources, id) && isMapping(resources[id]) ? resources[id] : undefined;
  const resolver = new Resolver({
    parameters: parameterValues(c, t.Parameters, overrides),
    pseudo,
    mappings: isMapping(t.Mappings) ? t.Mappings : {},
    conditions: isMapping(t.Conditions) ? t.Conditions : {},
    resources,
    attribute: (id, attr) =>
      attr === 'Arn' && FUNCTION_TYPES.includes(String(resource(id)?.Type))
        ? `arn:${pseudo['AWS::Partition']}:lambda:${region}:${pseudo['AWS::AccountId']}:function:${id}`
        : undefined,
    onResourceRef: (id, at) => c.warn(at, `Ref ${id} (a ${String(resource(id)?.Type)}) gives its logical id locally, as sam local does`),
    fail: (at, problem) => c.fail(at, problem),
  });
  const globals = isMapping(t.Globals) && isMapping(t.Globals.Function) ? t.Globals.Function : {};
  const built = file.split(path.sep).includes('.aws-sam');
  const urls = functionUrls(resources);
  const functions = new Map<string, FunctionConfig>();
  const aliases = new Map<string, string>();
  for (const [id, resource] of Object.entries(resources)) {
    if (!isMapping(resource) || !FUNCTION_TYPES.includes(String(resource.Type))) continue;
    const fn = samFunction({
      id,
      resource,
      globals,
      resolver,
      c,
      baseDir,
      built,
      urlConfig: urls.get(id),
      layerCode: (ref) => layerCode(resources, ref, resolver, baseDir),
    });
    if (!fn) continue;
    const tc = new TemplateChecker(c, id, fn.origins);
    functions.set(id, parseFunction(tc, id, fn.raw, ['functions', id], defaults.functionDefaults, dirChecks(baseDir)));
    if (fn.functionName !== undefined && fn.functionName !== id) {
      const at = ['Resources', id, 'Properties', 'FunctionName'];
      if (!FUNCTION_NAME.test(fn.functionName))
        c.fail(at, `must be 1 to 64 letters, digits, - or _ (got ${JSON.stringify(fn.functionName)})`);
      aliases.set(fn.functionName, id);
    }
  }
  for (const [alias, id] of aliases) {
    if (functions.has(alias))
      c.fail(['Resources', id, 'Properties', 'FunctionName'], `${alias} is also the logical id of another function`);
  }
  if (functions.size === 0)
    c.fail(['Resources'], 'no AWS::Serverless::Function or AWS::Lambda::Function that can run here (see the warnings above)', 'key');
  return { file, settings: defaults.settings, functions, warnings: c.warnings, aliases };
}

/** A LayerVersion resource's local content directory; undefined when `id` is no LayerVersion of this template. */
function layerCode(
  resources: Record<string, Record<string, unknown>>,
  id: string,
  resolver: Resolver,
  baseDir: string,
): CodeLocation | undefined {
  const r = has(resources, id) ? resources[id] : undefined;
  if (!isMapping(r) || !LAYER_TYPES.includes(String(r.Type))) return undefined;
  const props = isMapping(r.Properties) ? r.Properties : {};
  const key = r.Type === 'AWS::Serverless::LayerVersion' ? 'ContentUri' : 'Content';
  try {
    const v = resolver.resolve(props[key], ['Resources', id, 'Properties', key]);
    if (typeof v === 'string') return localCode(v, baseDir);
    return { unsupported: `its ${key} is not a local directory` };
  } catch (err) {
    if (err instanceof ConfigError) throw err; // a cycle or a bound passed: the template is wrong, not unsupported
    return { unsupported: `its ${key} cannot be resolved locally (${(err as Error).message})` };
  }
}

/** AWS::Lambda::Url resources by the logical id of the function they target (Ref or GetAtt .Arn). */
function functionUrls(resources: Record<string, Record<string, unknown>>): Map<string, Sourced> {
  const out = new Map<string, Sourced>();
  for (const [id, r] of Object.entries(resources)) {
    if (!isMapping(r) || r.Type !== 'AWS::Lambda::Url' || !isMapping(r.Properties)) continue;
    const target = r.Properties.TargetFunctionArn;
    const fn = isMapping(target)
      ? typeof target.Ref === 'string'
        ? target.Ref
        : Array.isArray(target['Fn::GetAtt'])
          ? String(target['Fn::GetAtt'][0])
          : undefined
      : typeof target === 'string'
        ? target
        : undefined;
    if (fn !== undefined) out.set(fn, { value: r.Properties, path: ['Resources', id, 'Properties'] });
  }
  return out;
}

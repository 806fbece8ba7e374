/**
 * One AWS::Serverless::Function or AWS::Lambda::Function resource -> the raw shape of a
 * functions.yaml function, plus where each of its keys was written in the template. What cannot
 * be honoured locally is a warning (file:line:property); a function that cannot run at all is
 * left out with a warning saying why.
 */
import * as os from 'os';
import type { Checker, KeyPath } from '../checker';
import { isMapping } from '../checker';
import { RUNTIMES, RuntimeName } from '../runtimes';
import { CodeLocation, inlineCode, localCode } from './code';
import { NO_VALUE, Resolver, Unresolved } from './intrinsics';
import { FunctionProperties, Sourced } from './properties';

export interface SamFunction {
  raw: Record<string, unknown>;
  /** Raw key path (`environment.GREETING`) -> template path; the longest matching prefix wins. */
  origins: Map<string, KeyPath>;
  /** FunctionName, when set: another name the function answers to. */
  functionName?: string;
}

export interface FunctionInput {
  id: string;
  resource: Record<string, unknown>;
  globals: Record<string, unknown>;
  resolver: Resolver;
  c: Checker;
  baseDir: string;
  /** Layer logical id -> its content directory (or why it has none). */
  layerCode(id: string): CodeLocation | undefined;
  /** From an AWS::Lambda::Url resource targeting this function. */
  urlConfig?: Sourced;
  /** The template is `sam build` output (code already built). */
  built: boolean;
}

/** Properties that change what a function does on Lambda and are not reproduced here, with why. */
const NOT_HONOURED: Record<string, string> = {
  Events: 'event sources are not connected; invoke the function through the API (or its URL)',
  FileSystemConfigs: 'EFS file systems are not mounted',
  DeadLetterQueue: 'failed asynchronous invocations are not sent on',
  EventInvokeConfig: 'asynchronous invocation destinations and retry settings are not applied',
  VpcConfig: "contexts join the orchestrator's Docker network, not a VPC",
  SnapStart: 'no snapshots: every cold start runs the init',
};

const HOST_ARCH = os.arch() === 'arm64' ? 'arm64' : 'x86_64';

export function samFunction(input: FunctionInput): SamFunction | undefined {
  const { id, resource, resolver, c } = input;
  const resPath = ['Resources', id];
  const serverless = resource.Type === 'AWS::Serverless::Function';
  const propsRaw = isMapping(resource.Properties) ? resource.Properties : {};
  const props = new FunctionProperties(propsRaw, [...resPath, 'Properties'], serverless ? input.globals : {});
  const origins = new Map<string, KeyPath>();
  const raw: Record<string, unknown> = {};
  const skip = (path: KeyPath, why: string): undefined => {
    c.warn(path, `${why}; function ${id} is left out`);
    return undefined;
  };
  /** The resolved value, or undefined after a warning when an intrinsic cannot be resolved locally. */
  const resolve = (s: Sourced | undefined, what: string): unknown => {
    if (!s) return undefined;
    try {
      const v = resolver.resolve(s.value, s.path);
      return v === NO_VALUE ? undefined : v;
    } catch (err) {
      if (!(err instanceof Unresolved)) throw err;
      c.warn(err.path, `cannot resolve locally: ${err.reason}; ${what} ignored`);
      return undefined;
    }
  };
  const set = (key: string, s: Sourced | undefined, value: unknown): void => {
    if (s === undefined || value === undefined) return;
    raw[key] = typeof value === 'string' && /^-?\d+$/.test(value) && key !== 'handler' ? Number(value) : value;
    origins.set(key, s.path);
  };

  if (resource.Condition !== undefined) {
    try {
      if (!resolver.condition(String(resource.Condition), [...resPath, 'Condition'])) return undefined; // not created
    } catch (err) {
      if (!(err instanceof Unresolved)) throw err;
      c.warn(err.path, `cannot resolve locally: ${err.reason}; the function is loaded as if the condition held`);
    }
  }
  const pkg = props.get('PackageType');
  if (resolve(pkg, 'PackageType') === 'Image') return skip(pkg!.path, 'PackageType Image is not supported (only zip functions: a runtime and code)');

  const rt = props.get('Runtime');
  const runtime = resolve(rt, 'Runtime');
  if (!rt) return c.fail([...resPath, 'Properties', 'Runtime'], `required (in function ${id}): a zip function names its runtime`, 'key');
  if (runtime === undefined) return skip(rt.path, 'its Runtime cannot be resolved');
  if (!(RUNTIMES as readonly unknown[]).includes(runtime)) return skip(rt.path, `runtime ${String(runtime)} is not available here (${RUNTIMES.join(', ')})`);
  set('runtime', rt, runtime);

  const code = codeOf(input, props, resolve);
  if ('unsupported' in code) return skip(code.path, code.unsupported);
  raw.code = code.dir;
  origins.set('code', code.path);

  const handler = props.get('Handler');
  const handlerValue = resolve(handler, 'Handler');
  if (handler && handlerValue === undefined) return skip(handler.path, 'its Handler cannot be resolved');
  set('handler', handler, handlerValue);
  set('memorySize', props.get('MemorySize'), resolve(props.get('MemorySize'), 'MemorySize'));
  set('timeout', props.get('Timeout'), resolve(props.get('Timeout'), 'Timeout'));
  const storage = props.map(['EphemeralStorage']).get('Size');
  set('ephemeralStorageSize', storage, resolve(storage, 'EphemeralStorage.Size'));
  set('reservedConcurrency', props.get('ReservedConcurrentExecutions'), resolve(props.get('ReservedConcurrentExecutions'), 'ReservedConcurrentExecutions'));
  const provisioned = props.map(['ProvisionedConcurrencyConfig']).get('ProvisionedConcurrentExecutions');
  set('provisionedConcurrency', provisioned, resolve(provisioned, 'ProvisionedConcurrencyConfig'));

  environment(props, resolve, raw, origins);
  layers(input, props, resolve, raw, origins);
  loggingConfig(props, resolve, raw, origins);
  functionUrl(input, props, resolve, raw, origins);

  for (const [key, why] of Object.entries(NOT_HONOURED)) {
    const s = props.get(key);
    if (s && s.value !== null) c.warn(s.path, `not honoured: ${why}`, 'key');
  }
  const arch = props.get('Architectures');
  const archs = resolve(arch, 'Architectures');
  if (arch && Array.isArray(archs) && archs.some((a) => a !== HOST_ARCH)) c.warn(arch.path, `${archs.join(', ')}: contexts run on this host's architecture (${HOST_ARCH})`);
  const buildMethod = isMapping(resource.Metadata) ? resource.Metadata.BuildMethod : undefined;
  if (buildMethod !== undefined && !input.built) {
    c.warn([...resPath, 'Metadata', 'BuildMethod'], `built by sam build (${String(buildMethod)}): run \`sam build\` and use .aws-sam/build/template.yaml`);
  }
  const name = props.get('FunctionName');
  const functionName = resolve(name, 'FunctionName');
  return { raw, origins, functionName: functionName === undefined ? undefined : String(functionName) };
}

type Resolve = (s: Sourced | undefined, what: string) => unknown;
type CodeResult = { dir: string; path: KeyPath } | { unsupported: string; path: KeyPath };

function codeOf(input: FunctionInput, props: FunctionProperties, resolve: Resolve): CodeResult {
  const rt = resolve(props.get('Runtime'), 'Runtime') as RuntimeName;
  const fromLocation = (loc: CodeLocation, path: KeyPath): CodeResult => ({ ...loc, path });
  const inline = props.get('InlineCode');
  if (inline) {
    const text = resolve(inline, 'InlineCode');
    return typeof text === 'string' ? fromLocation(inlineCode(text, rt), inline.path) : { unsupported: 'its InlineCode cannot be resolved', path: inline.path };
  }
  const uri = props.get('CodeUri') ?? props.get('Code');
  const resPath = ['Resources', input.id, 'Properties'];
  if (!uri) return fromLocation(localCode('.', input.baseDir), resPath); // as the SAM CLI: the template's folder
  const value = resolve(uri, 'code location');
  if (typeof value === 'string') return fromLocation(localCode(value, input.baseDir), uri.path);
  if (isMapping(value) && typeof value.ZipFile === 'string') return fromLocation(inlineCode(value.ZipFile, rt), [...uri.path, 'ZipFile']);
  if (isMapping(value) && (value.Bucket !== undefined || value.S3Bucket !== undefined)) {
    return { unsupported: 'its code is in S3; give a local CodeUri (or run sam build)', path: uri.path };
  }
  if (isMapping(value) && value.ImageUri !== undefined) return { unsupported: 'image functions are not supported', path: uri.path };
  return { unsupported: 'its code location cannot be resolved to a local directory', path: uri.path };
}

function environment(props: FunctionProperties, resolve: Resolve, raw: Record<string, unknown>, origins: Map<string, KeyPath>): void {
  const vars = props.map(['Environment', 'Variables']);
  if (vars.size === 0) return;
  const env: Record<string, unknown> = {};
  const whole = vars.get('');
  if (whole) {
    const v = resolve(whole, 'Environment.Variables');
    if (isMapping(v)) Object.assign(env, v);
    origins.set('environment', whole.path);
  } else {
    for (const [key, s] of vars) {
      const v = resolve(s, `variable ${key}`);
      if (v === undefined) continue;
      env[key] = v;
      origins.set(`environment.${key}`, s.path);
    }
    origins.set('environment', [...vars.values()][0].path.slice(0, -1));
  }
  raw.environment = env;
}

function layers(input: FunctionInput, props: FunctionProperties, resolve: Resolve, raw: Record<string, unknown>, origins: Map<string, KeyPath>): void {
  const items = props.list('Layers');
  const dirs: string[] = [];
  for (const item of items) {
    const ref = isMapping(item.value) && typeof item.value.Ref === 'string' ? item.value.Ref : undefined;
    const local = ref !== undefined ? input.layerCode(ref) : undefined;
    if (local) {
      if ('unsupported' in local) input.c.warn(item.path, `layer ${ref}: ${local.unsupported}; the function runs without it`);
      else {
        origins.set(`layers.${dirs.length}`, item.path);
        dirs.push(local.dir);
      }
      continue;
    }
    const v = resolve(item, 'layer');
    for (const arn of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
      input.c.warn(item.path, `layer ${String(arn)} is not a local LayerVersion of this template and cannot be fetched; the function runs without it`);
    }
  }
  if (items.length > 0) {
    raw.layers = dirs;
    origins.set('layers', items[0].path.slice(0, -1));
  }
}

function loggingConfig(props: FunctionProperties, resolve: Resolve, raw: Record<string, unknown>, origins: Map<string, KeyPath>): void {
  const cfg = props.map(['LoggingConfig']);
  if (cfg.size === 0) return;
  const out: Record<string, unknown> = {};
  for (const [from, to] of [
    ['LogFormat', 'logFormat'],
    ['ApplicationLogLevel', 'applicationLogLevel'],
    ['SystemLogLevel', 'systemLogLevel'],
  ]) {
    const s = cfg.get(from);
    const v = resolve(s, `LoggingConfig.${from}`);
    if (s && v !== undefined) {
      out[to] = v;
      origins.set(`loggingConfig.${to}`, s.path);
    }
  }
  raw.loggingConfig = out;
  origins.set('loggingConfig', [...cfg.values()][0].path.slice(0, -1));
}

function functionUrl(input: FunctionInput, props: FunctionProperties, resolve: Resolve, raw: Record<string, unknown>, origins: Map<string, KeyPath>): void {
  const own = props.map(['FunctionUrlConfig']);
  const cfg = own.size > 0 ? own : input.urlConfig ? urlResource(input.urlConfig) : new Map<string, Sourced>();
  if (cfg.size === 0) return;
  const mode = cfg.get('InvokeMode');
  const auth = resolve(cfg.get('AuthType'), 'AuthType');
  if (auth === 'AWS_IAM') input.c.warn(cfg.get('AuthType')!.path, 'AuthType AWS_IAM is not enforced: the URL answers any caller');
  const modeValue = resolve(mode, 'InvokeMode');
  raw.url = modeValue === undefined ? {} : { invokeMode: modeValue };
  origins.set('url', [...cfg.values()][0].path.slice(0, -1));
  if (mode) origins.set('url.invokeMode', mode.path);
}

function urlResource(s: Sourced): Map<string, Sourced> {
  const out = new Map<string, Sourced>();
  if (isMapping(s.value)) for (const [k, v] of Object.entries(s.value)) out.set(k, { value: v, path: [...s.path, k] });
  return out;
}

/**
 * One AWS::Serverless::Function or AWS::Lambda::Function resource -> the raw shape of a
 * functions.yaml function, plus where each of its keys was written in the template. What cannot
 * be honoured locally is a warning (file:line:property); a function that cannot run at all is
 * left out with a warning saying why.
 */
import * as os from 'node:os';
import type { KeyPath } from '../checker';
import { isMapping } from '../checker';
import { RUNTIMES, RuntimeName } from '../runtimes';
import { CodeLocation, inlineCode, localCode } from './code';
import { environment, FunctionInput, functionUrl, layers, loggingConfig, Resolve } from './function-parts';

export type { FunctionInput } from './function-parts';
import { NO_VALUE, Unresolved } from './intrinsics';
import { FunctionProperties, Sourced } from './properties';

export interface SamFunction {
  raw: Record<string, unknown>;
  /** Raw key path (`environment.GREETING`) -> template path; the longest matching prefix wins. */
  origins: Map<string, KeyPath>;
  /** FunctionName, when set: another name the function answers to. */
  functionName?: string;
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
  if (resolve(pkg, 'PackageType') === 'Image')
    return skip(pkg!.path, 'PackageType Image is not supported (only zip functions: a runtime and code)');

  const rt = props.get('Runtime');
  const runtime = resolve(rt, 'Runtime');
  if (!rt) return c.fail([...resPath, 'Properties', 'Runtime'], `required (in function ${id}): a zip function names its runtime`, 'key');
  if (runtime === undefined) return skip(rt.path, 'its Runtime cannot be resolved');
  if (!(RUNTIMES as readonly unknown[]).includes(runtime))
    return skip(rt.path, `runtime ${String(runtime)} is not available here (${RUNTIMES.join(', ')})`);
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
  set(
    'reservedConcurrency',
    props.get('ReservedConcurrentExecutions'),
    resolve(props.get('ReservedConcurrentExecutions'), 'ReservedConcurrentExecutions'),
  );
  const provisioned = props.map(['ProvisionedConcurrencyConfig']).get('ProvisionedConcurrentExecutions');
  set('provisionedConcurrency', provisioned, resolve(provisioned, 'ProvisionedConcurrencyConfig'));

  const part = { input, props, resolve, raw, origins };
  environment(part);
  layers(part);
  loggingConfig(part);
  functionUrl(part);

  for (const [key, why] of Object.entries(NOT_HONOURED)) {
    const s = props.get(key);
    if (s && s.value !== null) c.warn(s.path, `not honoured: ${why}`, 'key');
  }
  const arch = props.get('Architectures');
  const archs = resolve(arch, 'Architectures');
  if (arch && Array.isArray(archs) && archs.some((a) => a !== HOST_ARCH))
    c.warn(arch.path, `${archs.join(', ')}: contexts run on this host's architecture (${HOST_ARCH})`);
  const buildMethod = isMapping(resource.Metadata) ? resource.Metadata.BuildMethod : undefined;
  if (buildMethod !== undefined && !input.built) {
    c.warn(
      [...resPath, 'Metadata', 'BuildMethod'],
      `built by sam build (${String(buildMethod)}): run \`sam build\` and use .aws-sam/build/template.yaml`,
    );
  }
  const name = props.get('FunctionName');
  const functionName = resolve(name, 'FunctionName');
  return { raw, origins, functionName: functionName === undefined ? undefined : String(functionName) };
}

type CodeResult = { dir: string; path: KeyPath } | { unsupported: string; path: KeyPath };

function codeOf(input: FunctionInput, props: FunctionProperties, resolve: Resolve): CodeResult {
  const rt = resolve(props.get('Runtime'), 'Runtime') as RuntimeName;
  const fromLocation = (loc: CodeLocation, path: KeyPath): CodeResult => ({ ...loc, path });
  const inline = props.get('InlineCode');
  if (inline) {
    const text = resolve(inline, 'InlineCode');
    return typeof text === 'string'
      ? fromLocation(inlineCode(text, rt), inline.path)
      : { unsupported: 'its InlineCode cannot be resolved', path: inline.path };
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

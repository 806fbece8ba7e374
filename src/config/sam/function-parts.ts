/** The mapping and list properties of a SAM function: environment, layers, logging, function URL. */
import type { Checker, KeyPath } from '../checker';
import { isMapping, setOwn } from '../checker';
import type { CodeLocation } from './code';
import type { Resolver } from './intrinsics';
import { FunctionProperties, Sourced } from './properties';

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

export type Resolve = (s: Sourced | undefined, what: string) => unknown;

/** What each part reads (the function, its properties, the resolver) and writes (the raw config, each key's origin). */
export interface FunctionPart {
  input: FunctionInput;
  props: FunctionProperties;
  resolve: Resolve;
  raw: Record<string, unknown>;
  origins: Map<string, KeyPath>;
}

export function environment({ props, resolve, raw, origins }: FunctionPart): void {
  const vars = props.map(['Environment', 'Variables']);
  if (vars.size === 0) return;
  const env: Record<string, unknown> = {};
  const whole = vars.get('');
  if (whole) {
    const v = resolve(whole, 'Environment.Variables');
    if (isMapping(v)) for (const [k, x] of Object.entries(v)) setOwn(env, k, x);
    origins.set('environment', whole.path);
  } else {
    for (const [key, s] of vars) {
      const v = resolve(s, `variable ${key}`);
      if (v === undefined) continue;
      setOwn(env, key, v);
      origins.set(`environment.${key}`, s.path);
    }
    origins.set('environment', [...vars.values()][0].path.slice(0, -1));
  }
  raw.environment = env;
}

export function layers({ input, props, resolve, raw, origins }: FunctionPart): void {
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
      input.c.warn(
        item.path,
        `layer ${String(arn)} is not a local LayerVersion of this template and cannot be fetched; the function runs without it`,
      );
    }
  }
  if (items.length > 0) {
    raw.layers = dirs;
    origins.set('layers', items[0].path.slice(0, -1));
  }
}

export function loggingConfig({ props, resolve, raw, origins }: FunctionPart): void {
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

export function functionUrl({ input, props, resolve, raw, origins }: FunctionPart): void {
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

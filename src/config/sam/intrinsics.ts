/**
 * CloudFormation's intrinsic functions and conditions, resolved locally as far as they can be:
 * parameters, pseudo parameters, mappings and conditions are known; attributes of deployed
 * resources (`Fn::GetAtt`, `Fn::ImportValue`) are not, and raise Unresolved with the path.
 */
import type { KeyPath } from '../checker';

/** What `Ref AWS::NoValue` leaves: the property (or list item) is removed. */
export const NO_VALUE = Symbol('AWS::NoValue');

export class Unresolved extends Error {
  constructor(
    readonly path: KeyPath,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface TemplateContext {
  /** Parameter values (strings, or lists for list types); undefined = no Default and no override. */
  parameters: Map<string, string | string[] | undefined>;
  pseudo: Record<string, string | string[]>;
  mappings: Record<string, unknown>;
  conditions: Record<string, unknown>;
  resources: Record<string, { Type?: unknown }>;
  /** GetAtt values this tool can answer (a local function's Arn). */
  attribute(logicalId: string, attr: string): string | undefined;
  /** Ref of a resource: CloudFormation answers its physical id; locally its logical id (as `sam local`). */
  onResourceRef(logicalId: string, path: KeyPath): void;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ Fn::X: arg }` (or `{ Ref: x }` / `{ Condition: x }`) -> ['Fn::X', arg], else undefined. */
export function intrinsic(value: unknown): [string, unknown] | undefined {
  if (!isObj(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const k = keys[0];
  return k === 'Ref' || k === 'Condition' || k.startsWith('Fn::') ? [k, value[k]] : undefined;
}

export class Resolver {
  private readonly conditionCache = new Map<string, boolean>();

  constructor(private readonly ctx: TemplateContext) {}

  /** The value with every intrinsic resolved; NO_VALUE entries removed from lists and mappings. */
  resolve(value: unknown, path: KeyPath): unknown {
    const fn = intrinsic(value);
    if (fn) return this.call(fn[0], fn[1], [...path, fn[0]]);
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(v, [...path, String(i)])).filter((v) => v !== NO_VALUE);
    if (isObj(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const r = this.resolve(v, [...path, k]);
        if (r !== NO_VALUE) out[k] = r;
      }
      return out;
    }
    return value;
  }

  condition(name: string, path: KeyPath): boolean {
    const known = this.conditionCache.get(name);
    if (known !== undefined) return known;
    if (!Object.prototype.hasOwnProperty.call(this.ctx.conditions, name)) throw new Unresolved(path, `no condition named ${name}`);
    this.conditionCache.set(name, false); // a cycle reads false rather than recursing forever
    const result = this.bool(this.ctx.conditions[name], ['Conditions', name]);
    this.conditionCache.set(name, result);
    return result;
  }

  private bool(value: unknown, path: KeyPath): boolean {
    const r = this.resolve(value, path);
    if (typeof r === 'boolean') return r;
    if (r === 'true' || r === 'false') return r === 'true';
    throw new Unresolved(path, `a condition must be true or false (got ${JSON.stringify(r)})`);
  }

  private str(value: unknown, path: KeyPath): string {
    const r = this.resolve(value, path);
    if (typeof r === 'string') return r;
    if (typeof r === 'number' || typeof r === 'boolean') return String(r);
    throw new Unresolved(path, `expected a string (got ${JSON.stringify(r)})`);
  }

  private list(value: unknown, path: KeyPath): unknown[] {
    const r = this.resolve(value, path);
    if (!Array.isArray(r)) throw new Unresolved(path, `expected a list (got ${JSON.stringify(r)})`);
    return r;
  }

  private args(arg: unknown, n: number, path: KeyPath, fn: string): unknown[] {
    if (!Array.isArray(arg) || arg.length !== n) throw new Unresolved(path, `${fn} takes a list of ${n}`);
    return arg;
  }

  private call(fn: string, arg: unknown, path: KeyPath): unknown {
    switch (fn) {
      case 'Ref':
        return this.ref(this.str(arg, path), path);
      case 'Condition':
        return this.condition(this.str(arg, path), path);
      case 'Fn::Sub':
        return this.sub(arg, path);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg.map((a, i) => this.str(a, [...path, String(i)])) : String(arg).split(/\.(.*)/);
        const v = this.ctx.attribute(id, attr);
        if (v === undefined) throw new Unresolved(path, `Fn::GetAtt ${id}.${attr} is an attribute of a deployed resource`);
        return v;
      }
      case 'Fn::If': {
        const [cond, yes, no] = this.args(arg, 3, path, fn);
        return this.condition(this.str(cond, [...path, '0']), path) ? this.resolve(yes, [...path, '1']) : this.resolve(no, [...path, '2']);
      }
      case 'Fn::Equals': {
        const [a, b] = this.args(arg, 2, path, fn).map((v, i) => this.resolve(v, [...path, String(i)]));
        return JSON.stringify(a) === JSON.stringify(b) || String(a) === String(b);
      }
      case 'Fn::Not':
        return !this.bool(this.args(arg, 1, path, fn)[0], [...path, '0']);
      case 'Fn::And':
        return (arg as unknown[]).every((v, i) => this.bool(v, [...path, String(i)]));
      case 'Fn::Or':
        return (arg as unknown[]).some((v, i) => this.bool(v, [...path, String(i)]));
      case 'Fn::Join': {
        const [sep, items] = this.args(arg, 2, path, fn);
        return this.list(items, [...path, '1']).map((v) => this.str(v, [...path, '1'])).join(this.str(sep, [...path, '0']));
      }
      case 'Fn::Select': {
        const [index, items] = this.args(arg, 2, path, fn);
        const list = this.list(items, [...path, '1']);
        const i = Number(this.str(index, [...path, '0']));
        if (!Number.isInteger(i) || i < 0 || i >= list.length) throw new Unresolved(path, `Fn::Select index ${i} is outside the list`);
        return list[i];
      }
      case 'Fn::Split': {
        const [sep, text] = this.args(arg, 2, path, fn);
        return this.str(text, [...path, '1']).split(this.str(sep, [...path, '0']));
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = this.args(arg, 3, path, fn).map((v, i) => this.str(v, [...path, String(i)]));
        const found = (this.ctx.mappings[map] as Record<string, Record<string, unknown>> | undefined)?.[top]?.[second];
        if (found === undefined) throw new Unresolved(path, `Mappings has no ${map}.${top}.${second}`);
        return this.resolve(found, ['Mappings', map, top, second]);
      }
      case 'Fn::Base64':
        return Buffer.from(this.str(arg, path), 'utf8').toString('base64');
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${this.ctx.pseudo['AWS::Region']}${z}`);
      case 'Fn::ImportValue':
        throw new Unresolved(path, 'Fn::ImportValue reads an export of another deployed stack');
      default:
        throw new Unresolved(path, `${fn} is not supported locally`);
    }
  }

  private ref(name: string, path: KeyPath): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (Object.prototype.hasOwnProperty.call(this.ctx.pseudo, name)) return this.ctx.pseudo[name];
    if (this.ctx.parameters.has(name)) {
      const v = this.ctx.parameters.get(name);
      if (v === undefined) throw new Unresolved(path, `parameter ${name} has no Default; give it with --parameter-overrides ${name}=value`);
      return v;
    }
    if (Object.prototype.hasOwnProperty.call(this.ctx.resources, name)) {
      this.ctx.onResourceRef(name, path);
      return name;
    }
    throw new Unresolved(path, `Ref ${name}: no parameter or resource of that name`);
  }

  private sub(arg: unknown, path: KeyPath): string {
    const [text, vars] = Array.isArray(arg) ? [arg[0], (arg[1] ?? {}) as Record<string, unknown>] : [arg, {}];
    if (typeof text !== 'string') throw new Unresolved(path, 'Fn::Sub needs a string');
    return text.replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`; // ${!Literal} is written as ${Literal}
      const name = inner.trim();
      if (Object.prototype.hasOwnProperty.call(vars, name)) return this.str(vars[name], [...path, '1', name]);
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) return this.str({ 'Fn::GetAtt': [name.slice(0, dot), name.slice(dot + 1)] }, path);
      const v = this.ref(name, path);
      if (typeof v !== 'string') throw new Unresolved(path, `\${${name}} is not a string`);
      return v;
    });
  }
}

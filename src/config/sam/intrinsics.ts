/**
 * CloudFormation's intrinsic functions and conditions, resolved locally as far as they can be:
 * parameters, pseudo parameters, mappings and conditions are known; attributes of deployed
 * resources (`Fn::GetAtt`, `Fn::ImportValue`) are not, and raise Unresolved with the path.
 */
import { describe, KeyPath, setOwn } from '../checker';
import { MAX_CONFIG_FILE_BYTES } from '../yaml-bounds';

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

/** Deepest chain of intrinsics within intrinsics (and mapping values naming other mappings). */
export const MAX_INTRINSIC_DEPTH = 100;
/** Values resolved for one template, together: a bound on the work an adversarial template can ask. */
export const MAX_INTRINSIC_STEPS = 1_000_000;
/** Longest string an intrinsic may build: no more than a config file may hold. */
export const MAX_RESOLVED_CHARS = MAX_CONFIG_FILE_BYTES;

const own = (obj: unknown, key: string): boolean =>
  typeof obj === 'object' && obj !== null && Object.prototype.hasOwnProperty.call(obj, key);

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
  /** A template that can never resolve (a cycle, a bound passed): an error naming the file, line and key. */
  fail(path: KeyPath, problem: string): never;
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
  /** Mapping values resolved so far (undefined while being resolved: a FindInMap cycle). */
  private readonly mapped = new Map<string, unknown>();
  private depth = 0;
  private steps = 0;

  constructor(private readonly ctx: TemplateContext) {}

  /** The value with every intrinsic resolved; NO_VALUE entries removed from lists and mappings. */
  resolve(value: unknown, path: KeyPath): unknown {
    if (++this.steps > MAX_INTRINSIC_STEPS) this.ctx.fail(path, `the template asks more than ${MAX_INTRINSIC_STEPS} values to be resolved`);
    if (this.depth >= MAX_INTRINSIC_DEPTH) this.ctx.fail(path, `intrinsic functions nested more than ${MAX_INTRINSIC_DEPTH} deep`);
    this.depth++;
    try {
      return this.resolveNode(value, path);
    } finally {
      this.depth--;
    }
  }

  private resolveNode(value: unknown, path: KeyPath): unknown {
    const fn = intrinsic(value);
    if (fn) return this.call(fn[0], fn[1], [...path, fn[0]]);
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(v, [...path, String(i)])).filter((v) => v !== NO_VALUE);
    if (isObj(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const r = this.resolve(v, [...path, k]);
        if (r !== NO_VALUE) setOwn(out, k, r);
      }
      return out;
    }
    return value;
  }

  /** A string an intrinsic built, refused past MAX_RESOLVED_CHARS. */
  private built(text: string, path: KeyPath, fn: string): string {
    if (text.length > MAX_RESOLVED_CHARS) this.tooLong(path, fn);
    return text;
  }

  private tooLong(path: KeyPath, fn: string): never {
    return this.ctx.fail(path, `${fn} builds a value of more than ${MAX_RESOLVED_CHARS} characters`);
  }

  condition(name: string, path: KeyPath): boolean {
    const known = this.conditionCache.get(name);
    if (known !== undefined) return known;
    if (!own(this.ctx.conditions, name)) throw new Unresolved(path, `no condition named ${name}`);
    this.conditionCache.set(name, false); // a cycle reads false rather than recursing forever
    const result = this.bool(this.ctx.conditions[name], ['Conditions', name]);
    this.conditionCache.set(name, result);
    return result;
  }

  private bool(value: unknown, path: KeyPath): boolean {
    const r = this.resolve(value, path);
    if (typeof r === 'boolean') return r;
    if (r === 'true' || r === 'false') return r === 'true';
    throw new Unresolved(path, `a condition must be true or false (got ${describe(r)})`);
  }

  private str(value: unknown, path: KeyPath): string {
    const r = this.resolve(value, path);
    if (typeof r === 'string') return r;
    if (typeof r === 'number' || typeof r === 'boolean') return String(r);
    throw new Unresolved(path, `expected a string (got ${describe(r)})`);
  }

  private list(value: unknown, path: KeyPath): unknown[] {
    const r = this.resolve(value, path);
    if (!Array.isArray(r)) throw new Unresolved(path, `expected a list (got ${describe(r)})`);
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
      case 'Fn::Or': {
        if (!Array.isArray(arg)) throw new Unresolved(path, `${fn} takes a list of conditions`);
        const test = (v: unknown, i: number) => this.bool(v, [...path, String(i)]);
        return fn === 'Fn::And' ? arg.every(test) : arg.some(test);
      }
      case 'Fn::Join': {
        const [sep, items] = this.args(arg, 2, path, fn);
        const glue = this.str(sep, [...path, '0']);
        let length = 0;
        const parts = this.list(items, [...path, '1']).map((v) => {
          const part = this.str(v, [...path, '1']);
          length += part.length + glue.length;
          if (length > MAX_RESOLVED_CHARS) this.tooLong(path, fn);
          return part;
        });
        return parts.join(glue);
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
      case 'Fn::FindInMap':
        return this.findInMap(
          this.args(arg, 3, path, fn).map((v, i) => this.str(v, [...path, String(i)])),
          path,
        );
      case 'Fn::Base64':
        return this.built(Buffer.from(this.str(arg, path), 'utf8').toString('base64'), path, fn);
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${this.ctx.pseudo['AWS::Region']}${z}`);
      case 'Fn::ImportValue':
        throw new Unresolved(path, 'Fn::ImportValue reads an export of another deployed stack');
      default:
        throw new Unresolved(path, `${fn} is not supported locally`);
    }
  }

  /** A mapping's value, resolved once: the same lookup again reads the first result, a cycle is an error. */
  private findInMap([map, top, second]: string[], path: KeyPath): unknown {
    const at = ['Mappings', map, top, second];
    const key = at.join('\0');
    if (this.mapped.has(key)) {
      const known = this.mapped.get(key);
      if (known === undefined)
        this.ctx.fail(path, `Fn::FindInMap ${map}.${top}.${second} refers to itself (through Mappings.${map}.${top}.${second})`);
      return known;
    }
    const level = (obj: unknown, k: string): unknown => (own(obj, k) ? (obj as Record<string, unknown>)[k] : undefined);
    const found = level(level(level(this.ctx.mappings, map), top), second);
    if (found === undefined) throw new Unresolved(path, `Mappings has no ${map}.${top}.${second}`);
    this.mapped.set(key, undefined);
    try {
      const value = this.resolve(found, at);
      this.mapped.set(key, value);
      return value;
    } catch (err) {
      this.mapped.delete(key);
      throw err;
    }
  }

  private ref(name: string, path: KeyPath): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (own(this.ctx.pseudo, name)) return this.ctx.pseudo[name];
    if (this.ctx.parameters.has(name)) {
      const v = this.ctx.parameters.get(name);
      if (v === undefined) throw new Unresolved(path, `parameter ${name} has no Default; give it with --parameter-overrides ${name}=value`);
      return v;
    }
    if (own(this.ctx.resources, name)) {
      this.ctx.onResourceRef(name, path);
      return name;
    }
    throw new Unresolved(path, `Ref ${name}: no parameter or resource of that name`);
  }

  /** Each variable is resolved once however often the text names it; the result is bounded as it grows. */
  private sub(arg: unknown, path: KeyPath): string {
    const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [arg, {}];
    if (typeof text !== 'string') throw new Unresolved(path, 'Fn::Sub needs a string');
    if (!isObj(vars)) throw new Unresolved([...path, '1'], 'Fn::Sub takes a mapping of variables');
    const values = new Map<string, string>();
    const value = (name: string): string => {
      const known = values.get(name);
      if (known !== undefined) return known;
      let v: string;
      if (own(vars, name)) v = this.str(vars[name], [...path, '1', name]);
      else if (name.indexOf('.') > 0 && !name.startsWith('AWS::')) {
        const dot = name.indexOf('.');
        v = this.str({ 'Fn::GetAtt': [name.slice(0, dot), name.slice(dot + 1)] }, path);
      } else {
        const r = this.ref(name, path);
        if (typeof r !== 'string') throw new Unresolved(path, `\${${name}} is not a string`);
        v = r;
      }
      values.set(name, v);
      return v;
    };
    let length = text.length;
    return text.replace(/\$\{([^}]*)\}/g, (match, inner: string) => {
      const out = inner.startsWith('!') ? `\${${inner.slice(1)}}` : value(inner.trim()); // ${!Literal} is written as ${Literal}
      length += out.length - match.length;
      if (length > MAX_RESOLVED_CHARS) this.tooLong(path, 'Fn::Sub');
      return out;
    });
  }
}

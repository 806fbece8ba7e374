/** A template's Parameters with their Defaults and `--parameter-overrides`, and the pseudo parameters. */
import { LOCAL_ACCOUNT_ID } from '../account';
import type { Checker } from '../checker';
import { describe, isMapping } from '../checker';

export function pseudoParameters(region: string, stackName: string): Record<string, string | string[]> {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return {
    'AWS::Region': region,
    'AWS::AccountId': LOCAL_ACCOUNT_ID,
    'AWS::StackName': stackName,
    'AWS::StackId': `arn:${partition}:cloudformation:${region}:${LOCAL_ACCOUNT_ID}:stack/${stackName}/00000000-0000-0000-0000-000000000000`,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::NotificationARNs': [],
  };
}

/**
 * Parameter values: an override wins over the Default. Values are strings, as CloudFormation passes
 * them; list types are split at commas. A Number that is not a number, or a value outside
 * AllowedValues, is an error, as CloudFormation refuses it.
 */
export function parameterValues(c: Checker, raw: unknown, overrides: Record<string, string>): Map<string, string | string[] | undefined> {
  const params = new Map<string, string | string[] | undefined>();
  const decl = raw === undefined || raw === null ? {} : raw;
  if (!isMapping(decl)) c.fail(['Parameters'], `must be a mapping (got ${describe(decl)})`);
  for (const [name, spec] of Object.entries(decl)) {
    const at = ['Parameters', name];
    if (!isMapping(spec)) c.fail(at, `must be a mapping with Type (got ${describe(spec)})`);
    const type = String(spec.Type ?? 'String');
    const given = Object.prototype.hasOwnProperty.call(overrides, name) ? overrides[name] : spec.Default;
    if (given === undefined || given === null) {
      params.set(name, undefined);
      continue;
    }
    const text = Array.isArray(given) ? given.map(String).join(',') : String(given);
    if (type === 'Number' && !Number.isFinite(Number(text))) c.fail(at, `Type Number, but the value is ${JSON.stringify(text)}`, 'key');
    if (Array.isArray(spec.AllowedValues) && !spec.AllowedValues.map(String).includes(text)) {
      c.fail(at, `${JSON.stringify(text)} is not one of its AllowedValues (${spec.AllowedValues.join(', ')})`, 'key');
    }
    if (type.startsWith('AWS::SSM::Parameter::Value') && !Object.prototype.hasOwnProperty.call(overrides, name)) {
      params.set(name, undefined); // the Default names an SSM parameter, not its value
      continue;
    }
    params.set(name, type === 'CommaDelimitedList' || type.startsWith('List<') ? text.split(',').map((s) => s.trim()) : text);
  }
  for (const name of Object.keys(overrides)) {
    if (!params.has(name) && !name.startsWith('AWS::'))
      c.warn(['Parameters'], `--parameter-overrides names ${name}, which is not a parameter of this template`, 'key');
  }
  return params;
}

/**
 * `--parameter-overrides` as the SAM CLI takes it: `Key=Value` items (one string or several) or
 * `ParameterKey=Key,ParameterValue=Value` items; a value may be quoted.
 */
export function parseParameterOverrides(items: string | string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const text = Array.isArray(items) ? items.join(' ') : items;
  const long = /ParameterKey=([^,\s]+),ParameterValue=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  const short = /([A-Za-z0-9:]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  const unquote = (v: string): string => (/^".*"$|^'.*'$/s.test(v) ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v);
  if (/ParameterKey=/.test(text)) for (const m of text.matchAll(long)) out[m[1]] = unquote(m[2]);
  else for (const m of text.matchAll(short)) out[m[1]] = unquote(m[2]);
  return out;
}

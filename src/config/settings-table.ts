/**
 * Every setting in one table: its rule (type and range), its default, whether a running `up` applies
 * it on reload, and what it means. The Settings type, the validation of `settings:`, the reloader's
 * live set and the defaults all come from here; config/defaults.yaml is the user-visible copy of the
 * defaults (a unit test checks that the two agree).
 */
import {
  boolean,
  Checker,
  integer,
  KeyPath,
  mapping,
  nonEmptyString,
  oneOf,
  onlyKeys,
  orNull,
  positiveNumber,
  describe,
  has,
} from './checker';
import { STREAM_BYTES_PER_SECOND } from '../lambda-limits';
import { RUNTIMES, RuntimeName } from './runtimes';

/** Base image choice for a runtime: `host` assembles one offline from this machine's files. */
export type BaseImageSource = 'host' | string;

export interface SettingSpec<T> {
  default: T;
  /** True when a running orchestrator applies a change on reload; false when it takes a restart. */
  live: boolean;
  doc: string;
  /** Validates a value; `base` (the value it overrides) lets a mapping setting override one key at a time. */
  parse(c: Checker, value: unknown, path: KeyPath, base?: T): T;
}

function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

/** A Docker image reference: [registry[:port]/]path[:tag][@digest], repository in lower case. */
const IMAGE_REF =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

function baseImage(c: Checker, value: unknown, path: KeyPath): BaseImageSource {
  if (typeof value !== 'string' || (value !== 'host' && !IMAGE_REF.test(value))) {
    c.fail(path, `must be \`host\` or a Docker image reference such as node:22-bookworm-slim (got ${describe(value)})`);
  }
  return value;
}

/** With `base`, names some runtimes and keeps the others; without it (the defaults file), names every runtime. */
function baseImages(
  c: Checker,
  value: unknown,
  path: KeyPath,
  base?: Record<RuntimeName, BaseImageSource>,
): Record<RuntimeName, BaseImageSource> {
  const images = mapping(c, value, path, 'a mapping of runtime to `host` or an image reference');
  onlyKeys(c, images, RUNTIMES, path);
  const out = { ...base } as Record<RuntimeName, BaseImageSource>;
  for (const rt of RUNTIMES) {
    if (has(images, rt)) out[rt] = baseImage(c, images[rt], [...path, rt]);
    else if (!base) c.fail([...path, rt], 'missing: every runtime needs a default base image');
  }
  return out;
}

const seconds = (c: Checker, v: unknown, p: KeyPath): number => positiveNumber(c, v, p, 'seconds');
const optionalString = orNull(nonEmptyString, 'a non-empty string');

export const SETTINGS_TABLE = {
  idleTimeout: setting<number>({
    default: 600,
    live: true,
    doc: 'seconds a frozen context may sit unused before it is reaped (fractions allowed)',
    parse: seconds,
  }),
  reaperInterval: setting<number | null>({
    default: null,
    live: true,
    doc: 'seconds between reaper sweeps; null = a quarter of idleTimeout, 0.25..60 s',
    parse: orNull(seconds, 'a number of seconds greater than 0'),
  }),
  freezeDelay: setting<number>({
    default: 0,
    live: false,
    doc: 'milliseconds to wait after a response before freezing; 0 = freeze at once',
    parse: (c, v, p) => integer(c, v, p, 0),
  }),
  freezeGrace: setting<number>({
    default: 25,
    live: false,
    doc: "at most this many ms a Node.js or Python context stays thawed after its response before the pause (its code is already stopped); less while the engine's pauses are slow, so that it is Paused within 100 ms; 0 = pause at once",
    parse: (c, v, p) => integer(c, v, p, 0, 100),
  }),
  thawAhead: setting<boolean>({
    default: true,
    live: false,
    doc: 'true: a frozen Node.js context gets its event while docker unpause is under way (its cgroup thaws before Docker answers) and answers without waiting for Docker, and a claimed stem is told to load its function the same way; false: both wait for the unpause',
    parse: boolean,
  }),
  stemContexts: setting<number>({
    default: 1,
    live: true,
    doc: 'per Node.js or Python function, contexts booted ahead of demand and frozen, which a cold start claims (its init runs then); 0 = off',
    parse: (c, v, p) => integer(c, v, p, 0, 8),
  }),
  streamRate: setting<number>({
    default: STREAM_BYTES_PER_SECOND,
    live: false,
    doc: "bytes/s of a streamed response past its first 6 MB (Lambda's is about 2 MB/s); 0 = no limit",
    parse: (c, v, p) => integer(c, v, p, 0),
  }),
  initTimeout: setting<number>({
    default: 10,
    live: false,
    doc: "seconds a context's init may take before it is stopped",
    parse: seconds,
  }),
  memoryBudget: setting<number | null>({
    default: null,
    live: true,
    doc: "MB all live contexts together may use; null = a safe share of the Docker host's memory",
    parse: orNull((c, v, p) => integer(c, v, p, 128), 'an integer (MB) of at least 128'),
  }),
  cpuLimit: setting<boolean>({
    default: true,
    live: false,
    doc: 'true: hard CPU quota in proportion to memory (1769 MB = 1 CPU); false: unlimited',
    parse: boolean,
  }),
  runtimeApiHost: setting<string | null>({
    default: null,
    live: false,
    doc: 'host name or IP the containers use to reach the Runtime API; null = detect',
    parse: optionalString,
  }),
  runtimeApiBind: setting<string | null>({
    default: null,
    live: false,
    doc: 'address the Runtime API servers listen on; null = derive from runtimeApiHost',
    parse: optionalString,
  }),
  region: setting<string>({
    default: 'us-east-1',
    live: false,
    doc: 'AWS_REGION (and AWS_DEFAULT_REGION) the functions see',
    parse: nonEmptyString,
  }),
  network: setting<string | null>({
    default: null,
    live: false,
    doc: "Docker network the contexts join; null = the engine's default bridge",
    parse: optionalString,
  }),
  credentials: setting<'host' | 'none'>({
    default: 'host',
    live: false,
    doc: "host: contexts get the host's AWS credentials (the SDK's provider chain); none: no credentials",
    parse: oneOf(['host', 'none'] as const),
  }),
  baseImages: setting<Record<RuntimeName, BaseImageSource>>({
    default: Object.fromEntries(RUNTIMES.map((rt) => [rt, 'host'])) as Record<RuntimeName, BaseImageSource>,
    live: false,
    doc: 'base image per runtime: `host` (assembled offline from this machine) or an image reference',
    parse: baseImages,
  }),
};

export type SettingName = keyof typeof SETTINGS_TABLE;
export const SETTING_NAMES = Object.keys(SETTINGS_TABLE) as SettingName[];

type ValueOf<S> = S extends SettingSpec<infer T> ? T : never;
export type Settings = { [K in SettingName]: ValueOf<(typeof SETTINGS_TABLE)[K]> };

/** The defaults as the table holds them (config/defaults.yaml must agree). */
export const DEFAULT_SETTINGS: Settings = Object.fromEntries(
  SETTING_NAMES.map((k) => [k, structuredClone(SETTINGS_TABLE[k].default)]),
) as Settings;

/** Settings a running orchestrator applies on reload; the others take a restart. */
export const LIVE_SETTINGS: ReadonlySet<SettingName> = new Set(SETTING_NAMES.filter((k) => SETTINGS_TABLE[k].live));

/**
 * Validates a settings mapping. With `base` (the defaults), keys are optional and override it;
 * without it (reading the defaults themselves) every key is required.
 */
export function parseSettings(c: Checker, raw: unknown, path: KeyPath, base?: Settings): Settings {
  const obj = base && raw === null ? {} : mapping(c, raw, path);
  onlyKeys(c, obj, SETTING_NAMES, path);
  const out: Record<string, unknown> = { ...base };
  for (const key of SETTING_NAMES) {
    const at = [...path, key];
    if (!has(obj, key)) {
      if (!base) c.fail(at, 'missing: every setting needs a default');
      continue;
    }
    const spec = SETTINGS_TABLE[key] as SettingSpec<unknown>;
    out[key] = spec.parse(c, obj[key], at, base?.[key]);
  }
  return out as Settings;
}

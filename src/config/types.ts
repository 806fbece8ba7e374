/** The validated, defaulted shape of `functions.yaml` (CONTRACT section 2). */

export type RuntimeName = 'nodejs20.x' | 'provided';

export const RUNTIMES: readonly RuntimeName[] = ['nodejs20.x', 'provided'];

export interface FunctionConfig {
  name: string;
  handler: string;
  /** Absolute path of the code directory. */
  codeDir: string;
  runtime: RuntimeName;
  memorySize: number;
  timeout: number;
  ephemeralStorageSize: number;
  environment: Record<string, string>;
  reservedConcurrency?: number;
  provisionedConcurrency?: number;
}

/** Base image choice for a runtime: `host` assembles one offline from this machine's files. */
export type BaseImageSource = 'host' | string;

export interface Settings {
  /** Seconds a frozen context may sit unused before the reaper removes it. */
  idleTimeout: number;
  /** Seconds between reaper sweeps; `null` derives it from idleTimeout (a quarter, 0.25..60 s). */
  reaperInterval: number | null;
  /** Milliseconds to wait after a response before freezing (0 = freeze at once). */
  freezeDelay: number;
  /** Seconds an init may take before the context is stopped. */
  initTimeout: number;
  /** MB all live contexts together may use; `null` = a safe share of the Docker host's memory. */
  memoryBudget: number | null;
  /** Hard CPU quota in proportion to memory (1769 MB = 1 CPU); false leaves CPU unlimited. */
  cpuLimit: boolean;
  /** Address the containers use to reach the Runtime API; `null` detects it. */
  runtimeApiHost: string | null;
  /** Address the Runtime API servers listen on; `null` derives it. */
  runtimeApiBind: string | null;
  /** AWS_REGION seen by functions. */
  region: string;
  /** Docker network the contexts join; `null` is the engine's default bridge. */
  network: string | null;
  /** Base image per runtime: `host` (offline, from this machine's Node.js and libraries) or an image reference. */
  baseImages: Record<RuntimeName, BaseImageSource>;
}

export interface ProjectConfig {
  /** Absolute path of the functions.yaml the config came from, or `<inline>`. */
  file: string;
  settings: Settings;
  functions: Map<string, FunctionConfig>;
}

/** The validated, defaulted shape of `functions.yaml` (docs/functions-yaml.md) or of a SAM template (docs/sam-templates.md). */
import type { RuntimeName } from './runtimes';
import type { Settings } from './settings-table';

export { RUNTIMES, DEPRECATED_RUNTIMES, runtimeFamily } from './runtimes';
export type { RuntimeName, RuntimeFamily } from './runtimes';
export type { BaseImageSource, Settings, SettingName } from './settings-table';

export const LOG_FORMATS = ['Text', 'JSON'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const APPLICATION_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'] as const;
export type ApplicationLogLevel = (typeof APPLICATION_LOG_LEVELS)[number];
export type SystemLogLevel = (typeof SYSTEM_LOG_LEVELS)[number];

/** Lambda's LoggingConfig: the levels exist only with JSON (Lambda refuses them with Text). */
export type LoggingConfig =
  { logFormat: 'Text' } | { logFormat: 'JSON'; applicationLogLevel: ApplicationLogLevel; systemLogLevel: SystemLogLevel };

export const INVOKE_MODES = ['BUFFERED', 'RESPONSE_STREAM'] as const;
export type InvokeMode = (typeof INVOKE_MODES)[number];

export interface FunctionUrlConfig {
  invokeMode: InvokeMode;
}

export interface FunctionConfig {
  name: string;
  /** Passed to the runtime as _HANDLER; a malformed one fails at init (Runtime.MalformedHandlerName). */
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
  /** Absolute paths of the layer directories, merged in this order at /opt (later ones win). */
  layers: string[];
  loggingConfig: LoggingConfig;
  /** Present when the function has a function URL. */
  url?: FunctionUrlConfig;
}

export interface ProjectConfig {
  /** Absolute path of the functions.yaml (or template) the config came from, or `<inline>`. */
  file: string;
  settings: Settings;
  functions: Map<string, FunctionConfig>;
  /** `file:line: key: message` for what loads but deserves a word at `up` (deprecated runtimes, ignored template parts). */
  warnings: string[];
  /** Other names a function answers to (a SAM template's FunctionName), alias -> key of `functions`. */
  aliases?: Map<string, string>;
}

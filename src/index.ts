/** Library entry point: start an orchestrator from jest or a script. */
export { startOrchestrator, StartedOrchestrator, StoppedOrchestrator, OrchestratorStoppedError } from './orchestrator';
export type { OrchestratorOptions, InvokeOutput, InvokeCallOptions, FunctionErrorBody } from './orchestrator';
export type { InstanceIdentity } from './engine/labels';
export type { Clock } from './clock';
export type { ContextRow, FunctionStats } from './context/context-row';
export type { FunctionConfig, Settings, ProjectConfig, RuntimeName } from './config/types';
export type { ConfigDiff } from './config/diff';
export { streamLogSink, silentLogSink, type LogSink } from './logging/log-sink';
export { ConfigError } from './errors';
export { parseParameterOverrides } from './config/load';
export { findFunction } from './config/lookup';
export { DEFAULT_SETTINGS } from './config/settings-table';

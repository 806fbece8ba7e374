/** Library entry point: start an orchestrator from jest or a script. */
export { startOrchestrator, StartedOrchestrator } from './orchestrator';
export type { OrchestratorOptions, InvokeOutput } from './orchestrator';
export type { ContextRow, FunctionStats } from './context/context-row';
export type { FunctionConfig, Settings, ProjectConfig, RuntimeName } from './config/types';
export { streamLogSink, silentLogSink, type LogSink } from './logging/log-sink';
export { ConfigError } from './errors';

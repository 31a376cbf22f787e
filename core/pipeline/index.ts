/** Pipelines: the JSON schema, validation, the plan, executors and the runner with its run folder. */
export type { NodeKind, PortType, InputPort, OutputPort, NodePorts } from './ports';
export { NODE_KINDS, NODE_PORTS, PORT_TYPES } from './ports';
export type { Pipeline, PipelineDocument, PipelineEdge, PipelineNode, PortRef } from './schema';
export { PIPELINE_VERSION, PipelineDocumentSchema, NodeIdSchema } from './schema';
export type {
  BackboneNodeConfig, DatasetNodeConfig, DenseTrainingConfig, DeployNodeConfig, DeviceNodeConfig, EvaluateNodeConfig,
  ExportNodeConfig, LatencyTableNodeConfig, NodeConfigs, SpvitTrainingConfig, TrainNodeConfig,
} from './node-configs';
export { NODE_CONFIG_SCHEMAS } from './node-configs';
export type { DeviceKindRegistry, DeviceKindSpec } from './device-kinds';
export { AndroidDeviceConfigSchema, BUILT_IN_DEVICE_KINDS, Zcu102DeviceConfigSchema, createDeviceKindRegistry } from './device-kinds';
export type { PipelineIssue } from './issues';
export type { PipelineCheck, ValidateOptions } from './validate';
export { checkPipeline, requiredInputs, validatePipeline } from './validate';
export type { PlanStep } from './plan';
export { planPipeline } from './plan';
export type { BackboneValue, DatasetValue, DeviceValue, LatencyTableValue } from './port-values';
export { PORT_VALUE_SCHEMAS } from './port-values';
export type { AnyNodeExecutor, ExecutorContext, ExecutorRegistry, MetricInput, MetricRecord, MetricsSink, NodeExecutor, PortValues } from './executors';
export { createExecutorRegistry, inputValue } from './executors';
export type { NodeRecord, NodeStatus, RunReport, RunStatus } from './run-folder';
export { RUN_FILES, readMetrics, readRunReport } from './run-folder';
export type { RunEvent, RunPipelineOptions } from './runner';
export { runPipeline } from './runner';
export type { LoadedPipeline } from './load';
export { loadPipelineFile } from './load';
export { createCoreExecutorRegistry } from './core-executors';
export { openDatasetValue } from './executors/dataset';
export type { LatencyTableExecutorOptions } from './executors/latency-table';
export { createLatencyTableExecutor } from './executors/latency-table';

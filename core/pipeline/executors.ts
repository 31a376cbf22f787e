/**
 * Executors run nodes. One per node kind, looked up in a registry: core registers dataset,
 * backbone and latency-table; training, export, deploy and device code register theirs.
 */
import { StudioError } from '../shared/errors';

import type { AbortSignalLike } from '../shared/abort';
import type { Jsonable } from '../shared/jsonable';
import type { DeviceValue, BackboneValue, DatasetValue, LatencyTableValue } from './port-values';
import type { NodeKind, PortType } from './ports';
import type { Pipeline, PipelineNode } from './schema';

export interface MetricInput {
  name: string;
  value: number;
  step?: number;
  epoch?: number;
  /** Anything else worth a column (split, stage, unit). */
  extra?: { [key: string]: Jsonable };
}

export interface MetricRecord extends MetricInput {
  at: string;
  nodeId: string;
}

export interface MetricsSink {
  write(metric: MetricInput): void;
}

/** Values the core port types carry; the others are loose JSON objects defined by their producers. */
export interface PortValues {
  dataset: DatasetValue;
  backbone: BackboneValue;
  device: DeviceValue;
  'latency-table': LatencyTableValue;
  model: { dir: string; weightsPath: string; [key: string]: unknown };
  evaluation: { accuracy: number; [key: string]: unknown };
  artifact: { path: string; format: string; [key: string]: unknown };
  deployment: { deviceId: string; [key: string]: unknown };
}

export interface ExecutorContext<K extends NodeKind = NodeKind> {
  node: PipelineNode<K>;
  pipeline: Pipeline;
  /** Values on the connected input ports (checked against their port type). */
  inputs: Readonly<Record<string, Jsonable>>;
  /** The run folder and this node's own folder in it (nodes/<id>/, created). */
  runDir: string;
  nodeDir: string;
  /** Resolves a path from the pipeline (relative to the pipeline file's folder). */
  resolvePath(path: string): string;
  signal: AbortSignalLike;
  metrics: MetricsSink;
  /** fraction in [0, 1] or null when unknown. */
  progress(fraction: number | null, message: string): void;
}

/** The value on an input port, typed by the port's type; undefined when not connected. */
export function inputValue<T extends PortType>(context: ExecutorContext, port: string, _type: T): PortValues[T] | undefined {
  return context.inputs[port] as PortValues[T] | undefined;
}

export interface NodeExecutor<K extends NodeKind = NodeKind> {
  kind: K;
  /** Returns one JSON value per output port of the kind. */
  execute(context: ExecutorContext<K>): Promise<Record<string, Jsonable>>;
}

export type AnyNodeExecutor = { [K in NodeKind]: NodeExecutor<K> }[NodeKind];

export interface ExecutorRegistry {
  /** Adds the executor of a kind; replacing one needs `replace` (so two modules cannot clash silently). */
  register(executor: AnyNodeExecutor, options?: { replace?: boolean }): void;
  get(kind: NodeKind): AnyNodeExecutor | undefined;
  kinds(): NodeKind[];
}

export function createExecutorRegistry(executors: readonly AnyNodeExecutor[] = []): ExecutorRegistry {
  const byKind = new Map<NodeKind, AnyNodeExecutor>();
  const registry: ExecutorRegistry = {
    register(executor, options = {}) {
      if (byKind.has(executor.kind) && options.replace !== true) {
        throw new StudioError('internal/bug', `An executor for '${executor.kind}' nodes is already registered`);
      }
      byKind.set(executor.kind, executor);
    },
    get: (kind) => byKind.get(kind),
    kinds: () => [...byKind.keys()].sort(),
  };
  for (const executor of executors) registry.register(executor);
  return registry;
}

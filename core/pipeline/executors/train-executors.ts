/** Adds the train and evaluate executors to a registry (hosts call this once: CLI, backend). */
import { createEvaluateExecutor } from './evaluate';
import { createTrainExecutor } from './train';

import type { ExecutorRegistry } from '../executors';
import type { Pipeline } from '../schema';
import type { TrainExecutorOptions } from './train';

export function registerTrainingExecutors(registry: ExecutorRegistry, options: TrainExecutorOptions = {}): ExecutorRegistry {
  registry.register(createTrainExecutor(options));
  const shared = { ...(options.workers === undefined ? {} : { workers: options.workers }), ...(options.backend === undefined ? {} : { backend: options.backend }) };
  registry.register(createEvaluateExecutor(shared));
  return registry;
}

/**
 * The part of a pipeline this host can run: nodes without an executor (e.g. export in a build
 * that has none yet) are dropped with everything downstream of them. Returns the dropped nodes.
 */
export function runnablePart(pipeline: Pipeline, registry: ExecutorRegistry): { pipeline: Pipeline; skipped: string[] } {
  const dropped = new Set(pipeline.nodes.filter((node) => registry.get(node.kind) === undefined).map((node) => node.id));
  let grew = true;
  while (grew) {
    grew = false;
    for (const edge of pipeline.edges) {
      if (dropped.has(edge.from.node) && !dropped.has(edge.to.node)) {
        dropped.add(edge.to.node);
        grew = true;
      }
    }
  }
  const keep = (id: string): boolean => !dropped.has(id);
  return {
    pipeline: { ...pipeline, nodes: pipeline.nodes.filter((node) => keep(node.id)), edges: pipeline.edges.filter((edge) => keep(edge.from.node) && keep(edge.to.node)) },
    skipped: pipeline.nodes.filter((node) => dropped.has(node.id)).map((node) => `${node.id} (${node.kind})`),
  };
}

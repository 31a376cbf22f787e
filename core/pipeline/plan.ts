/** The order nodes run in, with where each input comes from. */
import { topologicalOrder } from './graph';

import type { PortRef, Pipeline, PipelineNode } from './schema';

export interface PlanStep {
  node: PipelineNode;
  /** Input port -> the output feeding it. */
  inputs: Record<string, PortRef>;
  /** Nodes this one reads from. */
  dependsOn: string[];
}

/** Topological order, ties broken by the order of nodes in the document (validated pipelines have no cycles). */
export function planPipeline(pipeline: Pipeline): PlanStep[] {
  const { order } = topologicalOrder(pipeline.nodes.map((n) => n.id), pipeline.edges);
  const byId = new Map(pipeline.nodes.map((n) => [n.id, n]));
  return order.map((id) => {
    const inputs: Record<string, PortRef> = {};
    for (const edge of pipeline.edges) {
      if (edge.to.node === id) inputs[edge.to.port] = edge.from;
    }
    return { node: byId.get(id) as PipelineNode, inputs, dependsOn: [...new Set(Object.values(inputs).map((ref) => ref.node))] };
  });
}

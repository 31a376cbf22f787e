/** Graph helpers over node ids and edges: topological order (stable) and cycle finding. */
import type { PipelineEdge } from './schema';

/** Kahn's algorithm; ties broken by the order of `ids`. Returns the order and the nodes left in cycles. */
export function topologicalOrder(ids: readonly string[], edges: readonly PipelineEdge[]): { order: string[]; blocked: string[] } {
  const known = new Set(ids);
  const indegree = new Map(ids.map((id) => [id, 0]));
  const next = new Map(ids.map((id) => [id, [] as string[]]));
  for (const edge of edges) {
    if (!known.has(edge.from.node) || !known.has(edge.to.node)) continue;
    next.get(edge.from.node)?.push(edge.to.node);
    indegree.set(edge.to.node, (indegree.get(edge.to.node) ?? 0) + 1);
  }
  const order: string[] = [];
  const ready = ids.filter((id) => indegree.get(id) === 0);
  const rank = new Map(ids.map((id, i) => [id, i]));
  while (ready.length > 0) {
    ready.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
    const id = ready.shift() as string;
    order.push(id);
    for (const target of next.get(id) ?? []) {
      const left = (indegree.get(target) ?? 0) - 1;
      indegree.set(target, left);
      if (left === 0) ready.push(target);
    }
  }
  return { order, blocked: ids.filter((id) => !order.includes(id)) };
}

/** One cycle among `blocked` nodes, as a closed path [a, b, ..., a]. */
export function findCycle(blocked: readonly string[], edges: readonly PipelineEdge[]): string[] {
  const inside = new Set(blocked);
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    if (inside.has(edge.from.node) && inside.has(edge.to.node)) {
      next.set(edge.from.node, [...(next.get(edge.from.node) ?? []), edge.to.node]);
    }
  }
  const path: string[] = [];
  const onPath = new Set<string>();
  const done = new Set<string>();
  const visit = (id: string): string[] | null => {
    if (onPath.has(id)) return [...path.slice(path.indexOf(id)), id];
    if (done.has(id)) return null;
    path.push(id);
    onPath.add(id);
    for (const target of next.get(id) ?? []) {
      const cycle = visit(target);
      if (cycle !== null) return cycle;
    }
    path.pop();
    onPath.delete(id);
    done.add(id);
    return null;
  };
  for (const id of blocked) {
    const cycle = visit(id);
    if (cycle !== null) return cycle;
  }
  return [...blocked];
}

/**
 * Auto-layout: layers by the plan order (a node sits one layer right of the furthest node it reads
 * from), rows in plan order within a layer, each layer centred on the tallest.
 */
import { LAYER_GAP_X, NODE_WIDTH, ROW_GAP_Y } from './node-geometry';

import type { EditorDocument } from '../../../core/api/contracts/pipeline';
import type { Point } from './document-ops';

export interface LayoutOptions {
  /** Node ids in run order; nodes missing from it (a cycle) go last in document order. */
  readonly order: readonly string[];
  readonly heightOf: (nodeId: string) => number;
}

/**
 * The order the runner uses (core/pipeline's plan): topological, ties broken by document order;
 * nodes caught in a cycle follow in document order.
 */
export function planOrder(document: EditorDocument): string[] {
  const ids = document.nodes.map((node) => node.id);
  const rank = new Map(ids.map((id, index) => [id, index]));
  const indegree = new Map(ids.map((id) => [id, 0]));
  for (const edge of document.edges) {
    if (rank.has(edge.from.node) && rank.has(edge.to.node)) indegree.set(edge.to.node, (indegree.get(edge.to.node) ?? 0) + 1);
  }
  const ready = ids.filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
    const id = ready.shift() as string;
    order.push(id);
    for (const edge of document.edges) {
      if (edge.from.node !== id || !rank.has(edge.to.node)) continue;
      const left = (indegree.get(edge.to.node) ?? 0) - 1;
      indegree.set(edge.to.node, left);
      if (left === 0) ready.push(edge.to.node);
    }
  }
  return [...order, ...ids.filter((id) => !order.includes(id))];
}

export function layerOf(document: EditorDocument, order: readonly string[]): Map<string, number> {
  const ids = [...order.filter((id) => document.nodes.some((node) => node.id === id)), ...document.nodes.map((node) => node.id).filter((id) => !order.includes(id))];
  const layers = new Map<string, number>();
  for (const id of ids) {
    let layer = 0;
    for (const edge of document.edges) {
      if (edge.to.node !== id) continue;
      const upstream = layers.get(edge.from.node);
      if (upstream !== undefined) layer = Math.max(layer, upstream + 1);
    }
    layers.set(id, layer);
  }
  return layers;
}

export function layeredLayout(document: EditorDocument, options: LayoutOptions): Map<string, Point> {
  const layers = layerOf(document, options.order);
  const rank = new Map(options.order.map((id, index) => [id, index]));
  const columns = new Map<number, string[]>();
  for (const [id, layer] of layers) columns.set(layer, [...(columns.get(layer) ?? []), id]);
  const columnHeight = (ids: readonly string[]): number => ids.reduce((sum, id) => sum + options.heightOf(id), 0) + ROW_GAP_Y * Math.max(0, ids.length - 1);
  const tallest = Math.max(0, ...[...columns.values()].map(columnHeight));
  const positions = new Map<string, Point>();
  for (const [layer, ids] of columns) {
    ids.sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity));
    let y = (tallest - columnHeight(ids)) / 2;
    for (const id of ids) {
      positions.set(id, { x: layer * (NODE_WIDTH + LAYER_GAP_X), y: Math.round(y) });
      y += options.heightOf(id) + ROW_GAP_Y;
    }
  }
  return positions;
}

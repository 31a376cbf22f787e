/** Where a node's box and ports sit on the canvas, and the curve an edge takes between ports. */
import type { PaletteKind } from '../../../core/api/contracts/pipeline';
import type { Point } from './document-ops';

export const NODE_WIDTH = 208;
export const NODE_HEADER = 58;
export const PORT_ROW = 22;
export const NODE_FOOTER = 12;
export const LAYER_GAP_X = 96;
export const ROW_GAP_Y = 40;

export function nodeHeight(kind: PaletteKind | undefined): number {
  const rows = Math.max(kind?.inputs.length ?? 0, kind?.outputs.length ?? 0, 1);
  return NODE_HEADER + rows * PORT_ROW + NODE_FOOTER;
}

/** A port's centre relative to its node's top-left corner. */
export function portOffset(side: 'inputs' | 'outputs', index: number): Point {
  return { x: side === 'inputs' ? 0 : NODE_WIDTH, y: NODE_HEADER + index * PORT_ROW + PORT_ROW / 2 };
}

export function portPoint(nodeAt: Point, side: 'inputs' | 'outputs', index: number): Point {
  const offset = portOffset(side, index);
  return { x: nodeAt.x + offset.x, y: nodeAt.y + offset.y };
}

/** A horizontal S-curve from an output to an input; bends more the further back it goes. */
export function edgePath(from: Point, to: Point): string {
  const reach = Math.max(48, Math.abs(to.x - from.x) / 2, to.x < from.x ? 120 : 0);
  const round = (value: number): number => Math.round(value * 10) / 10;
  return `M ${round(from.x)} ${round(from.y)} C ${round(from.x + reach)} ${round(from.y)}, ${round(to.x - reach)} ${round(to.y)}, ${round(to.x)} ${round(to.y)}`;
}

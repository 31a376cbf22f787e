/** The zoom and pan that fit a pipeline's nodes into the visible canvas. */
import { NODE_WIDTH } from './node-geometry';

import type { EditorDocument } from '../../../core/api/contracts/pipeline';

export interface Bounds {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Insets {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export function documentBounds(document: EditorDocument, heightOf: (nodeId: string) => number): Bounds | null {
  if (document.nodes.length === 0) return null;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const node of document.nodes) {
    const { x, y } = node.position ?? { x: 0, y: 0 };
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x + NODE_WIDTH);
    maxY = Math.max(maxY, y + heightOf(node.id));
  }
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

/** Centred in the space the insets leave, never zoomed in past 100 %, never out past minScale. */
export function fitTransform(bounds: Bounds, viewport: { width: number; height: number }, insets: Insets, minScale: number): { x: number; y: number; k: number } | null {
  const width = viewport.width - insets.left - insets.right;
  const height = viewport.height - insets.top - insets.bottom;
  if (width <= 0 || height <= 0) return null;
  const k = Math.max(minScale, Math.min(1, width / Math.max(bounds.width, 1), height / Math.max(bounds.height, 1)));
  return {
    x: Math.round(insets.left + (width - bounds.width * k) / 2 - bounds.x * k),
    y: Math.round(insets.top + (height - bounds.height * k) / 2 - bounds.y * k),
    k,
  };
}

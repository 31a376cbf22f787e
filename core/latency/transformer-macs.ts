/**
 * macsOfBlock for analytic LUTs, from a LUT model shape: transformer blocks through
 * core/models/flops.ts (global attention, or windowed attention for Swin stages), the SPViT
 * selector of spec B §1.4, patch embedding, PiT pooling / Swin patch merging and a linear head.
 * Norms and activations count as free, as in flops.ts; the roofline's per-op overhead covers them.
 */
import { linearMacs, transformerBlockMacs } from '../models/flops';

import type { MacsOfBlock } from './analytic-lut';
import type { LutModelShape } from './lut-schema';

export const SHAPE_FLOP_COUNTER = 'core/latency/transformer-macs (core/models/flops blocks)';

/** One selector on `spatial` tokens: per-head scorer MLP (shared weights) + head-importance branch. */
export function selectorMacs(spatial: number, dim: number, heads: number): number {
  const d = dim / heads;
  const scorer = linearMacs(1, d, d) + linearMacs(1, d, d / 2) + linearMacs(1, d / 2, d / 4) + linearMacs(1, d / 4, 2);
  const importance = linearMacs(1, heads, Math.floor(heads / 2)) + linearMacs(1, Math.floor(heads / 2), heads);
  return spatial * (heads * scorer + importance);
}

export function macsOfBlockForShape(model: LutModelShape): MacsOfBlock {
  return (blockType, tokens, stage) => {
    const shape = model.stages[stage] ?? model.stages[0];
    if (shape === undefined) return 0;
    const dim = shape.embedDim;
    switch (blockType) {
      case 'block':
      case 'block-after-selector': {
        const block = { dim, mlpHidden: Math.round(dim * model.mlpRatio), qkvBias: true };
        if (shape.windowSize === undefined) return transformerBlockMacs(block, tokens);
        // Windowed attention: projections over all tokens, QK^T and AV within windows.
        const window = Math.min(tokens, shape.windowSize ** 2);
        return transformerBlockMacs(block, tokens) - 2 * tokens * tokens * dim + 2 * tokens * window * dim;
      }
      case 'selector':
        return selectorMacs(Math.max(0, tokens - shape.extraTokens), dim, shape.heads);
      case 'patch-embed': {
        const patch = model.patchSize ?? 16;
        return shape.spatialTokens * (model.inChans ?? 3) * patch * patch * dim;
      }
      case 'downsample': {
        const next = model.stages[stage + 1];
        const nextDim = next?.embedDim ?? 2 * dim;
        const nextTokens = next?.spatialTokens ?? Math.ceil(shape.spatialTokens / 4);
        // Swin: Linear 4C -> 2C on merged 2x2 groups; PiT: depthwise 3x3 conv + the class-token Linear.
        return model.arch === 'swin' ? linearMacs(nextTokens, 4 * dim, nextDim) : nextTokens * 9 * nextDim + linearMacs(shape.extraTokens, dim, nextDim);
      }
      case 'head':
        return linearMacs(1, dim, model.numClasses ?? 1000);
    }
  };
}

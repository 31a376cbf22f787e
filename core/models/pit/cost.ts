/**
 * PiT parameter and MAC counts, with the conventions of core/models/flops.ts: the patch convolution,
 * the pooling layers (depthwise conv + class-token Linear), the blocks on [class tokens, grid] and the
 * heads. Checked against the published PiT-XS figures (1.4 GMACs, 10.6M parameters).
 */
import { layerNormParams, linearMacs, linearParams, resolveTokens, totalCost, transformerBlockMacs, transformerBlockParams } from '../flops';

import { convOutputSize } from './conv-embedding';
import { poolingOutputSize } from './pooling';
import { PIT_POOL_STRIDE } from './stage';

import type { BlockCost, CostOptions, ModelCost } from '../flops';
import type { PitConfig } from './config';

interface StageShape {
  dim: number;
  grid: [number, number];
}

function stageShapes(config: PitConfig): StageShape[] {
  let grid: [number, number] = [
    convOutputSize(config.imgSize[0], config.patchSize[0], config.stride),
    convOutputSize(config.imgSize[1], config.patchSize[1], config.stride),
  ];
  return config.depths.map((_, i) => {
    if (i > 0) grid = [poolingOutputSize(grid[0], PIT_POOL_STRIDE), poolingOutputSize(grid[1], PIT_POOL_STRIDE)];
    return { dim: (config.baseDims[i] as number) * (config.heads[i] as number), grid };
  });
}

/** Tokens entering each block of the dense model: class tokens + the stage's grid. */
export function pitDenseTokens(config: PitConfig): number[] {
  const classTokens = config.distilled ? 2 : 1;
  return stageShapes(config).flatMap((stage, i) => Array.from({ length: config.depths[i] as number }, () => classTokens + stage.grid[0] * stage.grid[1]));
}

function otherCost(config: PitConfig, stages: StageShape[]): { params: number; macs: number } {
  const classTokens = config.distilled ? 2 : 1;
  const first = stages[0] as StageShape;
  const kernelArea = config.patchSize[0] * config.patchSize[1];
  let params = first.dim * config.inChans * kernelArea + first.dim; // patch conv
  let macs = first.grid[0] * first.grid[1] * first.dim * config.inChans * kernelArea;
  params += first.dim * first.grid[0] * first.grid[1] + classTokens * first.dim; // pos_embed, cls_token
  const poolKernel = (PIT_POOL_STRIDE + 1) ** 2;
  stages.slice(1).forEach((stage, i) => {
    const inDim = (stages[i] as StageShape).dim;
    params += stage.dim * poolKernel + stage.dim + linearParams(inDim, stage.dim);
    macs += stage.grid[0] * stage.grid[1] * stage.dim * poolKernel + linearMacs(classTokens, inDim, stage.dim);
  });
  const last = (stages[stages.length - 1] as StageShape).dim;
  params += layerNormParams(last);
  if (config.numClasses > 0) {
    const heads = config.distilled ? 2 : 1;
    params += heads * linearParams(last, config.numClasses);
    macs += heads * linearMacs(1, last, config.numClasses);
  }
  return { params, macs };
}

export function pitCost(config: PitConfig, options: CostOptions = {}): ModelCost {
  const stages = stageShapes(config);
  const tokens = resolveTokens(pitDenseTokens(config), options, 'This PiT');
  const blocks: BlockCost[] = [];
  stages.forEach((stage, i) => {
    const shape = { dim: stage.dim, mlpHidden: Math.floor(stage.dim * config.mlpRatio), qkvBias: true };
    for (let j = 0; j < (config.depths[i] as number); j++) {
      const count = tokens[blocks.length] as number;
      blocks.push({ name: `transformers.${i}.blocks.${j}`, tokens: count, params: transformerBlockParams(shape), macs: transformerBlockMacs(shape, count) });
    }
  });
  return totalCost(blocks, otherCost(config, stages));
}

/**
 * Swin parameter and MAC counts, with the conventions of core/models/flops.ts. Window attention
 * runs qkv, proj and the two attention products on the padded grid, each token attending to the
 * N = window area tokens of its window; the MLP runs on the real grid. For pruned token counts the
 * padded grid and the keys per window shrink in proportion. Checked against the published Swin-T
 * figures (4.5 GMACs, 28.3M parameters).
 */
import { layerNormParams, linearMacs, linearParams, resolveTokens, totalCost } from '../flops';

import { relativeTableSize, stageResolutions, windowGeometry } from './geometry';

import type { BlockCost, CostOptions, ModelCost } from '../flops';
import type { SwinConfig } from './config';
import type { WindowGeometry } from './geometry';

interface StageShape {
  dim: number;
  heads: number;
  mlpHidden: number;
  tokens: number;
  geometry: WindowGeometry;
}

function stageShapes(config: SwinConfig): StageShape[] {
  const grid = [config.imgSize[0] / config.patchSize, config.imgSize[1] / config.patchSize] as const;
  return stageResolutions(grid, config.depths.length).map((resolution, i) => {
    const dim = config.embedDims[i] as number;
    return {
      dim,
      heads: config.numHeads[i] as number,
      mlpHidden: Math.floor(dim * (config.mlpRatios[i] as number)),
      tokens: resolution.actual[0] * resolution.actual[1],
      geometry: windowGeometry({
        resolution: resolution.actual,
        declaredResolution: resolution.declared,
        targetWindow: config.windowSizes[i] as [number, number],
        shifted: false,
        alwaysPartition: config.alwaysPartition,
      }),
    };
  });
}

/** Tokens entering each block of the dense model: the stage's full grid. */
export function swinDenseTokens(config: SwinConfig): number[] {
  return stageShapes(config).flatMap((stage, i) => Array.from({ length: config.depths[i] as number }, () => stage.tokens));
}

function blockParams(stage: StageShape, qkvBias: boolean): number {
  const { dim, mlpHidden } = stage;
  const table = relativeTableSize(stage.geometry.window) * stage.heads;
  return 2 * layerNormParams(dim) + table + linearParams(dim, 3 * dim, qkvBias) + linearParams(dim, dim) + linearParams(dim, mlpHidden) + linearParams(mlpHidden, dim);
}

function blockMacs(stage: StageShape, tokens: number): number {
  const { dim, mlpHidden, geometry } = stage;
  const scale = tokens / stage.tokens;
  const attended = geometry.padded[0] * geometry.padded[1] * scale;
  const keysPerWindow = geometry.window[0] * geometry.window[1] * scale;
  const attention = linearMacs(attended, dim, 3 * dim) + 2 * attended * keysPerWindow * dim + linearMacs(attended, dim, dim);
  return Math.round(attention + linearMacs(tokens, dim, mlpHidden) + linearMacs(tokens, mlpHidden, dim));
}

function otherCost(config: SwinConfig, stages: StageShape[]): { params: number; macs: number } {
  const first = stages[0] as StageShape;
  const patchArea = config.patchSize * config.patchSize;
  let params = first.dim * config.inChans * patchArea + first.dim + layerNormParams(first.dim);
  let macs = first.tokens * first.dim * config.inChans * patchArea;
  stages.slice(1).forEach((stage, i) => {
    const merged = 4 * (stages[i] as StageShape).dim;
    params += layerNormParams(merged) + linearParams(merged, stage.dim, false);
    macs += linearMacs(stage.tokens, merged, stage.dim);
  });
  const last = (stages[stages.length - 1] as StageShape).dim;
  params += layerNormParams(last);
  if (config.numClasses > 0) {
    params += linearParams(last, config.numClasses);
    macs += linearMacs(1, last, config.numClasses);
  }
  return { params, macs };
}

export function swinCost(config: SwinConfig, options: CostOptions = {}): ModelCost {
  const stages = stageShapes(config);
  const tokens = resolveTokens(swinDenseTokens(config), options, 'This Swin');
  const blocks: BlockCost[] = [];
  stages.forEach((stage, i) => {
    for (let j = 0; j < (config.depths[i] as number); j++) {
      const count = tokens[blocks.length] as number;
      blocks.push({ name: `layers.${i}.blocks.${j}`, tokens: count, params: blockParams(stage, config.qkvBias), macs: blockMacs(stage, count) });
    }
  });
  return totalCost(blocks, otherCost(config, stages));
}

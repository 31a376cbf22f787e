/** Parameters and MACs of the flat ViT family, dense or with pruned token counts per block. */
import { linearMacs, linearParams, layerNormParams, resolveTokens, totalCost, transformerBlockMacs, transformerBlockParams } from '../flops';

import { patchCount, prefixTokenCount } from './config';

import type { CostOptions, ModelCost } from '../flops';
import type { VitConfig } from './config';

export function vitCost(config: VitConfig, options?: CostOptions): ModelCost {
  const dim = config.embedDim;
  const patches = patchCount(config);
  const prefix = prefixTokenCount(config);
  const dense = Array.from({ length: config.depth }, () => prefix + patches);
  const tokens = resolveTokens(dense, options, `This ViT (depth ${config.depth})`);
  const headDim = dim / config.numHeads;
  const shape = {
    dim,
    mlpHidden: Math.floor(dim * config.mlpRatio),
    qkvBias: config.qkvBias,
    extraParams: (config.qkNorm ? 2 * layerNormParams(headDim) : 0) + (config.initValues !== null ? 2 * dim : 0),
  };
  const projBiasFix = config.projBias ? 0 : -(dim + shape.mlpHidden + dim);
  const blocks = tokens.map((count, i) => ({
    name: `blocks.${i}`,
    tokens: count,
    params: transformerBlockParams(shape) + projBiasFix,
    macs: transformerBlockMacs(shape, count),
  }));
  const patchInputs = config.inChans * config.patchSize * config.patchSize;
  const heads = config.numClasses > 0 ? (config.distilled ? 2 : 1) : 0;
  const embedLength = config.noEmbedClass ? patches : patches + prefix;
  const params =
    linearParams(patchInputs, dim, !config.preNorm) +
    prefix * dim +
    (config.posEmbed ? embedLength * dim : 0) +
    (config.preNorm ? layerNormParams(dim) : 0) +
    (config.finalNorm ? layerNormParams(dim) : 0) +
    heads * linearParams(dim, config.numClasses);
  const macs = linearMacs(patches, patchInputs, dim) + heads * linearMacs(1, dim, config.numClasses);
  return totalCost(blocks, { params, macs });
}

/**
 * A whole timm VisionTransformer / DeiT (dense) as a TFLite graph: NHWC image [1, H, W, C] in,
 * logits [1, classes] out (the pooled features when the model has no head). The embedding and
 * the readout are separate functions so the SPViT graph and the micro-models reuse them.
 */
import { StudioError } from '../../shared/errors';
import { VIT_NORM_EPS } from '../../models/vit/config';

import type { VitConfig } from '../../models/vit/config';
import type { TensorId } from './graph';
import type { BlockShape, VitLayers } from './vit-layers';

export function checkVitExportable(config: VitConfig): void {
  if (config.qkNorm) {
    throw new StudioError('model/unsupported', 'The TFLite exporter does not handle qk_norm (LayerNorm on queries and keys) yet.', {
      hint: 'Export a ViT without qk_norm, the DeiT and ViT presets have none.',
    });
  }
}

export function vitBlockShape(config: VitConfig): BlockShape {
  return { dim: config.embedDim, heads: config.numHeads, mlpHidden: Math.floor(config.embedDim * config.mlpRatio), normEps: VIT_NORM_EPS, layerScale: config.initValues !== null };
}

/** NHWC image -> tokens [1, prefix + patches, D] (class/dist/register tokens, position embedding, norm_pre). */
export function vitEmbed(layers: VitLayers, image: TensorId, config: VitConfig): TensorId {
  let patches = layers.patchEmbed(image, 'patch_embed', config.patchSize);
  const prefix = [
    config.classToken ? 'cls_token' : null,
    config.distilled ? 'dist_token' : null,
    config.regTokens > 0 ? 'reg_token' : null,
  ].flatMap((key) => (key === null ? [] : [layers.param(key)]));
  let tokens: TensorId;
  if (config.posEmbed && config.noEmbedClass) {
    patches = layers.add(patches, layers.param('pos_embed'), 'pos_embed/add');
    tokens = prefix.length > 0 ? layers.concat([...prefix, patches], 1, 'prefix_concat') : patches;
  } else {
    tokens = prefix.length > 0 ? layers.concat([...prefix, patches], 1, 'prefix_concat') : patches;
    if (config.posEmbed) tokens = layers.add(tokens, layers.param('pos_embed'), 'pos_embed/add');
  }
  return config.preNorm ? layers.layerNorm(tokens, 'norm_pre', VIT_NORM_EPS) : tokens;
}

function token(layers: VitLayers, x: TensorId, index: number, name: string): TensorId {
  const [, , dim] = layers.shape(x) as [number, number, number];
  return layers.stridedSlice(x, { begin: [0, index, 0], end: [1, index + 1, dim], shrinkAxes: [1] }, name);
}

/**
 * Block output [1, N, D] -> logits, as the model's headOutputs + classify. The final norm works per
 * token, so a class-token readout normalises only that token.
 */
export function vitReadout(layers: VitLayers, x: TensorId, config: VitConfig, prefixTokens: number): TensorId {
  const norm = (input: TensorId): TensorId => (config.finalNorm && !config.fcNorm ? layers.layerNorm(input, 'norm', VIT_NORM_EPS) : input);
  const head = (input: TensorId, key: string): TensorId => (config.numClasses > 0 ? layers.linear(input, key) : input);
  if (config.distilled) {
    const cls = norm(token(layers, x, 0, 'cls'));
    const dist = norm(token(layers, x, 1, 'dist'));
    const sum = layers.add(head(cls, 'head'), head(dist, 'head_dist'), 'heads/sum');
    return layers.mul(sum, layers.scalar('heads/half', 0.5), 'heads/average');
  }
  let pooled: TensorId;
  if (config.globalPool === 'token') {
    pooled = norm(token(layers, x, 0, 'cls'));
  } else {
    const normed = norm(x);
    const [, count, dim] = layers.shape(normed) as [number, number, number];
    const start = config.poolIncludePrefix ? 0 : prefixTokens;
    const body = layers.slice(normed, [0, start, 0], [1, count - start, dim], 'pool/body');
    const mean = (): TensorId => layers.mean(body, { axes: [1], keepDims: false, name: 'pool/mean' });
    const max = (): TensorId => layers.reduceMax(body, { axes: [1], keepDims: false, name: 'pool/max' });
    pooled =
      config.globalPool === 'avg'
        ? mean()
        : config.globalPool === 'max'
          ? max()
          : layers.mul(layers.add(mean(), max(), 'pool/avgmax_sum'), layers.scalar('pool/half', 0.5), 'pool/avgmax');
  }
  if (config.finalNorm && config.fcNorm) pooled = layers.layerNorm(pooled, 'fc_norm', VIT_NORM_EPS);
  return head(pooled, 'head');
}

/** The dense model: image input, every block, readout; marks the output. */
export function buildVitGraph(layers: VitLayers, config: VitConfig): { input: TensorId; output: TensorId } {
  checkVitExportable(config);
  const input = layers.graph.input('image', [1, config.imgSize, config.imgSize, config.inChans]);
  let x = vitEmbed(layers, input, config);
  const shape = vitBlockShape(config);
  for (let i = 0; i < config.depth; i += 1) x = layers.block(x, `blocks.${i}`, shape);
  const prefix = (config.classToken ? 1 : 0) + (config.distilled ? 1 : 0) + config.regTokens;
  const output = vitReadout(layers, x, config, prefix);
  layers.graph.markOutput(output);
  return { input, output };
}

/**
 * SPViT on ViT/DeiT in the `topk` inference mode as a static TFLite graph (batch 1): at each
 * selector the k = topkCount(ratio, N) spatial tokens with the highest keep probability survive in
 * their original order, the rest are folded into that selector's package token, and the sequence
 * shrinks to [CLS, kept, package_0 .. package_s]. This is core/spvit/vit/pruned-pass.ts with the
 * host-side decisions turned into operators:
 *   rank    = floor(keep * 2^16 + 0.5)          (topkRankKey: the same key as the studio's topk)
 *   order   = TOPK_V2(rank, W).indices          (all slots, highest first, ties: lower index first)
 *   kept    = ascending sort of order[:k]       (NEG, TOPK_V2, NEG: indices are distinct)
 *   dropped = order[k:]                          (exactly the complement)
 *   package = sum_dropped w_i z_i (/ sum w_i)    (w = keep probability, or 1 for 'mean')
 */
import { StudioError } from '../../shared/errors';
import { TOPK_RANK_SCALE, topkCount } from '../../spvit/decisions';

import { selectorKeepProbability } from './selector-graph';
import { checkVitExportable, vitBlockShape, vitEmbed, vitReadout } from './vit-graph';

import type { PackageMode } from '../../spvit/package-token';
import type { SpvitVisionTransformer } from '../../spvit/vit/spvit-vit';
import type { TensorId } from './graph';
import type { SelectorShape } from './selector-graph';
import type { VitLayers } from './vit-layers';

/** Guards the average's division when every dropped token has probability 0 (the model then gives 0). */
const PACKAGE_WEIGHT_FLOOR = 1e-30;

export interface PruneStageOptions {
  /** Selector index (also the number of package tokens already in x). */
  stage: number;
  /** Spatial tokens currently in x. */
  width: number;
  /** Spatial tokens to keep. */
  keep: number;
  selector: SelectorShape;
  packageMode: PackageMode;
}

function flat(layers: VitLayers, indices: TensorId, name: string): TensorId {
  const shape = layers.shape(indices);
  return layers.reshape(indices, [shape[shape.length - 1] as number], name);
}

/** The package token [1, 1, C] from the dropped slots. */
function packageToken(layers: VitLayers, inputs: { spatial: TensorId; keep: TensorId; dropped: TensorId; mode: PackageMode; key: string }): TensorId {
  const { spatial, keep, dropped, mode, key } = inputs;
  const count = layers.shape(dropped)[0] as number;
  const tokens = layers.gather(spatial, dropped, 1, `${key}/dropped_tokens`);
  const weights =
    mode === 'mean'
      ? layers.graph.constant(`${key}/dropped_ones`, [1, 1, count], new Float32Array(count).fill(1))
      : layers.reshape(layers.gather(keep, dropped, 1, `${key}/dropped_keep`), [1, 1, count], `${key}/dropped_weights`);
  const summed = layers.batchMatMul(weights, tokens, { name: `${key}/package_sum` });
  if (mode === 'sum') return summed;
  const total = layers.sum(weights, { axes: [2], keepDims: true, name: `${key}/package_weight` });
  return layers.div(summed, layers.maximum(total, layers.scalar(`${key}/package_floor`, PACKAGE_WEIGHT_FLOOR), `${key}/package_total`), `${key}/package`);
}

export interface Selection {
  cls: TensorId;
  /** The W spatial tokens [1, W, C] the selector chose from. */
  spatial: TensorId;
  /** Kept slots in ascending order, int32 [k]; null when every slot is kept. */
  kept: TensorId | null;
  /** This selector's package token [1, 1, C]. */
  package: TensorId;
}

/** Scores the candidates of x [1, 1 + W + s, C] and decides: kept slots and the package token. */
export function selectTokens(layers: VitLayers, x: TensorId, options: PruneStageOptions): Selection {
  const { stage, width, keep: kept } = options;
  const key = `selectors.${stage}`;
  const dim = layers.shape(x)[2] as number;
  const candidates = layers.slice(x, [0, 1, 0], [1, width + stage, dim], `${key}/candidates`);
  const probability = selectorKeepProbability(layers, candidates, key, options.selector);
  const keepSpatial = stage === 0 ? probability : layers.slice(probability, [0, 0], [1, width], `${key}/keep_spatial`);
  const spatial = layers.slice(x, [0, 1, 0], [1, width, dim], `${key}/spatial`);
  const cls = layers.slice(x, [0, 0, 0], [1, 1, dim], `${key}/cls`);
  if (kept >= width) {
    // Nothing is dropped: the normalised package of nothing is the zero vector.
    return { cls, spatial, kept: null, package: layers.graph.constant(`${key}/package`, [1, 1, dim], new Float32Array(dim)) };
  }
  const scaled = layers.mul(keepSpatial, layers.scalar(`${key}/rank_scale`, TOPK_RANK_SCALE), `${key}/rank_scaled`);
  const rank = layers.floor(layers.add(scaled, layers.scalar(`${key}/rank_half`, 0.5), `${key}/rank_shifted`), `${key}/rank`);
  const order = layers.topk(rank, width, `${key}/order`).indices;
  const keptSlots = layers.slice(order, [0, 0], [1, kept], `${key}/kept_slots`);
  const dropped = flat(layers, layers.slice(order, [0, kept], [1, width - kept], `${key}/dropped_slots`), `${key}/dropped`);
  const ascending = layers.neg(layers.topk(layers.neg(keptSlots, `${key}/kept_negated`), kept, `${key}/kept_sort`).values, `${key}/kept_sorted`);
  return { cls, spatial, kept: flat(layers, ascending, `${key}/kept`), package: packageToken(layers, { spatial, keep: keepSpatial, dropped, mode: options.packageMode, key }) };
}

/** x [1, 1 + W + s, C] -> [1, 1 + k + s + 1, C]: CLS, kept tokens in order, old packages, the new one. */
export function pruneStage(layers: VitLayers, x: TensorId, options: PruneStageOptions): TensorId {
  const { stage, width } = options;
  const key = `selectors.${stage}`;
  const dim = layers.shape(x)[2] as number;
  const selection = selectTokens(layers, x, options);
  const parts = [selection.cls, selection.kept === null ? selection.spatial : layers.gather(selection.spatial, selection.kept, 1, `${key}/kept_tokens`)];
  if (stage > 0) parts.push(layers.slice(x, [0, 1 + width, 0], [1, stage, dim], `${key}/packages`));
  parts.push(selection.package);
  return layers.concat(parts, 1, `${key}/sequence`);
}

export function spvitSelectorShape(model: SpvitVisionTransformer): SelectorShape {
  const { embedDim, numHeads } = model.backbone.config;
  return { dim: embedDim, heads: numHeads, sharedHeadWeights: model.settings.selector.sharedHeadWeights, normEps: model.settings.selector.normEps };
}

/** Kept spatial tokens after each selector in the topk mode (cumulative, never more than before). */
export function topkKeptCounts(model: SpvitVisionTransformer): number[] {
  let width = model.spatialTokens;
  return model.selectors.map((_, s) => {
    width = Math.min(width, topkCount(model.settings.keepRatios[s] as number, model.spatialTokens));
    return width;
  });
}

/** The whole SPViT model in topk mode: image in, logits out. */
export function buildSpvitVitGraph(layers: VitLayers, model: SpvitVisionTransformer): { input: TensorId; output: TensorId; tokensPerBlock: number[] } {
  const config = model.backbone.config;
  checkVitExportable(config);
  if (config.distilled || config.regTokens > 0 || !config.classToken) {
    throw new StudioError('model/unsupported', 'SPViT export needs a ViT with one class token.', { hint: 'Use a plain VisionTransformer / DeiT backbone.' });
  }
  const input = layers.graph.input('image', [1, config.imgSize, config.imgSize, config.inChans]);
  let x = vitEmbed(layers, input, config);
  const shape = vitBlockShape(config);
  const kept = topkKeptCounts(model);
  const selector = spvitSelectorShape(model);
  const tokensPerBlock: number[] = [];
  let width = model.spatialTokens;
  for (let i = 0; i < config.depth; i += 1) {
    const stage = model.selectorBlocks.indexOf(i);
    if (stage >= 0) {
      const keep = kept[stage] as number;
      x = pruneStage(layers, x, { stage, width, keep, selector, packageMode: model.settings.package.mode });
      width = keep;
    }
    tokensPerBlock.push(layers.shape(x)[1] as number);
    x = layers.block(x, `blocks.${i}`, shape);
  }
  const output = vitReadout(layers, x, config, 1);
  layers.graph.markOutput(output);
  return { input, output, tokensPerBlock };
}

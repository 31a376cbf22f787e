/**
 * One-op-type models for building latency tables on a device: each LUT block type (core/latency
 * lut-schema) at a token count N, with the model's own weights. Definitions (tokens as the LUT
 * counts them):
 *   patch-embed  image -> [1, N, D] tokens (N = prefix + patches; the only valid N)
 *   block        [1, N, D] -> one transformer block
 *   selector     [1, N, D] = [CLS, W = N - 1 spatial] -> keep probabilities, the topk decision
 *                (k = ceil(W / 2)): kept slots and the package token
 *   block-after-selector  [1, N, D] -> gather of the N - 1 kept rows (CLS first), the package
 *                appended (N tokens), then one block: the selector's gather plus its first block
 * so that selector + block-after-selector is exactly one pruning step plus one block.
 *   head         [1, N, D] -> readout (N = 1 for a class-token head)
 * Every micro-model has float inputs only, so benchmark_model can fill them with random data.
 */
import { StudioError } from '../../shared/errors';

import { TfliteGraph } from './graph';
import { selectTokens } from './spvit-graph';
import { vitBlockShape, vitEmbed, vitReadout } from './vit-graph';
import { VitLayers } from './vit-layers';
import { writeTflite } from './write-flatbuffer';

import type { LutBlockType } from '../../latency/lut-schema';
import type { VitConfig } from '../../models/vit/config';
import type { PackageMode } from '../../spvit/package-token';
import type { SelectorShape } from './selector-graph';
import type { WeightTable } from './weights';

export interface MicroModelSource {
  config: VitConfig;
  /** Backbone weights (blocks.0.*, patch_embed.*, norm.*, head.*) and selectors.0.* for the selector. */
  weights: WeightTable;
  selector: SelectorShape | null;
  packageMode: PackageMode;
}

export interface MicroModel {
  blockType: LutBlockType;
  tokens: number;
  bytes: Uint8Array;
  inputs: { name: string; shape: number[] }[];
  operators: number;
}

function prefixTokens(config: VitConfig): number {
  return (config.classToken ? 1 : 0) + (config.distilled ? 1 : 0) + config.regTokens;
}

/** The token counts a block type can be built at: [min, max] (max null = unbounded). */
export function microModelTokenRange(config: VitConfig, blockType: LutBlockType): { min: number; max: number | null } {
  const full = prefixTokens(config) + (config.imgSize / config.patchSize) ** 2;
  switch (blockType) {
    case 'patch-embed':
      return { min: full, max: full };
    case 'block':
    case 'head':
      return { min: 1, max: null };
    case 'selector':
    case 'block-after-selector':
      return { min: 2, max: null };
    case 'downsample':
      return { min: 1, max: 0 };
  }
}

function invalid(blockType: LutBlockType, tokens: number, config: VitConfig): StudioError {
  const range = microModelTokenRange(config, blockType);
  return new StudioError('input/invalid', `A '${blockType}' micro-model cannot have ${tokens} tokens (valid: ${range.max === null ? `${range.min} or more` : range.max < range.min ? 'none for a flat ViT' : `${range.min}..${range.max}`}).`, {
    details: { blockType, tokens },
    hint: 'Pick token counts inside the valid range of each block type.',
  });
}

export function buildMicroModel(source: MicroModelSource, blockType: LutBlockType, tokens: number): MicroModel {
  const { config } = source;
  const range = microModelTokenRange(config, blockType);
  if (!Number.isInteger(tokens) || tokens < range.min || (range.max !== null && tokens > range.max)) throw invalid(blockType, tokens, config);
  const graph = new TfliteGraph();
  const layers = new VitLayers(graph, source.weights);
  const dim = config.embedDim;
  const shape = vitBlockShape(config);
  let output: number;
  if (blockType === 'patch-embed') {
    output = vitEmbed(layers, graph.input('image', [1, config.imgSize, config.imgSize, config.inChans]), config);
  } else {
    const x = graph.input('tokens', [1, tokens, dim]);
    switch (blockType) {
      case 'block':
        output = layers.block(x, 'blocks.0', shape);
        break;
      case 'head':
        output = vitReadout(layers, x, config, Math.min(prefixTokens(config), tokens - 1));
        break;
      case 'block-after-selector': {
        const kept = layers.gather(x, graph.ints('kept_rows', Array.from({ length: tokens - 1 }, (_, i) => i)), 1, 'kept_tokens');
        const pkg = layers.slice(x, [0, tokens - 1, 0], [1, 1, dim], 'package');
        output = layers.block(layers.concat([kept, pkg], 1, 'sequence'), 'blocks.0', shape);
        break;
      }
      case 'selector': {
        if (source.selector === null) throw new StudioError('model/unsupported', 'This model has no token selector to profile.', { hint: 'Profile an SPViT model, or leave out the selector table.' });
        const width = tokens - 1;
        const selection = selectTokens(layers, x, { stage: 0, width, keep: Math.ceil(width / 2), selector: source.selector, packageMode: source.packageMode });
        if (selection.kept !== null) graph.markOutput(selection.kept);
        output = selection.package;
        break;
      }
      default:
        throw invalid(blockType, tokens, config);
    }
  }
  graph.markOutput(output);
  const bytes = writeTflite(graph, `spvit-studio micro-model ${blockType} N=${tokens} dim=${dim}`);
  return { blockType, tokens, bytes, inputs: graph.inputs.map((id) => ({ name: graph.tensor(id).name, shape: graph.shapeOf(id) })), operators: graph.operators.length };
}

/**
 * Parameter and multiply-accumulate (MAC) counts, per block and per model, for the dense model or
 * for given token counts per block (pruned models). Conventions (those of fvcore/ptflops as used in
 * the DeiT, PiT, Swin and SPViT papers): a MAC is one multiply-add of a matMul or convolution;
 * attention's QK^T and AV products count; norms, activations, softmax and additions do not.
 * FLOPs are reported as 2 x MACs where a figure in FLOPs is needed.
 */
import { StudioError } from '../shared/errors';

export interface BlockCost {
  /** e.g. 'blocks.3', 'layers.1.blocks.0', 'transformers.2.blocks.1'. */
  name: string;
  /** Tokens entering the block (after any pruning). */
  tokens: number;
  params: number;
  macs: number;
}

export interface ModelCost {
  params: number;
  macs: number;
  /** Transformer blocks in execution order. */
  blocks: BlockCost[];
  /** Everything that is not a transformer block (embeddings, pooling layers, norms, heads). */
  other: { params: number; macs: number };
}

export interface CostOptions {
  /** Tokens entering each transformer block; defaults to the dense model's. */
  tokensPerBlock?: readonly number[];
}

/** x [tokens, in] x W [in, out] (+ bias). */
export function linearMacs(tokens: number, inFeatures: number, outFeatures: number): number {
  return tokens * inFeatures * outFeatures;
}

export function linearParams(inFeatures: number, outFeatures: number, bias = true): number {
  return inFeatures * outFeatures + (bias ? outFeatures : 0);
}

export function layerNormParams(dim: number): number {
  return 2 * dim;
}

export interface TransformerBlockShape {
  dim: number;
  mlpHidden: number;
  qkvBias: boolean;
  /** Extra parameters beyond the standard block (qk norms, layer scale, relative position tables). */
  extraParams?: number;
}

/** Pre-norm ViT block: qkv, QK^T, AV, proj, fc1, fc2. `keys` is the token count of K/V (defaults to tokens). */
export function transformerBlockMacs(shape: TransformerBlockShape, tokens: number, keys = tokens): number {
  const { dim, mlpHidden } = shape;
  const qkv = linearMacs(tokens, dim, dim) + 2 * linearMacs(keys, dim, dim);
  const mix = 2 * tokens * keys * dim;
  const proj = linearMacs(tokens, dim, dim);
  const mlp = linearMacs(tokens, dim, mlpHidden) + linearMacs(tokens, mlpHidden, dim);
  return qkv + mix + proj + mlp;
}

export function transformerBlockParams(shape: TransformerBlockShape): number {
  const { dim, mlpHidden } = shape;
  return (
    2 * layerNormParams(dim) +
    linearParams(dim, 3 * dim, shape.qkvBias) +
    linearParams(dim, dim) +
    linearParams(dim, mlpHidden) +
    linearParams(mlpHidden, dim) +
    (shape.extraParams ?? 0)
  );
}

/** Sums blocks and the rest into a ModelCost. */
export function totalCost(blocks: BlockCost[], other: { params: number; macs: number }): ModelCost {
  return {
    params: blocks.reduce((sum, block) => sum + block.params, other.params),
    macs: blocks.reduce((sum, block) => sum + block.macs, other.macs),
    blocks,
    other,
  };
}

/** The token list to use: the given one (checked against the block count) or the dense one. */
export function resolveTokens(dense: readonly number[], options: CostOptions | undefined, what: string): number[] {
  const given = options?.tokensPerBlock;
  if (given === undefined) return [...dense];
  if (given.length !== dense.length || !given.every((count) => Number.isInteger(count) && count > 0)) {
    throw new StudioError('input/invalid', `${what} has ${dense.length} blocks; got ${given.length} token counts (${given.join(', ')}).`, {
      hint: 'Give one positive token count per transformer block.',
    });
  }
  return [...given];
}

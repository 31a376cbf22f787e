/**
 * One PiT stage (timm `Transformer`, key `transformers.<i>`): pooling at entry for i > 0, then ViT
 * blocks on [class tokens, flattened grid]. The pieces are public so token-pruning code can run
 * entry -> per-block calls on [B, N, C] -> read or rewrite the grid between blocks.
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../../shared/errors';
import { TransformerBlock } from '../../tensor/block';
import { joinKey } from '../../tensor/parameters';

import { PitPooling, poolingOutputSize } from './pooling';

import type { BlockForwardOptions } from '../../tensor/block';
import type { ParameterEntry, ParameterOwner } from '../../tensor/parameters';
import type { Size2 } from './config';

/** timm's PiT blocks and final norm use LayerNorm eps 1e-6. */
export const PIT_NORM_EPS = 1e-6;
/** Pooling stride between stages (timm hard-codes 2). */
export const PIT_POOL_STRIDE = 2;

/**
 * The state passed between stages: the feature grid and the class (and distillation) tokens.
 * A type alias so tf.tidy can return it.
 */
export type PitFeatures = {
  /** [B, H, W, C], NHWC. */
  grid: tf.Tensor4D;
  /** [B, T, C], T = 1, or 2 with a distillation token. */
  classTokens: tf.Tensor3D;
};

export interface PitStageArgs {
  /** timm key prefix, e.g. 'transformers.1'. */
  key: string;
  inDim: number;
  /** base_dim * heads. */
  dim: number;
  depth: number;
  heads: number;
  mlpRatio: number;
  /** The grid before this stage's pooling (the patch grid for stage 0). */
  inputResolution: Size2;
  /** Stage 0 has no pooling. */
  pool: boolean;
  seed: number;
}

export class PitStage implements ParameterOwner {
  static readonly className = 'PitStage';
  readonly pool: PitPooling | null;
  readonly blocks: TransformerBlock[];
  /** The grid [H, W] the blocks see. */
  readonly resolution: Size2;
  readonly dim: number;

  constructor(args: PitStageArgs) {
    const { key, seed } = args;
    this.dim = args.dim;
    this.pool = args.pool ? new PitPooling({ key: joinKey(key, 'pool'), inDim: args.inDim, outDim: args.dim, stride: PIT_POOL_STRIDE, seed }) : null;
    const [h, w] = args.inputResolution;
    this.resolution = args.pool ? [poolingOutputSize(h, PIT_POOL_STRIDE), poolingOutputSize(w, PIT_POOL_STRIDE)] : [h, w];
    if (this.resolution[0] < 1 || this.resolution[1] < 1) {
      throw new StudioError('model/invalid-config', `PiT stage ${key} pools a ${h}x${w} grid to nothing.`, { hint: 'Use fewer stages or a larger img_size.' });
    }
    this.blocks = Array.from(
      { length: args.depth },
      (_, j) =>
        new TransformerBlock({ key: joinKey(key, `blocks.${j}`), dim: args.dim, numHeads: args.heads, mlpRatio: args.mlpRatio, qkvBias: true, normEps: PIT_NORM_EPS, seed }),
    );
  }

  /** Stage entry: pooling of grid and tokens (copies for stage 0). Caller owns the result. */
  enter(features: PitFeatures): PitFeatures {
    if (this.pool === null) return { grid: tf.clone(features.grid), classTokens: tf.clone(features.classTokens) };
    return { grid: this.pool.poolGrid(features.grid), classTokens: this.pool.poolTokens(features.classTokens) };
  }

  /** [class tokens, grid row-major] -> [B, T + H*W, C]. Caller owns the result. */
  toSequence(features: PitFeatures): tf.Tensor3D {
    const [batch, h, w, channels] = features.grid.shape;
    return tf.tidy(() => tf.concat([features.classTokens, tf.reshape(features.grid, [batch, h * w, channels])], 1) as tf.Tensor3D);
  }

  /** Splits [B, T + H*W, C] back into class tokens and the grid. Caller owns the result. */
  fromSequence(sequence: tf.Tensor3D, classTokenCount: number): PitFeatures {
    const [batch, length, channels] = sequence.shape;
    const [h, w] = this.resolution;
    if (length !== classTokenCount + h * w) {
      throw new StudioError('internal/bug', `PiT stage expects ${classTokenCount} + ${h}x${w} tokens, got ${length}.`);
    }
    return tf.tidy(() => ({
      classTokens: tf.slice(sequence, [0, 0, 0], [batch, classTokenCount, channels]) as tf.Tensor3D,
      grid: tf.reshape(tf.slice(sequence, [0, classTokenCount, 0], [batch, h * w, channels]), [batch, h, w, channels]) as tf.Tensor4D,
    }));
  }

  /** Runs block j on a token sequence [B, N, C] (any N: blocks are token-count agnostic). */
  applyBlock(index: number, sequence: tf.Tensor3D, options: BlockForwardOptions = {}): tf.Tensor3D {
    const block = this.blocks[index];
    if (block === undefined) throw new StudioError('internal/bug', `PiT stage has ${this.blocks.length} blocks, no block ${index}.`);
    return block.apply(sequence, options);
  }

  /** entry + every block. Caller owns the result. */
  apply(features: PitFeatures, options: BlockForwardOptions = {}): PitFeatures {
    const classTokenCount = features.classTokens.shape[1];
    return tf.tidy(() => {
      const entered = this.enter(features);
      let sequence = this.toSequence(entered);
      for (let j = 0; j < this.blocks.length; j++) sequence = this.applyBlock(j, sequence, options);
      return this.fromSequence(sequence, classTokenCount);
    });
  }

  parameters(): ParameterEntry[] {
    return [...(this.pool?.parameters() ?? []), ...this.blocks.flatMap((block) => block.parameters())];
  }
}

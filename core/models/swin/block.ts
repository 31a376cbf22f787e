/**
 * One Swin block (timm `SwinTransformerBlock`): x + WindowAttention(norm1(x)) with the cyclic shift,
 * padding and window partition around it, then x + Mlp(norm2(x)). Works on tokens [B, H*W, C] of
 * the stage's full grid, so callers can read and write the grid between blocks.
 */
import * as tf from '@tensorflow/tfjs-core';

import { LayerNorm } from '../../tensor/layer-norm';
import { Mlp } from '../../tensor/mlp';
import { joinKey } from '../../tensor/parameters';
import { StudioError } from '../../shared/errors';

import { WindowAttention } from './window-attention';
import { cropTopLeft, padBottomRight, roll2d, windowPartition, windowReverse } from './window-ops';

import type { SoftmaxFn } from '../../tensor/activations';
import type { ParameterEntry, ParameterOwner } from '../../tensor/parameters';
import type { Size2, WindowGeometry } from './geometry';
import type { RelativePositionLookup } from './window-attention';

/** torch.nn.LayerNorm's default, which timm's Swin uses everywhere. */
export const SWIN_NORM_EPS = 1e-5;

export interface SwinBlockArgs {
  /** timm key prefix, e.g. 'layers.1.blocks.0'. */
  key: string;
  dim: number;
  numHeads: number;
  mlpRatio: number;
  qkvBias: boolean;
  /** The stage's grid. */
  resolution: Size2;
  geometry: WindowGeometry;
  lookup: RelativePositionLookup;
  /** Shifted-window mask [windows, N, N] owned by the stage, or null for a block without shift. */
  mask: tf.Tensor3D | null;
  seed: number;
}

export interface SwinBlockOptions {
  /** Replaces the attention softmax (e.g. SPViT's masked attention), logits [B*windows, heads, N, N]. */
  softmax?: SoftmaxFn;
}

export class SwinBlock implements ParameterOwner {
  static readonly className = 'SwinBlock';
  readonly norm1: LayerNorm;
  readonly attn: WindowAttention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;
  readonly resolution: Size2;
  readonly geometry: WindowGeometry;
  /** The shifted-window mask (owned by the stage), readable so SPViT can add package keys to the windows. */
  readonly mask: tf.Tensor3D | null;

  constructor(args: SwinBlockArgs) {
    const hasShift = args.geometry.shift[0] !== 0 || args.geometry.shift[1] !== 0;
    if (hasShift !== (args.mask !== null)) {
      throw new StudioError('internal/bug', `Swin block ${args.key}: the shift mask does not match the shift.`);
    }
    this.resolution = args.resolution;
    this.geometry = args.geometry;
    this.mask = args.mask;
    this.norm1 = new LayerNorm({ key: joinKey(args.key, 'norm1'), dim: args.dim, eps: SWIN_NORM_EPS, seed: args.seed });
    this.attn = new WindowAttention({
      key: joinKey(args.key, 'attn'),
      dim: args.dim,
      numHeads: args.numHeads,
      qkvBias: args.qkvBias,
      lookup: args.lookup,
      seed: args.seed,
    });
    this.norm2 = new LayerNorm({ key: joinKey(args.key, 'norm2'), dim: args.dim, eps: SWIN_NORM_EPS, seed: args.seed });
    this.mlp = new Mlp({ key: joinKey(args.key, 'mlp'), inFeatures: args.dim, hiddenFeatures: Math.floor(args.dim * args.mlpRatio), seed: args.seed });
  }

  /**
   * Any per-position tensor [B, H, W, K] laid out as this block's attention sees it: cyclic shift,
   * zero padding, windows -> [B * windows, N, K]. Lets callers align e.g. a token keep mask with
   * the logits [B * windows, heads, N, N] that a custom softmax receives. Caller owns the result.
   */
  toWindows(grid: tf.Tensor4D): tf.Tensor3D {
    const { window, shift, padded } = this.geometry;
    const hasShift = shift[0] !== 0 || shift[1] !== 0;
    return tf.tidy(() => windowPartition(padBottomRight(hasShift ? roll2d(grid, [-shift[0], -shift[1]]) : grid, padded), window));
  }

  /** Inverse of toWindows: [B * windows, N, K] -> [B, H, W, K]. Caller owns the result. */
  fromWindows(windows: tf.Tensor3D): tf.Tensor4D {
    const { window, shift, padded } = this.geometry;
    const hasShift = shift[0] !== 0 || shift[1] !== 0;
    return tf.tidy(() => {
      const restored = cropTopLeft(windowReverse(windows, window, padded), this.resolution);
      return hasShift ? roll2d(restored, shift) : restored;
    });
  }

  /** Shifted-window attention on a normalised grid [B, H, W, C] -> [B, H, W, C]. Caller owns the result. */
  attendGrid(grid: tf.Tensor4D, options: SwinBlockOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      const attended = this.attn.apply(this.toWindows(grid), { mask: this.mask, ...(options.softmax ? { softmax: options.softmax } : {}) });
      return this.fromWindows(attended);
    });
  }

  /** tokens [B, H*W, C] (row-major grid) -> [B, H*W, C]. Caller owns the result. */
  apply(tokens: tf.Tensor3D, options: SwinBlockOptions = {}): tf.Tensor3D {
    const [batch, length, channels] = tokens.shape;
    const [h, w] = this.resolution;
    if (length !== h * w) {
      throw new StudioError('internal/bug', `Swin block expects ${h}x${w} = ${h * w} tokens, got ${length}.`);
    }
    return tf.tidy(() => {
      const grid = tf.reshape(this.norm1.apply(tokens), [batch, h, w, channels]) as tf.Tensor4D;
      const attended = tf.reshape(this.attendGrid(grid, options), [batch, length, channels]);
      const x = tf.add(tokens, attended);
      return tf.add(x, this.mlp.apply(this.norm2.apply(x))) as tf.Tensor3D;
    });
  }

  parameters(): ParameterEntry[] {
    return [...this.norm1.parameters(), ...this.attn.parameters(), ...this.norm2.parameters(), ...this.mlp.parameters()];
  }
}

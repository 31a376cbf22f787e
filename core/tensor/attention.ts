/**
 * timm's Attention: one fused qkv projection, scaled dot-product attention per head, output
 * projection. The steps are separate methods so token-pruning code can reach the logits and swap
 * the softmax (masked attention) without copying the layer.
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../shared/errors';

import { softmax as plainSoftmax } from './activations';
import { LayerNorm } from './layer-norm';
import { Linear } from './linear';
import { matMul } from './mat-mul';
import { joinKey } from './parameters';
import { takeAxis } from './slice-axis';

import type { SoftmaxFn } from './activations';
import type { ParameterEntry, ParameterOwner } from './parameters';

export interface AttentionArgs {
  /** timm key prefix, e.g. 'blocks.0.attn'. */
  key: string;
  dim: number;
  numHeads: number;
  /** timm's qkv_bias (true for ViT/DeiT). */
  qkvBias: boolean;
  /** timm's qk_norm: LayerNorm over head_dim on q and k (`q_norm`, `k_norm`). */
  qkNorm?: boolean;
  /** timm's proj_bias; defaults to true. */
  projBias?: boolean;
  /** Epsilon of the q/k norms. */
  normEps?: number;
  seed: number;
}

/** q and v are [B, H, N, headDim]; kT is k transposed to [B, H, headDim, N]. q is already scaled. */
export interface QkvHeads {
  q: tf.Tensor4D;
  kT: tf.Tensor4D;
  v: tf.Tensor4D;
}

export interface AttentionForwardOptions {
  /** Replaces softmax over the last axis of the logits [B, H, N, N] (masked attention). */
  softmax?: SoftmaxFn;
}

export class Attention implements ParameterOwner {
  static readonly className = 'Attention';
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly qNorm: LayerNorm | null;
  readonly kNorm: LayerNorm | null;
  readonly dim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly scale: number;

  constructor(args: AttentionArgs) {
    if (args.dim % args.numHeads !== 0) {
      throw new StudioError('model/invalid-config', `Attention dim ${args.dim} is not divisible by ${args.numHeads} heads.`, {
        hint: 'Pick embed_dim as a multiple of num_heads.',
      });
    }
    this.dim = args.dim;
    this.numHeads = args.numHeads;
    this.headDim = args.dim / args.numHeads;
    this.scale = this.headDim ** -0.5;
    this.qkv = new Linear({ key: joinKey(args.key, 'qkv'), inFeatures: args.dim, outFeatures: 3 * args.dim, useBias: args.qkvBias, seed: args.seed });
    this.proj = new Linear({ key: joinKey(args.key, 'proj'), inFeatures: args.dim, outFeatures: args.dim, useBias: args.projBias ?? true, seed: args.seed });
    const eps = args.normEps ?? 1e-6;
    this.qNorm = args.qkNorm === true ? new LayerNorm({ key: joinKey(args.key, 'q_norm'), dim: this.headDim, eps, seed: args.seed }) : null;
    this.kNorm = args.qkNorm === true ? new LayerNorm({ key: joinKey(args.key, 'k_norm'), dim: this.headDim, eps, seed: args.seed }) : null;
  }

  /** x [B, N, D] -> per-head q (scaled), kT, v. Caller owns the three tensors. */
  projectQkv(x: tf.Tensor): QkvHeads {
    const [batch, tokens] = x.shape as [number, number, number];
    return tf.tidy(() => {
      const qkv = tf.reshape(this.qkv.apply(x), [batch, tokens, 3, this.numHeads, this.headDim]);
      let q = takeAxis(qkv, 2, 0);
      let k = takeAxis(qkv, 2, 1);
      if (this.qNorm !== null && this.kNorm !== null) {
        q = this.qNorm.apply(q);
        k = this.kNorm.apply(k);
      }
      return {
        q: tf.transpose(tf.mul(q, this.scale), [0, 2, 1, 3]) as tf.Tensor4D,
        kT: tf.transpose(k, [0, 2, 3, 1]) as tf.Tensor4D,
        v: tf.transpose(takeAxis(qkv, 2, 2), [0, 2, 1, 3]) as tf.Tensor4D,
      };
    });
  }

  /** Attention logits q k^T / sqrt(d): [B, H, N, N]. Caller owns the result. */
  logits(heads: Pick<QkvHeads, 'q' | 'kT'>): tf.Tensor4D {
    return matMul(heads.q, heads.kT) as tf.Tensor4D;
  }

  /** weights [B, H, N, N] x v -> heads merged back to [B, N, D]. Caller owns the result. */
  mixValues(weights: tf.Tensor, v: tf.Tensor): tf.Tensor3D {
    const [batch, , tokens] = weights.shape as [number, number, number, number];
    return tf.tidy(() => tf.reshape(tf.transpose(matMul(weights, v), [0, 2, 1, 3]), [batch, tokens, this.dim]) as tf.Tensor3D);
  }

  /** x [B, N, D] -> [B, N, D]. Caller owns the result. */
  apply(x: tf.Tensor, options: AttentionForwardOptions = {}): tf.Tensor3D {
    const normalise = options.softmax ?? plainSoftmax;
    return tf.tidy(() => {
      const heads = this.projectQkv(x);
      const weights = normalise(this.logits(heads));
      return this.proj.apply(this.mixValues(weights, heads.v)) as tf.Tensor3D;
    });
  }

  parameters(): ParameterEntry[] {
    return [
      ...this.qkv.parameters(),
      ...(this.qNorm?.parameters() ?? []),
      ...(this.kNorm?.parameters() ?? []),
      ...this.proj.parameters(),
    ];
  }
}

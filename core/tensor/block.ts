/** timm's pre-norm transformer Block: x + ls1(attn(norm1(x))), then x + ls2(mlp(norm2(x))). */
import * as tf from '@tensorflow/tfjs-core';

import { Attention } from './attention';
import { LayerNorm } from './layer-norm';
import { Mlp } from './mlp';
import { createParameter, joinKey } from './parameters';

import type { AttentionForwardOptions } from './attention';
import type { ParameterEntry, ParameterOwner } from './parameters';

export interface TransformerBlockArgs {
  /** timm key prefix, e.g. 'blocks.3'. */
  key: string;
  dim: number;
  numHeads: number;
  /** Hidden width of the MLP is floor(dim * mlpRatio), as in timm. */
  mlpRatio: number;
  qkvBias: boolean;
  qkNorm?: boolean;
  projBias?: boolean;
  /** timm's init_values: enables LayerScale (`ls1.gamma`, `ls2.gamma`) when set. */
  layerScaleInit?: number | null;
  /** LayerNorm epsilon; timm's ViT uses 1e-6. */
  normEps: number;
  seed: number;
}

export type BlockForwardOptions = AttentionForwardOptions;

export class TransformerBlock implements ParameterOwner {
  static readonly className = 'TransformerBlock';
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;
  readonly ls1: ParameterEntry | null;
  readonly ls2: ParameterEntry | null;
  readonly dim: number;
  readonly mlpHidden: number;

  constructor(args: TransformerBlockArgs) {
    const { key, dim, seed } = args;
    this.dim = dim;
    this.mlpHidden = Math.floor(dim * args.mlpRatio);
    this.norm1 = new LayerNorm({ key: joinKey(key, 'norm1'), dim, eps: args.normEps, seed });
    this.attn = new Attention({
      key: joinKey(key, 'attn'),
      dim,
      numHeads: args.numHeads,
      qkvBias: args.qkvBias,
      qkNorm: args.qkNorm ?? false,
      projBias: args.projBias ?? true,
      normEps: args.normEps,
      seed,
    });
    this.norm2 = new LayerNorm({ key: joinKey(key, 'norm2'), dim, eps: args.normEps, seed });
    this.mlp = new Mlp({ key: joinKey(key, 'mlp'), inFeatures: dim, hiddenFeatures: this.mlpHidden, useBias: args.projBias ?? true, seed });
    const scale = args.layerScaleInit;
    const makeScale = (name: string): ParameterEntry | null =>
      scale === undefined || scale === null || scale === 0
        ? null
        : createParameter({ key: joinKey(key, `${name}.gamma`), timmShape: [dim], init: { kind: 'constant', value: scale }, seed });
    this.ls1 = makeScale('ls1');
    this.ls2 = makeScale('ls2');
  }

  /** The attention branch alone (norm1, attention, layer scale), for code that mixes its own residuals. */
  attentionBranch(x: tf.Tensor, options: BlockForwardOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const y = this.attn.apply(this.norm1.apply(x), options);
      return this.ls1 === null ? y : tf.mul(y, this.ls1.variable);
    });
  }

  mlpBranch(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const y = this.mlp.apply(this.norm2.apply(x));
      return this.ls2 === null ? y : tf.mul(y, this.ls2.variable);
    });
  }

  /** x [B, N, D] -> [B, N, D]. Caller owns the result. */
  apply(x: tf.Tensor, options: BlockForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const afterAttention = tf.add(x, this.attentionBranch(x, options));
      return tf.add(afterAttention, this.mlpBranch(afterAttention)) as tf.Tensor3D;
    });
  }

  parameters(): ParameterEntry[] {
    return [
      ...this.norm1.parameters(),
      ...this.attn.parameters(),
      ...(this.ls1 === null ? [] : [this.ls1]),
      ...this.norm2.parameters(),
      ...this.mlp.parameters(),
      ...(this.ls2 === null ? [] : [this.ls2]),
    ];
  }
}

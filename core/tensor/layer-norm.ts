/**
 * LayerNorm over the last axis with a hand-written gradient (fewer ops on the tape than autodiff). On
 * the wasm backend (float32) it is one kernel forward and one backward (wasm/layer-norm-kernel.ts)
 * instead of ~9 and ~15 stock ops; elsewhere, the stock ops.
 */
import * as tf from '@tensorflow/tfjs-core';

import { createParameter, joinKey } from './parameters';
import { canRunLayerNorm, runLayerNorm, runLayerNormGrad } from './wasm/layer-norm-kernel';

import type { GradSaveFunc } from '@tensorflow/tfjs-core';
import type { ParameterEntry, ParameterOwner } from './parameters';

function normalise(x: tf.Tensor, eps: number): { xhat: tf.Tensor; rstd: tf.Tensor } {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  const rstd = tf.rsqrt(tf.add(variance, eps));
  return { xhat: tf.mul(centred, rstd), rstd };
}

function layerNormOp(eps: number) {
  return tf.customGrad((x, gamma, beta, save) => {
    const input = x as tf.Tensor;
    const { xhat, rstd } = normalise(input, eps);
    (save as GradSaveFunc)([xhat, rstd, gamma as tf.Tensor]);
    return {
      value: tf.add(tf.mul(xhat, gamma as tf.Tensor), beta as tf.Tensor),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxhat, srstd, sgamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const rowAxes = [...Array(dy.rank - 1).keys()];
        const g = tf.mul(dy, sgamma);
        const meanG = tf.mean(g, -1, true);
        const meanGX = tf.mean(tf.mul(g, sxhat), -1, true);
        const dx = tf.mul(srstd, tf.sub(tf.sub(g, meanG), tf.mul(sxhat, meanGX)));
        return [dx, tf.sum(tf.mul(dy, sxhat), rowAxes), tf.sum(dy, rowAxes)];
      },
    };
  });
}

/** The same function on the wasm backend: one kernel each way (wasm/layer-norm-kernel.ts). */
function fusedLayerNormOp(eps: number) {
  return tf.customGrad((x, gamma, beta, save) => {
    const [y, mean, rstd] = runLayerNorm(x as tf.Tensor, gamma as tf.Tensor, beta as tf.Tensor, eps);
    (save as GradSaveFunc)([x as tf.Tensor, mean, rstd, gamma as tf.Tensor]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, smean, srstd, sgamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return runLayerNormGrad(dy, { x: sx, mean: smean, rstd: srstd, gamma: sgamma });
      },
    };
  });
}

/** (x - mean) / sqrt(var + eps) * gamma + beta over the last axis. Caller owns the result. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  if (canRunLayerNorm(x, gamma, beta)) return fusedLayerNormOp(eps)(x, gamma, beta);
  return layerNormOp(eps)(x, gamma, beta);
}

export interface LayerNormArgs {
  /** timm key prefix, e.g. 'blocks.0.norm1' (parameters are `<prefix>.weight` and `<prefix>.bias`). */
  key: string;
  /** Size of the last axis. */
  dim: number;
  /** timm's ViT family uses 1e-6; torch's default is 1e-5. */
  eps: number;
  seed: number;
}

export class LayerNorm implements ParameterOwner {
  static readonly className = 'LayerNorm';
  readonly weight: ParameterEntry;
  readonly bias: ParameterEntry;
  readonly eps: number;

  constructor(args: LayerNormArgs) {
    this.eps = args.eps;
    this.weight = createParameter({ key: joinKey(args.key, 'weight'), timmShape: [args.dim], init: { kind: 'ones' }, seed: args.seed });
    this.bias = createParameter({ key: joinKey(args.key, 'bias'), timmShape: [args.dim], init: { kind: 'zeros' }, seed: args.seed });
  }

  apply(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.weight.variable, this.bias.variable, this.eps);
  }

  parameters(): ParameterEntry[] {
    return [this.weight, this.bias];
  }
}

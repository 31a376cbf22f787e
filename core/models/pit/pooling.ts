/**
 * PiT's pooling layer between stages (timm `Pooling`): a depthwise convolution (groups = in
 * channels, kernel s+1, padding s//2, stride s, channel multiplier out/in) on the grid, and a Linear
 * on the class tokens. The convolution is written as k*k strided taps (pad, reshape into s x s cells,
 * slice one phase) times a per-channel weight, so it has gradients on every backend.
 * Parameters: `<key>.conv.weight` [out, 1, k, k], `<key>.conv.bias` [out], `<key>.fc.{weight,bias}`.
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../../shared/errors';
import { Linear } from '../../tensor/linear';
import { createParameter, joinKey } from '../../tensor/parameters';

import type { ParameterEntry, ParameterOwner } from '../../tensor/parameters';
import type { Size2 } from './config';

/** Output size of the pooling conv: floor((size + 2p - k) / s) + 1 with k = s + 1, p = s // 2. */
export function poolingOutputSize(size: number, stride: number): number {
  return Math.floor((size + 2 * Math.floor(stride / 2) - (stride + 1)) / stride) + 1;
}

export interface DepthwiseConvOptions {
  kernelSize: number;
  stride: number;
  padding: number;
}

/**
 * Depthwise conv of an NHWC grid whose channels are already expanded to the output channels
 * (output channel o reads input channel o // multiplier). weight [k*k, O] (tap-major), bias [O].
 */
export function depthwiseConv(grid: tf.Tensor4D, weight: tf.Tensor2D, bias: tf.Tensor1D, options: DepthwiseConvOptions): tf.Tensor4D {
  const { kernelSize: k, stride: s, padding: p } = options;
  const [batch, h, w, channels] = grid.shape;
  const out: Size2 = [Math.floor((h + 2 * p - k) / s) + 1, Math.floor((w + 2 * p - k) / s) + 1];
  // Cells of s rows: tap ky of output i reads padded row ky + s*i = s*(i + floor(ky/s)) + ky % s.
  const cells: Size2 = [out[0] + Math.floor((k - 1) / s), out[1] + Math.floor((k - 1) / s)];
  return tf.tidy(() => {
    const bottom = cells[0] * s - h - p;
    const right = cells[1] * s - w - p;
    let padded: tf.Tensor = tf.pad(grid, [[0, 0], [p, Math.max(0, bottom)], [p, Math.max(0, right)], [0, 0]]);
    if (bottom < 0 || right < 0) padded = tf.slice(padded, [0, 0, 0, 0], [batch, cells[0] * s, cells[1] * s, channels]);
    // [B*cellsY, s(row phase), cellsX, s*C (column phase, channel)]: rank 4, as wasm slices fast.
    const phases = tf.reshape(padded, [batch * cells[0], s, cells[1], s * channels]);
    const taps: tf.Tensor[] = [];
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        const phase = tf.reshape(tf.slice(phases, [0, ky % s, 0, (kx % s) * channels], [batch * cells[0], 1, cells[1], channels]), [batch, cells[0], cells[1], channels]);
        const tap = tf.slice(phase, [0, Math.floor(ky / s), Math.floor(kx / s), 0], [batch, out[0], out[1], channels]);
        taps.push(tf.mul(tap, tf.reshape(tf.slice(weight, [ky * k + kx, 0], [1, channels]), [channels])));
      }
    }
    return tf.add(tf.addN(taps), bias) as tf.Tensor4D;
  });
}

export interface PitPoolingArgs {
  /** timm key prefix, e.g. 'transformers.1.pool'. */
  key: string;
  inDim: number;
  outDim: number;
  /** timm uses 2. */
  stride: number;
  seed: number;
}

export class PitPooling implements ParameterOwner {
  static readonly className = 'PitPooling';
  /** Stored [k*k, out] (timm's [out, 1, k, k] flattened and transposed). */
  readonly convWeight: ParameterEntry;
  readonly convBias: ParameterEntry;
  readonly fc: Linear;
  readonly inDim: number;
  readonly outDim: number;
  readonly stride: number;
  readonly kernelSize: number;

  constructor(args: PitPoolingArgs) {
    if (args.outDim % args.inDim !== 0) {
      throw new StudioError('model/invalid-config', `PiT pooling from ${args.inDim} to ${args.outDim} channels: a grouped conv needs out divisible by in.`, {
        hint: 'Make base_dims[i+1] * heads[i+1] a multiple of base_dims[i] * heads[i].',
      });
    }
    this.inDim = args.inDim;
    this.outDim = args.outDim;
    this.stride = args.stride;
    this.kernelSize = args.stride + 1;
    const k = this.kernelSize;
    const limit = 1 / Math.sqrt(k * k);
    this.convWeight = createParameter({
      key: joinKey(args.key, 'conv.weight'),
      timmShape: [args.outDim, 1, k, k],
      layout: 'out-first',
      init: { kind: 'uniform', limit },
      seed: args.seed,
    });
    this.convBias = createParameter({ key: joinKey(args.key, 'conv.bias'), timmShape: [args.outDim], init: { kind: 'uniform', limit }, seed: args.seed });
    this.fc = new Linear({ key: joinKey(args.key, 'fc'), inFeatures: args.inDim, outFeatures: args.outDim, useBias: true, seed: args.seed });
  }

  /** Grid [B, H, W, in] -> [B, H', W', out]. Caller owns the result. */
  poolGrid(grid: tf.Tensor4D): tf.Tensor4D {
    const [batch, h, w] = grid.shape;
    const multiplier = this.outDim / this.inDim;
    return tf.tidy(() => {
      // Repeat each input channel `multiplier` times by broadcasting (tile's gradient stops at rank 4).
      const expanded =
        multiplier === 1
          ? grid
          : tf.reshape(tf.mul(tf.reshape(grid, [batch, h, w, this.inDim, 1]), tf.ones([multiplier])), [batch, h, w, this.outDim]);
      return depthwiseConv(expanded as tf.Tensor4D, this.convWeight.variable as tf.Tensor2D, this.convBias.variable as tf.Tensor1D, {
        kernelSize: this.kernelSize,
        stride: this.stride,
        padding: Math.floor(this.stride / 2),
      });
    });
  }

  /** Class tokens [B, T, in] -> [B, T, out]. Caller owns the result. */
  poolTokens(tokens: tf.Tensor3D): tf.Tensor3D {
    return this.fc.apply(tokens) as tf.Tensor3D;
  }

  parameters(): ParameterEntry[] {
    return [this.convWeight, this.convBias, ...this.fc.parameters()];
  }
}

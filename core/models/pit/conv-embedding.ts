/**
 * PiT's overlapping patch embedding (timm `ConvEmbedding`: a k x k convolution with stride s,
 * padding 0) as patchify + one matMul, because the wasm backend has no Conv2DBackpropFilter kernel.
 *
 * The kernel is zero-padded to m*s (m = ceil(k/s)) so it covers m x m non-overlapping s x s cells;
 * output (i, j) then reads cells (i + a, j + b), a, b < m, of the image cut into s x s cells. The
 * m*m shifted cell grids are concatenated along channels and multiplied by the rearranged kernel.
 * (With m = 1 and k = s this is plain patchify; it also covers k < s and k not a multiple of s.)
 * Parameters keep timm's names and shapes: `<key>.weight` [D, C, kh, kw], `<key>.bias` [D].
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../../shared/errors';
import { linear } from '../../tensor/mat-mul';
import { createParameter, joinKey } from '../../tensor/parameters';

import type { ParameterEntry, ParameterOwner } from '../../tensor/parameters';
import type { Size2 } from './config';

/** Output size of a convolution without padding: floor((size - kernel) / stride) + 1. */
export function convOutputSize(size: number, kernel: number, stride: number): number {
  return Math.floor((size - kernel) / stride) + 1;
}

export interface ConvEmbeddingArgs {
  /** timm key prefix of the conv, e.g. 'patch_embed.conv'. */
  key: string;
  imgSize: Size2;
  inChans: number;
  outChans: number;
  kernel: Size2;
  stride: number;
  seed: number;
}

export class ConvEmbedding implements ParameterOwner {
  static readonly className = 'ConvEmbedding';
  /** Stored [C kh kw, D] (timm's [D, C, kh, kw] flattened and transposed). */
  readonly weight: ParameterEntry;
  readonly bias: ParameterEntry;
  readonly imgSize: Size2;
  readonly inChans: number;
  readonly outChans: number;
  readonly kernel: Size2;
  readonly stride: number;
  /** Output grid [Ho, Wo]. */
  readonly gridSize: Size2;
  /** Cells per kernel side: ceil(k / s). */
  private readonly cells: Size2;

  constructor(args: ConvEmbeddingArgs) {
    const { imgSize, kernel, stride } = args;
    this.gridSize = [convOutputSize(imgSize[0], kernel[0], stride), convOutputSize(imgSize[1], kernel[1], stride)];
    if (this.gridSize[0] < 1 || this.gridSize[1] < 1 || stride < 1) {
      throw new StudioError('model/invalid-config', `A ${kernel[0]}x${kernel[1]} patch with stride ${stride} does not fit a ${imgSize[0]}x${imgSize[1]} image.`, {
        hint: 'Use an img_size at least patch_size, and a positive stride.',
      });
    }
    this.imgSize = imgSize;
    this.inChans = args.inChans;
    this.outChans = args.outChans;
    this.kernel = kernel;
    this.stride = stride;
    this.cells = [Math.ceil(kernel[0] / stride), Math.ceil(kernel[1] / stride)];
    // torch's default Conv2d init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
    const limit = 1 / Math.sqrt(args.inChans * kernel[0] * kernel[1]);
    this.weight = createParameter({
      key: joinKey(args.key, 'weight'),
      timmShape: [args.outChans, args.inChans, kernel[0], kernel[1]],
      layout: 'out-first',
      init: { kind: 'uniform', limit },
      seed: args.seed,
    });
    this.bias = createParameter({ key: joinKey(args.key, 'bias'), timmShape: [args.outChans], init: { kind: 'uniform', limit }, seed: args.seed });
  }

  /** The kernel as [m*m*s*s*C, D], rows in (a, b, row-in-cell, column-in-cell, channel) order. */
  private cellKernel(): tf.Tensor2D {
    const [kh, kw] = this.kernel;
    const [my, mx] = this.cells;
    const s = this.stride;
    const c = this.inChans;
    return tf.tidy(() => {
      const full = tf.reshape(this.weight.variable, [c, kh, kw, this.outChans]);
      const padded = tf.pad(full, [[0, 0], [0, my * s - kh], [0, mx * s - kw], [0, 0]]);
      const split = tf.reshape(padded, [c, my, s, mx, s, this.outChans]);
      return tf.reshape(tf.transpose(split, [1, 3, 2, 4, 0, 5]), [my * mx * s * s * c, this.outChans]) as tf.Tensor2D;
    });
  }

  /** NCHW images -> NHWC, cropped or zero-padded at the bottom/right to exactly (grid - 1 + m) * s. */
  private fitToCells(x: tf.Tensor4D): tf.Tensor4D {
    const s = this.stride;
    const need: Size2 = [(this.gridSize[0] - 1 + this.cells[0]) * s, (this.gridSize[1] - 1 + this.cells[1]) * s];
    const [batch, channels, h, w] = x.shape;
    return tf.tidy(() => {
      let fitted: tf.Tensor4D = x;
      if (h > need[0] || w > need[1]) fitted = tf.slice(fitted, [0, 0, 0, 0], [batch, channels, Math.min(h, need[0]), Math.min(w, need[1])]);
      if (h < need[0] || w < need[1]) fitted = tf.pad(fitted, [[0, 0], [0, 0], [0, Math.max(0, need[0] - h)], [0, Math.max(0, need[1] - w)]]);
      return tf.transpose(fitted, [0, 2, 3, 1]);
    });
  }

  /** NCHW images [B, C, H, W] -> NHWC feature grid [B, Ho, Wo, D]. Caller owns the result. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [batch, channels, height, width] = x.shape;
    if (channels !== this.inChans || height !== this.imgSize[0] || width !== this.imgSize[1]) {
      throw new StudioError('input/invalid', `The model takes NCHW images of shape [B, ${this.inChans}, ${this.imgSize[0]}, ${this.imgSize[1]}], got [${x.shape.join(', ')}].`, {
        hint: 'Resize the input, or use a config whose img_size and in_chans match it.',
      });
    }
    const s = this.stride;
    const [ho, wo] = this.gridSize;
    const [my, mx] = this.cells;
    const cellSize = s * s * channels;
    return tf.tidy(() => {
      const gy = ho - 1 + my;
      const gx = wo - 1 + mx;
      // Rank-4 steps only (wasm's rank 5+ kernels are slow): [B*gy, s, gx, s*C] -> [B, gy, gx, s*s*C].
      const rows = tf.reshape(this.fitToCells(x), [batch * gy, s, gx, s * channels]);
      const cellGrid = tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [batch, gy, gx, cellSize]);
      const shifted: tf.Tensor[] = [];
      for (let a = 0; a < my; a++) {
        for (let b = 0; b < mx; b++) shifted.push(my === 1 && mx === 1 ? cellGrid : tf.slice(cellGrid, [0, a, b, 0], [batch, ho, wo, cellSize]));
      }
      const features = shifted.length === 1 ? (shifted[0] as tf.Tensor) : tf.concat(shifted, 3);
      return linear(features, this.cellKernel(), this.bias.variable) as tf.Tensor4D;
    });
  }

  parameters(): ParameterEntry[] {
    return [this.weight, this.bias];
  }
}

/**
 * timm's PatchEmbed (a p x p convolution with stride p) written as patchify + matMul, because the
 * wasm backend has no Conv2DBackpropFilter kernel. Parameters keep timm's names and shapes:
 * `<key>.proj.weight` [D, C, p, p] and `<key>.proj.bias` [D].
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../shared/errors';

import { linear } from './mat-mul';
import { createParameter, joinKey } from './parameters';

import type { ParameterEntry, ParameterOwner } from './parameters';

/**
 * NCHW [B, C, H, W] -> [B, (H/p)(W/p), C p p], patches in row-major grid order and each patch's
 * values in (channel, row, column) order, which is the flattening of a [D, C, p, p] conv kernel.
 */
export function patchify(x: tf.Tensor4D, patchSize: number): tf.Tensor3D {
  const [batch, channels, height, width] = x.shape;
  const gridH = height / patchSize;
  const gridW = width / patchSize;
  // Two rank-4 transposes instead of one rank-6 one: wasm's transpose is fast up to rank 4 and
  // falls back to a slow generic loop above it (40x here).
  return tf.tidy(() => {
    const rows = tf.reshape(x, [batch * channels * gridH, patchSize, gridW, patchSize]);
    const patches = tf.transpose(rows, [0, 2, 1, 3]);
    const perChannel = tf.reshape(patches, [batch, channels, gridH * gridW, patchSize * patchSize]);
    const ordered = tf.transpose(perChannel, [0, 2, 1, 3]);
    return tf.reshape(ordered, [batch, gridH * gridW, channels * patchSize * patchSize]);
  });
}

export interface PatchEmbeddingArgs {
  /** timm key prefix, normally 'patch_embed'. */
  key: string;
  imgSize: number;
  patchSize: number;
  inChans: number;
  embedDim: number;
  /** timm drops the bias when pre_norm is set. */
  useBias?: boolean;
  seed: number;
}

export class PatchEmbedding implements ParameterOwner {
  static readonly className = 'PatchEmbedding';
  /** Stored [C p p, D]. */
  readonly kernel: ParameterEntry;
  readonly bias: ParameterEntry | null;
  readonly imgSize: number;
  readonly patchSize: number;
  readonly inChans: number;
  readonly gridSize: number;

  constructor(args: PatchEmbeddingArgs) {
    if (args.imgSize % args.patchSize !== 0) {
      throw new StudioError('model/invalid-config', `img_size ${args.imgSize} is not a multiple of patch_size ${args.patchSize}.`, {
        hint: 'Pick an image size that the patch size divides.',
      });
    }
    this.imgSize = args.imgSize;
    this.patchSize = args.patchSize;
    this.inChans = args.inChans;
    this.gridSize = args.imgSize / args.patchSize;
    // torch's default Conv2d init (timm leaves the patch conv to it): U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    const limit = 1 / Math.sqrt(args.inChans * args.patchSize * args.patchSize);
    this.kernel = createParameter({
      key: joinKey(args.key, 'proj.weight'),
      timmShape: [args.embedDim, args.inChans, args.patchSize, args.patchSize],
      layout: 'out-first',
      init: { kind: 'uniform', limit },
      seed: args.seed,
    });
    this.bias =
      args.useBias === false
        ? null
        : createParameter({ key: joinKey(args.key, 'proj.bias'), timmShape: [args.embedDim], init: { kind: 'uniform', limit }, seed: args.seed });
  }

  get numPatches(): number {
    return this.gridSize * this.gridSize;
  }

  /** NCHW images [B, C, H, W] -> tokens [B, numPatches, D]. Caller owns the result. */
  apply(x: tf.Tensor4D): tf.Tensor3D {
    const [, channels, height, width] = x.shape;
    if (channels !== this.inChans || height !== this.imgSize || width !== this.imgSize) {
      throw new StudioError('input/invalid', `The model takes NCHW images of shape [B, ${this.inChans}, ${this.imgSize}, ${this.imgSize}], got [${x.shape.join(', ')}].`, {
        hint: 'Resize the input, or use a config whose img_size and in_chans match it.',
      });
    }
    return tf.tidy(() => linear(patchify(x, this.patchSize), this.kernel.variable, this.bias?.variable ?? null) as tf.Tensor3D);
  }

  parameters(): ParameterEntry[] {
    return this.bias === null ? [this.kernel] : [this.kernel, this.bias];
  }
}

/** Swin's patch merging (timm `PatchMerging`): 2x2 neighbours -> 4C channels -> LayerNorm -> Linear (no bias). */
import * as tf from '@tensorflow/tfjs-core';

import { LayerNorm } from '../../tensor/layer-norm';
import { Linear } from '../../tensor/linear';
import { joinKey } from '../../tensor/parameters';

import { SWIN_NORM_EPS } from './block';
import { mergeNeighbours } from './window-ops';

import type { ParameterEntry, ParameterOwner } from '../../tensor/parameters';

export interface PatchMergingArgs {
  /** timm key prefix, e.g. 'layers.1.downsample'. */
  key: string;
  inDim: number;
  outDim: number;
  seed: number;
}

export class PatchMerging implements ParameterOwner {
  static readonly className = 'PatchMerging';
  readonly norm: LayerNorm;
  readonly reduction: Linear;

  constructor(args: PatchMergingArgs) {
    this.norm = new LayerNorm({ key: joinKey(args.key, 'norm'), dim: 4 * args.inDim, eps: SWIN_NORM_EPS, seed: args.seed });
    this.reduction = new Linear({ key: joinKey(args.key, 'reduction'), inFeatures: 4 * args.inDim, outFeatures: args.outDim, useBias: false, seed: args.seed });
  }

  /** [B, H, W, C] -> [B, ceil(H/2), ceil(W/2), outDim]. Caller owns the result. */
  apply(grid: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.reduction.apply(this.norm.apply(mergeNeighbours(grid))) as tf.Tensor4D);
  }

  parameters(): ParameterEntry[] {
    return [...this.norm.parameters(), ...this.reduction.parameters()];
  }
}

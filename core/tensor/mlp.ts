/** timm's Mlp: fc1 -> exact GELU -> fc2 (dropout is identity at inference and not used here). */
import * as tf from '@tensorflow/tfjs-core';

import { gelu } from './activations';
import { Linear } from './linear';
import { joinKey } from './parameters';

import type { ParameterEntry, ParameterOwner } from './parameters';

export interface MlpArgs {
  /** timm key prefix, e.g. 'blocks.0.mlp'. */
  key: string;
  inFeatures: number;
  hiddenFeatures: number;
  /** Defaults to inFeatures. */
  outFeatures?: number;
  /** timm's proj_bias; defaults to true. */
  useBias?: boolean;
  seed: number;
}

export class Mlp implements ParameterOwner {
  static readonly className = 'Mlp';
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(args: MlpArgs) {
    const useBias = args.useBias ?? true;
    this.fc1 = new Linear({ key: joinKey(args.key, 'fc1'), inFeatures: args.inFeatures, outFeatures: args.hiddenFeatures, useBias, seed: args.seed });
    this.fc2 = new Linear({
      key: joinKey(args.key, 'fc2'),
      inFeatures: args.hiddenFeatures,
      outFeatures: args.outFeatures ?? args.inFeatures,
      useBias,
      seed: args.seed,
    });
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc2.apply(gelu(this.fc1.apply(x))));
  }

  parameters(): ParameterEntry[] {
    return [...this.fc1.parameters(), ...this.fc2.parameters()];
  }
}

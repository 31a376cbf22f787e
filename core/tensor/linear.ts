/** A fully connected layer with timm's parameter names (`<key>.weight` [out, in], `<key>.bias`). */
import type * as tf from '@tensorflow/tfjs-core';

import { linear } from './mat-mul';
import { createParameter, joinKey } from './parameters';

import type { Initializer, ParameterEntry, ParameterOwner } from './parameters';

export interface LinearArgs {
  /** timm key prefix, e.g. 'blocks.0.attn.qkv'. */
  key: string;
  inFeatures: number;
  outFeatures: number;
  /** Whether the layer has `<key>.bias` (timm: qkv_bias for the qkv projection). */
  useBias: boolean;
  seed: number;
  /** Defaults to timm's ViT init: truncated normal, std 0.02. */
  kernelInit?: Initializer;
  /** Defaults to zeros. */
  biasInit?: Initializer;
}

export class Linear implements ParameterOwner {
  static readonly className = 'Linear';
  /** Stored [in, out]; the timm weight is its transpose. */
  readonly kernel: ParameterEntry;
  readonly bias: ParameterEntry | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(args: LinearArgs) {
    this.inFeatures = args.inFeatures;
    this.outFeatures = args.outFeatures;
    this.kernel = createParameter({
      key: joinKey(args.key, 'weight'),
      timmShape: [args.outFeatures, args.inFeatures],
      layout: 'out-first',
      init: args.kernelInit ?? { kind: 'truncated-normal', std: 0.02 },
      seed: args.seed,
    });
    this.bias = args.useBias
      ? createParameter({ key: joinKey(args.key, 'bias'), timmShape: [args.outFeatures], init: args.biasInit ?? { kind: 'zeros' }, seed: args.seed })
      : null;
  }

  /** x [..., in] -> [..., out]. Caller owns the result. */
  apply(x: tf.Tensor): tf.Tensor {
    return linear(x, this.kernel.variable, this.bias?.variable ?? null);
  }

  parameters(): ParameterEntry[] {
    return this.bias === null ? [this.kernel] : [this.kernel, this.bias];
  }
}

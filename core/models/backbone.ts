/** Shared plumbing for backbones: weights in and out, variables, disposal. Models extend it. */
import { getWeightMap, loadWeightMap } from './weights';

import type * as tf from '@tensorflow/tfjs-core';
import type { Jsonable } from '../shared/jsonable';
import type { HostTensor } from '../tensor/host-tensor';
import type { ParameterEntry } from '../tensor/parameters';
import type { BackboneModel, ForwardOptions, LoadWeightsOptions } from './model';

export abstract class Backbone implements BackboneModel {
  abstract readonly architecture: string;
  abstract readonly config: Jsonable;
  abstract readonly inputShape: readonly [number, number, number];
  abstract readonly numClasses: number;

  abstract forward(images: tf.Tensor4D, options?: ForwardOptions): tf.Tensor2D;
  abstract tokensPerBlock(): number[];
  abstract parameters(): ParameterEntry[];

  loadWeights(weights: ReadonlyMap<string, HostTensor>, options: LoadWeightsOptions = {}): void {
    loadWeightMap(this, weights, options);
  }

  getWeights(): Map<string, HostTensor> {
    return getWeightMap(this);
  }

  trainableVariables(): tf.Variable[] {
    return this.parameters().map((entry) => entry.variable);
  }

  dispose(): void {
    for (const entry of this.parameters()) entry.variable.dispose();
  }
}

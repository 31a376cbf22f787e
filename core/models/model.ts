/**
 * What every backbone (ViT/DeiT, PiT, Swin) offers the trainer, the exporter and the CLI.
 *
 * Input layout: images are NCHW float32 [B, C, H, W], as timm takes them and as our .npy files
 * hold them. Output: logits [B, numClasses] (pooled features [B, D] when numClasses is 0).
 * Parameters carry timm's state-dict keys, so timm safetensors load directly.
 */
import type * as tf from '@tensorflow/tfjs-core';

import type { Jsonable } from '../shared/jsonable';
import type { HostTensor } from '../tensor/host-tensor';
import type { ParameterEntry, ParameterOwner } from '../tensor/parameters';

export interface ForwardOptions {
  /**
   * Training mode. Dropout and drop-path are not implemented (they are identity at inference), so
   * today this only matters to models whose training output differs (none of the dense ones).
   */
  training?: boolean;
}

export interface LoadWeightsOptions {
  /**
   * Keys in the file that the model does not have are an error (timm's strict loading) unless this
   * returns true for them, e.g. `(key) => key.startsWith('selectors.')`.
   */
  allowUnexpected?: (key: string) => boolean;
}

export interface BackboneModel extends ParameterOwner {
  /** Registry id of the architecture: 'vit', 'pit', 'swin'. */
  readonly architecture: string;
  /** The normalised configuration the model was built from (JSON). */
  readonly config: Jsonable;
  /** [C, H, W] of one input image. */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** NCHW images -> logits. The caller owns the result; the input is not disposed. */
  forward(images: tf.Tensor4D, options?: ForwardOptions): tf.Tensor2D;
  /** Tokens entering each transformer block of the dense model, in execution order. */
  tokensPerBlock(): number[];
  /** Copies weights in timm's layout into the variables; throws model/weights-mismatch naming the key. */
  loadWeights(weights: ReadonlyMap<string, HostTensor>, options?: LoadWeightsOptions): void;
  /** The weights in timm's layout and key order, for saving. */
  getWeights(): Map<string, HostTensor>;
  trainableVariables(): tf.Variable[];
  parameters(): ParameterEntry[];
  /** Frees every variable. The model is unusable afterwards. */
  dispose(): void;
}

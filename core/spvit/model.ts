/**
 * What an SPViT model (a backbone plus token selectors) offers the trainer, the exporters, the CLI
 * and the token-map view. Implemented for ViT/DeiT (vit/), PiT (pit/) and Swin (swin/).
 */
import type * as tf from '@tensorflow/tfjs-core';

import type { BackboneModel } from '../models/model';
import type { ParameterEntry } from '../tensor/parameters';
import type { InferenceMode, ScoresObserver } from './decisions';
import type { SeededRandom } from './random';
import type { TokenSelector } from './selector';
import type { SpvitSettings } from './settings';

/** Keys never trained (spec Part A: the class token and position embedding are frozen). */
export const FROZEN_PARAMETER_KEYS: readonly string[] = ['cls_token', 'pos_embed'];

export interface TrainForwardOptions {
  /** Gumbel noise source; seed it for reproducible steps. */
  random: SeededRandom;
  /** Gumbel-Softmax temperature (1 in the official code). */
  tau?: number;
  /** Multiplies the Gumbel noise (1, the default: the official decisions; 0: margin > 0). */
  noiseScale?: number;
}

export interface SpvitTrainOutput {
  logits: tf.Tensor2D;
  /**
   * Per selector, the cumulative keep decision over the tokens it prunes, [B, N_s] with values
   * exactly 0/1 and straight-through gradients (Gumbel-Softmax). The ratio loss takes the mean over
   * batch and tokens of each.
   */
  keepMasks: tf.Tensor2D[];
  /**
   * Final-norm spatial tokens [B, N, C] (packages and CLS excluded) for token distillation; select
   * kept ones with `finalKeepMask`. For hierarchical models: the last stage's grid.
   */
  spatialTokens: tf.Tensor3D;
  /** The keep mask over `spatialTokens`' N tokens, [B, N] (1 = kept), straight-through. */
  finalKeepMask: tf.Tensor2D;
}

/** The dense (teacher) pass: no selectors. Use a separate, frozen model instance as the teacher. */
export interface DenseOutput {
  logits: tf.Tensor2D;
  /** Final-norm spatial tokens [B, N, C], aligned with SpvitTrainOutput.spatialTokens. */
  spatialTokens: tf.Tensor3D;
}

export interface InferOptions {
  /** Defaults to the settings' inference mode. */
  mode?: InferenceMode;
  /** Seed of the stochastic mode's noise; defaults to the settings' seed. */
  seed?: number;
  /** true (default): dropped tokens are physically removed; false: masked, as the official code. */
  removeTokens?: boolean;
  /**
   * Index of the batch's first image in the whole input (default 0): an image's stochastic noise
   * depends only on the seed and its index.
   */
  firstImage?: number;
  /** Sees every selector's scores as it decides (threshold calibration, debugging). */
  onScores?: ScoresObserver;
}

/** One selector's decisions for a batch. */
export interface SelectorDecisions {
  /** Token grid the selector prunes, [height, width] (row-major tokens). */
  grid: [number, number];
  /** Cumulative keep mask, [batch * height * width], 1 = kept. */
  kept: Uint8Array;
}

export interface SpvitInferenceOutput {
  logits: tf.Tensor2D;
  decisions: SelectorDecisions[];
}

export interface ParameterGroups {
  selector: ParameterEntry[];
  backbone: ParameterEntry[];
  /** cls_token and pos_embed (Part A); the trainer leaves them out of every optimiser group. */
  frozen: ParameterEntry[];
}

export interface SpvitModel extends BackboneModel {
  readonly backbone: BackboneModel;
  readonly settings: SpvitSettings;
  readonly selectors: readonly TokenSelector[];
  /** Training pass: Gumbel-Softmax decisions, masked attention with eps 1e-6. Caller owns outputs. */
  forwardTrain(images: tf.Tensor4D, options: TrainForwardOptions): SpvitTrainOutput;
  /** The backbone alone (teacher). Caller owns outputs. */
  forwardDense(images: tf.Tensor4D): DenseOutput;
  /** Inference with one of the three modes. Caller owns `logits`. */
  infer(images: tf.Tensor4D, options?: InferOptions): SpvitInferenceOutput;
  parameterGroups(): ParameterGroups;
}

/** Splits parameters by key: `selectors.*`, frozen keys, the rest. */
export function groupParameters(entries: readonly ParameterEntry[]): ParameterGroups {
  const groups: ParameterGroups = { selector: [], backbone: [], frozen: [] };
  for (const entry of entries) {
    if (entry.key.startsWith('selectors.')) groups.selector.push(entry);
    else if (FROZEN_PARAMETER_KEYS.includes(entry.key)) groups.frozen.push(entry);
    else groups.backbone.push(entry);
  }
  return groups;
}

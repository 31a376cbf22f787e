/** The decision hook of the masked passes (training: straight-through Gumbel; masked evaluation: host rules). */
import type * as tf from '@tensorflow/tfjs-core';

/** Inputs of one selector's decision in the masked pass. */
export interface MaskedDecisionInput {
  stage: number;
  /** [B, N, 2] pred scores of the spatial tokens. */
  predScore: tf.Tensor;
  /** [B, N] keep probability of the spatial tokens. */
  keepProbability: tf.Tensor;
  /** [B, N] cumulative keep mask so far. */
  previous: tf.Tensor;
}

/** Returns the new cumulative keep mask [B, N] (values 0/1; straight-through in training). */
export type MaskedDecider = (input: MaskedDecisionInput) => tf.Tensor;

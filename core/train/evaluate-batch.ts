/** Forward-only evaluation of one batch on a replica: correct count and, when pruned, kept tokens. */
import * as tf from '@tensorflow/tfjs-core';

import { correctCount } from './losses';

import type { InferenceMode } from '../spvit/decisions';
import type { TrainingReplica } from './replica';
import type { EvaluateResult } from './worker-protocol';

export interface EvaluateBatchInput {
  images: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array;
  /** SPViT replicas: prune with `mode` (tokens removed); false: the backbone alone. */
  pruned: boolean;
  mode: InferenceMode;
  /** Index of the first image in the whole evaluation (stochastic noise per image). */
  firstImage: number;
}

export function evaluateBatch(replica: TrainingReplica, input: EvaluateBatchInput): EvaluateResult {
  const images = tf.tensor4d(input.images, input.shape);
  try {
    const spvit = replica.spvitModel;
    if (spvit === null || !input.pruned) {
      const logits = tf.tidy(() => (spvit === null ? replica.model.forward(images) : spvit.forwardDense(images).logits));
      const correct = correctCount(logits.dataSync() as Float32Array, input.labels, logits.shape[1]);
      logits.dispose();
      return { correct, images: input.labels.length, keptSums: [], decisionCounts: [] };
    }
    const result = spvit.infer(images, { mode: input.mode, removeTokens: true, firstImage: input.firstImage });
    const correct = correctCount(result.logits.dataSync() as Float32Array, input.labels, result.logits.shape[1]);
    result.logits.dispose();
    const keptSums = result.decisions.map((decision) => decision.kept.reduce((sum, value) => sum + value, 0));
    const decisionCounts = result.decisions.map((decision) => decision.kept.length);
    return { correct, images: input.labels.length, keptSums, decisionCounts };
  } finally {
    images.dispose();
  }
}

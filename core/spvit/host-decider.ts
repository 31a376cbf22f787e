/** The masked pass's decisions at inference: host-side, through the same decideKeep as the pruned pass. */
import * as tf from '@tensorflow/tfjs-core';

import { decideKeep } from './decisions';

import type { DecisionRule } from './decisions';
import type { MaskedDecider } from './masked-decider';

/** Pushes each selector's cumulative mask [B * N] into `masks` as it decides. */
export function hostMaskedDecider(rules: readonly DecisionRule[], masks: Uint8Array[]): MaskedDecider {
  return ({ stage, predScore, keepProbability, previous }) => {
    const [batch, slots] = previous.shape as [number, number];
    const margin = tf.tidy(() => tf.sub(tf.slice(predScore, [0, 0, 0], [batch, slots, 1]), tf.slice(predScore, [0, 0, 1], [batch, slots, 1])).dataSync() as Float32Array);
    const alive = Uint8Array.from(previous.dataSync(), (value) => (value > 0.5 ? 1 : 0));
    const originalIndex = Int32Array.from({ length: batch * slots }, (_, i) => i % slots);
    const keep = decideKeep(
      { batch, slots, margin, keepProbability: keepProbability.dataSync() as Float32Array, alive, originalIndex },
      rules[stage] as DecisionRule,
    );
    masks.push(keep);
    return tf.tensor2d(Float32Array.from(keep), [batch, slots]);
  };
}

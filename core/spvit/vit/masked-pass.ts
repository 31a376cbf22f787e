/**
 * The masked SPViT forward on a ViT (official `VisionTransformerDiffPruning.forward`): dropped tokens
 * stay in the sequence, masked out of attention by the policy. Used for training (straight-through
 * Gumbel decisions, eps 1e-6) and for masked evaluation (host decisions, eps 0).
 * Sequence: [CLS, N spatial, package_0 .. package_{s-1}].
 */
import * as tf from '@tensorflow/tfjs-core';

import { packageToken } from '../package-token';
import { policyOptions } from '../sequence-ops';
import { tidyResult } from '../tidy';

import type { SelectorScores, TokenSelector } from '../selector';
import type { PackageMode } from '../package-token';
import type { VisionTransformer } from '../../models/vit/model';
import type { MaskedDecider } from '../masked-decider';

export interface MaskedPassOptions {
  backbone: VisionTransformer;
  selectors: readonly TokenSelector[];
  /** Block index of each selector, increasing. */
  selectorBlocks: readonly number[];
  packageMode: PackageMode;
  eps: number;
  decide: MaskedDecider;
  /** Keep per-stage scores, packages and block outputs (tests and debugging). */
  trace?: boolean;
}

export interface MaskedTrace {
  predScores: tf.Tensor[];
  softScores: tf.Tensor[];
  packages: tf.Tensor[];
  blockOutputs: tf.Tensor[];
}

export interface MaskedPassOutput {
  /** Block output [B, 1 + N + S, C] before the final norm. */
  tokens: tf.Tensor3D;
  keepMasks: tf.Tensor2D[];
  trace: MaskedTrace | null;
}

/** Runs embed + blocks with selectors. Caller owns every output tensor. */
export function maskedPass(images: tf.Tensor4D, options: MaskedPassOptions): MaskedPassOutput {
  const { backbone, selectors, selectorBlocks } = options;
  return tidyResult(() => {
    let x: tf.Tensor3D = backbone.embed(images);
    const [batch, length, dim] = x.shape;
    const spatial = length - 1;
    let previous: tf.Tensor = tf.ones([batch, spatial]);
    let policy: tf.Tensor | null = null;
    const keepMasks: tf.Tensor2D[] = [];
    const trace: MaskedTrace | null = options.trace === true ? { predScores: [], softScores: [], packages: [], blockOutputs: [] } : null;
    backbone.blocks.forEach((block, i) => {
      const stage = selectorBlocks.indexOf(i);
      if (stage >= 0) {
        const count = spatial + stage;
        const candidates = tf.slice(x, [0, 1, 0], [batch, count, dim]);
        const alive = stage === 0 ? previous : tf.concat([previous, tf.ones([batch, stage])], 1);
        const scores: SelectorScores = (selectors[stage] as TokenSelector).apply(candidates, alive);
        const keepProbability = tf.reshape(tf.slice(scores.softScore, [0, 0, 0], [batch, count, 1]), [batch, count]);
        const keep = options.decide({
          stage,
          predScore: tf.slice(scores.predScore, [0, 0, 0], [batch, spatial, 2]),
          keepProbability: tf.slice(keepProbability, [0, 0], [batch, spatial]),
          previous,
        });
        const spatialDropped = tf.sub(previous, keep);
        const newlyDropped = stage === 0 ? spatialDropped : tf.concat([spatialDropped, tf.zeros([batch, stage])], 1);
        const pack = packageToken({ tokens: candidates, keepProbability, newlyDropped, mode: options.packageMode });
        x = tf.concat([x, pack], 1) as tf.Tensor3D;
        previous = keep;
        policy = tf.concat([tf.ones([batch, 1]), keep, tf.ones([batch, stage + 1])], 1);
        keepMasks.push(keep as tf.Tensor2D);
        trace?.predScores.push(scores.predScore);
        trace?.softScores.push(scores.softScore);
        trace?.packages.push(pack);
      }
      x = block.apply(x, policyOptions(policy, options.eps));
      trace?.blockOutputs.push(x);
    });
    return { tokens: x, keepMasks, trace };
  });
}

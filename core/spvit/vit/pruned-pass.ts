/**
 * The SPViT ViT forward with dropped tokens physically removed (inference). Each selector's
 * decisions are made on the host from the same scores the masked pass sees, then every image's
 * survivors are gathered: [CLS, kept spatial (original order, padded to the batch's widest image),
 * package_0 .. package_s]. Padding is masked out of attention (eps 0), selector pooling and packages,
 * so the logits equal the masked pass's for the same decisions.
 */
import * as tf from '@tensorflow/tfjs-core';

import { decideKeep } from '../decisions';
import { allTokensKept, applyDecision, compactRows, hasPadding, keepMask, slotScores, slotValidity } from '../kept-tokens';
import { EVAL_POLICY_EPS } from '../masked-softmax';
import { packageToken } from '../package-token';
import { gatherRows, hostScores, policyOptions } from '../sequence-ops';

import type { VisionTransformer } from '../../models/vit/model';
import type { DecisionRule } from '../decisions';
import type { KeptTokens } from '../kept-tokens';
import type { PackageMode } from '../package-token';
import type { TokenSelector } from '../selector';

export interface PrunedPassOptions {
  backbone: VisionTransformer;
  selectors: readonly TokenSelector[];
  selectorBlocks: readonly number[];
  packageMode: PackageMode;
  /** The decision rule of each selector (mode, noise, topk count). */
  rules: readonly DecisionRule[];
}

export interface PrunedPassOutput {
  /** Block output [B, 1 + width + S, C] before the final norm (padding rows are zero). */
  tokens: tf.Tensor3D;
  /** Cumulative keep masks per selector, [B * N]. */
  masks: Uint8Array[];
  /** Survivors after the last selector. */
  kept: KeptTokens;
}

/** Runs embed + blocks with tokens removed. Caller owns `tokens`. */
export function prunedPass(images: tf.Tensor4D, options: PrunedPassOptions): PrunedPassOutput {
  const { backbone, selectors, selectorBlocks } = options;
  const masks: Uint8Array[] = [];
  let kept: KeptTokens | null = null;
  const tokens = tf.tidy(() => {
    let x = backbone.embed(images);
    const [batch, length, dim] = x.shape;
    let current = allTokensKept(batch, length - 1);
    let policy: tf.Tensor | null = null;
    backbone.blocks.forEach((block, i) => {
      const stage = selectorBlocks.indexOf(i);
      if (stage >= 0) {
        const width = current.width;
        const count = width + stage;
        const candidates = tf.slice(x, [0, 1, 0], [batch, count, dim]);
        const valid = tf.tensor2d(slotValidity(current), [batch, width]);
        const alive = stage === 0 ? valid : tf.concat([valid, tf.ones([batch, stage])], 1);
        const scores = (selectors[stage] as TokenSelector).apply(candidates, alive);
        const host = hostScores(scores.predScore, scores.softScore, width);
        const keep = decideKeep(slotScores(current, host.margin, host.keepProbability), options.rules[stage] as DecisionRule);
        const keepTensor = tf.tensor2d(Float32Array.from(keep), [batch, width]);
        const spatialDropped = tf.sub(valid, keepTensor);
        const newlyDropped = stage === 0 ? spatialDropped : tf.concat([spatialDropped, tf.zeros([batch, stage])], 1);
        const keepProbability = tf.reshape(tf.slice(scores.softScore, [0, 0, 0], [batch, count, 1]), [batch, count]);
        x = tf.concat([x, packageToken({ tokens: candidates, keepProbability, newlyDropped, mode: options.packageMode })], 1) as tf.Tensor3D;
        const next = applyDecision(current, keep);
        const gather = compactRows(current, next, { prefix: 1, packages: stage + 1 });
        x = gatherRows(x, gather.rows, gather.valid, gather.newLength);
        policy = hasPadding(next) ? tf.tensor2d(gather.valid, [batch, gather.newLength]) : null;
        current = next;
        masks.push(keepMask(next));
      }
      x = block.apply(x, policyOptions(policy, EVAL_POLICY_EPS));
    });
    kept = current;
    return x;
  });
  return { tokens, masks, kept: kept as unknown as KeptTokens };
}

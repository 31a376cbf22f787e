/**
 * One stage of a hierarchical SPViT (PiT) with at most one selector. Sequence inside the stage:
 * [prefix tokens, grid tokens (row-major), packages]. After the selector, dropped grid tokens are
 * left out of attention and keep their last value, so the full grid can be restored for the pooling
 * that follows (spec Part A, "hierarchical"); each stage starts again from the full grid.
 */
import * as tf from '@tensorflow/tfjs-core';

import { decideKeep } from '../decisions';
import { allTokensKept, applyDecision, compactRows, hasPadding, keepMask, restoreGridRows, slotScores } from '../kept-tokens';
import { EVAL_POLICY_EPS } from '../masked-softmax';
import { packageToken } from '../package-token';
import { freezeDropped, gatherRows, hostScores, policyOptions } from '../sequence-ops';
import { tidyResult } from '../tidy';

import type { BlockForwardOptions } from '../../tensor/block';
import type { DecisionRule } from '../decisions';
import type { PackageMode } from '../package-token';
import type { TokenSelector } from '../selector';
import type { MaskedDecider } from '../masked-decider';

/** A stage's tokens between the passes: everything [B, *, C]; packages may be empty (0 rows). */
export type StageTokens = {
  prefix: tf.Tensor3D;
  grid: tf.Tensor3D;
  packages: tf.Tensor3D;
};

export interface StagePassOptions {
  depth: number;
  applyBlock: (index: number, tokens: tf.Tensor3D, options: BlockForwardOptions) => tf.Tensor3D;
  /** The block the selector runs in front of, or null. */
  selectorBlock: number | null;
  selector: TokenSelector | null;
  /** Index of this stage's selector among all selectors. */
  selectorIndex: number;
  packageMode: PackageMode;
}

export type MaskedStageResult = StageTokens & { keep: tf.Tensor2D | null };

function split(x: tf.Tensor3D, prefix: number, grid: number): StageTokens {
  const [batch, length, dim] = x.shape;
  return {
    prefix: tf.slice(x, [0, 0, 0], [batch, prefix, dim]),
    grid: tf.slice(x, [0, prefix, 0], [batch, grid, dim]),
    packages: tf.slice(x, [0, prefix + grid, 0], [batch, length - prefix - grid, dim]),
  };
}

/** Masked stage (training: straight-through decisions, eps 1e-6; masked evaluation: eps 0). */
export function maskedStage(input: StageTokens, options: StagePassOptions & { eps: number; decide: MaskedDecider }): MaskedStageResult {
  return tidyResult(() => {
    const [batch, prefix] = input.prefix.shape;
    const tokens = input.grid.shape[1];
    let x = tf.concat([input.prefix, input.grid, input.packages], 1) as tf.Tensor3D;
    let policy: tf.Tensor | null = null;
    let keep: tf.Tensor2D | null = null;
    for (let j = 0; j < options.depth; j++) {
      if (j === options.selectorBlock && options.selector !== null) {
        const count = x.shape[1] - prefix;
        const candidates = tf.slice(x, [0, prefix, 0], [batch, count, x.shape[2]]);
        const scores = options.selector.apply(candidates, tf.ones([batch, count]));
        const keepProbability = tf.reshape(tf.slice(scores.softScore, [0, 0, 0], [batch, count, 1]), [batch, count]);
        keep = options.decide({
          stage: options.selectorIndex,
          predScore: tf.slice(scores.predScore, [0, 0, 0], [batch, tokens, 2]),
          keepProbability: tf.slice(keepProbability, [0, 0], [batch, tokens]),
          previous: tf.ones([batch, tokens]),
        }) as tf.Tensor2D;
        const newlyDropped = tf.concat([tf.sub(1, keep), tf.zeros([batch, count - tokens])], 1);
        x = tf.concat([x, packageToken({ tokens: candidates, keepProbability, newlyDropped, mode: options.packageMode })], 1) as tf.Tensor3D;
        policy = tf.concat([tf.ones([batch, prefix]), keep, tf.ones([batch, x.shape[1] - prefix - tokens])], 1);
      }
      const updated = options.applyBlock(j, x, policyOptions(policy, options.eps));
      x = (policy === null ? updated : freezeDropped(updated, x, policy)) as tf.Tensor3D;
    }
    return { ...split(x, prefix, tokens), keep };
  });
}

export type PrunedStageResult = StageTokens & { kept: Uint8Array | null };

/** Evaluation with dropped tokens removed from the blocks after the selector; the grid is restored at the end. */
export function prunedStage(input: StageTokens, options: StagePassOptions & { rule: DecisionRule }): PrunedStageResult {
  let kept: Uint8Array | null = null;
  const result = tidyResult(() => {
    const [batch, prefix, dim] = input.prefix.shape;
    const tokens = input.grid.shape[1];
    let x = tf.concat([input.prefix, input.grid, input.packages], 1) as tf.Tensor3D;
    let policy: tf.Tensor | null = null;
    let survivors = allTokensKept(batch, tokens);
    let snapshot: tf.Tensor3D | null = null;
    for (let j = 0; j < options.depth; j++) {
      if (j === options.selectorBlock && options.selector !== null) {
        const count = x.shape[1] - prefix;
        const candidates = tf.slice(x, [0, prefix, 0], [batch, count, dim]);
        const scores = options.selector.apply(candidates, tf.ones([batch, count]));
        const host = hostScores(scores.predScore, scores.softScore, tokens);
        const keep = decideKeep(slotScores(survivors, host.margin, host.keepProbability), options.rule);
        const keepTensor = tf.tensor2d(Float32Array.from(keep), [batch, tokens]);
        const newlyDropped = tf.concat([tf.sub(1, keepTensor), tf.zeros([batch, count - tokens])], 1);
        const keepProbability = tf.reshape(tf.slice(scores.softScore, [0, 0, 0], [batch, count, 1]), [batch, count]);
        snapshot = tf.slice(x, [0, prefix, 0], [batch, tokens, dim]);
        x = tf.concat([x, packageToken({ tokens: candidates, keepProbability, newlyDropped, mode: options.packageMode })], 1) as tf.Tensor3D;
        const next = applyDecision(survivors, keep);
        const gather = compactRows(survivors, next, { prefix, packages: count - tokens + 1 });
        x = gatherRows(x, gather.rows, gather.valid, gather.newLength);
        policy = hasPadding(next) ? tf.tensor2d(gather.valid, [batch, gather.newLength]) : null;
        survivors = next;
        kept = keepMask(next);
      }
      x = options.applyBlock(j, x, policyOptions(policy, EVAL_POLICY_EPS));
    }
    const [, length] = x.shape;
    const packages = tf.slice(x, [0, prefix + survivors.width, 0], [batch, length - prefix - survivors.width, dim]) as tf.Tensor3D;
    const prefixTokens = tf.slice(x, [0, 0, 0], [batch, prefix, dim]) as tf.Tensor3D;
    if (snapshot === null) return { prefix: prefixTokens, grid: tf.slice(x, [0, prefix, 0], [batch, tokens, dim]) as tf.Tensor3D, packages };
    const rows = restoreGridRows(survivors, prefix, length);
    const pool = tf.concat([tf.reshape(x, [batch * length, dim]), tf.reshape(snapshot, [batch * tokens, dim])], 0);
    const grid = tf.reshape(tf.gather(pool, tf.tensor1d(rows, 'int32')), [batch, tokens, dim]) as tf.Tensor3D;
    return { prefix: prefixTokens, grid, packages };
  });
  return { ...result, kept };
}

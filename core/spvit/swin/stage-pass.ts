/** One Swin stage with at most one selector (see package-block.ts for the block semantics). */
import * as tf from '@tensorflow/tfjs-core';

import { decideKeep } from '../decisions';
import { allTokensKept, applyDecision, keepMask, slotScores } from '../kept-tokens';
import { packageToken } from '../package-token';
import { hostScores } from '../sequence-ops';
import { tidyResult } from '../tidy';

import { swinBlockWithPackages } from './package-block';

import type { SwinStage } from '../../models/swin/stage';
import type { DecisionRule } from '../decisions';
import type { KeptTokens } from '../kept-tokens';
import type { PackageMode } from '../package-token';
import type { TokenSelector } from '../selector';
import type { MaskedDecider } from '../masked-decider';
import type { SwinTokens } from './package-block';

export interface SwinStagePassOptions {
  /** Block the selector runs in front of, or null. */
  selectorBlock: number | null;
  selector: TokenSelector | null;
  selectorIndex: number;
  packageMode: PackageMode;
  eps: number;
  /** Masked passes: the decision (straight-through in training). */
  decide?: MaskedDecider;
  /** Token-removing inference: the host decision rule. */
  rule?: DecisionRule;
}

export type SwinStageResult = SwinTokens & { keep: tf.Tensor2D | null; kept: Uint8Array | null };

/** Runs the stage's blocks on [B, H*W, C] grid tokens and packages. Caller owns the result. */
export function runSwinStage(stage: SwinStage, input: SwinTokens, options: SwinStagePassOptions): SwinStageResult {
  let kept: Uint8Array | null = null;
  const result = tidyResult(() => {
    let tokens: SwinTokens = input;
    let policy: tf.Tensor | null = null;
    let keep: tf.Tensor2D | null = null;
    let survivors: KeptTokens | null = null;
    stage.blocks.forEach((block, j) => {
      if (j === options.selectorBlock && options.selector !== null) {
        const [batch, length] = tokens.grid.shape;
        const count = length + tokens.packages.shape[1];
        const candidates = tf.concat([tokens.grid, tokens.packages], 1);
        const scores = options.selector.apply(candidates, tf.ones([batch, count]));
        const keepProbability = tf.reshape(tf.slice(scores.softScore, [0, 0, 0], [batch, count, 1]), [batch, count]);
        if (options.rule !== undefined) {
          const all = allTokensKept(batch, length);
          const host = hostScores(scores.predScore, scores.softScore, length);
          const decision = decideKeep(slotScores(all, host.margin, host.keepProbability), options.rule);
          survivors = applyDecision(all, decision);
          kept = keepMask(survivors);
          keep = tf.tensor2d(Float32Array.from(decision), [batch, length]);
        } else if (options.decide !== undefined) {
          keep = options.decide({
            stage: options.selectorIndex,
            predScore: tf.slice(scores.predScore, [0, 0, 0], [batch, length, 2]),
            keepProbability: tf.slice(keepProbability, [0, 0], [batch, length]),
            previous: tf.ones([batch, length]),
          }) as tf.Tensor2D;
        }
        const current = keep as tf.Tensor2D;
        const newlyDropped = tf.concat([tf.sub(1, current), tf.zeros([batch, count - length])], 1);
        const pack = packageToken({ tokens: candidates, keepProbability, newlyDropped, mode: options.packageMode }) as tf.Tensor3D;
        tokens = { grid: tokens.grid, packages: tf.concat([tokens.packages, pack], 1) };
        policy = current;
      }
      tokens = swinBlockWithPackages(block, tokens, { policy, eps: options.eps, survivors });
    });
    return { ...tokens, keep };
  });
  return { ...result, kept };
}

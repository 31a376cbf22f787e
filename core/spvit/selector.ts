/**
 * The multi-head token selector (official `MultiheadPredictorLG`, spec B §1.4).
 *
 * For input z [B, M, C] (every token but CLS) and the alive mask m [B, M]:
 *   head gate   a = sigmoid(fc2(gelu(fc1(u)))), u[b, i, h] = mean of head h's d channels   [B, M, H]
 *   per head    e = gelu(proj(norm(z_h))); f = [e[:, :d/2], masked mean over tokens of e[:, d/2:]]
 *               l_h = fc3(gelu(fc2(gelu(fc1(f)))))                                          [B, M, H, 2]
 *   pred  = sum_h a_h log_softmax(l_h) / sum_h a_h   (fed to Gumbel-Softmax; column 0 = keep)
 *   soft  = sum_h a_h softmax(l_h) / sum_h a_h       (keep probability for the package token)
 * The scorer's weights are shared by all heads (the official code repeats one module) unless
 * `sharedHeadWeights` is false, which gives every head its own scorer.
 *
 * Parameter keys (our checkpoints): `<key>.gate.fc1|fc2.*`, and `<key>.scorer.{norm,proj,fc1,fc2,fc3}.*`
 * when shared, `<key>.scorer.<h>.{...}.*` per head otherwise.
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../shared/errors';
import { gelu } from '../tensor/activations';
import { LayerNorm } from '../tensor/layer-norm';
import { Linear } from '../tensor/linear';
import { matMul } from '../tensor/mat-mul';
import { joinKey } from '../tensor/parameters';

import type { ParameterEntry, ParameterOwner } from '../tensor/parameters';

/** torch's nn.LayerNorm default, which the official selector uses (the backbone uses 1e-6). */
export const SELECTOR_NORM_EPS = 1e-5;

export interface TokenSelectorArgs {
  /** Key prefix, e.g. 'selectors.0'. */
  key: string;
  /** Token width C. */
  dim: number;
  numHeads: number;
  sharedHeadWeights: boolean;
  normEps?: number;
  seed: number;
  /**
   * Share of tokens a fresh selector keeps under Gumbel noise: its margin starts at logit(p) (the
   * official init starts at 0, p = 0.5). Starting at the target keep ratio lets short fine-tunes
   * spend their steps on ranking tokens rather than on walking the mean down to the target.
   */
  initialKeep?: number;
}

export interface SelectorScores {
  /** Head-weighted mean of per-head log-softmax, [B, M, 2]; column 0 = keep. */
  predScore: tf.Tensor3D;
  /** Head-weighted mean of per-head softmax, [B, M, 2]. */
  softScore: tf.Tensor3D;
}

/** logit(p), p kept away from 0 and 1 so the start stays trainable. */
export function initialMargin(keep: number): number {
  const p = Math.min(0.98, Math.max(0.02, keep));
  return Math.log(p / (1 - p));
}

/** LayerNorm -> Linear d->d -> GELU, local/global split, d -> d/2 -> d/4 -> 2. */
class HeadScorer implements ParameterOwner {
  readonly norm: LayerNorm;
  readonly proj: Linear;
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly fc3: Linear;
  readonly headDim: number;

  constructor(key: string, headDim: number, normEps: number, seed: number) {
    this.headDim = headDim;
    const half = Math.floor(headDim / 2);
    const quarter = Math.floor(headDim / 4);
    this.norm = new LayerNorm({ key: joinKey(key, 'norm'), dim: headDim, eps: normEps, seed });
    this.proj = new Linear({ key: joinKey(key, 'proj'), inFeatures: headDim, outFeatures: headDim, useBias: true, seed });
    this.fc1 = new Linear({ key: joinKey(key, 'fc1'), inFeatures: headDim, outFeatures: half, useBias: true, seed });
    this.fc2 = new Linear({ key: joinKey(key, 'fc2'), inFeatures: half, outFeatures: quarter, useBias: true, seed });
    this.fc3 = new Linear({ key: joinKey(key, 'fc3'), inFeatures: quarter, outFeatures: 2, useBias: true, seed });
  }

  /**
   * heads [B, M, h, d] (h heads scored with these weights), mask [B, M] -> raw logits [B, M, h, 2].
   */
  apply(heads: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [batch, tokens, count, d] = heads.shape as [number, number, number, number];
      const half = d / 2;
      const embedded = gelu(this.proj.apply(this.norm.apply(heads)));
      const local = tf.slice(embedded, [0, 0, 0, 0], [batch, tokens, count, half]);
      const globalPart = tf.reshape(tf.slice(embedded, [0, 0, 0, half], [batch, tokens, count, half]), [batch, tokens, count * half]);
      const weights = tf.reshape(mask, [batch, 1, tokens]);
      const pooled = tf.div(matMul(weights, globalPart), tf.reshape(tf.sum(mask, 1), [batch, 1, 1]));
      // A broadcasting add, not tile: wasm's Tile and its gradient are several times slower.
      const broadcast = tf.add(tf.zeros([batch, tokens, count, half]), tf.reshape(pooled, [batch, 1, count, half]));
      const features = tf.concat([local, broadcast], -1);
      return this.fc3.apply(gelu(this.fc2.apply(gelu(this.fc1.apply(features)))));
    });
  }

  parameters(): ParameterEntry[] {
    return [...this.norm.parameters(), ...this.proj.parameters(), ...this.fc1.parameters(), ...this.fc2.parameters(), ...this.fc3.parameters()];
  }
}

export class TokenSelector implements ParameterOwner {
  static readonly className = 'TokenSelector';
  readonly key: string;
  readonly dim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly sharedHeadWeights: boolean;
  /** The head-importance branch; null with one head, where its weight cancels out. */
  readonly gateFc1: Linear | null;
  readonly gateFc2: Linear | null;
  /** One scorer when shared, else one per head. */
  readonly scorers: HeadScorer[];

  constructor(args: TokenSelectorArgs) {
    const { dim, numHeads, seed } = args;
    const headDim = dim / numHeads;
    // The local/global split halves the head width and the scorer narrows it to d/4 (floored).
    if (!Number.isInteger(headDim) || headDim % 2 !== 0 || headDim < 4) {
      throw new StudioError('model/invalid-config', `The token selector needs an even per-head width of at least 4; got ${dim} / ${numHeads} heads.`, {
        details: { dim, numHeads },
        hint: 'Pick embed_dim and num_heads so that embed_dim / num_heads is even and at least 4 (64 for DeiT).',
      });
    }
    this.key = args.key;
    this.dim = dim;
    this.numHeads = numHeads;
    this.headDim = headDim;
    this.sharedHeadWeights = args.sharedHeadWeights;
    const gateHidden = Math.floor(numHeads / 2);
    this.gateFc1 = numHeads > 1 ? new Linear({ key: joinKey(args.key, 'gate.fc1'), inFeatures: numHeads, outFeatures: gateHidden, useBias: true, seed }) : null;
    this.gateFc2 = numHeads > 1 ? new Linear({ key: joinKey(args.key, 'gate.fc2'), inFeatures: gateHidden, outFeatures: numHeads, useBias: true, seed }) : null;
    const eps = args.normEps ?? SELECTOR_NORM_EPS;
    const scorerKey = joinKey(args.key, 'scorer');
    this.scorers = args.sharedHeadWeights
      ? [new HeadScorer(scorerKey, headDim, eps, seed)]
      : Array.from({ length: numHeads }, (_, h) => new HeadScorer(joinKey(scorerKey, String(h)), headDim, eps, seed));
    if (args.initialKeep !== undefined) this.shiftKeepMargin(initialMargin(args.initialKeep));
  }

  /** Per-token, per-head importance a in (0, 1): [B, M, H]. Caller owns the result. */
  headWeights(heads: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const pooled = tf.mean(heads, -1);
      // With one head the weight cancels in the weighted means (and fc1 would have no outputs).
      if (this.gateFc1 === null || this.gateFc2 === null) return tf.onesLike(pooled);
      return tf.sigmoid(this.gateFc2.apply(gelu(this.gateFc1.apply(pooled))));
    });
  }

  /** Raw per-head logits [B, M, H, 2]. Caller owns the result. */
  headLogits(heads: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [batch, tokens] = heads.shape as [number, number, number, number];
      const first = this.scorers[0] as HeadScorer;
      if (this.sharedHeadWeights) return first.apply(heads, mask);
      const perHead = this.scorers.map((scorer, h) =>
        scorer.apply(tf.slice(heads, [0, 0, h, 0], [batch, tokens, 1, this.headDim]), mask),
      );
      return tf.concat(perHead, 2);
    });
  }

  /**
   * tokens [B, M, C] (raw residual stream, CLS excluded), mask [B, M] (1 = alive: tokens kept so far
   * and every package token). Caller owns both outputs.
   */
  apply(tokens: tf.Tensor, mask: tf.Tensor): SelectorScores {
    return tf.tidy(() => {
      const [batch, count] = tokens.shape as [number, number, number];
      const heads = tf.reshape(tokens, [batch, count, this.numHeads, this.headDim]);
      const weights = tf.expandDims(this.headWeights(heads), -1);
      const logits = this.headLogits(heads, mask);
      const weightSum = tf.sum(weights, 2);
      const predScore = tf.div(tf.sum(tf.mul(weights, tf.logSoftmax(logits, -1)), 2), weightSum) as tf.Tensor3D;
      const softScore = tf.div(tf.sum(tf.mul(weights, tf.softmax(logits, -1)), 2), weightSum) as tf.Tensor3D;
      return { predScore, softScore };
    });
  }

  /**
   * Adds `delta` to every head's keep logit (fc3 bias, column 0). Each head's margin
   * z_keep - z_drop, and so the head-weighted margin of the argmax decision, moves by exactly
   * `delta`: a decision threshold baked into the weights (see calibrate-thresholds.ts).
   */
  shiftKeepMargin(delta: number): void {
    for (const scorer of this.scorers) {
      const bias = scorer.fc3.bias;
      if (bias === null) throw new StudioError('internal/bug', 'The selector scorer has no output bias.');
      tf.tidy(() => bias.variable.assign(tf.add(bias.variable, tf.tensor1d([delta, 0]))));
    }
  }

  parameters(): ParameterEntry[] {
    return [...(this.gateFc1?.parameters() ?? []), ...(this.gateFc2?.parameters() ?? []), ...this.scorers.flatMap((scorer) => scorer.parameters())];
  }
}

/**
 * An SPViT token selector in integers (top-k mode), and the token removal that follows it.
 *
 * Candidates are every token but CLS: the n kept spatial tokens, then the s earlier package tokens.
 *  - gate (heads > 1): a_h = sigmoid(fc2(GELU(fc1(mean of head h's channels)))), Q15;
 *  - scorer per head (shared weights): LayerNorm -> proj -> GELU, local half per token and global
 *    half averaged over all candidates, fc1 -> GELU -> fc2 -> GELU -> fc3, sigma_h = sigmoid(keep - drop);
 *  - keep probability p = sum_h a_h sigma_h / sum_h a_h (Q15; the plain mean if every a_h is 0);
 *  - the `keep` spatial tokens with the highest p stay (ties: the lower original index);
 *  - the dropped ones form the package token (package-token.ts formulas in integers), appended last.
 */
import { StudioError } from '../../../shared/errors';
import { clampSymmetric, requantize, roundDiv, roundShift, sat16 } from '../integer-math';
import { sigmoidQ15 } from '../nonlinear';

import { applyLinear, applyLinearGelu, layerNormRows, requantChannel } from './prepared';

import type { PackageMode } from '../../../spvit/package-token';
import type { LayerNormConstants } from '../nonlinear';
import type { Fixed, SelectorParams } from '../package-format';
import type { RunContext } from './block-runner';
import type { PreparedLinear, PreparedLinearGelu, PreparedRequant, TensorBinder } from './prepared';

export interface PreparedSelector {
  block: number;
  keep: number;
  gate: { meanToActivation: Fixed; fc1: PreparedLinearGelu; fc2: PreparedLinear; toExponent: PreparedRequant } | null;
  norm: LayerNormConstants;
  proj: PreparedLinearGelu;
  fc1: PreparedLinearGelu;
  fc2: PreparedLinearGelu;
  fc3: PreparedLinear;
  toExponent: PreparedRequant;
}

export function prepareSelector(binder: TensorBinder, params: SelectorParams, dim: number, heads: number): PreparedSelector {
  const d = dim / heads;
  if (!Number.isInteger(d) || d % 4 !== 0) {
    throw new StudioError('data/corrupt', `A selector needs a head width divisible by 4, got ${dim} / ${heads}.`, { hint: 'Export the package again.' });
  }
  const half = Math.floor(heads / 2);
  if ((params.gate === null) !== (heads === 1)) {
    throw new StudioError('data/corrupt', `Selector ${params.block}: a gate is needed exactly when there is more than one head.`, { hint: 'Export the package again.' });
  }
  return {
    block: params.block,
    keep: params.keep,
    gate:
      params.gate === null
        ? null
        : {
            meanToActivation: params.gate.meanToActivation,
            fc1: binder.linearGelu(params.gate.fc1, heads, half),
            fc2: binder.linear(params.gate.fc2, half, heads),
            toExponent: binder.requant(params.gate.toExponent, heads),
          },
    norm: binder.layerNorm(params.scorer.norm),
    proj: binder.linearGelu(params.scorer.proj, d, d),
    fc1: binder.linearGelu(params.scorer.fc1, d, d / 2),
    fc2: binder.linearGelu(params.scorer.fc2, d / 2, d / 4),
    fc3: binder.linear(params.scorer.fc3, d / 4, 2),
    toExponent: binder.requant(params.scorer.toExponent, 2),
  };
}

export interface SelectorContext extends RunContext {
  dim: number;
  heads: number;
  packageMode: PackageMode;
}

/** Head weights a [candidates][heads] in Q15. */
function gateWeights(context: SelectorContext, candidates: Int16Array, count: number, gate: NonNullable<PreparedSelector['gate']>): Int32Array {
  const { dim, heads } = context;
  const d = dim / heads;
  const means = new Int16Array(count * heads);
  for (let i = 0; i < count; i++) {
    for (let h = 0; h < heads; h++) {
      let sum = 0;
      for (let c = h * d; c < (h + 1) * d; c++) sum += candidates[i * dim + c] as number;
      means[i * heads + h] = clampSymmetric(requantize(sum, gate.meanToActivation.multiplier, gate.meanToActivation.shift), context.activationMax);
    }
  }
  const hidden = applyLinearGelu(context.kernel, means, count, gate.fc1);
  const acc = applyLinear(context.kernel, hidden, count, gate.fc2);
  return Int32Array.from(acc, (value, i) => sigmoidQ15(requantChannel(value, gate.toExponent, i % heads), context.arithmetic, context.exp2));
}

/** Per-head keep probabilities sigma [candidates][heads] in Q15. */
function headScores(context: SelectorContext, candidates: Int16Array, count: number, selector: PreparedSelector): Int32Array {
  const { dim, heads, kernel, arithmetic, exp2 } = context;
  const d = dim / heads;
  const half = d / 2;
  // Rows are (candidate, head) pairs: a head's d channels are contiguous, so the layout is unchanged.
  const rows = count * heads;
  const embedded = applyLinearGelu(kernel, layerNormRows(candidates, rows, d, selector.norm), rows, selector.proj);
  const pooled = new Int16Array(heads * half);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < half; j++) {
      let sum = 0;
      for (let i = 0; i < count; i++) sum += embedded[(i * heads + h) * d + half + j] as number;
      pooled[h * half + j] = roundDiv(sum, count);
    }
  }
  const features = new Int16Array(rows * d);
  for (let r = 0; r < rows; r++) {
    features.set(embedded.subarray(r * d, r * d + half), r * d);
    const h = r % heads;
    features.set(pooled.subarray(h * half, (h + 1) * half), r * d + half);
  }
  const hidden1 = applyLinearGelu(kernel, features, rows, selector.fc1);
  const hidden2 = applyLinearGelu(kernel, hidden1, rows, selector.fc2);
  const logits = applyLinear(kernel, hidden2, rows, selector.fc3);
  const sigma = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const keep = requantChannel(logits[2 * r] as number, selector.toExponent, 0);
    const drop = requantChannel(logits[2 * r + 1] as number, selector.toExponent, 1);
    sigma[r] = sigmoidQ15(keep - drop, arithmetic, exp2);
  }
  return sigma;
}

/** Keep probabilities (Q15) of the candidates. */
export function keepProbabilities(context: SelectorContext, candidates: Int16Array, count: number, selector: PreparedSelector): Int32Array {
  const sigma = headScores(context, candidates, count, selector);
  const { heads } = context;
  if (selector.gate === null) return sigma;
  const weights = gateWeights(context, candidates, count, selector.gate);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let numerator = 0;
    let denominator = 0;
    let plain = 0;
    for (let h = 0; h < heads; h++) {
      const a = weights[i * heads + h] as number;
      const s = sigma[i * heads + h] as number;
      numerator += a * s;
      denominator += a;
      plain += s;
    }
    out[i] = denominator === 0 ? roundDiv(plain, heads) : roundDiv(numerator, denominator);
  }
  return out;
}

/** Indices of the `keep` highest probabilities among the first `spatial`, in increasing order. */
export function topkSlots(probabilities: Int32Array, spatial: number, keep: number): number[] {
  const order = Array.from({ length: spatial }, (_, i) => i);
  order.sort((a, b) => (probabilities[b] as number) - (probabilities[a] as number) || a - b);
  return order.slice(0, keep).sort((a, b) => a - b);
}

/** The package token of the dropped slots, int16 [dim]. */
export function packageToken(scored: { candidates: Int16Array; dim: number; probabilities: Int32Array }, dropped: readonly number[], mode: PackageMode): Int16Array {
  const { candidates, dim, probabilities } = scored;
  const out = new Int16Array(dim);
  if (dropped.length === 0) return out;
  let weightTotal = 0;
  for (const slot of dropped) weightTotal += mode === 'mean' ? 1 : (probabilities[slot] as number);
  for (let c = 0; c < dim; c++) {
    let sum = 0;
    for (const slot of dropped) sum += (mode === 'mean' ? 1 : (probabilities[slot] as number)) * (candidates[slot * dim + c] as number);
    if (mode === 'sum') out[c] = sat16(roundShift(sum, 15));
    else out[c] = weightTotal === 0 ? 0 : sat16(roundDiv(sum, weightTotal));
  }
  return out;
}

export interface SelectorStep {
  tokens: Int16Array;
  tokenCount: number;
  /** Slots (positions among the current spatial tokens) kept, increasing. */
  keptSlots: number[];
}

/** Runs the selector on x [1 + spatial + packages][dim] and returns the shortened sequence. */
export function runSelector(context: SelectorContext, sequence: { x: Int16Array; spatial: number; packages: number }, selector: PreparedSelector): SelectorStep {
  const { x, spatial, packages } = sequence;
  const { dim } = context;
  const count = spatial + packages;
  const candidates = x.subarray(dim, dim * (1 + count));
  const probabilities = keepProbabilities(context, candidates, count, selector);
  const keptSlots = topkSlots(probabilities, spatial, Math.min(selector.keep, spatial));
  const keptSet = new Set(keptSlots);
  const dropped = Array.from({ length: spatial }, (_, i) => i).filter((slot) => !keptSet.has(slot));
  const tokenCount = 1 + keptSlots.length + packages + 1;
  const tokens = new Int16Array(tokenCount * dim);
  tokens.set(x.subarray(0, dim), 0);
  keptSlots.forEach((slot, i) => tokens.set(candidates.subarray(slot * dim, (slot + 1) * dim), (1 + i) * dim));
  tokens.set(candidates.subarray(spatial * dim, count * dim), (1 + keptSlots.length) * dim);
  tokens.set(packageToken({ candidates, dim, probabilities }, dropped, context.packageMode), (tokenCount - 1) * dim);
  return { tokens, tokenCount, keptSlots };
}

/**
 * Keep/drop decisions at inference, on the host. Both forward passes (masked and token-removing)
 * call the same function with the same noise, so they make the same decisions for the same scores.
 *   argmax:     keep iff pred_keep > pred_drop (Gumbel-Softmax with zero noise)
 *   stochastic: keep iff pred_keep - pred_drop + noise > 0, noise ~ Logistic(0, 1) (= g_keep - g_drop)
 *   topk:       keep the k alive tokens with the highest keep probability, k = round(ratio * N)
 */
import { StudioError } from '../shared/errors';

import { SeededRandom, logisticNoise } from './random';

export const INFERENCE_MODES = ['argmax', 'topk', 'stochastic'] as const;
export type InferenceMode = (typeof INFERENCE_MODES)[number];

export function parseInferenceMode(value: string): InferenceMode {
  if ((INFERENCE_MODES as readonly string[]).includes(value)) return value as InferenceMode;
  throw new StudioError('input/invalid', `Unknown inference mode '${value}'.`, {
    hint: `Use one of: ${INFERENCE_MODES.join(', ')}.`,
  });
}

/** Scores of one pass's spatial slots for one selector, row-major [batch, slots]. */
export interface SlotScores {
  batch: number;
  slots: number;
  /** pred_keep - pred_drop. */
  margin: Float32Array;
  /** softmax score, keep column. */
  keepProbability: Float32Array;
  /** 1 where the slot holds a token still alive (kept so far); 0 for dropped or padding. */
  alive: Uint8Array;
  /** The slot's original spatial index (0..N-1), or -1 for padding. */
  originalIndex: Int32Array;
}

export interface DecisionRule {
  mode: InferenceMode;
  /** Logistic noise per [batch, N] original token (stochastic mode), shared by both passes. */
  noise: Float32Array | null;
  /** Tokens kept per image (topk mode). */
  keepCount: number;
  /** N, the number of original spatial tokens (indexes the noise). */
  spatialTokens: number;
  /** Sees the scores of every decision this rule makes (threshold calibration). */
  onScores?: (scores: SlotScores) => void;
}

/** Called with a selector's index and its scores at every decision of an inference pass. */
export type ScoresObserver = (selector: number, scores: SlotScores) => void;

/** Attaches an observer (if any) to each selector's rule. */
export function observeRules(rules: DecisionRule[], observer: ScoresObserver | undefined): DecisionRule[] {
  if (observer === undefined) return rules;
  return rules.map((rule, k) => ({ ...rule, onScores: (scores: SlotScores) => observer(k, scores) }));
}

/** topk's count for a cumulative keep ratio of N tokens: at least one token survives. */
export function topkCount(ratio: number, spatialTokens: number): number {
  return Math.min(spatialTokens, Math.max(1, Math.round(ratio * spatialTokens)));
}

/** Noise for one selector of one batch, drawn in [batch, N] order (training: one stream per step). */
export function drawDecisionNoise(random: SeededRandom, batch: number, spatialTokens: number, scale = 1): Float32Array {
  const noise = logisticNoise(random, batch * spatialTokens);
  if (scale !== 1) for (let i = 0; i < noise.length; i++) noise[i] = (noise[i] as number) * scale;
  return noise;
}

/**
 * Inference noise: every image has its own stream, seeded by the run's seed and the image's index in
 * the whole input, so an image's stochastic decisions do not depend on how the input is batched.
 * Returns one [batch * N_s] array per selector.
 */
export function drawImageNoise(seed: number, firstImage: number, batch: number, tokensPerSelector: readonly number[]): Float32Array[] {
  const noise = tokensPerSelector.map((tokens) => new Float32Array(batch * tokens));
  for (let b = 0; b < batch; b++) {
    const random = new SeededRandom((seed ^ Math.imul(firstImage + b + 1, 0x9e3779b1)) >>> 0);
    tokensPerSelector.forEach((tokens, s) => (noise[s] as Float32Array).set(logisticNoise(random, tokens), b * tokens));
  }
  return noise;
}

/**
 * topk ranks tokens by their keep probability rounded to 2^-16: two runtimes (tfjs here, TFLite or
 * LiteRT on a phone) compute probabilities that differ in the last bits, and an untrained selector
 * scores many tokens within those bits of each other, so ranking the raw floats would let each
 * runtime keep different tokens. Rounded, such tokens tie and both break ties by the lower index.
 */
export const TOPK_RANK_SCALE = 65536;

/** The key topk ranks by (the exported graph computes the same: FLOOR(p * 2^16 + 0.5)). */
export function topkRankKey(keepProbability: number): number {
  return Math.floor(Math.fround(Math.fround(keepProbability * TOPK_RANK_SCALE) + 0.5));
}

function topkRow(scores: SlotScores, row: number, count: number, out: Uint8Array): void {
  const base = row * scores.slots;
  const alive: number[] = [];
  for (let j = 0; j < scores.slots; j++) if (scores.alive[base + j] === 1) alive.push(j);
  // Highest keep probability first; ties go to the lower original index so both passes agree.
  alive.sort((a, b) => {
    const diff = topkRankKey(scores.keepProbability[base + b] as number) - topkRankKey(scores.keepProbability[base + a] as number);
    return diff !== 0 ? diff : (scores.originalIndex[base + a] as number) - (scores.originalIndex[base + b] as number);
  });
  for (const j of alive.slice(0, count)) out[base + j] = 1;
}

/** 1 = keep, per slot [batch, slots]; dead and padding slots are always 0. */
export function decideKeep(scores: SlotScores, rule: DecisionRule): Uint8Array {
  rule.onScores?.(scores);
  const out = new Uint8Array(scores.batch * scores.slots);
  if (rule.mode === 'topk') {
    for (let b = 0; b < scores.batch; b++) topkRow(scores, b, rule.keepCount, out);
    return out;
  }
  for (let b = 0; b < scores.batch; b++) {
    for (let j = 0; j < scores.slots; j++) {
      const slot = b * scores.slots + j;
      if (scores.alive[slot] !== 1) continue;
      let value = scores.margin[slot] as number;
      if (rule.mode === 'stochastic') {
        if (rule.noise === null) throw new StudioError('internal/bug', 'Stochastic decisions need noise.');
        value += rule.noise[b * rule.spatialTokens + (scores.originalIndex[slot] as number)] as number;
      }
      out[slot] = value > 0 ? 1 : 0;
    }
  }
  return out;
}

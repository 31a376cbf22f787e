/**
 * Argmax threshold calibration: after SPViT training, move each selector's decision threshold so
 * that the deterministic argmax mode keeps the target share of tokens.
 *
 * Why: training decides with Gumbel noise, so the ratio loss only pins the mean of
 * sigmoid(margin + noise) to the target. Until the selectors' margins grow well beyond the noise
 * (tens of epochs in the paper's setting), argmax (keep iff margin > 0) can keep far more or far
 * fewer tokens than the noisy decisions did. Shifting a selector's margin by a constant keeps its
 * ranking of tokens and its instance adaptivity (each image still keeps its own count); only the
 * threshold moves. The shift is written into the weights (TokenSelector.shiftKeepMargin), so the
 * saved model, its exports and every inference mode see the same selector.
 *
 * Selectors are calibrated in order (selector s sees the decisions of the calibrated 0..s-1). For
 * each, one argmax pass collects the margins of its live tokens over the calibration images; the new
 * threshold sits halfway between the K-th and (K+1)-th largest margin, K = target x decisions.
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../shared/errors';

import type { ScoresObserver } from './decisions';
import type { SpvitModel } from './model';

export interface CalibrationImages {
  /** Images [count, c, h, w], normalised as the model sees them. */
  images: Float32Array;
  shape: readonly [number, number, number, number];
}

export interface ThresholdCalibration {
  /** Margin shift added to each selector (0 = unchanged). */
  offsets: number[];
  /** Argmax keep ratio per selector on the calibration images before and after. */
  before: number[];
  after: number[];
  targets: number[];
  images: number;
  /**
   * Selectors whose argmax kept far from the target before the shift (more than
   * CALIBRATION_WARN_GAP): their new threshold cuts by a ranking training never decided on, which
   * can cost much accuracy (core/spvit/README.md).
   */
  warnings: string[];
}

/** Gap between the argmax keep ratio before calibration and the target above which it warns. */
export const CALIBRATION_WARN_GAP = 0.05;

function calibrationWarnings(before: readonly number[], targets: readonly number[]): string[] {
  return targets.flatMap((target, s) => {
    const kept = before[s] as number;
    if (Math.abs(kept - target) <= CALIBRATION_WARN_GAP) return [];
    return [
      `selector ${s}: argmax kept ${kept.toFixed(3)} of the tokens before calibration (target ${target.toFixed(3)}), so its threshold now cuts by a ranking training never decided on; ` +
        'check the pruned accuracy, and consider more SPViT epochs or annealing the Gumbel noise (spvit.gumbelNoise).',
    ];
  });
}

export interface CalibrateOptions {
  /** Per-selector target keep ratios (as the ratio loss and the report count them). */
  targets: readonly number[];
  /** Images per forward pass. Default 128. */
  batchSize?: number;
}

/** Runs argmax inference over the calibration images; per selector: kept / decided, and decided. */
function argmaxPass(model: SpvitModel, data: CalibrationImages, options: { batchSize: number; onScores?: ScoresObserver }): { ratios: number[]; decided: number[] } {
  const [count, c, h, w] = data.shape;
  const perImage = c * h * w;
  const kept = model.selectors.map(() => 0);
  const decided = model.selectors.map(() => 0);
  for (let start = 0; start < count; start += options.batchSize) {
    const size = Math.min(options.batchSize, count - start);
    const images = tf.tensor4d(data.images.subarray(start * perImage, (start + size) * perImage), [size, c, h, w]);
    try {
      const out = model.infer(images, { mode: 'argmax', firstImage: start, ...(options.onScores === undefined ? {} : { onScores: options.onScores }) });
      out.logits.dispose();
      out.decisions.forEach((decision, s) => {
        for (const value of decision.kept) kept[s] = (kept[s] as number) + value;
        decided[s] = (decided[s] as number) + decision.kept.length;
      });
    } finally {
      images.dispose();
    }
  }
  return { ratios: kept.map((value, s) => ((decided[s] as number) === 0 ? 0 : value / (decided[s] as number))), decided };
}

/** Argmax keep ratio of every selector over the calibration images (kept / decided). */
export function argmaxKeepRatios(model: SpvitModel, data: CalibrationImages, batchSize = 128): number[] {
  return argmaxPass(model, data, { batchSize }).ratios;
}

/** The margin shift that keeps `keep` of the live margins: halfway into the gap after the keep-th largest. */
function shiftForCount(margins: Float32Array, keep: number): number {
  const sorted = Float32Array.from(margins).sort().reverse();
  if (sorted.length === 0) return 0;
  if (keep <= 0) return -(sorted[0] as number) - 1e-3;
  if (keep >= sorted.length) return -(sorted[sorted.length - 1] as number) + 1e-3;
  return -((sorted[keep - 1] as number) + (sorted[keep] as number)) / 2;
}

export function calibrateKeepThresholds(model: SpvitModel, data: CalibrationImages, options: CalibrateOptions): ThresholdCalibration {
  const { targets } = options;
  if (targets.length !== model.selectors.length) {
    throw new StudioError('input/invalid', `${targets.length} keep-ratio target(s) for ${model.selectors.length} selector(s).`, { hint: 'Give one target per selector.' });
  }
  if (data.shape[0] === 0) throw new StudioError('input/invalid', 'Threshold calibration needs at least one image.', { hint: 'Use a non-empty training set.' });
  const batchSize = options.batchSize ?? 128;
  const before = argmaxKeepRatios(model, data, batchSize);
  const offsets = targets.map((target, s) => {
    const live: number[] = [];
    const { decided } = argmaxPass(model, data, {
      batchSize,
      onScores: (selector, scores) => {
        if (selector !== s) return;
        for (let slot = 0; slot < scores.alive.length; slot++) if (scores.alive[slot] === 1) live.push(scores.margin[slot] as number);
      },
    });
    const offset = shiftForCount(Float32Array.from(live), Math.round(target * (decided[s] as number)));
    model.selectors[s]?.shiftKeepMargin(offset);
    return offset;
  });
  return { offsets, before, after: argmaxKeepRatios(model, data, batchSize), targets: [...targets], images: data.shape[0], warnings: calibrationWarnings(before, targets) };
}

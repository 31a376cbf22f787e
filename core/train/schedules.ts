/**
 * Learning-rate schedules, evaluated per step at a fractional epoch (step / stepsPerEpoch), so short
 * runs still see a smooth curve. Two schedules:
 *  - dense pre-training: linear warm-up, then cosine from lr to minLr, for every parameter;
 *  - SPViT (spec B §5.1): selectors cosine from lr to minLr; backbone 0 for the first
 *    `backboneFreezeEpochs`, then min(backboneLrCap x lr, the cosine); cls_token / pos_embed frozen.
 * And the SPViT stage's Gumbel-noise scale (noiseScaleAt).
 */
import { z } from 'zod';

export const DenseScheduleSchema = z.strictObject({
  kind: z.literal('dense'),
  lr: z.number().nonnegative(),
  minLr: z.number().nonnegative(),
  warmupEpochs: z.number().nonnegative(),
  epochs: z.number().positive(),
});
export type DenseSchedule = z.infer<typeof DenseScheduleSchema>;

export const SpvitScheduleSchema = z.strictObject({
  kind: z.literal('spvit'),
  lr: z.number().nonnegative(),
  minLr: z.number().nonnegative(),
  epochs: z.number().positive(),
  backboneFreezeEpochs: z.number().nonnegative(),
  /** Backbone lr cap as a fraction of the base lr (0.01 in the official code). */
  backboneLrCap: z.number().min(0).max(1),
  /** Gumbel-noise annealing (noiseScaleAt); absent: full noise throughout, as the official code. */
  noise: z.strictObject({ annealFrom: z.number().min(0).max(1), finalScale: z.number().min(0).max(1) }).optional(),
});
export type SpvitSchedule = z.infer<typeof SpvitScheduleSchema>;

export type LrSchedule = DenseSchedule | SpvitSchedule;

/** Learning rate per optimiser group at one point of training. */
export interface GroupRates {
  /** Dense: every trainable parameter; SPViT: the backbone (frozen keys excluded). */
  backbone: number;
  /** SPViT selectors (0 in dense training, which has none). */
  selector: number;
}

/** minLr + (lr - minLr) (1 + cos(pi t)) / 2 for t in [0, 1]. */
export function cosineLr(lr: number, minLr: number, progress: number): number {
  const t = Math.min(1, Math.max(0, progress));
  return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * t))) / 2;
}

/** Rates at fractional epoch `epoch` (0 at the first step). */
export function ratesAt(schedule: LrSchedule, epoch: number): GroupRates {
  if (schedule.kind === 'dense') {
    const { lr, minLr, warmupEpochs, epochs } = schedule;
    if (epoch < warmupEpochs) return { backbone: (lr * (epoch + 1e-3)) / warmupEpochs, selector: 0 };
    const span = Math.max(epochs - warmupEpochs, 1e-9);
    return { backbone: cosineLr(lr, minLr, (epoch - warmupEpochs) / span), selector: 0 };
  }
  const cosine = cosineLr(schedule.lr, schedule.minLr, epoch / schedule.epochs);
  const backbone = epoch < schedule.backboneFreezeEpochs ? 0 : Math.min(schedule.backboneLrCap * schedule.lr, cosine);
  return { backbone, selector: cosine };
}

/**
 * Scale of the Gumbel noise in the SPViT stage's training decisions at fractional epoch `epoch`: 1
 * until `annealFrom` of the stage, then cosine down to `finalScale` at its end. With the scale near 0
 * the last steps train on the deterministic decisions (margin > 0) that argmax inference makes: the
 * backbone adapts to the tokens it will really see and the ratio loss acts on the argmax keep ratio.
 */
export function noiseScaleAt(schedule: LrSchedule, epoch: number): number {
  if (schedule.kind === 'dense' || schedule.noise === undefined) return 1;
  const { annealFrom, finalScale } = schedule.noise;
  const start = annealFrom * schedule.epochs;
  if (epoch <= start) return 1;
  return cosineLr(1, finalScale, (epoch - start) / Math.max(schedule.epochs - start, 1e-9));
}

/** How stored images become model inputs: size, channels, fit, normalisation and augmentation. */
import { z } from 'zod';

export const FitModeSchema = z.enum(['pad', 'resize']);
export type FitMode = z.infer<typeof FitModeSchema>;

export const AugmentConfigSchema = z.object({
  /** Zero padding on each side before a random crop back to the input size; 0 turns cropping off. */
  cropPadding: z.number().int().min(0).max(64).default(0),
  /** Random left-right flips; keep off for digits and text. */
  horizontalFlip: z.boolean().default(false),
});
export type AugmentConfig = z.infer<typeof AugmentConfigSchema>;

export const NormalizationSchema = z.union([
  z.literal('dataset'),
  z.literal('none'),
  z.object({ mean: z.array(z.number()).min(1).max(3), std: z.array(z.number().positive()).min(1).max(3) }),
]);
export type Normalization = z.infer<typeof NormalizationSchema>;

export const InputConfigSchema = z.object({
  height: z.number().int().min(1).max(4096),
  width: z.number().int().min(1).max(4096),
  channels: z.union([z.literal(1), z.literal(3)]),
  /**
   * 'pad': centre the stored image on a zero canvas (crop the centre if it is larger), e.g.
   * 28x28 -> 32x32 with 2 pixels of border; 'resize': resample to the input size.
   */
  fit: FitModeSchema.default('pad'),
  /** 'dataset': the dataset's own mean/std; 'none': pixels in [0, 1]. */
  normalization: NormalizationSchema.default('dataset'),
  augment: AugmentConfigSchema.default({ cropPadding: 0, horizontalFlip: false }),
});
export type InputConfig = z.infer<typeof InputConfigSchema>;
export type InputConfigIn = z.input<typeof InputConfigSchema>;

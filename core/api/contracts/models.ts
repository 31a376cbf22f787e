/**
 * models.*: model checkpoints opened from files (ours, or the official SPViT's config.json and
 * .safetensors), outside any run, to look at which tokens their selectors keep on chosen images.
 */
import { z } from 'zod';

import { method } from '../define';

import { TokenMapsResultSchema } from './training';

/** The images to run: a float32 NCHW .npy batch, or the first test images of the bundled sample dataset. */
export const CheckpointImagesSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('npy'), path: z.string().min(1) }),
  /** Resized to the model's input and turned to its channels. */
  z.object({ kind: z.literal('sample'), count: z.number().int().min(1).max(64).default(8) }),
]);
export type CheckpointImages = z.input<typeof CheckpointImagesSchema>;

export const CheckpointTokenMapsParamsSchema = z.object({
  /** The weights: a .safetensors with timm key names plus `selectors.*` (ours) or `score_predictor.*` (official). */
  weights: z.string().min(1),
  /**
   * The model config (ours, or the official `{reference, kwargs}`). Absent: the config our
   * checkpoints carry in their metadata, else a config.json beside the weights.
   */
  config: z.string().min(1).optional(),
  images: CheckpointImagesSchema,
  mode: z.enum(['argmax', 'topk', 'stochastic']).default('argmax'),
});

export const CheckpointTokenMapsSchema = TokenMapsResultSchema.extend({
  /** `pixels` / `imageShape` hold the images scaled down for display; the model saw this shape. */
  inputShape: z.array(z.number().int()),
  /** What each image is called: its class in the sample dataset, else the .npy file and index. */
  imageNames: z.array(z.string()),
  checkpoint: z.object({
    weights: z.string(),
    /** The config file read, or null when it came from the checkpoint's metadata. */
    config: z.string().nullable(),
    format: z.enum(['official', 'studio']),
    /** The backbone's registry id: 'vit', 'pit', 'swin'. */
    architecture: z.string(),
    selectors: z.number().int(),
  }),
});
export type CheckpointTokenMaps = z.infer<typeof CheckpointTokenMapsSchema>;

export const modelsMethods = {
  'models.tokenMaps': method({
    description: 'Opens a model checkpoint (a config and a .safetensors, ours or the official SPViT) and returns which tokens each selector kept on the given images.',
    params: CheckpointTokenMapsParamsSchema,
    result: CheckpointTokenMapsSchema,
  }),
} as const;

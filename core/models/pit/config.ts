/**
 * PiT configuration: timm's `PoolingVisionTransformer` constructor arguments (snake_case, as in the
 * fixtures' config.json) parsed into a normalised form, plus timm's named presets.
 */
import { z } from 'zod';

import { StudioError } from '../../shared/errors';

import type { Jsonable } from '../../shared/jsonable';

/** [height, width]. */
export type Size2 = readonly [number, number];

const positive = z.number().int().positive();
const pairSchema = z.tuple([positive, positive]);

/**
 * Which token the distillation head reads at inference. The original PiT code and timm since
 * PR #2649 (January 2026, in the 1.0.29 of the fixtures) feed it the distillation token; timm
 * 1.0.0 to 1.0.2x fed it the class token by mistake (`x_dist = self.head_drop(x)`). 'class'
 * reproduces the logits of those older timm versions.
 */
export const DistillationHeadTokenSchema = z.enum(['class', 'distillation']);
export type DistillationHeadToken = z.infer<typeof DistillationHeadTokenSchema>;

/** The normalised PiT configuration (camelCase JSON, what a ModelSpec carries). */
export const PitConfigSchema = z
  .object({
    imgSize: pairSchema,
    /** Kernel of the patch convolution. */
    patchSize: pairSchema,
    /** Stride of the patch convolution (padding is 0). */
    stride: positive,
    /** Per-head width per stage; stage width = baseDims[i] * heads[i]. */
    baseDims: z.array(positive).min(1),
    depths: z.array(z.number().int().nonnegative()).min(1),
    heads: z.array(positive).min(1),
    mlpRatio: z.number().positive(),
    inChans: positive,
    /** 0 = no classifier: the model returns the normalised class token. */
    numClasses: z.number().int().nonnegative(),
    /** A second (distillation) token and head, averaged with the class head at inference. */
    distilled: z.boolean(),
    distillationHeadToken: DistillationHeadTokenSchema,
  })
  .strict();
export type PitConfig = z.infer<typeof PitConfigSchema>;

const pair = z.union([positive, pairSchema]);

/** timm kwargs we implement. Training-only ones (dropouts) are accepted and ignored. */
const pitKwargsSchema = z
  .object({
    img_size: pair.default(224),
    patch_size: pair.default(16),
    stride: positive.default(8),
    stem_type: z.literal('overlap').default('overlap'),
    base_dims: z.array(positive).min(1).default([48, 48, 48]),
    depth: z.array(z.number().int().nonnegative()).min(1).default([2, 6, 4]),
    heads: z.array(positive).min(1).default([2, 4, 8]),
    mlp_ratio: z.number().positive().default(4),
    num_classes: z.number().int().nonnegative().default(1000),
    in_chans: positive.default(3),
    global_pool: z.literal('token').default('token'),
    distilled: z.boolean().default(false),
    drop_rate: z.number().optional(),
    pos_drop_drate: z.number().optional(),
    proj_drop_rate: z.number().optional(),
    attn_drop_rate: z.number().optional(),
    drop_path_rate: z.number().optional(),
  })
  .strict();

export type PitKwargs = z.input<typeof pitKwargsSchema>;

function toPair(value: number | readonly [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

function invalid(message: string, hint: string): StudioError {
  return new StudioError('model/invalid-config', `PoolingVisionTransformer: ${message}`, { hint });
}

export interface PitConfigOptions {
  distillationHeadToken?: DistillationHeadToken;
}

/** Parses timm's kwargs; throws `model/invalid-config` naming the field. */
export function pitConfigFromTimm(kwargs: unknown, options: PitConfigOptions = {}): PitConfig {
  const parsed = pitKwargsSchema.safeParse(kwargs ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw invalid(`bad argument '${field}': ${issue?.message ?? 'invalid'}.`, 'Use timm PoolingVisionTransformer constructor arguments (snake_case).');
  }
  const k = parsed.data;
  return checkPitConfig({
    imgSize: toPair(k.img_size),
    patchSize: toPair(k.patch_size),
    stride: k.stride,
    baseDims: [...k.base_dims],
    depths: [...k.depth],
    heads: [...k.heads],
    mlpRatio: k.mlp_ratio,
    inChans: k.in_chans,
    numClasses: k.num_classes,
    distilled: k.distilled,
    distillationHeadToken: options.distillationHeadToken ?? 'distillation',
  });
}

/** Cross-field checks; returns the config. Throws `model/invalid-config`. */
export function checkPitConfig(config: PitConfig): PitConfig {
  const stages = config.depths.length;
  if (config.baseDims.length !== stages || config.heads.length !== stages) {
    throw invalid(`depth, base_dims and heads have ${stages}, ${config.baseDims.length} and ${config.heads.length} entries.`, 'Give one entry per stage in each.');
  }
  const widths = config.baseDims.map((dim, i) => dim * (config.heads[i] as number));
  widths.slice(1).forEach((width, i) => {
    if (width % (widths[i] as number) !== 0) {
      throw invalid(`stage ${i + 1} width ${width} is not a multiple of stage ${i} width ${widths[i]}.`, 'The pooling conv is grouped by input channel: widths must grow by whole factors.');
    }
  });
  return config;
}

/** Reads a normalised config from JSON (e.g. a saved spec); throws `model/invalid-config`. */
export function parsePitConfig(json: unknown): PitConfig {
  const parsed = PitConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`bad config field '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}.`, 'Rebuild the spec from timm kwargs.');
  }
  return checkPitConfig(parsed.data);
}

const PIT_TI = { patch_size: 16, stride: 8, base_dims: [32, 32, 32], depth: [2, 6, 4], heads: [2, 4, 8], mlp_ratio: 4 };
const PIT_XS = { patch_size: 16, stride: 8, base_dims: [48, 48, 48], depth: [2, 6, 4], heads: [2, 4, 8], mlp_ratio: 4 };
const PIT_S = { patch_size: 16, stride: 8, base_dims: [48, 48, 48], depth: [2, 6, 4], heads: [3, 6, 12], mlp_ratio: 4 };
const PIT_B = { patch_size: 14, stride: 7, base_dims: [64, 64, 64], depth: [3, 6, 4], heads: [4, 8, 16], mlp_ratio: 4 };

/** timm's registered PiT models (constructor arguments as timm's `pit_*` functions pass them). */
export const PIT_PRESETS = {
  pit_ti_224: PIT_TI,
  pit_xs_224: PIT_XS,
  pit_s_224: PIT_S,
  pit_b_224: PIT_B,
  pit_ti_distilled_224: { ...PIT_TI, distilled: true },
  pit_xs_distilled_224: { ...PIT_XS, distilled: true },
  pit_s_distilled_224: { ...PIT_S, distilled: true },
  pit_b_distilled_224: { ...PIT_B, distilled: true },
} satisfies Record<string, PitKwargs & { [key: string]: Jsonable }>;

export type PitPresetName = keyof typeof PIT_PRESETS;

/**
 * Swin configuration: timm's `SwinTransformer` constructor arguments (snake_case, as in the fixtures'
 * config.json) parsed into one normalised form with per-stage values, plus timm's named presets.
 */
import { z } from 'zod';

import { StudioError } from '../../shared/errors';

import type { Jsonable } from '../../shared/jsonable';

const positive = z.number().int().positive();
const pairSchema = z.tuple([positive, positive]);

/** The normalised Swin configuration (camelCase JSON, what a ModelSpec carries). */
export const SwinConfigSchema = z
  .object({
    imgSize: pairSchema,
    patchSize: positive,
    inChans: positive,
    /** 0 = no classifier: the model returns the pooled features. */
    numClasses: z.number().int().nonnegative(),
    /** Channels per stage (timm: embed_dim * 2**i unless a list is given). */
    embedDims: z.array(positive).min(1),
    depths: z.array(z.number().int().nonnegative()).min(1),
    numHeads: z.array(positive).min(1),
    /** Configured window per stage, before clipping to the resolution. */
    windowSizes: z.array(pairSchema).min(1),
    mlpRatios: z.array(z.number().positive()).min(1),
    qkvBias: z.boolean(),
    alwaysPartition: z.boolean(),
    /** 'avg' pools the grid before the head; '' keeps the grid (no classifier allowed then). */
    globalPool: z.enum(['avg', '']),
  })
  .strict();
export type SwinConfig = z.infer<typeof SwinConfigSchema>;

const pair = z.union([positive, pairSchema]);

/** timm kwargs we implement. Training-only ones (dropouts, init) are accepted and ignored. */
const swinKwargsSchema = z
  .object({
    img_size: pair.default(224),
    patch_size: z.number().int().positive().default(4),
    in_chans: z.number().int().positive().default(3),
    num_classes: z.number().int().nonnegative().default(1000),
    global_pool: z.enum(['avg', '']).default('avg'),
    embed_dim: z.union([z.number().int().positive(), z.array(z.number().int().positive())]).default(96),
    depths: z.array(z.number().int().nonnegative()).min(1).default([2, 2, 6, 2]),
    num_heads: z.array(z.number().int().positive()).min(1).default([3, 6, 12, 24]),
    head_dim: z.number().int().positive().nullable().default(null),
    window_size: z.union([pair, z.array(pair)]).default(7),
    always_partition: z.boolean().default(false),
    strict_img_size: z.boolean().default(true),
    mlp_ratio: z.union([z.number().positive(), z.array(z.number().positive())]).default(4),
    qkv_bias: z.boolean().default(true),
    drop_rate: z.number().optional(),
    proj_drop_rate: z.number().optional(),
    attn_drop_rate: z.number().optional(),
    drop_path_rate: z.number().optional(),
    weight_init: z.string().optional(),
  })
  .strict();

export type SwinKwargs = z.input<typeof swinKwargsSchema>;

function toPair(value: number | readonly [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

function invalid(message: string, hint: string): StudioError {
  return new StudioError('model/invalid-config', `SwinTransformer: ${message}`, { hint });
}

function perStage<T>(value: T | readonly T[], stages: number, name: string): T[] {
  if (!Array.isArray(value)) return Array.from({ length: stages }, () => value as T);
  if (value.length !== stages) throw invalid(`${name} has ${value.length} entries for ${stages} stages.`, `Give ${name} one entry per stage, or one value.`);
  return [...(value as readonly T[])];
}

/**
 * Window sizes as timm reads them: one int, or a 2-list of ints (one [h, w] window for every stage,
 * even with two stages), or one entry per stage.
 */
function windowsPerStage(value: SwinKwargsParsed['window_size'], stages: number): [number, number][] {
  const isPair = Array.isArray(value) && value.length === 2 && value.every((entry) => typeof entry === 'number');
  if (typeof value === 'number' || isPair) {
    const window = toPair(value as number | [number, number]);
    return Array.from({ length: stages }, () => window);
  }
  return perStage(value as readonly (number | [number, number])[], stages, 'window_size').map(toPair);
}

type SwinKwargsParsed = z.output<typeof swinKwargsSchema>;

/** Parses timm's kwargs; throws `model/invalid-config` naming the field. */
export function swinConfigFromTimm(kwargs: unknown): SwinConfig {
  const parsed = swinKwargsSchema.safeParse(kwargs ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw invalid(`bad argument '${field}': ${issue?.message ?? 'invalid'}.`, 'Use timm SwinTransformer constructor arguments (snake_case).');
  }
  const k = parsed.data;
  const stages = k.depths.length;
  if (k.strict_img_size === false) {
    throw new StudioError('model/unsupported', 'SwinTransformer: strict_img_size=False (dynamic input sizes) is not implemented.', { hint: 'Use a fixed img_size.' });
  }
  const embedDims = Array.isArray(k.embed_dim) ? perStage(k.embed_dim, stages, 'embed_dim') : k.depths.map((_, i) => (k.embed_dim as number) * 2 ** i);
  if (k.head_dim !== null) {
    embedDims.forEach((dim, i) => {
      const heads = k.num_heads[i] ?? 0;
      if (k.head_dim !== null && k.head_dim * heads !== dim) {
        throw new StudioError('model/unsupported', `SwinTransformer: head_dim ${k.head_dim} x ${heads} heads differs from the ${dim} channels of stage ${i}.`, {
          hint: 'Leave head_dim unset (None); attention widths other than the stage width are not implemented.',
        });
      }
    });
  }
  return checkSwinConfig({
    imgSize: toPair(k.img_size),
    patchSize: k.patch_size,
    inChans: k.in_chans,
    numClasses: k.num_classes,
    embedDims,
    depths: [...k.depths],
    numHeads: [...k.num_heads],
    windowSizes: windowsPerStage(k.window_size, stages),
    mlpRatios: perStage(k.mlp_ratio, stages, 'mlp_ratio'),
    qkvBias: k.qkv_bias,
    alwaysPartition: k.always_partition,
    globalPool: k.global_pool,
  });
}

/** Cross-field checks; returns the config. Throws `model/invalid-config` or `model/unsupported`. */
export function checkSwinConfig(config: SwinConfig): SwinConfig {
  const stages = config.depths.length;
  const lists = { embedDims: config.embedDims, numHeads: config.numHeads, windowSizes: config.windowSizes, mlpRatios: config.mlpRatios };
  for (const [name, list] of Object.entries(lists)) {
    if (list.length !== stages) throw invalid(`${name} has ${list.length} entries for ${stages} stages.`, 'Give one entry per stage.');
  }
  config.embedDims.forEach((dim, i) => {
    const heads = config.numHeads[i] as number;
    if (dim % heads !== 0) throw invalid(`stage ${i} has ${dim} channels, not divisible by ${heads} heads.`, 'Pick embed_dim and num_heads so that every stage divides evenly.');
  });
  if (config.globalPool === '' && config.numClasses > 0) throw invalid("global_pool '' needs num_classes 0.", "Use global_pool 'avg' with a classifier.");
  const [h, w] = config.imgSize;
  if (h % config.patchSize !== 0 || w % config.patchSize !== 0) {
    throw invalid(`img_size ${h}x${w} is not a multiple of patch_size ${config.patchSize}.`, 'Pick an image size that the patch size divides.');
  }
  return config;
}

/** Reads a normalised config from JSON (e.g. a saved spec); throws `model/invalid-config`. */
export function parseSwinConfig(json: unknown): SwinConfig {
  const parsed = SwinConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`bad config field '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}.`, 'Rebuild the spec from timm kwargs.');
  }
  return checkSwinConfig(parsed.data);
}

/** timm's registered Swin models (constructor arguments as timm's `swin_*` functions pass them). */
export const SWIN_PRESETS = {
  swin_tiny_patch4_window7_224: { patch_size: 4, window_size: 7, embed_dim: 96, depths: [2, 2, 6, 2], num_heads: [3, 6, 12, 24] },
  swin_small_patch4_window7_224: { patch_size: 4, window_size: 7, embed_dim: 96, depths: [2, 2, 18, 2], num_heads: [3, 6, 12, 24] },
  swin_base_patch4_window7_224: { patch_size: 4, window_size: 7, embed_dim: 128, depths: [2, 2, 18, 2], num_heads: [4, 8, 16, 32] },
  swin_base_patch4_window12_384: { img_size: 384, patch_size: 4, window_size: 12, embed_dim: 128, depths: [2, 2, 18, 2], num_heads: [4, 8, 16, 32] },
  swin_large_patch4_window7_224: { patch_size: 4, window_size: 7, embed_dim: 192, depths: [2, 2, 18, 2], num_heads: [6, 12, 24, 48] },
} satisfies Record<string, SwinKwargs & { [key: string]: Jsonable }>;

export type SwinPresetName = keyof typeof SWIN_PRESETS;

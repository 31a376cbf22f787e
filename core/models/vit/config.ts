/**
 * The flat ViT family (timm's VisionTransformer and DeiT's VisionTransformerDistilled): the studio's
 * normalised config and the reading of timm constructor kwargs into it.
 */
import { z } from 'zod';

import { StudioError } from '../../shared/errors';

import type { TimmPreset } from '../architecture';

/** timm's ViT uses LayerNorm with eps 1e-6 everywhere. */
export const VIT_NORM_EPS = 1e-6;

export const VitConfigSchema = z.strictObject({
  imgSize: z.number().int().positive(),
  patchSize: z.number().int().positive(),
  inChans: z.number().int().positive(),
  /** 0 means no head: forward returns the pooled features. */
  numClasses: z.number().int().nonnegative(),
  globalPool: z.enum(['token', 'avg', 'max', 'avgmax']),
  embedDim: z.number().int().positive(),
  depth: z.number().int().positive(),
  numHeads: z.number().int().positive(),
  mlpRatio: z.number().positive(),
  qkvBias: z.boolean(),
  qkNorm: z.boolean(),
  projBias: z.boolean(),
  /** LayerScale init (timm init_values); null disables LayerScale. */
  initValues: z.number().nullable(),
  classToken: z.boolean(),
  /** DeiT's distillation token and head (VisionTransformerDistilled). */
  distilled: z.boolean(),
  regTokens: z.number().int().nonnegative(),
  posEmbed: z.boolean(),
  noEmbedClass: z.boolean(),
  preNorm: z.boolean(),
  finalNorm: z.boolean(),
  /** timm's use_fc_norm: the final norm moves after pooling. */
  fcNorm: z.boolean(),
  poolIncludePrefix: z.boolean(),
  /** Training-only regularisers, kept for the trainer (identity at inference). */
  dropRate: z.number().min(0).max(1),
  dropPathRate: z.number().min(0).max(1),
});
export type VitConfig = z.infer<typeof VitConfigSchema>;

const imageSide = z.union([z.number().int().positive(), z.tuple([z.number().int().positive(), z.number().int().positive()])]);

/** timm VisionTransformer.__init__ arguments with timm's defaults. */
const TimmVitKwargsSchema = z.strictObject({
  img_size: imageSide.default(224),
  patch_size: imageSide.default(16),
  in_chans: z.number().int().positive().default(3),
  num_classes: z.number().int().nonnegative().default(1000),
  global_pool: z.enum(['token', 'avg', 'max', 'avgmax', '', 'map', 'prr']).default('token'),
  embed_dim: z.number().int().positive().default(768),
  depth: z.number().int().positive().default(12),
  num_heads: z.number().int().positive().default(12),
  mlp_ratio: z.number().positive().default(4),
  qkv_bias: z.boolean().default(true),
  qk_norm: z.boolean().default(false),
  proj_bias: z.boolean().default(true),
  init_values: z.number().nullable().default(null),
  class_token: z.boolean().default(true),
  pos_embed: z.enum(['learn', 'none', '']).default('learn'),
  no_embed_class: z.boolean().default(false),
  reg_tokens: z.number().int().nonnegative().default(0),
  pre_norm: z.boolean().default(false),
  final_norm: z.boolean().default(true),
  fc_norm: z.boolean().nullable().default(null),
  pool_include_prefix: z.boolean().default(false),
  drop_rate: z.number().min(0).max(1).default(0),
  pos_drop_rate: z.number().min(0).max(1).default(0),
  patch_drop_rate: z.number().min(0).max(1).default(0),
  proj_drop_rate: z.number().min(0).max(1).default(0),
  attn_drop_rate: z.number().min(0).max(1).default(0),
  drop_path_rate: z.number().min(0).max(1).default(0),
  weight_init: z.enum(['', 'skip', 'reset', 'jax', 'jax_nlhb', 'moco']).default(''),
  fix_init: z.boolean().default(false),
  // Accepted only at the value that keeps timm's behaviour the studio implements.
  dynamic_img_size: z.literal(false).default(false),
  dynamic_img_pad: z.literal(false).default(false),
  scale_attn_norm: z.literal(false).default(false),
  scale_mlp_norm: z.literal(false).default(false),
  pretrained: z.literal(false).default(false),
});

function square(value: number | [number, number], name: string): number {
  if (typeof value === 'number') return value;
  if (value[0] !== value[1]) {
    throw new StudioError('model/unsupported', `Non-square ${name} (${value.join(' x ')}) is not supported.`, { hint: `Use a square ${name}.` });
  }
  return value[0];
}

function invalid(timmClass: string, message: string): StudioError {
  return new StudioError('model/invalid-config', `${timmClass}: ${message}`, { hint: 'Fix the kwargs in the model config.' });
}

/** Reads timm kwargs; `distilled` selects VisionTransformerDistilled. Names the offending kwarg. */
export function vitConfigFromTimm(timmClass: string, kwargs: Readonly<Record<string, unknown>>, distilled: boolean): VitConfig {
  const parsed = TimmVitKwargsSchema.safeParse(kwargs);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    const unknownKeys = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
    const unsupported = unknownKeys !== '' || issue?.code === 'invalid_value';
    throw new StudioError(unsupported ? 'model/unsupported' : 'model/invalid-config', unknownKeys !== ''
      ? `${timmClass}: the studio does not implement the timm argument(s) ${unknownKeys}.`
      : `${timmClass}: kwarg '${path}': ${issue?.message ?? 'invalid'}.`, {
      details: { timmClass, kwarg: unknownKeys || path },
      hint: 'Remove or change that argument; see core/models/vit/config.ts for what is supported.',
    });
  }
  const k = parsed.data;
  if (k.global_pool === '' || k.global_pool === 'map' || k.global_pool === 'prr') {
    throw new StudioError('model/unsupported', `${timmClass}: global_pool '${k.global_pool}' is not supported.`, {
      hint: "Use 'token', 'avg', 'max' or 'avgmax'.",
    });
  }
  if (!k.class_token && k.global_pool === 'token') throw invalid(timmClass, "global_pool 'token' needs class_token.");
  if (k.embed_dim % k.num_heads !== 0) throw invalid(timmClass, `embed_dim ${k.embed_dim} is not divisible by num_heads ${k.num_heads}.`);
  const imgSize = square(k.img_size, 'img_size');
  const patchSize = square(k.patch_size, 'patch_size');
  if (imgSize % patchSize !== 0) throw invalid(timmClass, `img_size ${imgSize} is not a multiple of patch_size ${patchSize}.`);
  if (distilled && (k.global_pool !== 'token' || !k.class_token)) throw invalid(timmClass, "the distilled model needs class_token and global_pool 'token'.");
  return {
    imgSize,
    patchSize,
    inChans: k.in_chans,
    numClasses: k.num_classes,
    globalPool: k.global_pool,
    embedDim: k.embed_dim,
    depth: k.depth,
    numHeads: k.num_heads,
    mlpRatio: k.mlp_ratio,
    qkvBias: k.qkv_bias,
    qkNorm: k.qk_norm,
    projBias: k.proj_bias,
    initValues: k.init_values === 0 ? null : k.init_values,
    classToken: k.class_token,
    distilled,
    regTokens: k.reg_tokens,
    posEmbed: k.pos_embed === 'learn',
    noEmbedClass: k.no_embed_class,
    preNorm: k.pre_norm,
    finalNorm: k.final_norm,
    fcNorm: k.fc_norm ?? (k.global_pool === 'avg' || k.global_pool === 'max' || k.global_pool === 'avgmax'),
    poolIncludePrefix: k.pool_include_prefix,
    dropRate: k.drop_rate,
    dropPathRate: k.drop_path_rate,
  };
}

/** Tokens in front of the patches: class, distillation, registers. */
export function prefixTokenCount(config: VitConfig): number {
  return (config.classToken ? 1 : 0) + (config.distilled ? 1 : 0) + config.regTokens;
}

export function patchCount(config: VitConfig): number {
  return (config.imgSize / config.patchSize) ** 2;
}

const TINY = { patch_size: 16, embed_dim: 192, depth: 12, num_heads: 3 };
const SMALL = { patch_size: 16, embed_dim: 384, depth: 12, num_heads: 6 };
const BASE = { patch_size: 16, embed_dim: 768, depth: 12, num_heads: 12 };

/** timm model names of the flat ViT family (same kwargs as timm's model functions). */
export const VIT_TIMM_MODELS: Record<string, TimmPreset> = {
  deit_tiny_patch16_224: { timmClass: 'VisionTransformer', kwargs: TINY },
  deit_small_patch16_224: { timmClass: 'VisionTransformer', kwargs: SMALL },
  deit_base_patch16_224: { timmClass: 'VisionTransformer', kwargs: BASE },
  deit_base_patch16_384: { timmClass: 'VisionTransformer', kwargs: { ...BASE, img_size: 384 } },
  deit_tiny_distilled_patch16_224: { timmClass: 'VisionTransformerDistilled', kwargs: TINY },
  deit_small_distilled_patch16_224: { timmClass: 'VisionTransformerDistilled', kwargs: SMALL },
  deit_base_distilled_patch16_224: { timmClass: 'VisionTransformerDistilled', kwargs: BASE },
  deit_base_distilled_patch16_384: { timmClass: 'VisionTransformerDistilled', kwargs: { ...BASE, img_size: 384 } },
  vit_tiny_patch16_224: { timmClass: 'VisionTransformer', kwargs: TINY },
  vit_small_patch16_224: { timmClass: 'VisionTransformer', kwargs: SMALL },
  vit_base_patch16_224: { timmClass: 'VisionTransformer', kwargs: BASE },
};

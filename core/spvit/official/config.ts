/**
 * The official model's config: `{ "reference": { "class": "VisionTransformerDiffPruning", ... },
 * "kwargs": { ...constructor arguments } }` (the fixtures' config.json). Its semantics as our
 * settings: selectors at `pruning_loc`, shared head weights, package mode sum, selector LayerNorm
 * eps 1e-5, argmax decisions at inference (the official eval samples Gumbel noise: our stochastic).
 */
import { z } from 'zod';

import { StudioError } from '../../shared/errors';
import { OFFICIAL_KEEP_RATIOS, parseSpvitSettings } from '../settings';
import { SELECTOR_NORM_EPS } from '../selector';

import type { SpvitSettings } from '../settings';

export const OFFICIAL_CLASS = 'VisionTransformerDiffPruning';

/** The constructor of vit_l2_3keep_senet.py with its defaults. */
const OfficialKwargsSchema = z.strictObject({
  img_size: z.number().int().positive().default(224),
  patch_size: z.number().int().positive().default(16),
  in_chans: z.number().int().positive().default(3),
  num_classes: z.number().int().nonnegative().default(1000),
  embed_dim: z.number().int().positive().default(768),
  depth: z.number().int().positive().default(12),
  num_heads: z.number().int().positive().default(12),
  mlp_ratio: z.number().positive().default(4),
  qkv_bias: z.boolean().default(true),
  qk_scale: z.null().default(null),
  representation_size: z.null().default(null),
  drop_rate: z.number().min(0).max(1).default(0),
  attn_drop_rate: z.number().min(0).max(1).default(0),
  drop_path_rate: z.number().min(0).max(1).default(0),
  hybrid_backbone: z.null().default(null),
  norm_layer: z.null().default(null),
  pruning_loc: z.array(z.number().int().nonnegative()),
  token_ratio: z.array(z.number().gt(0).max(1)).nullable().default(null),
  distill: z.boolean().default(false),
});

const OfficialConfigSchema = z.looseObject({
  reference: z.looseObject({ class: z.string() }),
  kwargs: z.record(z.string(), z.unknown()),
});

export interface OfficialModelConfig {
  /** timm VisionTransformer kwargs of the backbone. */
  timmKwargs: Record<string, unknown>;
  settings: SpvitSettings;
}

export function isOfficialConfig(json: unknown): boolean {
  const parsed = OfficialConfigSchema.safeParse(json);
  return parsed.success && parsed.data.reference.class === OFFICIAL_CLASS;
}

export interface OfficialConfigOptions {
  /** false imports independent per-head selector weights (the official code always shares them). */
  sharedHeadWeights?: boolean;
}

/** Reads the official config; names the kwarg it cannot honour. */
export function readOfficialConfig(json: unknown, options: OfficialConfigOptions = {}): OfficialModelConfig {
  const outer = OfficialConfigSchema.safeParse(json);
  if (!outer.success || outer.data.reference.class !== OFFICIAL_CLASS) {
    throw new StudioError('model/invalid-config', `Not an official SPViT config: expected reference.class '${OFFICIAL_CLASS}' and kwargs.`, {
      hint: 'Pass the config.json written beside the official checkpoint (see the fixtures in shared/fixtures/spvit).',
    });
  }
  const parsed = OfficialKwargsSchema.safeParse(outer.data.kwargs);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : (issue?.path.join('.') ?? '');
    throw new StudioError(issue?.code === 'invalid_type' && issue.path.length > 0 && issue.expected === 'null' ? 'model/unsupported' : 'model/invalid-config', `${OFFICIAL_CLASS} kwarg '${key}': ${issue?.message ?? 'invalid'}.`, {
      details: { kwarg: key },
      hint: 'qk_scale, representation_size, hybrid_backbone and norm_layer are supported only at their default (null).',
    });
  }
  const k = parsed.data;
  const timmKwargs = {
    img_size: k.img_size,
    patch_size: k.patch_size,
    in_chans: k.in_chans,
    num_classes: k.num_classes,
    embed_dim: k.embed_dim,
    depth: k.depth,
    num_heads: k.num_heads,
    mlp_ratio: k.mlp_ratio,
    qkv_bias: k.qkv_bias,
    drop_rate: k.drop_rate,
    attn_drop_rate: k.attn_drop_rate,
    drop_path_rate: k.drop_path_rate,
  };
  const ratios = k.token_ratio ?? [...OFFICIAL_KEEP_RATIOS];
  const settings = parseSpvitSettings({
    selector: { blocks: k.pruning_loc, sharedHeadWeights: options.sharedHeadWeights ?? true, normEps: SELECTOR_NORM_EPS },
    package: { mode: 'sum' },
    // token_ratio only feeds the loss; the official code keeps three even with other pruning_loc.
    keepRatios: k.pruning_loc.map((_, i) => ratios[Math.min(i, ratios.length - 1)] as number),
    inference: { mode: 'argmax', seed: 0 },
  });
  return { timmKwargs, settings };
}

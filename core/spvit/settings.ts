/**
 * SPViT settings (spec Part A): where the selectors go, head-weight sharing, the package-token
 * formula, keep-ratio targets and the inference mode. Stored beside the backbone's timm config in
 * our config files and checkpoints (`spvit` section, camelCase).
 */
import { z } from 'zod';

import { StudioError } from '../shared/errors';

import { INFERENCE_MODES } from './decisions';
import { PACKAGE_MODES } from './package-token';
import { SELECTOR_NORM_EPS } from './selector';

/** Official DeiT targets: cumulative fractions of the spatial tokens after each selector. */
export const OFFICIAL_KEEP_RATIOS = [0.617, 0.369, 0.137] as const;

export const SpvitSettingsSchema = z.strictObject({
  selector: z.strictObject({
    /**
     * ViT: block indices (0-based) a selector runs in front of, increasing, e.g. [3, 6, 9].
     * PiT / Swin: one entry per stage, the block index inside that stage, or null for no selector.
     */
    blocks: z.array(z.number().int().nonnegative().nullable()),
    /** One scorer MLP for all heads (the official code), or one per head. */
    sharedHeadWeights: z.boolean().default(true),
    /** The selector's own LayerNorm eps (torch's default, as in the official code). */
    normEps: z.number().positive().default(SELECTOR_NORM_EPS),
  }),
  package: z.strictObject({ mode: z.enum(PACKAGE_MODES).default('average') }).default({ mode: 'average' }),
  /**
   * Target keep ratio per selector (ratio loss, topk counts). ViT: cumulative fractions of the
   * spatial tokens; PiT / Swin: fractions of that stage's grid.
   */
  keepRatios: z.array(z.number().gt(0).max(1)),
  inference: z
    .strictObject({ mode: z.enum(INFERENCE_MODES).default('argmax'), seed: z.number().int().default(0) })
    .default({ mode: 'argmax', seed: 0 }),
});
export type SpvitSettings = z.infer<typeof SpvitSettingsSchema>;
export type SpvitSettingsInput = z.input<typeof SpvitSettingsSchema>;

/** Parses and checks settings; the selector count must equal the number of keep ratios. */
export function parseSpvitSettings(json: unknown): SpvitSettings {
  const parsed = SpvitSettingsSchema.safeParse(json);
  if (!parsed.success) {
    throw new StudioError('model/invalid-config', `Invalid SPViT settings: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}.`, {
      hint: 'Expected {"selector": {"blocks": [3, 6, 9]}, "keepRatios": [0.617, 0.369, 0.137], ...}.',
    });
  }
  const settings = parsed.data;
  const count = selectorPositions(settings).length;
  if (count !== settings.keepRatios.length) {
    throw new StudioError('model/invalid-config', `${count} selector position(s) but ${settings.keepRatios.length} keep ratio(s).`, {
      hint: 'Give one keep ratio per selector.',
    });
  }
  return settings;
}

/** The non-null selector positions with the stage they belong to (stage 0 for ViT). */
export function selectorPositions(settings: Pick<SpvitSettings, 'selector'>): Array<{ entry: number; block: number }> {
  return settings.selector.blocks.flatMap((block, entry) => (block === null ? [] : [{ entry, block }]));
}

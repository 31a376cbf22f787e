/**
 * Part A's default selector placement per backbone family: DeiT in front of blocks [3, 6, 9] (the
 * same quarters for other depths), PiT one selector per stage in front of blocks [1, 3, 2], Swin right
 * after patch merging in stages 2-4. Keep-ratio targets: the official [0.617, 0.369, 0.137].
 */
import { StudioError } from '../shared/errors';

import { OFFICIAL_KEEP_RATIOS, parseSpvitSettings } from './settings';

import type { BackboneModel } from '../models/model';
import type { SpvitSettings } from './settings';

function quarters(depth: number): number[] {
  const blocks = [1, 2, 3].map((q) => Math.round((q * depth) / 4)).filter((block) => block > 0 && block < depth);
  return [...new Set(blocks)];
}

/** Selector positions for a backbone (see settings.ts for their meaning per family). */
export function defaultSelectorBlocks(backbone: BackboneModel): Array<number | null> {
  const config = backbone.config as { depth?: number; depths?: number[] };
  if (backbone.architecture === 'vit' && typeof config.depth === 'number') return quarters(config.depth);
  if (backbone.architecture === 'pit' && Array.isArray(config.depths)) {
    const preferred = [1, 3, 2];
    return config.depths.map((depth, i) => (depth === 0 ? null : Math.min(preferred[i] ?? 1, depth - 1)));
  }
  if (backbone.architecture === 'swin' && Array.isArray(config.depths)) return config.depths.map((depth, i) => (i === 0 || depth === 0 ? null : 0));
  throw new StudioError('model/unsupported', `No SPViT default for the '${backbone.architecture}' architecture.`, { hint: 'Give selector.blocks explicitly.' });
}

/** Complete default settings for a backbone. */
export function defaultSpvitSettings(backbone: BackboneModel): SpvitSettings {
  const blocks = defaultSelectorBlocks(backbone);
  const count = blocks.filter((block) => block !== null).length;
  const ratios = Array.from({ length: count }, (_, i) => OFFICIAL_KEEP_RATIOS[Math.min(i, OFFICIAL_KEEP_RATIOS.length - 1)] as number);
  return parseSpvitSettings({ selector: { blocks }, keepRatios: ratios });
}

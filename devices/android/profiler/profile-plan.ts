/**
 * The tables a phone profile measures for a ViT/DeiT (LUT token conventions, core/latency):
 *   patch-embed           the full sequence only (prefix + patches)
 *   block                 1 .. full + packages
 *   selector              2 .. full + packages - 1 (the sequence before its package is added)
 *   block-after-selector  3 .. full + packages (CLS, at least one kept token, a package)
 *   head                  1 (the class token)
 * `packages` is the number of selectors (package tokens the sequence can carry).
 */
import { StudioError } from '../../../core/shared/errors';

import type { LutBlockType } from '../../../core/latency/lut-schema';
import type { MicroModelSource } from '../../../core/export/tflite/micro-models';

export interface TablePlan {
  blockType: LutBlockType;
  stage: number;
  /** Explicit token counts (a single point, or the user's --tokens), or a range to sweep. */
  tokens: number[] | { min: number; max: number; anchors: number[] };
}

export const ALL_PROFILE_TABLES: readonly LutBlockType[] = ['patch-embed', 'block', 'selector', 'block-after-selector', 'head'];

export interface PlanOptions {
  /** Package tokens the longest sequence carries (selector count); 3 for DeiT's [3, 6, 9]. */
  maxPackages: number;
  /** Measure exactly these counts (clipped to each table's range) instead of sweeping. */
  tokens?: readonly number[] | undefined;
  /** Which tables (default: all the model supports). */
  blockTypes?: readonly LutBlockType[] | undefined;
}

export function planProfile(source: MicroModelSource, options: PlanOptions): TablePlan[] {
  const { config } = source;
  const full = (config.classToken ? 1 : 0) + (config.distilled ? 1 : 0) + config.regTokens + (config.imgSize / config.patchSize) ** 2;
  const longest = full + options.maxPackages;
  // The dense sequence is measured exactly: the unpruned model's blocks and first selector see it.
  const ranges: Record<string, { min: number; max: number; anchors: number[] } | number[]> = {
    'patch-embed': [full],
    block: { min: 1, max: longest, anchors: [full] },
    selector: { min: 2, max: Math.max(2, longest - 1), anchors: [full] },
    'block-after-selector': { min: 3, max: Math.max(3, longest), anchors: [] },
    head: [1],
  };
  const wanted = options.blockTypes ?? ALL_PROFILE_TABLES.filter((type) => source.selector !== null || (type !== 'selector' && type !== 'block-after-selector'));
  return wanted.map((blockType) => {
    const range = ranges[blockType];
    if (range === undefined || ((blockType === 'selector' || blockType === 'block-after-selector') && source.selector === null)) {
      throw new StudioError('input/invalid', `A phone profile of this model cannot measure '${blockType}'.`, {
        details: { blockType },
        hint: `Pick from ${ALL_PROFILE_TABLES.join(', ')} (selector tables need a selector-capable model).`,
      });
    }
    if (Array.isArray(range) || options.tokens === undefined) return { blockType, stage: 0, tokens: range };
    const inside = [...new Set(options.tokens)].filter((n) => n >= range.min && n <= range.max).sort((a, b) => a - b);
    if (inside.length === 0) {
      throw new StudioError('input/invalid', `None of the token counts given fits '${blockType}' (${range.min}..${range.max}).`, {
        details: { blockType, tokens: [...options.tokens] },
        hint: `Give counts between ${range.min} and ${range.max}.`,
      });
    }
    return { blockType, stage: 0, tokens: inside };
  });
}

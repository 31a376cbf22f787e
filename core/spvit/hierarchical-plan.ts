/** Selector placement for staged backbones (PiT, Swin): at most one selector per stage. */
import { StudioError } from '../shared/errors';

import type { SpvitSettings } from './settings';

export interface StagePlan {
  /** Block (inside the stage) the selector runs in front of, or null. */
  block: number | null;
  /** The selector's index among all selectors, or -1. */
  selector: number;
}

/** One plan per stage from `selector.blocks` (one entry per stage, null = no selector). */
export function planStages(settings: SpvitSettings, depths: readonly number[], family: string): StagePlan[] {
  const blocks = settings.selector.blocks;
  if (blocks.length !== depths.length) {
    throw new StudioError('model/invalid-config', `${family} has ${depths.length} stages but selector.blocks has ${blocks.length} entries.`, {
      hint: `Give one entry per stage: the block inside the stage the selector runs in front of, or null (e.g. ${family === 'PiT' ? '[1, 3, 2]' : '[null, 0, 0, 0]'}).`,
    });
  }
  let next = 0;
  return blocks.map((block, stage) => {
    if (block === null) return { block: null, selector: -1 };
    if (block >= (depths[stage] as number)) {
      throw new StudioError('model/invalid-config', `${family} stage ${stage} has ${depths[stage]} blocks; a selector cannot go in front of block ${block}.`, {
        hint: 'Use a block index inside the stage.',
      });
    }
    return { block, selector: next++ };
  });
}

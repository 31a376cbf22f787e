/**
 * What a board profile measures: per block type, the token counts of the latency table (sequence
 * lengths entering the op, CLS included, as core/latency defines them) and the count the board's
 * `profile` verb takes for each (the selector scores every token but CLS; the patch embedding
 * counts patches). Default grid: 1, both sides of every step of the accelerator's MAC-array rows,
 * and the longest sequence (CLS + patches + one package token per selector).
 */
import { StudioError } from '../../../core/shared/errors';

import type { LutBlockType, LutModelShape } from '../../../core/latency/lut-schema';
import type { BoardBlockType } from '../protocol/board-types';

export const BOARD_TABLES: readonly (LutBlockType & BoardBlockType)[] = ['patch-embed', 'block', 'block-after-selector', 'selector', 'head'];

export interface PlannedPoint {
  blockType: LutBlockType & BoardBlockType;
  /** The LUT's token count. */
  tokens: number;
  /** What the board's profile verb is asked for. */
  boardTokens: number;
}

export interface BoardPlanOptions {
  model: LutModelShape;
  /** Rows of the accelerator's MAC array (hello's accelerator.macRows): where the steps are. */
  tileTokens: number;
  maxPackages: number;
  tokens?: readonly number[] | undefined;
  blockTypes?: readonly LutBlockType[] | undefined;
}

/** 1, both sides of every tile edge below `max`, and `max`. */
export function stepGrid(max: number, tile: number): number[] {
  const set = new Set<number>([1, max]);
  for (let edge = tile; edge < max; edge += tile) {
    set.add(edge);
    set.add(edge + 1);
  }
  return [...set].filter((n) => n >= 1 && n <= max).sort((a, b) => a - b);
}

export function boardPlan(options: BoardPlanOptions): PlannedPoint[] {
  const stage = options.model.stages[0];
  if (options.model.arch !== 'vit' || stage === undefined || options.model.stages.length !== 1) {
    throw new StudioError('model/unsupported', `The ZCU102 accelerator runs flat ViT/DeiT models; '${options.model.name ?? options.model.arch}' is ${options.model.arch}.`, {
      hint: 'Profile a DeiT (e.g. --arch deit_tiny_patch16_224); PiT and Swin are profiled on phones.',
    });
  }
  const extra = stage.extraTokens;
  const full = stage.spatialTokens + extra + options.maxPackages;
  const wanted = options.blockTypes ?? BOARD_TABLES;
  const unknown = wanted.filter((type) => !(BOARD_TABLES as readonly string[]).includes(type));
  if (unknown.length > 0) {
    throw new StudioError('input/invalid', `The board has no '${unknown.join("', '")}' op to profile.`, { hint: `Board tables: ${BOARD_TABLES.join(', ')}.` });
  }
  const grid = options.tokens === undefined ? stepGrid(full, options.tileTokens) : [...options.tokens].sort((a, b) => a - b);
  const points: PlannedPoint[] = [];
  for (const blockType of BOARD_TABLES.filter((type) => wanted.includes(type))) {
    if (blockType === 'patch-embed') points.push({ blockType, tokens: stage.spatialTokens + extra, boardTokens: stage.spatialTokens });
    else if (blockType === 'head') points.push({ blockType, tokens: 1, boardTokens: 1 });
    else if (blockType === 'selector') {
      // The selector scores every token but CLS, so its grid starts at one candidate.
      const selectorGrid = options.tokens === undefined ? [...new Set([extra + 1, ...grid])].sort((a, b) => a - b) : grid;
      for (const tokens of selectorGrid.filter((n) => n > extra)) points.push({ blockType, tokens, boardTokens: tokens - extra });
    } else {
      for (const tokens of grid) points.push({ blockType, tokens, boardTokens: tokens });
    }
  }
  return points;
}

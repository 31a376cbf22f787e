/**
 * Where the tokens go: stages, selector positions and the token count entering every block for
 * given kept counts. Flat ViTs are one stage; PiT and Swin have one per resolution.
 *
 * Keep ratios are per selector, relative to the full spatial grid of the selector's stage
 * (cumulative within a stage: a later selector in the same stage keeps a subset). Inside a stage,
 * blocks before its first selector see the full grid; hierarchical models restore the full grid
 * before pooling / merging, so every stage starts full.
 */
import { StudioError } from '../shared/errors';

import type { LutBlockType, LutModelShape } from './lut-schema';

export interface LayoutStage {
  depth: number;
  spatialTokens: number;
  /** Never-pruned tokens (CLS). */
  extraTokens: number;
}

export interface SelectorPosition {
  stage: number;
  /** Index of the block (within its stage) that the selector runs in front of. */
  block: number;
}

export interface LatencyLayout {
  stages: LayoutStage[];
  /** Ordered by (stage, block). */
  selectors: SelectorPosition[];
  /**
   * 'per-selector': each selector appends a new package token that stays (DeiT, spec Part A);
   * 'carried': one package token, created by the first selector and carried across stages (PiT).
   */
  packageTokens: 'per-selector' | 'carried';
}

/** One op on the path of a forward pass, with the LUT table and token count it is looked up by. */
export interface LayoutOp {
  blockType: LutBlockType;
  stage: number;
  /** Block index within the stage (for blocks and selectors); -1 for fixed ops. */
  block: number;
  /** Index of the selector whose kept count sets the spatial tokens, or -1 when the grid is full. */
  phase: number;
  /** Tokens = spatial (full grid or kept count of `phase`) + this constant. */
  constantTokens: number;
  /** The full grid when phase is -1; unused otherwise. */
  fullSpatialTokens: number;
}

function compare(a: SelectorPosition, b: SelectorPosition): number {
  return a.stage - b.stage || a.block - b.block;
}

/** Checks positions against the stages; throws 'input/invalid' naming the selector. */
export function validateLayout(layout: LatencyLayout): void {
  layout.selectors.forEach((selector, i) => {
    const stage = layout.stages[selector.stage];
    const problem =
      stage === undefined
        ? `stage ${selector.stage} does not exist (${layout.stages.length} stages)`
        : selector.block < 0 || selector.block >= stage.depth
          ? `block ${selector.block} is outside stage ${selector.stage} (depth ${stage.depth})`
          : i > 0 && compare(layout.selectors[i - 1] as SelectorPosition, selector) >= 0
            ? 'selectors must be in increasing (stage, block) order without repeats'
            : null;
    if (problem !== null) {
      throw new StudioError('input/invalid', `selector ${i}: ${problem}`, {
        details: { field: `selectors[${i}]`, selector: { ...selector } },
        hint: 'Place selectors in front of existing blocks, in order.',
      });
    }
  });
}

/** The ops of one forward pass in order (patch embed, per stage: selectors + blocks, downsample, head). */
export function layoutOps(layout: LatencyLayout): LayoutOp[] {
  validateLayout(layout);
  const ops: LayoutOp[] = [];
  const first = layout.stages[0];
  if (first === undefined) return ops;
  ops.push({ blockType: 'patch-embed', stage: 0, block: -1, phase: -1, constantTokens: first.extraTokens, fullSpatialTokens: first.spatialTokens });
  let packages = 0;
  let selectorIndex = 0;
  layout.stages.forEach((stage, g) => {
    let phase = -1;
    for (let b = 0; b < stage.depth; b += 1) {
      const selector = layout.selectors[selectorIndex];
      const hasSelector = selector !== undefined && selector.stage === g && selector.block === b;
      if (hasSelector) {
        ops.push({ blockType: 'selector', stage: g, block: b, phase, constantTokens: stage.extraTokens + packages, fullSpatialTokens: stage.spatialTokens });
        phase = selectorIndex;
        selectorIndex += 1;
        packages = layout.packageTokens === 'carried' ? 1 : packages + 1;
      }
      ops.push({
        blockType: hasSelector ? 'block-after-selector' : 'block',
        stage: g,
        block: b,
        phase,
        constantTokens: stage.extraTokens + packages,
        fullSpatialTokens: stage.spatialTokens,
      });
    }
    if (g < layout.stages.length - 1) {
      ops.push({ blockType: 'downsample', stage: g, block: -1, phase: -1, constantTokens: stage.extraTokens + packages, fullSpatialTokens: stage.spatialTokens });
    }
  });
  const lastStage = layout.stages.length - 1;
  ops.push({ blockType: 'head', stage: lastStage, block: -1, phase: -1, constantTokens: 1, fullSpatialTokens: 0 });
  return ops;
}

/** Token count of an op for given kept counts per selector. */
export function opTokens(op: LayoutOp, keptTokens: readonly number[]): number {
  const spatial = op.phase < 0 ? op.fullSpatialTokens : (keptTokens[op.phase] ?? op.fullSpatialTokens);
  return spatial + op.constantTokens;
}

/** The layout of a LUT's model shape with selectors at the given positions. */
export function layoutFromModel(model: LutModelShape, selectors: readonly SelectorPosition[]): LatencyLayout {
  return {
    stages: model.stages.map((s) => ({ depth: s.depth, spatialTokens: s.spatialTokens, extraTokens: s.extraTokens })),
    selectors: [...selectors].sort(compare),
    packageTokens: model.arch === 'vit' ? 'per-selector' : 'carried',
  };
}

/** Flat-ViT selector positions from block indices, e.g. [3, 6, 9]. */
export function flatSelectors(blocks: readonly number[]): SelectorPosition[] {
  return blocks.map((block) => ({ stage: 0, block }));
}

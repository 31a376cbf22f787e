/** Checking a BoardModelShape read off the wire, and the token counts it implies per block. */
import { AgentError } from './frame-error';
import { expectInteger, expectIntegerArray, expectNumber, expectObject, expectString } from './validate';

import type { BoardModelShape } from './board-types';

const MAX_DIM = 8192;

export function parseBoardModelShape(value: unknown): BoardModelShape {
  const object = expectObject(value, 'model');
  const shape: BoardModelShape = {
    arch: expectString(object, 'arch', 128),
    imageSize: expectInteger(object, 'imageSize', { min: 1, max: 4096 }),
    patchSize: expectInteger(object, 'patchSize', { min: 1, max: 512 }),
    inChannels: expectInteger(object, 'inChannels', { min: 1, max: 64 }),
    embedDim: expectInteger(object, 'embedDim', { min: 1, max: MAX_DIM }),
    depth: expectInteger(object, 'depth', { min: 1, max: 256 }),
    heads: expectInteger(object, 'heads', { min: 1, max: 256 }),
    mlpRatio: expectNumber(object, 'mlpRatio', { min: 0.25, max: 16 }),
    numClasses: expectInteger(object, 'numClasses', { min: 1, max: 100_000 }),
    selectorBlocks: expectIntegerArray(object, 'selectorBlocks', { maxLength: 64, min: 0, max: 255 }),
    keptTokens: expectIntegerArray(object, 'keptTokens', { maxLength: 64, min: 1, max: 1_000_000 }),
  };
  checkShape(shape);
  return shape;
}

function checkShape(shape: BoardModelShape): void {
  const fail = (message: string): never => {
    throw new AgentError('model/invalid-config', message);
  };
  if (shape.imageSize % shape.patchSize !== 0) fail('imageSize must be a multiple of patchSize.');
  if (shape.embedDim % shape.heads !== 0) fail('embedDim must be divisible by heads.');
  if (shape.selectorBlocks.length !== shape.keptTokens.length) {
    fail('selectorBlocks and keptTokens must have the same length.');
  }
  const patches = patchCount(shape);
  shape.selectorBlocks.forEach((block, index) => {
    if (block >= shape.depth) fail(`selector block ${block} is past the model's depth ${shape.depth}.`);
    if (index > 0 && block <= (shape.selectorBlocks[index - 1] ?? -1)) fail('selectorBlocks must increase.');
    const kept = shape.keptTokens[index] ?? 0;
    const before = index === 0 ? patches : (shape.keptTokens[index - 1] ?? patches);
    if (kept > before) fail(`selector ${index} keeps ${kept} tokens, more than the ${before} it receives.`);
  });
}

export function patchCount(shape: Pick<BoardModelShape, 'imageSize' | 'patchSize'>): number {
  return (shape.imageSize / shape.patchSize) ** 2;
}

export interface BlockTokenPlan {
  /** Tokens each block runs on: CLS + kept spatial tokens + one package token per selector so far. */
  blockTokens: number[];
  /** For each block, the selector that runs right before it, or null. */
  selectorBefore: (number | null)[];
  /** Tokens each selector scores: every token but CLS (kept spatial + earlier package tokens). */
  selectorTokens: number[];
}

/** Pruned tokens are physically removed at inference, so every later block runs on fewer tokens. */
export function planBlockTokens(shape: BoardModelShape): BlockTokenPlan {
  const patches = patchCount(shape);
  const blockTokens: number[] = [];
  const selectorBefore: (number | null)[] = [];
  const selectorTokens: number[] = [];
  let spatial = patches;
  let packages = 0;
  for (let block = 0; block < shape.depth; block += 1) {
    const selector = shape.selectorBlocks.indexOf(block);
    if (selector >= 0) {
      selectorTokens.push(spatial + packages);
      spatial = shape.keptTokens[selector] ?? spatial;
      packages += 1;
    }
    selectorBefore.push(selector >= 0 ? selector : null);
    blockTokens.push(1 + spatial + packages);
  }
  return { blockTokens, selectorBefore, selectorTokens };
}

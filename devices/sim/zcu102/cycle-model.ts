/**
 * Cycle model of the simulated fixed-point ViT accelerator. Matrix products run on a macRows×macCols
 * int8 MAC array in output tiles (so latency steps up every macRows tokens: the LUT's staircase),
 * overlapped with DDR traffic (weights, and inputs re-read when the weights overflow the on-chip
 * buffer); softmax, GELU and LayerNorm run on lane-parallel non-linear units; token gathers and
 * patch extraction run on the ARM cores and are reported apart. Deterministic: noise is added later.
 */
import { patchCount, planBlockTokens } from '../../zcu102/protocol/model-shape';

import type { BoardBlockType, BoardModelShape } from '../../zcu102/protocol/board-types';
import type { AcceleratorConfig } from './accelerator-config';

export interface OpCost {
  name: string;
  /** Accelerator cycles, launch overhead included. */
  cycles: number;
  cpuMs: number;
}

export interface CostBreakdown {
  acceleratorMs: number;
  cpuMs: number;
  totalMs: number;
  ops: OpCost[];
}

interface MatmulShape {
  rows: number;
  inner: number;
  cols: number;
  /** Bytes of the right-hand operand streamed from DDR (weights), 0 when it is already on chip. */
  streamedBytes: number;
  /** How many independent products (attention heads). */
  batch: number;
}

class OpList {
  readonly ops: OpCost[] = [];

  constructor(private readonly config: AcceleratorConfig) {}

  private get launchCycles(): number {
    return this.config.opLaunchUs * this.config.clockMHz;
  }

  private get ddrBytesPerCycle(): number {
    return (this.config.ddrGBps * 1e9) / (this.config.clockMHz * 1e6);
  }

  matmul(name: string, shape: MatmulShape): void {
    const { macRows, macCols, tileOverheadCycles, weightBufferBytes } = this.config;
    const tiles = Math.ceil(shape.rows / macRows) * Math.ceil(shape.cols / macCols);
    const compute = shape.batch * tiles * (shape.inner + tileOverheadCycles);
    const weightSlices = Math.max(1, Math.ceil(shape.streamedBytes / weightBufferBytes));
    const inputBytes = shape.rows * shape.inner * weightSlices;
    const outputBytes = shape.rows * shape.cols;
    const memory = (shape.batch * (shape.streamedBytes + inputBytes + outputBytes)) / this.ddrBytesPerCycle;
    // Double buffering hides the shorter of the two, except while the first tile's data arrives.
    const firstTile = Math.min(memory, compute) / Math.max(1, shape.batch * tiles);
    this.ops.push({ name, cycles: Math.max(compute, memory) + firstTile + this.launchCycles, cpuMs: 0 });
  }

  nonlinear(name: string, elements: number, lanes: number, passes: number): void {
    const cycles = passes * Math.ceil(elements / lanes) + this.config.nonlinearPipelineCycles;
    this.ops.push({ name, cycles: cycles + this.launchCycles, cpuMs: 0 });
  }

  cpu(name: string, copiedBytes: number): void {
    const cpuMs = (this.config.cpuOpUs + copiedBytes / (this.config.cpuCopyGBps * 1e3)) / 1e3;
    this.ops.push({ name, cycles: 0, cpuMs });
  }

  breakdown(): CostBreakdown {
    const cycles = this.ops.reduce((sum, op) => sum + op.cycles, 0);
    const acceleratorMs = cycles / (this.config.clockMHz * 1e3);
    const cpuMs = this.ops.reduce((sum, op) => sum + op.cpuMs, 0);
    return { acceleratorMs, cpuMs, totalMs: acceleratorMs + cpuMs, ops: this.ops };
  }
}

function addBlock(list: OpList, config: AcceleratorConfig, model: BoardModelShape, tokens: number): void {
  const dim = model.embedDim;
  const headDim = dim / model.heads;
  const hidden = Math.round(dim * model.mlpRatio);
  const weights = (inner: number, cols: number): MatmulShape => ({ rows: tokens, inner, cols, streamedBytes: inner * cols, batch: 1 });
  list.nonlinear('norm1', tokens * dim, config.layerNormLanes, 2);
  list.matmul('qkv', weights(dim, 3 * dim));
  list.matmul('attention-scores', { rows: tokens, inner: headDim, cols: tokens, streamedBytes: headDim * tokens, batch: model.heads });
  list.nonlinear('softmax', model.heads * tokens * tokens, config.softmaxLanes, 2);
  list.matmul('attention-values', { rows: tokens, inner: tokens, cols: headDim, streamedBytes: tokens * headDim, batch: model.heads });
  list.matmul('projection', weights(dim, dim));
  list.nonlinear('residual1', tokens * dim, config.layerNormLanes, 1);
  list.nonlinear('norm2', tokens * dim, config.layerNormLanes, 2);
  list.matmul('fc1', weights(dim, hidden));
  list.nonlinear('gelu', tokens * hidden, config.geluLanes, 1);
  list.matmul('fc2', weights(hidden, dim));
  list.nonlinear('residual2', tokens * dim, config.layerNormLanes, 1);
}

/** The selector scores `tokens` tokens per head with one shared MLP (d → d → d/2 → d/4 → 2). */
function addSelector(list: OpList, config: AcceleratorConfig, model: BoardModelShape, tokens: number): void {
  const headDim = model.embedDim / model.heads;
  const rows = tokens * model.heads;
  const layer = (name: string, inner: number, cols: number): void =>
    list.matmul(name, { rows, inner, cols, streamedBytes: inner * cols, batch: 1 });
  list.nonlinear('selector-norm', rows * headDim, config.layerNormLanes, 2);
  layer('selector-in', headDim, headDim);
  list.nonlinear('selector-gelu-in', rows * headDim, config.geluLanes, 1);
  list.nonlinear('selector-global-pool', rows * headDim, config.layerNormLanes, 1);
  layer('selector-out1', headDim, headDim / 2);
  list.nonlinear('selector-gelu1', (rows * headDim) / 2, config.geluLanes, 1);
  layer('selector-out2', headDim / 2, headDim / 4);
  list.nonlinear('selector-gelu2', (rows * headDim) / 4, config.geluLanes, 1);
  layer('selector-out3', headDim / 4, 2);
  list.nonlinear('selector-softmax', rows * 2, config.softmaxLanes, 2);
  list.matmul('selector-head-weights', { rows: tokens, inner: model.heads, cols: model.heads, streamedBytes: model.heads ** 2, batch: 1 });
  // Keep decisions (argmax per token) and the new token order are worked out on the ARM side.
  list.cpu('selector-decisions', tokens * 8);
}

function addPatchEmbed(list: OpList, model: BoardModelShape, tokens: number): void {
  const patchBytes = model.patchSize * model.patchSize * model.inChannels;
  list.cpu('patch-extraction', tokens * patchBytes);
  list.matmul('patch-projection', { rows: tokens, inner: patchBytes, cols: model.embedDim, streamedBytes: patchBytes * model.embedDim, batch: 1 });
}

function addHead(list: OpList, config: AcceleratorConfig, model: BoardModelShape): void {
  list.nonlinear('head-norm', model.embedDim, config.layerNormLanes, 2);
  list.matmul('classifier', { rows: 1, inner: model.embedDim, cols: model.numClasses, streamedBytes: model.embedDim * model.numClasses, batch: 1 });
}

/** One profiled unit at `tokens` tokens (patches for patch-embed; ignored for head). */
export function unitCost(config: AcceleratorConfig, model: BoardModelShape, unit: { blockType: BoardBlockType; tokens: number }): CostBreakdown {
  const list = new OpList(config);
  switch (unit.blockType) {
    case 'patch-embed':
      addPatchEmbed(list, model, unit.tokens);
      break;
    case 'block':
      addBlock(list, config, model, unit.tokens);
      break;
    case 'block-after-selector':
      // The kept tokens (and the new package token) are gathered into a dense buffer first.
      list.cpu('token-gather', unit.tokens * model.embedDim);
      addBlock(list, config, model, unit.tokens);
      break;
    case 'selector':
      addSelector(list, config, model, unit.tokens);
      break;
    case 'head':
      addHead(list, config, model);
      break;
  }
  return list.breakdown();
}

/** The whole model, with the token counts its selectors leave to each block. */
export function modelCost(config: AcceleratorConfig, model: BoardModelShape): CostBreakdown {
  const plan = planBlockTokens(model);
  const parts: CostBreakdown[] = [unitCost(config, model, { blockType: 'patch-embed', tokens: patchCount(model) })];
  plan.blockTokens.forEach((tokens, block) => {
    const selector = plan.selectorBefore[block] ?? null;
    if (selector !== null) {
      parts.push(unitCost(config, model, { blockType: 'selector', tokens: plan.selectorTokens[selector] ?? tokens }));
    }
    parts.push(unitCost(config, model, { blockType: selector === null ? 'block' : 'block-after-selector', tokens }));
  });
  parts.push(unitCost(config, model, { blockType: 'head', tokens: 1 }));
  return {
    acceleratorMs: parts.reduce((sum, part) => sum + part.acceleratorMs, 0),
    cpuMs: parts.reduce((sum, part) => sum + part.cpuMs, 0),
    totalMs: parts.reduce((sum, part) => sum + part.totalMs, 0),
    ops: parts.flatMap((part) => part.ops),
  };
}

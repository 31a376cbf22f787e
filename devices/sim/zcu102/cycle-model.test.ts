import { describe, expect, it } from 'vitest';

import { zcu102AcceleratorConfig } from './accelerator-config';
import { modelCost, unitCost } from './cycle-model';

import type { BoardModelShape } from '../../zcu102/protocol/board-types';

const DEIT: Omit<BoardModelShape, 'arch' | 'embedDim' | 'heads'> = {
  imageSize: 224,
  patchSize: 16,
  inChannels: 3,
  depth: 12,
  mlpRatio: 4,
  numClasses: 1000,
  selectorBlocks: [],
  keptTokens: [],
};
const DEIT_TINY: BoardModelShape = { ...DEIT, arch: 'deit_tiny_patch16_224', embedDim: 192, heads: 3 };
const DEIT_SMALL: BoardModelShape = { ...DEIT, arch: 'deit_small_patch16_224', embedDim: 384, heads: 6 };
const DEIT_BASE: BoardModelShape = { ...DEIT, arch: 'deit_base_patch16_224', embedDim: 768, heads: 12 };

describe('the ZCU102 accelerator cycle model', () => {
  const config = zcu102AcceleratorConfig();
  const blockMs = (tokens: number): number => unitCost(config, DEIT_SMALL, { blockType: 'block', tokens }).totalMs;

  it('puts dense DeiT-S between 18 and 30 ms (the calibration target)', () => {
    const cost = modelCost(config, DEIT_SMALL);
    expect(cost.totalMs).toBeGreaterThan(18);
    expect(cost.totalMs).toBeLessThan(30);
    expect(cost.cpuMs).toBeGreaterThan(0);
    expect(cost.acceleratorMs).toBeGreaterThan(cost.cpuMs * 50);
  });

  it('orders DeiT-T < DeiT-S < DeiT-B', () => {
    const [tiny, small, base] = [DEIT_TINY, DEIT_SMALL, DEIT_BASE].map((model) => modelCost(config, model).totalMs);
    expect(tiny).toBeLessThan(small ?? 0);
    expect(small).toBeLessThan(base ?? 0);
  });

  it('gives a staircase in tokens: flat within a 32-token tile row, a step after it', () => {
    const within = blockMs(64) - blockMs(40);
    const step = blockMs(65) - blockMs(64);
    expect(step).toBeGreaterThan(within * 3);
    for (let tokens = 2; tokens <= 197; tokens += 1) expect(blockMs(tokens)).toBeGreaterThanOrEqual(blockMs(tokens - 1));
  });

  it('makes a pruned model faster than the dense one, by roughly its token savings', () => {
    const pruned = modelCost(config, { ...DEIT_SMALL, selectorBlocks: [3, 6, 9], keptTokens: [121, 72, 27] });
    const dense = modelCost(config, DEIT_SMALL);
    expect(pruned.totalMs).toBeLessThan(dense.totalMs * 0.75);
    expect(pruned.totalMs).toBeGreaterThan(dense.totalMs * 0.4);
    expect(pruned.ops.some((op) => op.name === 'token-gather')).toBe(true);
  });

  it('costs every unit type, with its ARM share reported apart', () => {
    for (const blockType of ['patch-embed', 'block', 'block-after-selector', 'selector', 'head'] as const) {
      const cost = unitCost(config, DEIT_SMALL, { blockType, tokens: 100 });
      expect(cost.totalMs, blockType).toBeGreaterThan(0);
      expect(cost.totalMs).toBeCloseTo(cost.acceleratorMs + cost.cpuMs, 9);
    }
    const plain = unitCost(config, DEIT_SMALL, { blockType: 'block', tokens: 100 });
    const afterSelector = unitCost(config, DEIT_SMALL, { blockType: 'block-after-selector', tokens: 100 });
    expect(afterSelector.cpuMs).toBeGreaterThan(plain.cpuMs);
  });

  it('is limited by DDR for weights at few tokens: a faster DDR helps there, not at many tokens', () => {
    const fast = { ...config, ddrGBps: config.ddrGBps * 4 };
    const gain = (tokens: number): number =>
      unitCost(config, DEIT_SMALL, { blockType: 'block', tokens }).totalMs / unitCost(fast, DEIT_SMALL, { blockType: 'block', tokens }).totalMs;
    expect(gain(4)).toBeGreaterThan(1.2);
    expect(gain(197)).toBeLessThan(1.05);
  });
});

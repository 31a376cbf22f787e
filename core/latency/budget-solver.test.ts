import { describe, expect, it } from 'vitest';

import { solveBudget } from './budget-solver';
import { flatSelectors, layoutFromModel } from './layout';
import { createLatencyModel, predictLatency, unprunedLatencyMs } from './latency-model';
import { flatModel, staircaseLut } from './synthetic-lut';

import type { LutModelShape } from './lut-schema';

describe('budget solver', () => {
  const model = flatModel({ depth: 12, grid: 196 });
  const lut = staircaseLut({ model, stepTokens: 16, stepMs: 0.25 });
  const layout = layoutFromModel(model, flatSelectors([3, 6, 9]));
  const latency = createLatencyModel(lut, layout);

  it('meets the budget with monotone ratios at the right edges of the steps', () => {
    const dense = unprunedLatencyMs(lut, layout);
    const solution = solveBudget(latency, { budgetMs: 0.5 * dense });
    expect(solution.predictedMs).toBeLessThanOrEqual(0.5 * dense + 1e-9);
    expect(solution.predictedMs).toBeCloseTo(predictLatency(latency, solution.keptTokens).totalMs, 12);
    const [r0 = 0, r1 = 0, r2 = 0] = solution.keepRatios;
    expect(r0).toBeGreaterThanOrEqual(r1);
    expect(r1).toBeGreaterThanOrEqual(r2);
    for (const [s, selector] of solution.selectors.entries()) {
      expect(selector.onStepEdge).toBe(true);
      // Blocks of phase s see kept + CLS + (s + 1) packages; a right edge fills the step exactly.
      if (selector.keptTokens < 196) expect((selector.keptTokens + 1 + s + 1) % 16).toBe(0);
    }
    // Per-block token counts are reported.
    const blocks = solution.ops.filter((op) => op.blockType === 'block' || op.blockType === 'block-after-selector');
    expect(blocks).toHaveLength(12);
    expect(blocks[0]?.tokens).toBe(197);
    expect(blocks[3]?.tokens).toBe((solution.keptTokens[0] ?? 0) + 2);
    expect(blocks[11]?.tokens).toBe((solution.keptTokens[2] ?? 0) + 4);
  });

  it('finds the best kept token-blocks (same as exhaustive search on a small model)', () => {
    const small = flatModel({ depth: 6, grid: 49 });
    const smallLut = staircaseLut({ model: small, stepTokens: 8, stepMs: 0.1 });
    const smallModel = createLatencyModel(smallLut, layoutFromModel(small, flatSelectors([1, 3, 4])));
    const budgetMs = 0.55 * unprunedLatencyMs(smallLut, layoutFromModel(small, []));
    const blocksPerPhase = [2, 1, 2];
    let best = -1;
    for (let a = 3; a <= 49; a += 1) {
      for (let b = 3; b <= a; b += 1) {
        for (let c = 3; c <= b; c += 1) {
          if (predictLatency(smallModel, [a, b, c]).totalMs <= budgetMs + 1e-9) {
            best = Math.max(best, (blocksPerPhase[0] ?? 0) * a + (blocksPerPhase[1] ?? 0) * b + (blocksPerPhase[2] ?? 0) * c);
          }
        }
      }
    }
    const solution = solveBudget(smallModel, { budgetMs });
    const [a = 0, b = 0, c = 0] = solution.keptTokens;
    expect(2 * a + b + 2 * c).toBe(best);
    expect(solution.predictedMs).toBeLessThanOrEqual(budgetMs + 1e-9);
  });

  it('keeps everything when the budget allows the dense model', () => {
    const solution = solveBudget(latency, { budgetMs: 1000 });
    expect(solution.keepRatios).toEqual([1, 1, 1]);
    expect(solution.predictedMs).toBeCloseTo(solution.denseMs, 12);
  });

  it('explains an infeasible budget with the minimum achievable latency', () => {
    const minimum = solveBudget(latency, { budgetMs: 1000, minKeepRatio: 0.05 }).minimumMs;
    let caught: unknown;
    try {
      solveBudget(latency, { budgetMs: minimum * 0.9 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'input/invalid', details: { minimumMs: minimum } });
    expect((caught as Error).message).toContain(`takes ${minimum.toFixed(3)} ms`);
    expect(solveBudget(latency, { budgetMs: minimum }).predictedMs).toBeLessThanOrEqual(minimum + 1e-9);
  });

  it('honours per-selector bounds (fixing a selector)', () => {
    const dense = unprunedLatencyMs(lut, layout);
    const solution = solveBudget(latency, { budgetMs: 0.6 * dense, bounds: [{ min: 0.7, max: 0.7 }] });
    expect(solution.keptTokens[0]).toBe(Math.floor(0.7 * 196));
    expect(solution.predictedMs).toBeLessThanOrEqual(0.6 * dense + 1e-9);
  });

  it('solves per-stage ratios for a hierarchical (PiT-like) model', () => {
    const pit: LutModelShape = {
      arch: 'pit',
      embedDim: 64,
      heads: 2,
      mlpRatio: 4,
      depth: 6,
      stages: [
        { depth: 2, embedDim: 64, heads: 2, spatialTokens: 64, extraTokens: 1 },
        { depth: 2, embedDim: 128, heads: 4, spatialTokens: 16, extraTokens: 1 },
        { depth: 2, embedDim: 256, heads: 8, spatialTokens: 4, extraTokens: 1 },
      ],
    };
    const pitLut = staircaseLut({ model: pit, stepTokens: 4, stepMs: 0.1 });
    const pitLayout = layoutFromModel(pit, [{ stage: 0, block: 1 }, { stage: 1, block: 1 }, { stage: 2, block: 1 }]);
    const pitModel = createLatencyModel(pitLut, pitLayout);
    const budgetMs = 0.8 * unprunedLatencyMs(pitLut, pitLayout);
    const solution = solveBudget(pitModel, { budgetMs, minKeepRatio: 0.25 });
    expect(solution.predictedMs).toBeLessThanOrEqual(budgetMs + 1e-9);
    const [r0 = 0, r1 = 0, r2 = 0] = solution.keepRatios;
    expect(r0 >= r1 && r1 >= r2).toBe(true);
    // Stage 1's first block sees its full grid again, plus CLS and the carried package token.
    const stage1 = solution.ops.filter((op) => op.stage === 1 && op.blockType === 'block');
    expect(stage1[0]?.tokens).toBe(16 + 1 + 1);
    expect(pitModel.omitted).toEqual(['downsample@stage0', 'downsample@stage1']);
  });
});

import { describe, expect, it } from 'vitest';

import { coarseGrid, isStep, sweepStaircase } from './staircase-sweep';

/** A noiseless staircase: +0.1 ms every 6 tokens (XNNPACK's 6-row tiles), over a 1 ms base. */
function staircase(tokens: number): { meanMs: number; stdMs: number; count: number } {
  return { meanMs: 1 + 0.1 * Math.ceil(tokens / 6), stdMs: 0.001, count: 3 };
}

describe('sweepStaircase', () => {
  it('starts from an aligned coarse grid that includes both ends', () => {
    expect(coarseGrid(1, 68, 16)).toEqual([1, 16, 32, 48, 64, 68]);
    expect(coarseGrid(3, 3, 16)).toEqual([3]);
  });

  it('measures both sides of every step and stays sparse on the flats', async () => {
    const asked: number[] = [];
    const measured = await sweepStaircase({ min: 1, max: 100, coarseStep: 16, relativeThreshold: 0.015, noiseSigmas: 3 }, async (tokens) => {
      asked.push(tokens);
      return staircase(tokens);
    });
    expect(new Set(asked).size).toBe(asked.length);
    for (let edge = 6; edge < 100; edge += 6) {
      expect(measured, `edge after ${edge}`).toContain(edge);
      expect(measured, `edge after ${edge}`).toContain(edge + 1);
    }
    expect(measured.length).toBeLessThan(60);
  });

  it('does not refine a flat line, and includes anchors', async () => {
    const measured = await sweepStaircase({ min: 1, max: 200, coarseStep: 16, relativeThreshold: 0.015, noiseSigmas: 3, anchors: [197] }, async () => ({ meanMs: 2, stdMs: 0.01, count: 3 }));
    expect(measured).toEqual([...coarseGrid(1, 200, 16), 197].sort((a, b) => a - b));
  });

  it('treats a difference within the noise as no step', () => {
    const a = { meanMs: 1, stdMs: 0.2, count: 3 };
    expect(isStep(a, { meanMs: 1.1, stdMs: 0.2, count: 3 }, { relativeThreshold: 0.015, noiseSigmas: 3 })).toBe(false);
    expect(isStep({ ...a, stdMs: 0.001 }, { meanMs: 1.1, stdMs: 0.001, count: 3 }, { relativeThreshold: 0.015, noiseSigmas: 3 })).toBe(true);
    expect(isStep({ ...a, stdMs: 0 }, { meanMs: 1.01, stdMs: 0, count: 3 }, { relativeThreshold: 0.015, noiseSigmas: 3 })).toBe(false);
  });
});

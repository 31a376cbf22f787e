import { describe, expect, it } from 'vitest';

import {
  relativePositionIndex,
  relativeTableSize,
  SHIFT_MASK_VALUE,
  shiftedWindowMask,
  stageResolutions,
  windowGeometry,
} from './geometry';

describe('windowGeometry', () => {
  it('keeps window and half-window shift when the resolution exceeds the window', () => {
    const g = windowGeometry({ resolution: [56, 56], targetWindow: [7, 7], shifted: true });
    expect(g).toEqual({ window: [7, 7], shift: [3, 3], padded: [56, 56], windowCount: 64 });
  });

  it('drops the shift when the resolution equals the window (one window covers the grid)', () => {
    const g = windowGeometry({ resolution: [7, 7], targetWindow: [7, 7], shifted: true });
    expect(g.window).toEqual([7, 7]);
    expect(g.shift).toEqual([0, 0]);
    expect(g.windowCount).toBe(1);
  });

  it('clips a window larger than the resolution, per axis, and drops the shift', () => {
    const g = windowGeometry({ resolution: [2, 5], targetWindow: [4, 4], shifted: true });
    expect(g.window).toEqual([2, 4]);
    expect(g.shift).toEqual([0, 2]);
    expect(g.padded).toEqual([2, 8]);
  });

  it('pads to whole windows when the window does not divide the resolution', () => {
    const g = windowGeometry({ resolution: [10, 10], targetWindow: [4, 4], shifted: false });
    expect(g.padded).toEqual([12, 12]);
    expect(g.windowCount).toBe(9);
  });

  it('keeps the configured window with always_partition', () => {
    const g = windowGeometry({ resolution: [2, 2], targetWindow: [4, 4], shifted: true, alwaysPartition: true });
    expect(g.window).toEqual([4, 4]);
    expect(g.shift).toEqual([2, 2]);
    expect(g.padded).toEqual([4, 4]);
  });

  it('clips by the declared (floor-halved) resolution, as timm does after an odd merge', () => {
    const g = windowGeometry({ resolution: [4, 4], declaredResolution: [3, 3], targetWindow: [7, 7], shifted: true });
    expect(g.window).toEqual([3, 3]);
    expect(g.shift).toEqual([0, 0]);
    expect(g.padded).toEqual([6, 6]);
  });
});

describe('relativePositionIndex', () => {
  it('indexes the (2h-1)(2w-1) table by the offset of token i from token j', () => {
    const window = [2, 3] as const;
    const index = relativePositionIndex(window);
    expect(relativeTableSize(window)).toBe(15);
    expect(index.length).toBe(36);
    // i = j: offset (0, 0) -> (h-1)(2w-1) + (w-1) = 1*5 + 2 = 7, the table centre.
    for (let i = 0; i < 6; i++) expect(index[i * 6 + i]).toBe(7);
    // i = (1, 2) = token 5, j = (0, 0) = token 0: offset (1, 2) -> 2*5 + 4 = 14, the last row.
    expect(index[5 * 6 + 0]).toBe(14);
    // the reverse offset (-1, -2) -> row 0.
    expect(index[0 * 6 + 5]).toBe(0);
    expect(Math.max(...index)).toBe(14);
  });
});

describe('shiftedWindowMask', () => {
  it('is null without a shift', () => {
    expect(shiftedWindowMask(windowGeometry({ resolution: [8, 8], targetWindow: [4, 4], shifted: false }))).toBeNull();
  });

  it('separates the regions the cyclic shift brought together, in the last row and column of windows', () => {
    const geometry = windowGeometry({ resolution: [8, 8], targetWindow: [4, 4], shifted: true });
    const mask = shiftedWindowMask(geometry) as Float32Array;
    const area = 16;
    const at = (win: number, i: number, j: number): number => mask[(win * area + i) * area + j] as number;
    // Window 0 (top-left) lies in one region: no masking.
    for (let i = 0; i < area; i++) for (let j = 0; j < area; j++) expect(at(0, i, j)).toBe(0);
    // Window 1 (top-right): columns 4,5 (region 1) vs 6,7 (region 2).
    expect(at(1, 0, 1)).toBe(0);
    expect(at(1, 0, 2)).toBe(SHIFT_MASK_VALUE);
    expect(at(1, 2, 3)).toBe(0);
    // Window 3 (bottom-right): four regions; token 0 (row 0, col 0) vs token 15 (row 3, col 3).
    expect(at(3, 0, 15)).toBe(SHIFT_MASK_VALUE);
    expect(at(3, 0, 5)).toBe(0);
    expect(at(3, 0, 4 * 2)).toBe(SHIFT_MASK_VALUE);
  });
});

describe('stageResolutions', () => {
  it('halves after stage 0, with ceil for the real grid and floor for what timm declares', () => {
    expect(stageResolutions([56, 56], 4).map((r) => r.actual)).toEqual([[56, 56], [28, 28], [14, 14], [7, 7]]);
    const odd = stageResolutions([14, 14], 3);
    expect(odd[2]).toEqual({ actual: [4, 4], declared: [3, 3] });
  });
});

import { describe, expect, it } from 'vitest';

import { imageToRgba, stageSummary, tokenCells } from './token-images';

const stage = { selector: 1, grid: [2, 2] as [number, number], cellPixels: [4, 4] as [number, number], kept: [[1, 0, 0, 1], [1, 1, 1, 0]], keepRatio: [0.5, 0.75] };

describe('token images', () => {
  it('stretches each grey image to 0..255 and repeats it over R, G and B', () => {
    const pixels = [-1, 0, 1, 3, /* second image */ 5, 5, 5, 5];
    const first = imageToRgba(pixels, [2, 1, 2, 2], 0);
    expect([...first]).toEqual([0, 0, 0, 255, 64, 64, 64, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
    expect([...imageToRgba(pixels, [2, 1, 2, 2], 1)].slice(0, 4)).toEqual([0, 0, 0, 255]);
  });

  it('reads colour channels from their planes', () => {
    const rgb = imageToRgba([0, 1, 0.5], [1, 3, 1, 1], 0);
    expect([...rgb]).toEqual([0, 255, 128, 255]);
  });

  it('lays the grid cells of a selector over the image, kept or merged', () => {
    expect(tokenCells(stage, 0)).toEqual([
      { x: 0, y: 0, width: 4, height: 4, kept: true },
      { x: 4, y: 0, width: 4, height: 4, kept: false },
      { x: 0, y: 4, width: 4, height: 4, kept: false },
      { x: 4, y: 4, width: 4, height: 4, kept: true },
    ]);
    expect(stageSummary(stage, 1)).toBe('S2: kept 3 of 4 tokens (75 %), the other 1 merged into 1 package token');
  });
});

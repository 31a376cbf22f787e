/**
 * Token maps as pictures: the model's input images back to displayable pixels (each image stretched
 * to its own range, since inputs are normalised), and the grid cells each selector kept or merged
 * into its package token.
 */
import type { TokenMapsResult } from '../../../core/api/contracts/training';

/** RGBA pixels of image `index` from NCHW floats (grey images become grey RGB). */
export function imageToRgba(pixels: readonly number[], shape: readonly number[], index: number): Uint8ClampedArray<ArrayBuffer> {
  const [, channels = 1, height = 0, width = 0] = shape;
  const plane = height * width;
  const offset = index * channels * plane;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < channels * plane; i += 1) {
    const value = pixels[offset + i] ?? 0;
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  const span = high > low ? high - low : 1;
  const rgba = new Uint8ClampedArray(new ArrayBuffer(plane * 4));
  for (let p = 0; p < plane; p += 1) {
    for (let c = 0; c < 3; c += 1) {
      const channel = channels === 1 ? 0 : c;
      rgba[p * 4 + c] = Math.round((((pixels[offset + channel * plane + p] ?? low) - low) / span) * 255);
    }
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}

export interface Cell {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly kept: boolean;
}

/** The grid cells of one selector for one image, in image pixels. */
export function tokenCells(stage: TokenMapsResult['stages'][number], imageIndex: number): Cell[] {
  const [rows, cols] = stage.grid;
  const [cellHeight, cellWidth] = stage.cellPixels;
  const kept = stage.kept[imageIndex] ?? [];
  const cells: Cell[] = [];
  for (let row = 0; row < rows; row += 1) {
    for (let col = 0; col < cols; col += 1) {
      cells.push({ x: col * cellWidth, y: row * cellHeight, width: cellWidth, height: cellHeight, kept: kept[row * cols + col] === 1 });
    }
  }
  return cells;
}

/** "S2: kept 12 of 49 tokens (24 %), the other 37 merged into 1 package token". */
export function stageSummary(stage: TokenMapsResult['stages'][number], imageIndex: number): string {
  const size = stage.grid[0] * stage.grid[1];
  const kept = (stage.kept[imageIndex] ?? []).reduce((sum, value) => sum + value, 0);
  return `S${stage.selector + 1}: kept ${kept} of ${size} tokens (${Math.round((kept / size) * 100)} %), the other ${size - kept} merged into 1 package token`;
}

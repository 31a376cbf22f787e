/**
 * The block's shifted-window attention against a plain loop implementation written from timm's
 * definition: roll by -shift, zero-pad, windows, softmax(q k^T * scale + table bias + region mask),
 * proj, crop, roll back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../../tensor/backend';
import { expectNoLeakedTensors } from '../../tensor/leak-check';

import { SwinStage } from './stage';

import type { SwinBlock } from './block';
import type { Size2 } from './geometry';

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

const created: SwinStage[] = [];
afterAll(() => {
  for (const stage of created) {
    for (const entry of stage.parameters()) entry.variable.dispose();
    stage.disposeConstants();
  }
});

function host(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** Reference attention branch on a normalised grid [H, W, C] (batch 1), float64 loops. */
function referenceAttention(block: SwinBlock, grid: Float32Array, size: Size2, channels: number): Float64Array {
  const [h, w] = size;
  const { window, shift, padded } = block.geometry;
  const heads = block.attn.numHeads;
  const headDim = channels / heads;
  const qkvW = host(block.attn.attention.qkv.kernel.variable); // [C, 3C]
  const qkvB = host(block.attn.attention.qkv.bias?.variable as tf.Tensor);
  const projW = host(block.attn.attention.proj.kernel.variable); // [C, C]
  const projB = host(block.attn.attention.proj.bias?.variable as tf.Tensor);
  const table = host(block.attn.biasTable.variable); // [T, heads]
  const [ph, pw] = padded;
  // Shifted, padded input: shifted[y][x] = grid[(y + sy) % h][(x + sx) % w] inside, zeros outside.
  const qkv = new Float64Array(ph * pw * 3 * channels);
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      const inside = y < h && x < w;
      const src = (((y + shift[0]) % h) * w + ((x + shift[1]) % w)) * channels;
      for (let o = 0; o < 3 * channels; o++) {
        let sum = qkvB[o] as number;
        if (inside) for (let c = 0; c < channels; c++) sum += (grid[src + c] as number) * (qkvW[c * 3 * channels + o] as number);
        qkv[(y * pw + x) * 3 * channels + o] = sum;
      }
    }
  }
  const band = (v: number, size: number, win: number, s: number): number => (v < size - win ? 0 : v < size - s ? 1 : 2);
  const region = (y: number, x: number): number => band(y, ph, window[0], shift[0]) * 3 + band(x, pw, window[1], shift[1]);
  const hasShift = shift[0] > 0 || shift[1] > 0;
  const out = new Float64Array(h * w * channels);
  const mixed = new Float64Array(channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const wy = Math.floor(y / window[0]) * window[0];
      const wx = Math.floor(x / window[1]) * window[1];
      for (let head = 0; head < heads; head++) {
        const logits: number[] = [];
        const keys: number[] = [];
        for (let ky = wy; ky < wy + window[0]; ky++) {
          for (let kx = wx; kx < wx + window[1]; kx++) {
            let dot = 0;
            for (let d = 0; d < headDim; d++) {
              dot += (qkv[(y * pw + x) * 3 * channels + head * headDim + d] as number) * (qkv[(ky * pw + kx) * 3 * channels + channels + head * headDim + d] as number);
            }
            const row = (y - ky + window[0] - 1) * (2 * window[1] - 1) + (x - kx + window[1] - 1);
            const mask = hasShift && region(y, x) !== region(ky, kx) ? -100 : 0;
            logits.push(dot / Math.sqrt(headDim) + (table[row * heads + head] as number) + mask);
            keys.push(ky * pw + kx);
          }
        }
        const top = Math.max(...logits);
        const weights = logits.map((l) => Math.exp(l - top));
        const total = weights.reduce((a, b) => a + b, 0);
        for (let d = 0; d < headDim; d++) {
          let sum = 0;
          keys.forEach((key, i) => {
            sum += ((weights[i] as number) / total) * (qkv[key * 3 * channels + 2 * channels + head * headDim + d] as number);
          });
          mixed[head * headDim + d] = sum;
        }
      }
      // Un-shift: shifted position (y, x) came from ((y + sy) % h, (x + sx) % w).
      const dst = (((y + shift[0]) % h) * w + ((x + shift[1]) % w)) * channels;
      for (let o = 0; o < channels; o++) {
        let sum = projB[o] as number;
        for (let c = 0; c < channels; c++) sum += (mixed[c] as number) * (projW[c * channels + o] as number);
        out[dst + o] = sum;
      }
    }
  }
  return out;
}

function randomiseBiasTables(stage: SwinStage): void {
  stage.blocks.forEach((block, i) => {
    const table = block.attn.biasTable.variable;
    table.assign(tf.randomNormal(table.shape, 0, 1, 'float32', 10 + i));
  });
}

async function checkStage(options: { size: Size2; window: Size2; depth: number; channels: number; heads: number }): Promise<SwinBlock[]> {
  const { size, channels } = options;
  const stage = new SwinStage({
    key: 'layers.0',
    inDim: channels,
    outDim: channels,
    depth: options.depth,
    numHeads: options.heads,
    window: options.window,
    mlpRatio: 2,
    qkvBias: true,
    alwaysPartition: false,
    resolution: { actual: size, declared: size },
    downsample: false,
    seed: 5,
  });
  created.push(stage);
  randomiseBiasTables(stage);
  const grid = tf.randomNormal([1, size[0], size[1], channels], 0, 1, 'float32', 7) as tf.Tensor4D;
  for (const block of stage.blocks) {
    const ours = await expectNoLeakedTensors(() => tf.tidy(() => host(block.attendGrid(grid))));
    const reference = referenceAttention(block, host(grid), size, channels);
    let worst = 0;
    reference.forEach((value, i) => {
      worst = Math.max(worst, Math.abs(value - (ours[i] as number)));
    });
    expect(worst).toBeLessThan(1e-4);
  }
  grid.dispose();
  return stage.blocks;
}

describe('SwinBlock.attendGrid', () => {
  it('matches the loop reference with shifted windows (8x8 grid, window 4, shift 2)', async () => {
    const [plain, shifted] = await checkStage({ size: [8, 8], window: [4, 4], depth: 2, channels: 8, heads: 2 });
    expect(plain?.geometry.shift).toEqual([0, 0]);
    expect(shifted?.geometry.shift).toEqual([2, 2]);
  });

  it('matches the loop reference when padding to whole windows (6x6 grid, window 4)', async () => {
    const [, shifted] = await checkStage({ size: [6, 6], window: [4, 4], depth: 2, channels: 6, heads: 3 });
    expect(shifted?.geometry.padded).toEqual([8, 8]);
  });

  it('matches the loop reference with a clipped, unshifted window (3x5 grid, window 4)', async () => {
    const [, second] = await checkStage({ size: [3, 5], window: [4, 4], depth: 2, channels: 4, heads: 1 });
    expect(second?.geometry.window).toEqual([3, 4]);
    expect(second?.geometry.shift).toEqual([0, 2]);
  });
});

describe('SwinBlock.toWindows', () => {
  it('lays out a per-position tensor as the shifted attention sees it, and fromWindows inverts it', async () => {
    const stage = new SwinStage({
      key: 'layers.0',
      inDim: 4,
      outDim: 4,
      depth: 2,
      numHeads: 1,
      window: [4, 4],
      mlpRatio: 1,
      qkvBias: true,
      alwaysPartition: false,
      resolution: { actual: [6, 6], declared: [6, 6] },
      downsample: false,
      seed: 1,
    });
    created.push(stage);
    const shifted = stage.blocks[1]!;
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        // Position ids y*6 + x; the shift is 2, so window 0 starts at grid position (2, 2).
        const ids = tf.reshape(tf.range(0, 36), [1, 6, 6, 1]) as tf.Tensor4D;
        const windows = shifted.toWindows(ids);
        expect(windows.shape).toEqual([4, 16, 1]);
        expect(Array.from(tf.slice(windows, [0, 0, 0], [1, 4, 1]).dataSync())).toEqual([14, 15, 16, 17]);
        // Window 3 holds the wrapped corner and the zero padding (rows 4-5 of the padded grid).
        expect(Array.from(tf.slice(windows, [3, 0, 0], [1, 4, 1]).dataSync())).toEqual([0, 1, 0, 0]);
        expect(Array.from(shifted.fromWindows(windows).dataSync())).toEqual(Array.from(ids.dataSync()));
      }),
    );
  });
});

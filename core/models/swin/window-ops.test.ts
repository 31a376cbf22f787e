import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../../tensor/backend';
import { expectNoLeakedTensors } from '../../tensor/leak-check';

import { mergeNeighbours, roll, windowPartition, windowReverse } from './window-ops';

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

describe('roll', () => {
  it('matches torch.roll: a negative shift moves element s to the front', async () => {
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const x = tf.range(0, 6);
        expect(Array.from(roll(x, -2, 0).dataSync())).toEqual([2, 3, 4, 5, 0, 1]);
        expect(Array.from(roll(x, 2, 0).dataSync())).toEqual([4, 5, 0, 1, 2, 3]);
        expect(Array.from(roll(x, 6, 0).dataSync())).toEqual([0, 1, 2, 3, 4, 5]);
      }),
    );
  });
});

describe('windowPartition', () => {
  it('cuts row-major windows and windowReverse puts them back', async () => {
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        // [1, 4, 6, 1] grid holding y*10 + x.
        const values = Array.from({ length: 24 }, (_, i) => Math.floor(i / 6) * 10 + (i % 6));
        const grid = tf.tensor4d(values, [1, 4, 6, 1]);
        const windows = windowPartition(grid, [2, 3]);
        expect(windows.shape).toEqual([4, 6, 1]);
        // Window 1 is rows 0-1, columns 3-5.
        expect(Array.from(tf.slice(windows, [1, 0, 0], [1, 6, 1]).dataSync())).toEqual([3, 4, 5, 13, 14, 15]);
        // Window 2 is rows 2-3, columns 0-2.
        expect(Array.from(tf.slice(windows, [2, 0, 0], [1, 6, 1]).dataSync())).toEqual([20, 21, 22, 30, 31, 32]);
        expect(Array.from(windowReverse(windows, [2, 3], [4, 6]).dataSync())).toEqual(values);
      }),
    );
  });
});

describe('mergeNeighbours', () => {
  it("concatenates (h0,w0), (h1,w0), (h0,w1), (h1,w1) per 2x2 cell (timm's x0, x1, x2, x3)", async () => {
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        // Two channels: channel 0 = y*10 + x, channel 1 = -(y*10 + x).
        const values: number[] = [];
        for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) values.push(y * 10 + x, -(y * 10 + x));
        const merged = mergeNeighbours(tf.tensor4d(values, [1, 2, 4, 2]));
        expect(merged.shape).toEqual([1, 1, 2, 8]);
        const cell1 = Array.from(tf.slice(merged, [0, 0, 1, 0], [1, 1, 1, 8]).dataSync());
        // Cell 1 covers columns 2-3: (0,2), (1,2), (0,3), (1,3).
        expect(cell1).toEqual([2, -2, 12, -12, 3, -3, 13, -13]);
      }),
    );
  });

  it('zero-pads an odd grid at the bottom and right', async () => {
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const merged = mergeNeighbours(tf.ones([1, 3, 3, 1]) as tf.Tensor4D);
        expect(merged.shape).toEqual([1, 2, 2, 4]);
        // The bottom-right cell holds one real pixel (h0,w0) and three padded zeros.
        expect(Array.from(tf.slice(merged, [0, 1, 1, 0], [1, 1, 1, 4]).dataSync())).toEqual([1, 0, 0, 0]);
      }),
    );
  });
});

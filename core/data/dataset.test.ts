import { describe, expect, it } from 'vitest';

import { batchCount, epochOrder, iterateBatches } from './batches';
import { createDataset } from './dataset';
import { InputConfigSchema } from './input-config';
import { openDatasets } from './open';
import { splitTrainVal } from './split';

import type { RawImageSet } from './image-set';

/** 4 grey 2x3 images whose pixel (y, x) of image n is 10n + 3y + x, labels n % 2. */
function tinySet(): RawImageSet {
  const pixels = new Uint8Array(4 * 6);
  for (let n = 0; n < 4; n += 1) for (let p = 0; p < 6; p += 1) pixels[n * 6 + p] = 10 * n + p;
  return { name: 'tiny', shape: { height: 2, width: 3, channels: 1 }, count: 4, pixels, labels: Int32Array.of(0, 1, 0, 1), classNames: ['a', 'b'] };
}

const unitStats = { mean: [0], std: [1] };

describe('Dataset', () => {
  it('returns NCHW float batches with labels, unnormalised when asked', () => {
    const input = InputConfigSchema.parse({ height: 2, width: 3, channels: 1, normalization: 'none' });
    const dataset = createDataset(tinySet(), input, unitStats);
    const batch = dataset.getBatch([2, 1]);
    expect(batch.shape).toEqual([2, 1, 2, 3]);
    expect(Array.from(batch.labels)).toEqual([0, 1]);
    expect(batch.images[0]).toBeCloseTo(20 / 255, 6);
    expect(batch.images[5]).toBeCloseTo(25 / 255, 6);
    expect(batch.images[6]).toBeCloseTo(10 / 255, 6);
  });

  it('pads a 28x28 grey image into a 32x32x3 input: zero border, replicated channels, normalised', async () => {
    const input = InputConfigSchema.parse({ height: 32, width: 32, channels: 3, fit: 'pad' });
    const { train, stats } = await openDatasets({ kind: 'sample' }, { input, valFraction: 0, seed: 1 });
    expect(train.imageShape).toEqual({ height: 32, width: 32, channels: 3 });
    expect(train.sourceShape).toEqual({ height: 28, width: 28, channels: 1 });
    const batch = train.getBatch([0]);
    const at = (c: number, y: number, x: number) => batch.images[c * 1024 + y * 32 + x] ?? NaN;
    const black = (0 - (stats.mean[0] ?? 0)) / (stats.std[0] ?? 1);
    expect(at(0, 0, 0)).toBeCloseTo(black, 5);
    expect(at(2, 31, 31)).toBeCloseTo(black, 5);
    expect(at(1, 1, 16)).toBeCloseTo(black, 5);
    // Every channel of every pixel is the same grey value.
    for (let p = 0; p < 1024; p += 97) {
      expect(batch.images[1024 + p]).toBeCloseTo(batch.images[p] ?? NaN, 6);
      expect(batch.images[2048 + p]).toBeCloseTo(batch.images[p] ?? NaN, 6);
    }
    // The stored image sits at offset (2, 2): compare with the unpadded 28x28 view.
    const plain = (await openDatasets({ kind: 'sample' }, { input: InputConfigSchema.parse({ height: 28, width: 28, channels: 1 }), valFraction: 0, seed: 1 })).train;
    const original = plain.getBatch([0]).images;
    for (const [y, x] of [[0, 0], [13, 14], [27, 27], [5, 20]] as const) {
      expect(at(0, y + 2, x + 2)).toBeCloseTo(original[y * 28 + x] ?? NaN, 5);
    }
  });

  it('resizes instead of padding when configured (a bright image stays bright, same mean)', async () => {
    const input = InputConfigSchema.parse({ height: 32, width: 32, channels: 1, fit: 'resize', normalization: 'none' });
    const { train } = await openDatasets({ kind: 'sample' }, { input, valFraction: 0, seed: 1, trainLimit: 20 });
    const native = (await openDatasets({ kind: 'sample' }, { input: { ...input, height: 28, width: 28 }, valFraction: 0, seed: 1, trainLimit: 20 })).train;
    const a = train.getBatch([3]).images;
    const b = native.getBatch([3]).images;
    const mean = (v: Float32Array) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(mean(a)).toBeCloseTo(mean(b), 2);
    expect(a[0]).toBeCloseTo(b[0] ?? NaN, 3);
  });

  it('augments deterministically per (seed, sample), with flips mirroring the image', () => {
    const base = { height: 2, width: 3, channels: 1, normalization: 'none' } as const;
    const flipOnly = createDataset(tinySet(), InputConfigSchema.parse({ ...base, augment: { horizontalFlip: true } }), unitStats);
    const plain = flipOnly.getBatch([0]).images;
    let flipped = 0;
    for (let seed = 0; seed < 40; seed += 1) {
      const a = flipOnly.getBatch([0], { augment: true, seed }).images;
      const again = flipOnly.getBatch([2, 0], { augment: true, seed }).images.subarray(6);
      expect(Array.from(again)).toEqual(Array.from(a));
      if (a[0] !== plain[0]) {
        flipped += 1;
        expect(Array.from(a)).toEqual([2, 1, 0, 5, 4, 3].map((i) => plain[i]));
      } else {
        expect(Array.from(a)).toEqual(Array.from(plain));
      }
    }
    expect(flipped).toBeGreaterThan(5);
    expect(flipped).toBeLessThan(35);
  });

  it('random crops shift the image inside zero padding and never flip when flips are off', () => {
    const dataset = createDataset(tinySet(), InputConfigSchema.parse({ height: 2, width: 3, channels: 1, normalization: 'none', augment: { cropPadding: 1 } }), unitStats);
    const plain = Array.from(dataset.getBatch([1]).images);
    const seen = new Set<string>();
    for (let seed = 0; seed < 60; seed += 1) {
      const a = Array.from(dataset.getBatch([1], { augment: true, seed }).images);
      seen.add(a.map((v) => v.toFixed(3)).join(','));
      // Every value is either padding (0) or one of the original pixels.
      for (const v of a) expect(v === 0 || plain.some((p) => Math.abs(p - v) < 1e-6)).toBe(true);
    }
    expect(seen.size).toBeGreaterThan(4);
    expect(seen.has(plain.map((v) => v.toFixed(3)).join(','))).toBe(true);
  });

  it('shuffles deterministically per (seed, epoch) and covers every sample once', () => {
    const a = epochOrder(100, { seed: 7, epoch: 0 });
    expect(epochOrder(100, { seed: 7, epoch: 0 })).toEqual(a);
    expect(epochOrder(100, { seed: 7, epoch: 1 })).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const dataset = createDataset(tinySet(), InputConfigSchema.parse({ height: 2, width: 3, channels: 1 }), unitStats);
    const batches = [...iterateBatches(dataset, { batchSize: 3, seed: 1, epoch: 0 })];
    expect(batches.map((b) => b.shape[0])).toEqual([3, 1]);
    expect(batchCount(4, 3, true)).toBe(1);
  });

  it('splits train/val per class, disjoint, reproducible', async () => {
    const input = InputConfigSchema.parse({ height: 28, width: 28, channels: 1 });
    const { train } = await openDatasets({ kind: 'sample' }, { input, valFraction: 0, seed: 3 });
    const split = splitTrainVal(train, { valFraction: 0.1, seed: 5 });
    expect(split.train.length).toBe(1800);
    expect(split.val.length).toBe(200);
    const valLabels = Array.from({ length: 200 }, (_, i) => split.val.labelAt(i));
    for (let c = 0; c < 10; c += 1) expect(valLabels.filter((l) => l === c)).toHaveLength(20);
    const again = splitTrainVal(train, { valFraction: 0.1, seed: 5 });
    expect(Array.from(again.val.getBatch([0, 1, 2]).images)).toEqual(Array.from(split.val.getBatch([0, 1, 2]).images));
    expect(() => splitTrainVal(train, { valFraction: 1, seed: 0 })).toThrow(/valFraction/);
  });
});

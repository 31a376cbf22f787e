import { describe, expect, it } from 'vitest';

import { convertChannels, padOrCropCentre, resizeImage } from './image-ops';

describe('image ops', () => {
  it('keeps a constant image constant when resizing up or down', () => {
    const image = new Float32Array(5 * 7 * 3).fill(0.25);
    for (const target of [{ height: 11, width: 3 }, { height: 2, width: 2 }, { height: 32, width: 32 }]) {
      const out = resizeImage(image, { height: 5, width: 7, channels: 3 }, target);
      expect(out.length).toBe(target.height * target.width * 3);
      for (const v of out) expect(v).toBeCloseTo(0.25, 6);
    }
  });

  it('filters a checkerboard to grey when halving (antialiased, not point-sampled)', () => {
    const image = Float32Array.from({ length: 64 }, (_, i) => ((i % 8) + Math.floor(i / 8)) % 2);
    const out = resizeImage(image, { height: 8, width: 8, channels: 1 }, { height: 4, width: 4 });
    for (const v of out) expect(Math.abs(v - 0.5)).toBeLessThan(0.05);
  });

  it('reproduces a linear ramp when upscaling (interior pixels)', () => {
    const image = Float32Array.from({ length: 8 }, (_, i) => i);
    const out = resizeImage(image, { height: 1, width: 8, channels: 1 }, { height: 1, width: 16 });
    // Output pixel j samples source coordinate (j + 0.5) / 2 - 0.5.
    for (let j = 2; j < 14; j += 1) expect(out[j]).toBeCloseTo((j + 0.5) / 2 - 0.5, 5);
  });

  it('converts grey to RGB and RGB to luma', () => {
    expect(Array.from(convertChannels(Float32Array.of(0.5), { height: 1, width: 1, channels: 1 }, 3))).toEqual([0.5, 0.5, 0.5]);
    expect(convertChannels(Float32Array.of(1, 0, 0), { height: 1, width: 1, channels: 3 }, 1)[0]).toBeCloseTo(0.299, 6);
  });

  it('pads in the centre and crops the centre', () => {
    const padded = padOrCropCentre(Float32Array.of(1), { height: 1, width: 1, channels: 1 }, { height: 3, width: 3 });
    expect(Array.from(padded)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const cropped = padOrCropCentre(Float32Array.from({ length: 9 }, (_, i) => i), { height: 3, width: 3, channels: 1 }, { height: 1, width: 1 });
    expect(Array.from(cropped)).toEqual([4]);
  });
});

/** Pixel operations on single HWC images: channel conversion, resampling, centred padding. */
import type { ImageShape } from './image-set';

/** ITU-R BT.601 luma weights, the usual RGB -> grey conversion. */
const LUMA = [0.299, 0.587, 0.114] as const;

/** Converts an HWC image between 1 and 3 channels (grey is replicated; RGB becomes luma). */
export function convertChannels(image: Float32Array, shape: ImageShape, channels: number): Float32Array {
  if (shape.channels === channels) return image;
  const pixels = shape.height * shape.width;
  const out = new Float32Array(pixels * channels);
  if (shape.channels === 1 && channels === 3) {
    for (let p = 0; p < pixels; p += 1) {
      const v = image[p] ?? 0;
      out[3 * p] = v;
      out[3 * p + 1] = v;
      out[3 * p + 2] = v;
    }
    return out;
  }
  if (shape.channels === 3 && channels === 1) {
    for (let p = 0; p < pixels; p += 1) {
      out[p] = LUMA[0] * (image[3 * p] ?? 0) + LUMA[1] * (image[3 * p + 1] ?? 0) + LUMA[2] * (image[3 * p + 2] ?? 0);
    }
    return out;
  }
  throw new RangeError(`convertChannels: ${shape.channels} -> ${channels} channels is not supported (only 1 and 3)`);
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  width: number;
}

/**
 * Resampling weights along one axis: a triangle (linear) kernel, widened by the scale factor when
 * shrinking so every source pixel contributes (no aliasing). Pixel centres at i + 0.5.
 */
function resampleTaps(sourceSize: number, targetSize: number): Taps {
  const scale = sourceSize / targetSize;
  const support = Math.max(1, scale);
  const width = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(targetSize);
  const count = new Int32Array(targetSize);
  const weights = new Float32Array(targetSize * width);
  for (let i = 0; i < targetSize; i += 1) {
    const centre = (i + 0.5) * scale - 0.5;
    const first = Math.max(0, Math.ceil(centre - support));
    const last = Math.min(sourceSize - 1, Math.floor(centre + support));
    let total = 0;
    let n = 0;
    for (let j = first; j <= last && n < width; j += 1, n += 1) {
      const w = Math.max(0, 1 - Math.abs(j - centre) / support);
      weights[i * width + n] = w;
      total += w;
    }
    if (total === 0) {
      // The centre falls exactly between taps of zero weight only when sizes are 1: take the nearest.
      weights[i * width] = 1;
      total = 1;
      n = Math.max(n, 1);
    }
    for (let k = 0; k < n; k += 1) weights[i * width + k] = (weights[i * width + k] ?? 0) / total;
    start[i] = first;
    count[i] = n;
  }
  return { start, count, weights, width };
}

/** Resizes an HWC float image (separable linear filter, antialiased when shrinking). */
export function resizeImage(image: Float32Array, shape: ImageShape, target: { height: number; width: number }): Float32Array {
  const { height, width, channels } = shape;
  if (height === target.height && width === target.width) return image;
  const cols = resampleTaps(width, target.width);
  const rows = resampleTaps(height, target.height);
  const horizontal = new Float32Array(height * target.width * channels);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < target.width; x += 1) {
      const s = cols.start[x] ?? 0;
      const n = cols.count[x] ?? 0;
      for (let c = 0; c < channels; c += 1) {
        let sum = 0;
        for (let k = 0; k < n; k += 1) {
          sum += (cols.weights[x * cols.width + k] ?? 0) * (image[(y * width + s + k) * channels + c] ?? 0);
        }
        horizontal[(y * target.width + x) * channels + c] = sum;
      }
    }
  }
  const out = new Float32Array(target.height * target.width * channels);
  for (let y = 0; y < target.height; y += 1) {
    const s = rows.start[y] ?? 0;
    const n = rows.count[y] ?? 0;
    for (let x = 0; x < target.width; x += 1) {
      for (let c = 0; c < channels; c += 1) {
        let sum = 0;
        for (let k = 0; k < n; k += 1) {
          sum += (rows.weights[y * rows.width + k] ?? 0) * (horizontal[((s + k) * target.width + x) * channels + c] ?? 0);
        }
        out[(y * target.width + x) * channels + c] = sum;
      }
    }
  }
  return out;
}

/**
 * Places an HWC image in the middle of a target canvas filled with `fill`: pads when the image is
 * smaller, crops the centre when it is larger (per axis).
 */
export function padOrCropCentre(
  image: Float32Array,
  shape: ImageShape,
  target: { height: number; width: number; fill?: number },
): Float32Array {
  const { height, width, channels } = shape;
  if (height === target.height && width === target.width) return image;
  const out = new Float32Array(target.height * target.width * channels).fill(target.fill ?? 0);
  const dy = Math.floor((target.height - height) / 2);
  const dx = Math.floor((target.width - width) / 2);
  for (let y = 0; y < target.height; y += 1) {
    const sy = y - dy;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < target.width; x += 1) {
      const sx = x - dx;
      if (sx < 0 || sx >= width) continue;
      for (let c = 0; c < channels; c += 1) {
        out[(y * target.width + x) * channels + c] = image[(sy * width + sx) * channels + c] ?? 0;
      }
    }
  }
  return out;
}

/** Bytes -> floats in [0, 1]. */
export function bytesToUnit(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) out[i] = (bytes[i] ?? 0) / 255;
  return out;
}

/** Floats in [0, 1] -> bytes, rounded and clamped. */
export function unitToBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i += 1) {
    out[i] = Math.min(255, Math.max(0, Math.round((values[i] ?? 0) * 255)));
  }
  return out;
}

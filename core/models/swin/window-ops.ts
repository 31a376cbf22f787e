/**
 * Tensor rearrangements of Swin on NHWC grids: cyclic shift, padding to whole windows, window
 * partition and its reverse, and the 2x2 neighbour gather of patch merging. Only slice, concat, pad,
 * reshape and transpose, so every op has a gradient on every backend. Callers own the results.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { Size2 } from './geometry';

/** torch.roll(x, shifts=offset, dims=axis): out[i] = x[(i - offset) mod n]. */
export function roll(x: tf.Tensor, offset: number, axis: number): tf.Tensor {
  const size = x.shape[axis] as number;
  const shift = ((offset % size) + size) % size;
  if (shift === 0) return tf.clone(x);
  return tf.tidy(() => {
    const [head, tail] = tf.split(x, [size - shift, shift], axis) as [tf.Tensor, tf.Tensor];
    return tf.concat([tail, head], axis);
  });
}

/** Rolls a [B, H, W, C] grid by (dy, dx) on its two spatial axes. */
export function roll2d(x: tf.Tensor4D, offset: Size2): tf.Tensor4D {
  return tf.tidy(() => {
    let out: tf.Tensor = x;
    if (offset[0] !== 0) out = roll(out, offset[0], 1);
    if (offset[1] !== 0) out = roll(out, offset[1], 2);
    return (out === x ? tf.clone(x) : out) as tf.Tensor4D;
  });
}

/** Zero-pads the bottom and right of a [B, H, W, C] grid to `padded`. */
export function padBottomRight(x: tf.Tensor4D, padded: Size2): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h === padded[0] && w === padded[1]) return tf.clone(x);
  return tf.pad(x, [[0, 0], [0, padded[0] - h], [0, padded[1] - w], [0, 0]]);
}

/** Crops the top-left [h, w] of a [B, H, W, C] grid. */
export function cropTopLeft(x: tf.Tensor4D, size: Size2): tf.Tensor4D {
  const [batch, h, w, channels] = x.shape;
  if (h === size[0] && w === size[1]) return tf.clone(x);
  return tf.slice(x, [0, 0, 0, 0], [batch, size[0], size[1], channels]);
}

/** [B, H, W, C] (H, W multiples of the window) -> [B * windows, wh * ww, C], windows row-major. */
export function windowPartition(x: tf.Tensor4D, window: Size2): tf.Tensor3D {
  const [batch, h, w, channels] = x.shape;
  const [wh, ww] = window;
  // Rank-4 reshapes and transposes only: wasm's kernels for rank 5+ fall back to slow generic loops.
  return tf.tidy(() => {
    const rows = tf.reshape(x, [batch * (h / wh), wh, w / ww, ww * channels]);
    const windows = tf.transpose(rows, [0, 2, 1, 3]);
    return tf.reshape(windows, [batch * (h / wh) * (w / ww), wh * ww, channels]) as tf.Tensor3D;
  });
}

/** Inverse of windowPartition: [B * windows, wh * ww, C] -> [B, H, W, C]. */
export function windowReverse(windows: tf.Tensor3D, window: Size2, size: Size2): tf.Tensor4D {
  const [wh, ww] = window;
  const [h, w] = size;
  const channels = windows.shape[2];
  const batch = windows.shape[0] / ((h / wh) * (w / ww));
  return tf.tidy(() => {
    const blocks = tf.reshape(windows, [batch * (h / wh), w / ww, wh, ww * channels]);
    return tf.reshape(tf.transpose(blocks, [0, 2, 1, 3]), [batch, h, w, channels]) as tf.Tensor4D;
  });
}

/**
 * Patch merging's gather: [B, H, W, C] -> [B, ceil(H/2), ceil(W/2), 4C], zero-padding odd sizes.
 * Channel blocks in timm 1.0 order (reshape to [B, H/2, 2, W/2, 2, C], permute to
 * [B, H/2, W/2, 2(w), 2(h), C]): (h0,w0), (h1,w0), (h0,w1), (h1,w1), the original Swin's x0..x3.
 */
export function mergeNeighbours(x: tf.Tensor4D): tf.Tensor4D {
  const [batch, h, w, channels] = x.shape;
  const padded: Size2 = [h + (h % 2), w + (w % 2)];
  const cells = batch * (padded[0] / 2) * (padded[1] / 2);
  return tf.tidy(() => {
    const grid = padBottomRight(x, padded);
    // [B*H/2, 2(h), W/2, 2C(w, c)] -> [B*H/2, W/2, 2(h), 2C] -> per cell [2(h), 2(w), C] -> [2(w), 2(h), C].
    const rows = tf.transpose(tf.reshape(grid, [batch * (padded[0] / 2), 2, padded[1] / 2, 2 * channels]), [0, 2, 1, 3]);
    const ordered = tf.transpose(tf.reshape(rows, [cells, 2, 2, channels]), [0, 2, 1, 3]);
    return tf.reshape(ordered, [batch, padded[0] / 2, padded[1] / 2, 4 * channels]) as tf.Tensor4D;
  });
}

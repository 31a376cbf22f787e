/**
 * A Swin block with SPViT's additions (our design; the official code has no Swin, spec B §8 #4, #6):
 *  - dropped grid tokens are masked out as keys inside their window (each still sees itself) and keep
 *    their last value, so the grid stays whole for the shifted windows and the next patch merging;
 *  - package tokens are global keys/values appended to every window, so kept tokens can read what
 *    the dropped ones left behind (as in DeiT); a package token attends only to itself;
 *  - with tokens removed (inference), the MLP runs only on each image's kept tokens.
 * With no packages and no policy this is exactly timm's block.
 */
import * as tf from '@tensorflow/tfjs-core';

import { cropTopLeft, padBottomRight, roll2d, windowPartition, windowReverse } from '../../models/swin/window-ops';
import { matMul } from '../../tensor/mat-mul';
import { restoreGridRows } from '../kept-tokens';
import { softmaxWithPolicy } from '../masked-softmax';
import { freezeDropped, gatherRows } from '../sequence-ops';
import { tidyResult } from '../tidy';

import type { SwinBlock } from '../../models/swin/block';
import type { KeptTokens } from '../kept-tokens';

/** A Swin stage's tokens: the row-major grid [B, H*W, C] and the package tokens [B, P, C] (P may be 0). */
export type SwinTokens = { grid: tf.Tensor3D; packages: tf.Tensor3D };

export interface SwinBlockPassOptions {
  /** Keep mask over the grid [B, H*W] (1 = kept), or null before any selector of the stage. */
  policy: tf.Tensor | null;
  eps: number;
  /** With tokens removed: each image's kept tokens (the MLP runs on these only). */
  survivors?: KeptTokens | null;
}

/** Per-window key policy [rows, N]: the grid policy shifted, padded with ones (timm attends padding) and partitioned. */
function windowPolicy(block: SwinBlock, policy: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [h, w] = block.resolution;
    const { window, shift, padded } = block.geometry;
    const grid = tf.reshape(policy, [policy.shape[0] as number, h, w, 1]) as tf.Tensor4D;
    const shifted = shift[0] !== 0 || shift[1] !== 0 ? roll2d(grid, [-shift[0], -shift[1]]) : grid;
    const dropped = padBottomRight(tf.sub(1, shifted) as tf.Tensor4D, padded);
    return tf.squeeze(windowPartition(tf.sub(1, dropped) as tf.Tensor4D, window), [2]);
  });
}

/** [B, X, ...] repeated per window -> [B * windows, X, ...] (broadcast, so it has a gradient at any rank). */
function perWindow(x: tf.Tensor, windows: number): tf.Tensor {
  const [batch, ...rest] = x.shape;
  const ones = tf.ones([1, windows, ...rest.map(() => 1)]);
  return tf.reshape(tf.mul(tf.expandDims(x, 1), ones), [batch * windows, ...rest]);
}

/** Windowed attention of the normalised grid [B, H, W, C] with package keys; returns [B, H*W, C]. */
function attendGrid(block: SwinBlock, grid: tf.Tensor4D, packages: tf.Tensor3D, options: SwinBlockPassOptions): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, h, w, channels] = grid.shape;
    const { window, shift, padded } = block.geometry;
    const hasShift = shift[0] !== 0 || shift[1] !== 0;
    const attention = block.attn.attention;
    const windows = windowPartition(padBottomRight(hasShift ? roll2d(grid, [-shift[0], -shift[1]]) : grid, padded), window);
    const [rows, area] = windows.shape;
    const count = rows / batch;
    const heads = attention.projectQkv(windows);
    let logits: tf.Tensor = tf.add(attention.logits(heads), block.attn.positionBias());
    if (block.mask !== null) {
      const numHeads = logits.shape[1] as number;
      const perImage = tf.reshape(logits, [batch, count, numHeads, area, area]);
      logits = tf.reshape(tf.add(perImage, tf.reshape(block.mask, [1, count, 1, area, area])), [rows, numHeads, area, area]);
    }
    let values: tf.Tensor = heads.v;
    const packageCount = packages.shape[1];
    if (packageCount > 0) {
      const keys = attention.projectQkv(packages);
      logits = tf.concat([logits, matMul(heads.q, perWindow(keys.kT, count))], 3);
      values = tf.concat([heads.v, perWindow(keys.v, count)], 2);
    }
    const keyPolicy = options.policy === null ? null : tf.concat([windowPolicy(block, options.policy), tf.ones([rows, packageCount])], 1);
    const weights = keyPolicy === null ? tf.softmax(logits, -1) : softmaxWithPolicy(logits, keyPolicy, options.eps);
    const out = attention.proj.apply(attention.mixValues(weights, values)) as tf.Tensor3D;
    const restored = cropTopLeft(windowReverse(out, window, padded), [h, w]);
    return tf.reshape(hasShift ? roll2d(restored, shift) : restored, [batch, h * w, channels]);
  });
}

/** A package token attends only to itself: its attention output is proj(v). */
function attendPackages(block: SwinBlock, packages: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, count, channels] = packages.shape;
    const { v } = block.attn.attention.projectQkv(packages);
    return block.attn.attention.proj.apply(tf.reshape(tf.transpose(v, [0, 2, 1, 3]), [batch, count, channels])) as tf.Tensor3D;
  });
}

function residualMlp(block: SwinBlock, x: tf.Tensor): tf.Tensor3D {
  return tf.add(x, block.mlp.apply(block.norm2.apply(x))) as tf.Tensor3D;
}

/** One block on grid and packages. Caller owns the result. */
export function swinBlockWithPackages(block: SwinBlock, input: SwinTokens, options: SwinBlockPassOptions): SwinTokens {
  const packageCount = input.packages.shape[1];
  if (packageCount === 0 && options.policy === null) return { grid: block.apply(input.grid), packages: tf.clone(input.packages) };
  return tidyResult(() => {
    const [batch, length, channels] = input.grid.shape;
    const [h, w] = block.resolution;
    const normed = tf.reshape(block.norm1.apply(input.grid), [batch, h, w, channels]) as tf.Tensor4D;
    const normedPackages = packageCount === 0 ? input.packages : (block.norm1.apply(input.packages) as tf.Tensor3D);
    const attended = tf.add(input.grid, attendGrid(block, normed, normedPackages, options));
    const packages = packageCount === 0 ? tf.clone(input.packages) : residualMlp(block, tf.add(input.packages, attendPackages(block, normedPackages)));
    const survivors = options.survivors ?? null;
    if (survivors === null) {
      const updated = residualMlp(block, attended);
      return { grid: (options.policy === null ? updated : freezeDropped(updated, input.grid, options.policy)) as tf.Tensor3D, packages };
    }
    // Tokens removed: gather each image's kept tokens, run the MLP on them, put them back.
    const slots = new Int32Array(batch * survivors.width);
    const valid = new Float32Array(batch * survivors.width);
    survivors.kept.forEach((list, b) => list.forEach((index, j) => {
      slots[b * survivors.width + j] = b * length + index;
      valid[b * survivors.width + j] = 1;
    }));
    const kept = residualMlp(block, gatherRows(attended as tf.Tensor3D, slots, valid, survivors.width));
    const rows = restoreGridRows(survivors, 0, survivors.width);
    const pool = tf.concat([tf.reshape(kept, [batch * survivors.width, channels]), tf.reshape(input.grid, [batch * length, channels])], 0);
    return { grid: tf.reshape(tf.gather(pool, tf.tensor1d(rows, 'int32')), [batch, length, channels]) as tf.Tensor3D, packages };
  });
}

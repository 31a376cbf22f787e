/**
 * matMul whose gradient uses explicit transposes: tfjs' own gradient passes transpose flags to
 * matMul, which is 5-10x slower on wasm (see docs/environment.md).
 */
import * as tf from '@tensorflow/tfjs-core';

import './register-ops';

import { BugError } from '../shared/errors';

import { canRunWeightGradient, runWeightGradient } from './wasm/weight-gradient-kernel';
import { hasSimdBatchMatMul } from './wasm-kernels';

import type { GradSaveFunc } from '@tensorflow/tfjs-core';

/** Swaps the last two axes. */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  const rank = x.rank;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return tf.transpose(x, perm);
}

/**
 * Per-matrix work (m k n multiply-adds) up to which the wasm SIMD BatchMatMul (wasm-batch-matmul.ts)
 * takes the whole batch in one call. Measured against the split below (one XNNPACK product per
 * matrix; medians of alternating runs, 2-core EPYC, Node 20, forward op only): SIMD is 14-28x faster
 * at 17 tokens (17x32x17, batch 128), 4-5x at 50-65 tokens, 1.3-1.8x for DeiT-Tiny attention
 * (197x64x197, batch 3-24), 1.0-1.2x at 2^24 (512x64x512, 256^3), and 0.5-0.8x from 2^26 up
 * (1024x64x1024, 256x1024x256: its unblocked loops stride through B, which XNNPACK tiles).
 */
const SIMD_BATCH_MATMUL_MAX_WORK = 2 ** 24;

/**
 * Batched matMul of equal-rank operands [..., m, k] x [..., k, n]. The stock wasm kernel only sends
 * matrices with a batch of one to XNNPACK; larger batches fall back to a scalar loop that is 10-40x
 * slower. Where the SIMD BatchMatMul replacement is installed, small matrices (attention's per-head
 * products) go to it in one call; larger ones, or without it, the batch is split into 2-D products
 * (that split relies on the heap-copy Unpack kernel from wasm-kernels.ts).
 */
function batchedMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank === 2 || tf.getBackend() !== 'wasm') return tf.matMul(a, b);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.rank - 1] as number;
  if (hasSimdBatchMatMul() && m * k * n <= SIMD_BATCH_MATMUL_MAX_WORK) return tf.matMul(a, b);
  return tf.tidy(() => {
    const left = tf.unstack(tf.reshape(a, [-1, m, k]));
    const right = tf.unstack(tf.reshape(b, [-1, k, n]));
    // No gradient is needed here: this runs inside matMulOp's forward and gradient functions.
    const products = left.map((matrix, i) => tf.matMul(matrix, right[i] as tf.Tensor));
    return tf.reshape(tf.stack(products), [...a.shape.slice(0, -2), m, n]);
  });
}

const matMulOp = tf.customGrad((a, b, save) => {
  const left = a as tf.Tensor;
  const right = b as tf.Tensor;
  (save as GradSaveFunc)([left, right]);
  return {
    value: batchedMatMul(left, right),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      if (sa.rank === 2) return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), weightGradient(sa as tf.Tensor2D, dy as tf.Tensor2D)];
      return [batchedMatMul(dy, transposeLast2(sb)), batchedMatMul(transposeLast2(sa), dy)];
    },
  };
});

/**
 * a [..., m, k] x b [..., k, n] with equal batch axes, or b [k, n] shared by every row of a.
 * Returns a new tensor owned by the caller.
 */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (b.rank === 2 && a.rank > 2) {
    // One 2-D product over all rows is both the fast wasm path and a simpler gradient.
    const k = a.shape[a.rank - 1] as number;
    return tf.tidy(() => tf.reshape(matMulOp(tf.reshape(a, [-1, k]), b), [...a.shape.slice(0, -1), b.shape[1] as number]));
  }
  if (a.rank !== b.rank) {
    throw new BugError(`matMul needs equal ranks or a 2-D right operand, got ranks ${a.rank} and ${b.rank}.`);
  }
  return matMulOp(a, b);
}

/**
 * Where the wasm weight-gradient kernel (wasm/weight-gradient-kernel.ts) can take x^T dy, so it
 * does: it reads both in place, with no transpose, and every G[i][j] is the f32 sum over rows in
 * ascending order. It won at every size measured against the transpose + XNNPACK path below (op
 * alone, medians of alternating runs, 2-core EPYC, Node 20, with the column sums: 1.3-1.5x at 6400
 * rows x 48x192 / 192x48 / 48x144, 2.4x at 48x48, 3.3x at 2048x96x96, 3-8x below 200 rows), and by
 * more inside a training step, where the transposes and XNNPACK's per-call packing of the
 * [rows, out] operand run on cold caches (ViT dim 48, batch 128: ~15 ms -> ~2 ms per 48x192 call;
 * the whole step 1.7x faster). So there is no size threshold.
 */
function simdWeightGradient(x: tf.Tensor2D, dy: tf.Tensor2D, withSums: boolean): [tf.Tensor2D, tf.Tensor1D | null] | null {
  return canRunWeightGradient(x, dy) ? runWeightGradient(x, dy, withSums) : null;
}

/**
 * x^T dy for x [rows, in], dy [rows, out]. Without the SIMD kernel, the explicit transpose is of the
 * narrower operand (the other order transposes dy and then the small [out, in] result), which
 * copies less.
 */
function weightGradient(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  const simd = simdWeightGradient(x, dy, false);
  if (simd !== null) return simd[0];
  if (x.shape[1] <= dy.shape[1]) return tf.matMul(tf.transpose(x), dy);
  return tf.transpose(tf.matMul(tf.transpose(dy), x)) as tf.Tensor2D;
}

/** Sum over rows as a [1, rows] x [rows, out] product: wasm's axis-0 Sum is several times slower. */
function columnSums(dy: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, dy.shape[0]]), dy), [dy.shape[1]]);
}

/** The kernel and bias gradients of x W + b: [x^T dy, column sums of dy], in one pass where possible. */
function linearParameterGradients(x: tf.Tensor2D, dy: tf.Tensor2D): [tf.Tensor2D, tf.Tensor1D] {
  const simd = simdWeightGradient(x, dy, true);
  if (simd !== null) return [simd[0], simd[1] as tf.Tensor1D];
  return [weightGradient(x, dy), columnSums(dy)];
}

const linearWithBias = tf.customGrad((x, kernel, bias, save) => {
  const input = x as tf.Tensor2D;
  const w = kernel as tf.Tensor2D;
  (save as GradSaveFunc)([input, w]);
  return {
    value: tf.fused.matMul({ a: input, b: w, bias: bias as tf.Tensor }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const grad = dy as tf.Tensor2D;
      return [tf.matMul(grad, tf.transpose(sw)), ...linearParameterGradients(sx, grad)];
    },
  };
});

/**
 * y = x W + b for x [..., in], kernel [in, out], bias [out]. Rows are flattened so the work is one
 * 2-D matMul. Returns a new tensor owned by the caller.
 */
export function linear(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor | null): tf.Tensor {
  const inFeatures = x.shape[x.rank - 1] as number;
  const outFeatures = kernel.shape[1] as number;
  return tf.tidy(() => {
    const rows = tf.reshape(x, [-1, inFeatures]);
    const y = bias === undefined || bias === null ? matMulOp(rows, kernel) : linearWithBias(rows, kernel, bias);
    return tf.reshape(y, [...x.shape.slice(0, -1), outFeatures]);
  });
}

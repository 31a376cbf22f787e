/**
 * Swin's window attention (timm `WindowAttention`): the shared qkv/proj attention of core/tensor,
 * plus a learned relative-position bias per head and, for shifted windows, the additive region mask.
 */
import * as tf from '@tensorflow/tfjs-core';

import { softmax as plainSoftmax } from '../../tensor/activations';
import { Attention } from '../../tensor/attention';
import { matMul } from '../../tensor/mat-mul';
import { createParameter, joinKey } from '../../tensor/parameters';

import { relativePositionIndex, relativeTableSize } from './geometry';

import type { SoftmaxFn } from '../../tensor/activations';
import type { ParameterEntry, ParameterOwner } from '../../tensor/parameters';
import type { Size2 } from './geometry';

/**
 * Constant tensors shared by the blocks of one window size: the one-hot matrix that turns the bias
 * table into the [N*N, heads] bias with a matMul (tf.gather's gradient needs a kernel wasm lacks).
 */
export class RelativePositionLookup {
  readonly window: Size2;
  readonly tableRows: number;
  /** [N*N, tableRows], row i*N+j is one-hot at the table row of offset (i - j). */
  readonly oneHot: tf.Tensor2D;

  constructor(window: Size2) {
    this.window = window;
    this.tableRows = relativeTableSize(window);
    const index = relativePositionIndex(window);
    const values = new Float32Array(index.length * this.tableRows);
    index.forEach((row, pair) => {
      values[pair * this.tableRows + row] = 1;
    });
    this.oneHot = tf.tensor2d(values, [index.length, this.tableRows]);
  }

  dispose(): void {
    this.oneHot.dispose();
  }
}

export interface WindowAttentionArgs {
  /** timm key prefix, e.g. 'layers.0.blocks.1.attn'. */
  key: string;
  dim: number;
  numHeads: number;
  qkvBias: boolean;
  lookup: RelativePositionLookup;
  seed: number;
}

export interface WindowAttentionOptions {
  /** Additive mask [windows, N, N] of shifted windows (windows per image, tiled over the batch). */
  mask?: tf.Tensor3D | null;
  /** Replaces the softmax over the last axis of the logits [B*windows, heads, N, N]. */
  softmax?: SoftmaxFn;
}

export class WindowAttention implements ParameterOwner {
  static readonly className = 'WindowAttention';
  readonly attention: Attention;
  /** timm `relative_position_bias_table`: [(2h-1)(2w-1), heads]. */
  readonly biasTable: ParameterEntry;
  readonly lookup: RelativePositionLookup;
  readonly numHeads: number;

  constructor(args: WindowAttentionArgs) {
    this.attention = new Attention({ key: args.key, dim: args.dim, numHeads: args.numHeads, qkvBias: args.qkvBias, seed: args.seed });
    this.lookup = args.lookup;
    this.numHeads = args.numHeads;
    this.biasTable = createParameter({
      key: joinKey(args.key, 'relative_position_bias_table'),
      timmShape: [args.lookup.tableRows, args.numHeads],
      init: { kind: 'truncated-normal', std: 0.02 },
      seed: args.seed,
    });
  }

  /** The bias [heads, N, N] added to every window's logits. Caller owns the result. */
  positionBias(): tf.Tensor3D {
    const area = this.lookup.window[0] * this.lookup.window[1];
    return tf.tidy(() => {
      const pairs = matMul(this.lookup.oneHot, this.biasTable.variable);
      return tf.transpose(tf.reshape(pairs, [area, area, this.numHeads]), [2, 0, 1]) as tf.Tensor3D;
    });
  }

  /** Attention logits with position bias and mask: [B*windows, heads, N, N]. Caller owns the result. */
  maskedLogits(windows: tf.Tensor3D, mask: tf.Tensor3D | null): { logits: tf.Tensor4D; v: tf.Tensor4D } {
    return tf.tidy(() => {
      const heads = this.attention.projectQkv(windows);
      let logits: tf.Tensor = tf.add(this.attention.logits(heads), this.positionBias());
      if (mask !== null) {
        // Rank 4 ([B, windows, heads, N*N]) keeps the broadcasting add on wasm's fast path.
        const [rows, numHeads, area] = logits.shape as [number, number, number, number];
        const windowCount = mask.shape[0];
        const perImage = tf.reshape(logits, [rows / windowCount, windowCount, numHeads, area * area]);
        const masked = tf.add(perImage, tf.reshape(mask, [1, windowCount, 1, area * area]));
        logits = tf.reshape(masked, [rows, numHeads, area, area]);
      }
      return { logits: logits as tf.Tensor4D, v: heads.v };
    });
  }

  /** windows [B*windows, N, C] -> [B*windows, N, C]. Caller owns the result. */
  apply(windows: tf.Tensor3D, options: WindowAttentionOptions = {}): tf.Tensor3D {
    const normalise = options.softmax ?? plainSoftmax;
    return tf.tidy(() => {
      const { logits, v } = this.maskedLogits(windows, options.mask ?? null);
      return this.attention.proj.apply(this.attention.mixValues(normalise(logits), v)) as tf.Tensor3D;
    });
  }

  parameters(): ParameterEntry[] {
    // timm's state-dict order: the bias table comes first, then qkv and proj.
    return [this.biasTable, ...this.attention.parameters()];
  }
}

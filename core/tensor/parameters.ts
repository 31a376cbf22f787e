/**
 * Parameters keyed by their timm state-dict names, with the layout change between timm's storage
 * and ours. Linear and patch-embedding kernels are stored [in, out] here so the forward pass is a
 * plain matMul; timm stores them [out, in] (or [out, C, p, p] for the patch convolution).
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../shared/errors';

import { elementCount, formatShape, sameShape } from './host-tensor';

import type { HostTensor } from './host-tensor';

/**
 * 'same': identical shape and order. 'out-first': timm holds [out, ...rest]; we hold
 * [prod(rest), out] (reshape then transpose).
 */
export type ParameterLayout = 'same' | 'out-first';

export interface ParameterEntry {
  /** timm's state-dict key, e.g. 'blocks.0.attn.qkv.weight'. */
  key: string;
  variable: tf.Variable;
  layout: ParameterLayout;
  /** The shape in timm's state dict. */
  timmShape: number[];
}

/** Anything that owns parameters. */
export interface ParameterOwner {
  parameters(): ParameterEntry[];
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const rowOffset = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[rowOffset + c] as number;
  }
  return out;
}

/** Converts a state-dict tensor into this entry's variable layout (host side, no tfjs work). */
export function timmToInternal(entry: ParameterEntry, host: HostTensor): Float32Array {
  if (!sameShape(host.shape, entry.timmShape)) {
    throw new StudioError('model/weights-mismatch', `Weight '${entry.key}' has shape ${formatShape(host.shape)}, the model expects ${formatShape(entry.timmShape)}.`, {
      details: { key: entry.key, shape: host.shape, expected: entry.timmShape },
      hint: 'The weights were saved for another model configuration; check the config (embed_dim, depth, num_classes, ...).',
    });
  }
  if (entry.layout === 'same') return host.data;
  const out = entry.timmShape[0] as number;
  return transpose2d(host.data, out, elementCount(entry.timmShape) / out);
}

/** Reads a variable back in timm's layout. */
export function internalToTimm(entry: ParameterEntry): HostTensor {
  const data = entry.variable.dataSync() as Float32Array;
  if (entry.layout === 'same') return { shape: [...entry.timmShape], data: Float32Array.from(data) };
  const out = entry.timmShape[0] as number;
  return { shape: [...entry.timmShape], data: transpose2d(data, elementCount(entry.timmShape) / out, out) };
}

/** The variable shape that goes with a timm shape and layout. */
export function internalShape(timmShape: readonly number[], layout: ParameterLayout): number[] {
  if (layout === 'same') return [...timmShape];
  const out = timmShape[0] as number;
  return [elementCount(timmShape) / out, out];
}

/** Stable 31-bit seed per parameter key, so initial weights do not depend on creation order. */
export function seedFor(baseSeed: number, key: string): number {
  let hash = (baseSeed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}

export type Initializer =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number }
  | { kind: 'truncated-normal'; std: number }
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; limit: number };

export interface CreateParameterOptions {
  key: string;
  timmShape: number[];
  layout?: ParameterLayout;
  init: Initializer;
  seed: number;
}

/** Creates a trainable variable and its entry. The caller (the layer) owns the variable. */
export function createParameter(options: CreateParameterOptions): ParameterEntry {
  const layout = options.layout ?? 'same';
  const shape = internalShape(options.timmShape, layout);
  const seed = seedFor(options.seed, options.key);
  const initial = tf.tidy(() => {
    const init = options.init;
    switch (init.kind) {
      case 'zeros': return tf.zeros(shape);
      case 'ones': return tf.ones(shape);
      case 'constant': return tf.fill(shape, init.value);
      case 'truncated-normal': return tf.truncatedNormal(shape, 0, init.std, 'float32', seed);
      case 'normal': return tf.randomNormal(shape, 0, init.std, 'float32', seed);
      case 'uniform': return tf.randomUniform(shape, -init.limit, init.limit, 'float32', seed);
    }
  });
  const variable = tf.variable(initial, true);
  initial.dispose();
  return { key: options.key, variable, layout, timmShape: [...options.timmShape] };
}

/** Key prefix helper: join('blocks.0', 'attn') = 'blocks.0.attn'. */
export function joinKey(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

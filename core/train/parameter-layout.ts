/**
 * Every parameter of a model laid out in one flat Float32Array (the variables' own layout, in
 * `parameters()` order). Gradients, optimiser moments and the copies the worker threads hold all use
 * this layout, so exchanging them is one buffer copy. Each entry carries its optimiser group.
 */
import * as tf from '@tensorflow/tfjs-core';

import { FROZEN_PARAMETER_KEYS } from '../spvit/model';

import type { ParameterEntry } from '../tensor/parameters';

export type ParameterGroup = 'backbone' | 'selector' | 'frozen';

export interface LayoutEntry {
  key: string;
  shape: number[];
  offset: number;
  size: number;
  group: ParameterGroup;
  /** AdamW weight decay applies (not to biases, norms, tokens and embeddings: 1-D or frozen). */
  decay: boolean;
}

export interface ParameterLayout {
  entries: LayoutEntry[];
  size: number;
}

/** Keys timm exempts from weight decay besides 1-D tensors. */
const NO_DECAY_KEYS: readonly string[] = ['cls_token', 'pos_embed', 'dist_token', 'reg_token'];

export interface LayoutOptions {
  /** SPViT training: `selectors.*` are the selector group and cls_token / pos_embed are frozen. */
  spvit: boolean;
}

function groupOf(key: string, options: LayoutOptions): ParameterGroup {
  if (!options.spvit) return 'backbone';
  if (key.startsWith('selectors.')) return 'selector';
  return FROZEN_PARAMETER_KEYS.includes(key) ? 'frozen' : 'backbone';
}

export function parameterLayout(entries: readonly ParameterEntry[], options: LayoutOptions): ParameterLayout {
  let offset = 0;
  const out = entries.map((entry): LayoutEntry => {
    const shape = [...entry.variable.shape];
    const size = entry.variable.size;
    const item: LayoutEntry = {
      key: entry.key,
      shape,
      offset,
      size,
      group: groupOf(entry.key, options),
      decay: shape.length > 1 && !NO_DECAY_KEYS.includes(entry.key),
    };
    offset += size;
    return item;
  });
  return { entries: out, size: offset };
}

/** Reads every variable into one flat array (a sync device read per variable). */
export function readParameters(entries: readonly ParameterEntry[], layout: ParameterLayout, out = new Float32Array(layout.size)): Float32Array {
  entries.forEach((entry, i) => {
    const item = layout.entries[i] as LayoutEntry;
    out.set(entry.variable.dataSync() as Float32Array, item.offset);
  });
  return out;
}

/** Writes a flat array back into the variables. `only` limits it to some groups. */
export function writeParameters(entries: readonly ParameterEntry[], layout: ParameterLayout, flat: Float32Array, only?: ReadonlySet<ParameterGroup>): void {
  entries.forEach((entry, i) => {
    const item = layout.entries[i] as LayoutEntry;
    if (only !== undefined && !only.has(item.group)) return;
    const values = tf.tensor(flat.subarray(item.offset, item.offset + item.size), item.shape, 'float32');
    entry.variable.assign(values);
    values.dispose();
  });
}

/** Names and sizes only, to check that two replicas share a layout. */
export function layoutSignature(layout: ParameterLayout): string {
  return layout.entries.map((entry) => `${entry.key}:${entry.shape.join('x')}:${entry.group}`).join(',');
}
